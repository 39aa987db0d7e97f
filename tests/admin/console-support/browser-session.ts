/**
 * A console app and a Chromium for the e2e tests of one `describe`: call `useConsoleBrowser` inside it and
 * it registers the beforeAll/afterAll hooks. Where Chromium is missing (`missing` from chromiumMissingReason),
 * nothing is started and every page asked for fails with the reason (in CI the describe is not skipped).
 */
import { afterAll, beforeAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.ts';
import { startConsoleApp } from './console-app.ts';
import type { ConsoleApp } from './console-app.ts';

export interface ConsoleBrowser {
  /** The running console app (valid once the describe's tests run). */
  readonly app: ConsoleApp;
  /** A page in a fresh browser context; page errors are pushed to `pageErrors`. */
  newPage(pageErrors?: string[]): Promise<Page>;
}

export function useConsoleBrowser(missing: string | null, stepTimeoutMs = 15_000): ConsoleBrowser {
  let app: ConsoleApp | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (missing) {
      return;
    }
    app = await startConsoleApp();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  return {
    get app(): ConsoleApp {
      if (!app) {
        throw new Error(missing ? `${missing}. CI must run "bash scripts/browser/setup.sh" before the tests.` : 'the console app has not started');
      }
      return app;
    },
    async newPage(pageErrors: string[] = []): Promise<Page> {
      if (missing || !browser) {
        throw new Error(`${missing ?? 'Chromium has not started'}. CI must run "bash scripts/browser/setup.sh" before the tests.`);
      }
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      page.setDefaultTimeout(stepTimeoutMs);
      page.on('pageerror', (err) => pageErrors.push(err.message));
      return page;
    },
  };
}
