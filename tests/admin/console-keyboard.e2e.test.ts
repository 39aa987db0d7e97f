/**
 * The console with the keyboard, in headless Chromium (Debian's, see console-support/browser.ts)
 * (console review, findings 5 and 6): the skip link ("#main") and the header's "Reload error" badge
 * ("#reload-error") are in-page anchors, not routes: following them moves the focus and leaves the
 * open rule, and its draft, alone; in the editor, Esc then Shift+Tab leaves backwards, as Esc then Tab
 * leaves forwards.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumMissingReason } from './console-support/browser.ts';
import { useConsoleBrowser } from './console-support/browser-session.ts';
import { see } from './console-support/ui-expect.ts';

const STEP_TIMEOUT = 15_000;
const RULE = 'opioid-high-mme';

const missing = chromiumMissingReason();
const inCi = Boolean(process.env.CI) && process.env.CI !== 'false';
if (missing && !inCi) {
  console.warn(`[console keyboard e2e] SKIPPED: ${missing}`);
}

/** The editor's textarea, as the page sees it (the tests' TypeScript has no DOM types). */
interface TextArea {
  value: string;
  focus(): void;
  setSelectionRange(start: number, end: number): void;
}

describe.skipIf(missing !== null && !inCi)('rules console: keyboard use (browser)', () => {
  const session = useConsoleBrowser(missing, STEP_TIMEOUT);

  async function signInAndOpen(page: Page): Promise<void> {
    await page.goto(`${session.app.baseUrl}/admin/`);
    await page.locator('#token-input').fill(session.app.tokens.editor);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator(`#rule-option-${RULE}`).click();
    await page.waitForURL(`**/admin/#/rules/${RULE}`);
    await page.locator('.editor-status.is-valid').waitFor();
  }

  const editorText = (page: Page): Promise<string> => page.locator('#rule-editor').inputValue();

  /** Puts the caret at `offset` in the editor (focusing it). */
  async function caretAt(page: Page, offset: number): Promise<void> {
    await page.locator('#rule-editor').evaluate((el, at) => {
      const textarea = el as unknown as TextArea;
      textarea.focus();
      textarea.setSelectionRange(at, at);
    }, offset);
  }

  /** Adds a space after the rule's title, so the draft has unsaved changes. */
  async function makeDirty(page: Page): Promise<string> {
    const text = await editorText(page);
    await caretAt(page, text.indexOf('"title": "') + '"title": "'.length);
    await page.keyboard.type(' ');
    await see.visible(page.locator('#dirty-flag'));
    return editorText(page);
  }

  it('the skip link moves the focus to the content and keeps the open rule and its draft', async () => {
    const page = await session.newPage();
    await signInAndOpen(page);
    const skip = page.locator('a.skip-link');

    await skip.focus();
    await page.keyboard.press('Enter');
    await see.focusedId(page).toBe('main');
    expect(page.url()).toMatch(new RegExp(`#/rules/${RULE}$`));
    await see.visible(page.locator('#rule-editor'));

    const draft = await makeDirty(page);
    await skip.focus();
    await page.keyboard.press('Enter');
    await see.focusedId(page).toBe('main');
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(page.url()).toMatch(new RegExp(`#/rules/${RULE}$`));
    expect(await editorText(page)).toBe(draft);

    // The anchor reached another way (typed into the address bar): the route is put back.
    await page.evaluate("location.hash = '#main'");
    await page.waitForURL(`**/admin/#/rules/${RULE}`);
    await see.focusedId(page).toBe('main');
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await editorText(page)).toBe(draft);
  });

  it('the "Reload error" badge shows the error banner and keeps the open rule and its draft', async () => {
    const page = await session.newPage();
    // The service reports a refused reload of the rules folder.
    await page.route('**/admin/api/status', async (route) => {
      const res = await route.fetch();
      const status = (await res.json()) as Record<string, unknown>;
      await route.fulfill({ response: res, json: { ...status, lastReloadError: { at: new Date().toISOString(), errors: ['zz-broken.json: not valid JSON'] } } });
    });
    await signInAndOpen(page);
    const draft = await makeDirty(page);

    const badge = page.getByRole('link', { name: 'Reload error' });
    await badge.focus();
    await page.keyboard.press('Enter');
    await see.focusedId(page).toBe('reload-error');
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(page.url()).toMatch(new RegExp(`#/rules/${RULE}$`));
    expect(await editorText(page)).toBe(draft);
  });

  it('in the editor, Esc then Shift+Tab leaves it backwards without changing the text (Esc then Tab: forwards)', async () => {
    const page = await session.newPage();
    await signInAndOpen(page);
    const before = await editorText(page);
    expect(before).toContain('\n  "version": "');

    for (const [keys, leaves] of [
      ['Shift+Tab', 'backwards'],
      ['Tab', 'forwards'],
    ] as const) {
      await caretAt(page, before.indexOf('"version": "'));
      await page.keyboard.press('Escape');
      await page.keyboard.press(keys);
      await expect.poll(async () => page.evaluate('document.activeElement && document.activeElement.id'), { timeout: 10_000 }).not.toBe('rule-editor');
      expect(await editorText(page), leaves).toBe(before);
      expect(await page.locator('#dirty-flag').count(), leaves).toBe(0);
    }

    // Without Esc, Shift+Tab still outdents.
    await caretAt(page, before.indexOf('"version": "'));
    await page.keyboard.press('Shift+Tab');
    await see.visible(page.locator('#dirty-flag'));
    expect(await editorText(page)).toContain('\n"version": "');
  });
});
