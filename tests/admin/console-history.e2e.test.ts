/**
 * The console's History tab in headless Chromium (Debian's, see console-support/browser.ts): the API answers a
 * rule's history a page at a time (the newest 100 changes by default). The tab says how many older changes it
 * leaves out and shows them on request, so a long history is never cut silently.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { chromiumMissingReason } from './console-support/browser.ts';
import { useConsoleBrowser } from './console-support/browser-session.ts';
import { see } from './console-support/ui-expect.ts';

const STEP_TIMEOUT = 15_000;
const RULE = 'ketamine-cns-depressant';

const missing = chromiumMissingReason();
const inCi = Boolean(process.env.CI) && process.env.CI !== 'false';
if (missing && !inCi) {
  console.warn(`[console history e2e] SKIPPED: ${missing}`);
}

describe.skipIf(missing !== null && !inCi)('rules console: a long rule history comes a page at a time (browser)', () => {
  const session = useConsoleBrowser(missing, STEP_TIMEOUT);

  it('says how many older changes are not shown, and shows them on request', async () => {
    const store = session.app.store;
    if (!store) {
      throw new Error('the console app has no store');
    }
    // 150 recorded changes of one rule, each with the rule's current content (a rule sync writes nothing new).
    const content = JSON.parse(readFileSync(path.join(session.app.rulesDir, `${RULE}.json`), 'utf8'));
    const start = Date.now() - 150 * 60_000;
    for (let i = 0; i < 150; i += 1) {
      await store.appendRuleChange({ ruleId: RULE, action: 'update', content, author: `editor-${i}`, at: new Date(start + i * 60_000).toISOString() });
    }
    const page = await session.newPage();
    await page.goto(`${session.app.baseUrl}/admin/`);
    await page.locator('#token-input').fill(session.app.tokens.viewer);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator(`#rule-option-${RULE}`).click();
    await page.waitForURL(`**/admin/#/rules/${RULE}`);
    await page.getByRole('tab', { name: 'History' }).click();

    await see.count(page.locator('.history-item')).toBe(100);
    await see.text(page.locator('.history-more')).toContain('50 older changes are not shown.');
    await see.text(page.locator('.history-item').first()).toContain('editor-149');

    await page.getByRole('button', { name: 'Show older changes' }).click();
    await see.count(page.locator('.history-item')).toBe(150);
    await see.count(page.locator('.history-more')).toBe(0);
    await see.text(page.locator('.history-item').last()).toContain('editor-0');
  });

  it('shows the failing test cases of other rules the author acknowledged with a disable', async () => {
    const store = session.app.store;
    if (!store) {
      throw new Error('the console app has no store');
    }
    const rule = 'methadone-for-pain';
    const content = JSON.parse(readFileSync(path.join(session.app.rulesDir, `${rule}.json`), 'utf8'));
    await store.appendRuleChange({ ruleId: rule, action: 'update', content, author: 'editor-plain', at: new Date(Date.now() - 60_000).toISOString() });
    await store.appendRuleChange({
      ruleId: rule,
      action: 'disable',
      content,
      author: 'editor-ack',
      at: new Date().toISOString(),
      acknowledgedFailingTests: ['opioid-benzodiazepine.json/tests/2', 'naloxone-co-prescribe.json/tests/0'],
    });
    const page = await session.newPage();
    await page.goto(`${session.app.baseUrl}/admin/`);
    await page.locator('#token-input').fill(session.app.tokens.viewer);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator(`#rule-option-${rule}`).click();
    await page.waitForURL(`**/admin/#/rules/${rule}`);
    await page.getByRole('tab', { name: 'History' }).click();

    const newest = page.locator('.history-item').first();
    await see.text(newest).toContain('editor-ack');
    await see.text(newest.locator('.history-acknowledged')).toContain('Made 2 test cases of other rules fail, acknowledged by the author: opioid-benzodiazepine.json/tests/2, naloxone-co-prescribe.json/tests/0');
    // A change without an acknowledgement says nothing of the kind.
    await see.count(page.locator('.history-item').nth(1).locator('.history-acknowledged')).toBe(0);
  });
});
