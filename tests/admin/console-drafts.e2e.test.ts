/**
 * The rules console in headless Chromium (Debian's, see console-support/browser.ts): an unsaved rule
 * draft is never thrown away without the editor being asked (console review, findings 1 to 3):
 * an expired or revoked token (401) on Save or on the status poll keeps the draft and asks for a new
 * token; a draft kept while Analytics is shown is guarded like the open rule's (the Rules link goes
 * back to it; another route, Sign out, closing or reloading the tab ask first); "+ New rule" asks before
 * its template replaces a draft.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumMissingReason } from './console-support/browser.ts';
import { useConsoleBrowser } from './console-support/browser-session.ts';
import { see } from './console-support/ui-expect.ts';

const STEP_TIMEOUT = 15_000;

const missing = chromiumMissingReason();
const inCi = Boolean(process.env.CI) && process.env.CI !== 'false';
if (missing && !inCi) {
  console.warn(`[console drafts e2e] SKIPPED: ${missing}`);
}

/** The editor's textarea, as the page sees it (the tests' TypeScript has no DOM types). */
interface TextArea {
  value: string;
  focus(): void;
  setSelectionRange(start: number, end: number): void;
}

const UNAUTHORIZED = JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', details: { text: 'The token has expired.' } }] });

describe.skipIf(missing !== null && !inCi)('rules console: unsaved drafts are kept or the editor is asked (browser)', () => {
  const session = useConsoleBrowser(missing, STEP_TIMEOUT);
  const newPage = (pageErrors?: string[]): Promise<Page> => session.newPage(pageErrors);

  async function signIn(page: Page): Promise<void> {
    await page.goto(`${session.app.baseUrl}/admin/`);
    await page.locator('#token-input').fill(session.app.tokens.editor);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#rule-list [role=option]').first().waitFor();
  }

  async function openRule(page: Page, id: string): Promise<void> {
    await page.locator(`#rule-option-${id}`).click();
    await page.waitForURL(`**/admin/#/rules/${id}`);
    await page.locator('.editor-status.is-valid').waitFor();
  }

  const editorText = (page: Page): Promise<string> => page.locator('#rule-editor').inputValue();

  /**
   * Types a new "version" into the editor, the patch number one higher (a real edit: input events, the
   * draft is dirty); returns the new text and version.
   */
  async function bumpVersion(page: Page): Promise<{ draft: string; version: string }> {
    const text = await editorText(page);
    const start = text.indexOf('"version": "') + '"version": "'.length;
    const end = text.indexOf('"', start);
    const [major, minor, patch] = text.slice(start, end).split('.').map(Number);
    const version = `${major}.${minor}.${(patch ?? 0) + 1}`;
    await page.locator('#rule-editor').evaluate(
      (el, [s, e]) => {
        const textarea = el as unknown as TextArea;
        textarea.focus();
        textarea.setSelectionRange(s!, e!);
      },
      [start, end]
    );
    await page.keyboard.type(version);
    await see.visible(page.locator('#dirty-flag'));
    return { draft: await editorText(page), version };
  }

  /** From now on the service refuses the token, as it does once an OIDC token has expired. */
  async function refuseToken(page: Page): Promise<void> {
    await page.route('**/admin/api/**', (route) => route.fulfill({ status: 401, contentType: 'application/fhir+json', body: UNAUTHORIZED }));
  }

  const signInAgainDialog = (page: Page) => page.getByRole('dialog', { name: 'Sign in again' });

  async function storedRuleVersion(id: string): Promise<string> {
    const res = await fetch(`${session.app.baseUrl}/admin/api/rules/${id}`, { headers: { Authorization: `Bearer ${session.app.tokens.editor}` } });
    return ((await res.json()) as { version: string }).version;
  }

  it('a 401 on Save keeps the draft and asks for a new token; after signing in again, Save saves the draft', async () => {
    const pageErrors: string[] = [];
    const page = await newPage(pageErrors);
    await signIn(page);
    await openRule(page, 'opioid-high-mme');
    const { draft, version } = await bumpVersion(page);

    await refuseToken(page);
    await page.keyboard.press('Control+s');
    const dialog = signInAgainDialog(page);
    await see.visible(dialog);
    expect(await page.locator('#token-input').count()).toBe(0); // not the sign-in page
    expect(await editorText(page)).toBe(draft);
    await see.visible(page.locator('#session-lost'));

    // The service takes the (new) token again.
    await page.unroute('**/admin/api/**');
    await dialog.getByLabel('Admin token').fill(session.app.tokens.editor);
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.locator('#session-lost').count()).toBe(0);
    expect(await editorText(page)).toBe(draft);
    await see.visible(page.locator('#dirty-flag'));

    await page.locator('#rule-editor').focus();
    await page.keyboard.press('Control+s');
    await see.liveStatus(page).toContain('Saved opioid-high-mme');
    expect(await storedRuleVersion('opioid-high-mme')).toBe(version);
    expect(pageErrors).toEqual([]);
  });

  it('a 401 on the status poll while the editor is idle keeps the draft; a refused new token is said so in the dialog', async () => {
    const page = await newPage();
    await page.clock.install();
    await signIn(page);
    await openRule(page, 'opioid-benzodiazepine');
    const { draft } = await bumpVersion(page);

    await refuseToken(page);
    await page.clock.fastForward(31_000); // the 30 s status poll
    const dialog = signInAgainDialog(page);
    await see.visible(dialog);
    expect(await page.locator('#token-input').count()).toBe(0);
    expect(await editorText(page)).toBe(draft);

    // Still refused: the dialog stays, with the reason; the draft stays.
    await dialog.getByLabel('Admin token').fill('not-a-valid-token');
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    await see.text(dialog.locator('.form-error')).toContain('401');
    await see.visible(dialog);

    // "Not now": the draft stays and the banner offers to sign in again.
    await dialog.getByRole('button', { name: 'Not now' }).click();
    expect(await editorText(page)).toBe(draft);
    await page.unroute('**/admin/api/**');
    await page.locator('#session-lost-signin').click();
    await signInAgainDialog(page).getByLabel('Admin token').fill(session.app.tokens.editor);
    await signInAgainDialog(page).getByRole('button', { name: 'Sign in' }).click();
    await signInAgainDialog(page).waitFor({ state: 'detached' });
    expect(await editorText(page)).toBe(draft);
  });

  it('a draft kept while Analytics is shown: the Rules link goes back to it; another route, Sign out or closing the tab asks first', async () => {
    const page = await newPage();
    await signIn(page);
    await openRule(page, 'opioid-benzodiazepine');
    const { draft } = await bumpVersion(page);
    const discardDialog = page.getByRole('dialog', { name: 'Discard unsaved changes?' });
    const toAnalytics = async (): Promise<void> => {
      await page.getByRole('link', { name: 'Analytics' }).click();
      await page.waitForURL('**/admin/#/analytics');
      await page.locator('#analytics-stats').waitFor();
    };

    // The header's "Rules" link goes back to the rule and its draft, without asking.
    await toAnalytics();
    await page.getByRole('link', { name: 'Rules' }).click();
    await page.waitForURL('**/admin/#/rules/opioid-benzodiazepine');
    await see.visible(page.locator('#dirty-flag'));
    expect(await editorText(page)).toBe(draft);
    expect(await discardDialog.count()).toBe(0);

    // The bare rule list, or another rule (a rule link in the Analytics table), would discard it: asked.
    for (const hash of ['#/rules', '#/rules/opioid-high-mme']) {
      await toAnalytics();
      await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
      await see.visible(discardDialog);
      await discardDialog.getByRole('button', { name: 'Keep editing' }).click();
      await page.waitForURL('**/admin/#/analytics');
      await page.getByRole('link', { name: 'Rules' }).click();
      await page.waitForURL('**/admin/#/rules/opioid-benzodiazepine');
      await see.visible(page.locator('#dirty-flag'));
      expect(await editorText(page)).toBe(draft);
    }

    // Sign out from Analytics asks.
    await toAnalytics();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await see.visible(discardDialog);
    await discardDialog.getByRole('button', { name: 'Keep editing' }).click();
    expect(await page.locator('#token-input').count()).toBe(0);

    // Closing or reloading the tab from Analytics gets the browser's leave-page prompt.
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.type());
      void d.dismiss();
    });
    await page.mouse.click(5, 400); // Chromium shows the prompt only after a user gesture
    await page.close({ runBeforeUnload: true });
    await expect.poll(() => dialogs).toContain('beforeunload');
    expect(page.isClosed()).toBe(false);
  });

  it('"+ New rule" asks before it replaces unsaved changes', async () => {
    const page = await newPage();
    await signIn(page);
    await openRule(page, 'opioid-high-mme');
    const { draft } = await bumpVersion(page);
    const discardDialog = page.getByRole('dialog', { name: 'Discard unsaved changes?' });

    await page.locator('#new-rule-button').click();
    await see.visible(discardDialog);
    expect(await page.getByRole('dialog', { name: 'New rule' }).count()).toBe(0);
    await discardDialog.getByRole('button', { name: 'Keep editing' }).click();
    expect(page.url()).toMatch(/#\/rules\/opioid-high-mme$/);
    expect(await editorText(page)).toBe(draft);

    // Agreeing to discard goes on to the new rule.
    await page.locator('#new-rule-button').click();
    await discardDialog.getByRole('button', { name: 'Discard changes' }).click();
    const form = page.getByRole('dialog', { name: 'New rule' });
    await form.getByLabel('Rule id').fill('opioid-probe-new');
    await form.getByLabel('Title').fill('Probe');
    await form.getByRole('button', { name: 'Create draft' }).click();
    await page.waitForURL('**/admin/#/new');
    await see.text(page.locator('#rule-title')).toContain('New rule: Probe');
  });

  it('a 401 with nothing unsaved still signs out', async () => {
    const page = await newPage();
    await signIn(page);
    await openRule(page, 'opioid-high-mme');
    await refuseToken(page);
    await page.locator('#toggle-status-button').click();
    await page.getByRole('dialog').getByRole('button', { name: /Disable rule/ }).click();
    await see.visible(page.locator('#token-input'));
  });
});
