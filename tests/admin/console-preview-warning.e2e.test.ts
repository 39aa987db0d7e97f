/**
 * The console's card preview in headless Chromium (Debian's, see console-support/browser.ts): it
 * says when sanitizing left something out of a card's detail (raw HTML, an image, a javascript:
 * link) instead of dropping it silently, since an EHR rendering HTML would show it, or load an
 * <img> beacon without a click (console security review, finding 1).
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumMissingReason } from './console-support/browser.ts';
import { useConsoleBrowser } from './console-support/browser-session.ts';

const STEP_TIMEOUT = 15_000;

const missing = chromiumMissingReason();
const inCi = Boolean(process.env.CI) && process.env.CI !== 'false';
if (missing && !inCi) {
  console.warn(`[console preview e2e] SKIPPED: ${missing}`);
}

describe.skipIf(missing !== null && !inCi)('rules console: card preview warns about what it left out (browser)', () => {
  const session = useConsoleBrowser(missing, STEP_TIMEOUT);
  const newPage = (pageErrors?: string[]): Promise<Page> => session.newPage(pageErrors);

  /** Renders a card with the console's cards.js, as the preview does, and reads it back. */
  async function previewCard(page: Page, detail: string): Promise<{ warning: string | null; detailHtml: string; images: number }> {
    // A string, not a function: vitest would rewrite a function's import() for Node.
    return page.evaluate(`(async (md) => {
      const { renderCard } = await import(new URL('cards.js', document.baseURI).href);
      const card = renderCard({ uuid: crypto.randomUUID(), indicator: 'warning', summary: 'Preview probe card summary.', source: { label: 'probe' }, detail: md }, { highlight: true });
      document.body.append(card);
      const warning = card.querySelector('.cds-card-stripped');
      return { warning: warning ? warning.textContent : null, detailHtml: card.querySelector('.cds-card-detail').innerHTML, images: card.querySelectorAll('img').length };
    })(${JSON.stringify(detail)})`);
  }

  it('preview: a detail that sanitizing changed shows a visible warning naming what was left out', async () => {
    const page = await newPage();
    await page.goto(`${session.app.baseUrl}/admin/`);
    await page.locator('#token-input').waitFor();

    const beacon = await previewCard(page, 'Total dose **90 MME/day**.\n\n<img src="http://127.0.0.1:9/beacon?age=55" alt="">\n\nSee the [CDC dosing guide](javascript:alert(1)).');
    expect(beacon.images).toBe(0);
    expect(String(beacon.warning)).toMatch(/^Not shown in this preview: /);
    expect(beacon.warning).toContain('<img>');
    expect(beacon.warning).toContain('a link to "javascript:alert(1)"');
    expect(beacon.warning).toMatch(/EHR/);
    const visible = await page.locator('.cds-card-stripped').first().isVisible();
    expect(visible).toBe(true);

    for (const md of ['<span style="color:red">red</span> text', '<details><summary>x</summary>y</details><iframe src="https://example.org"></iframe>']) {
      expect(String((await previewCard(page, md)).warning), md).toMatch(/^Not shown in this preview: /);
    }

    // Ordinary Markdown (lists, tables, code with a language, https and mailto links) shows no warning.
    const clean = await previewCard(page, '**Bold** and a list:\n\n- one\n- two\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n```js\nx\n```\n\n[CDC](https://www.cdc.gov/) and <pharmacy@example.org>.');
    expect(clean.warning).toBeNull();
    expect(clean.detailHtml).toContain('href="https://www.cdc.gov/"');
  });
});
