/**
 * Retrying assertions on page elements for Vitest (playwright-core has no `expect`): each polls
 * until the element matches or 10 s pass, like Playwright's web-first assertions.
 */
import { expect } from 'vitest';
import type { Locator, Page } from 'playwright-core';

const OPTIONS = { timeout: 10_000, interval: 100 };

export const see = {
  text: (l: Locator) => expect.poll(() => l.innerText(), OPTIONS),
  texts: (l: Locator) => expect.poll(() => l.allInnerTexts(), OPTIONS),
  attribute: (l: Locator, name: string) => expect.poll(() => l.getAttribute(name), OPTIONS),
  className: (l: Locator) => expect.poll(async () => (await l.getAttribute('class')) ?? '', OPTIONS),
  count: (l: Locator) => expect.poll(() => l.count(), OPTIONS),
  disabled: (l: Locator) => expect.poll(() => l.isDisabled(), OPTIONS),
  /** The id of the focused element. */
  focusedId: (page: Page) => expect.poll(async () => ((await page.locator(':focus').count()) === 0 ? '' : ((await page.locator(':focus').first().getAttribute('id')) ?? '')), OPTIONS),
  /** What the console last announced in its aria-live region. */
  liveStatus: (page: Page) => expect.poll(async () => (await page.locator('#live-status').textContent()) ?? '', OPTIONS),
  visible: (l: Locator) => l.waitFor({ state: 'visible', timeout: OPTIONS.timeout }),
};
