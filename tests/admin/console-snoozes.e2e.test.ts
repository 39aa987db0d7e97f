/**
 * The console's Snoozes table in headless Chromium (Debian's, see console-support/browser.ts): the API
 * answers at most `limit` snoozes (100 by default), newest first. The table says when the list goes
 * on, shows more on request, and filters by rule, so an older snooze can still be found and lifted
 * (console review, finding 4). A period in which every card was withheld by snoozes shows its figures
 * (console review 2, finding 5: it said "No cards were shown in this period" and hid them).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumMissingReason } from './console-support/browser.ts';
import { useConsoleBrowser } from './console-support/browser-session.ts';
import { see } from './console-support/ui-expect.ts';

const STEP_TIMEOUT = 15_000;

const missing = chromiumMissingReason();
const inCi = Boolean(process.env.CI) && process.env.CI !== 'false';
if (missing && !inCi) {
  console.warn(`[console snoozes e2e] SKIPPED: ${missing}`);
}

/** A patient key whose first 10 characters (what the table shows) name the snooze. */
const patientKey = (label: string): string => `${label.padEnd(10, '0')}${'f'.repeat(54)}`;

describe.skipIf(missing !== null && !inCi)('rules console: the Snoozes table never hides snoozes silently (browser)', () => {
  const session = useConsoleBrowser(missing, STEP_TIMEOUT);

  /** 205 active snoozes of opioid-benzodiazepine, then the 3 oldest, of opioid-high-mme. */
  async function seed(): Promise<void> {
    const store = session.app.store;
    if (!store) {
      throw new Error('the console app has no store');
    }
    const now = Date.now();
    const make = (ruleId: string, label: string, minutesAgo: number) =>
      store.createSnooze({
        ruleId,
        patientKey: patientKey(label),
        createdAt: new Date(now - minutesAgo * 60_000).toISOString(),
        expiresAt: new Date(now + 30 * 86_400_000).toISOString(),
        reasonCode: 'benefit-outweighs-risk',
        cardUuid: randomUUID(),
      });
    for (let i = 0; i < 205; i += 1) {
      await make('opioid-benzodiazepine', `b${String(i).padStart(4, '0')}`, 10 + i);
    }
    for (let i = 0; i < 3; i += 1) {
      await make('opioid-high-mme', `old${i}`, 1000 + i);
    }
  }

  const rows = (page: Page) => page.locator('#snoozes tbody tr');
  const listed = async (page: Page, label: string): Promise<boolean> => (await page.locator('#snoozes tbody code', { hasText: label.padEnd(10, '0') }).count()) > 0;

  it('says the list goes on, shows more, and filters by rule: the oldest snooze can be found and lifted', async () => {
    await seed();
    const page = await session.newPage();
    await page.goto(`${session.app.baseUrl}/admin/#/analytics`);
    await page.locator('#token-input').fill(session.app.tokens.editor);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#snoozes tbody tr').first().waitFor();

    await see.count(rows(page)).toBe(100);
    await see.text(page.locator('#snoozes-count')).toContain('Showing the newest 100 active snoozes; there are more.');
    expect(await listed(page, 'old0')).toBe(false);

    await page.locator('#snoozes-more').click();
    await see.count(rows(page)).toBe(200);
    await see.text(page.locator('#snoozes-count')).toContain('there are more');
    await page.locator('#snoozes-more').click();
    await see.count(rows(page)).toBe(208);
    await see.text(page.locator('#snoozes-count')).toBe('208 active snoozes.');
    expect(await page.locator('#snoozes-more').count()).toBe(0);
    expect(await listed(page, 'old0')).toBe(true);

    // Filtered by rule, the old ones are at the top of a short list, and can be lifted.
    await page.locator('#snoozes-rule').selectOption('opioid-high-mme');
    await see.count(rows(page)).toBe(3);
    await see.text(page.locator('#snoozes-count')).toBe('3 active snoozes of opioid-high-mme.');
    expect(await listed(page, 'old2')).toBe(true);
    await rows(page).filter({ hasText: 'old2'.padEnd(10, '0') }).getByRole('button', { name: 'Lift' }).click();
    await page.getByRole('dialog', { name: 'Lift this snooze?' }).getByRole('button', { name: 'Lift snooze' }).click();
    await see.count(rows(page)).toBe(2);
    expect(await listed(page, 'old2')).toBe(false);
  });

  it('shows a period whose cards were all withheld by snoozes, with its figures, not "No cards were shown"', async () => {
    const page = await session.newPage();
    // What GET analytics answers for such a period (suppressed-only.sh of the review, on the real service).
    const stat = (ruleId: string) => ({ ruleId, fired: 0, suppressed: 3, accepted: 0, overridden: 0, acceptedRate: 0, overriddenRate: 0, topOverrideReasons: [], comments: 0 });
    await page.route('**/admin/api/analytics?**', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ from: '2026-10-22T00:00:00.000Z', to: '2026-11-22T00:00:00.000Z', rules: [stat('naloxone-co-prescribe'), stat('opioid-benzodiazepine')] }),
      })
    );
    await page.goto(`${session.app.baseUrl}/admin/#/analytics`);
    await page.locator('#token-input').fill(session.app.tokens.viewer);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const stats = page.locator('#analytics-stats');
    await see.text(stats).toContain('No cards were shown; 6 were withheld by snoozes.');
    await see.count(stats.locator('tbody tr')).toBe(2);
    const row = stats.locator('tbody tr', { hasText: 'opioid-benzodiazepine' });
    // Rule, Fired, Accepted, Overridden, Snoozed away
    expect(await row.locator('td').nth(3).innerText()).toBe('3');
    expect(await stats.innerText()).not.toContain('No cards were shown in this period');
  });
});
