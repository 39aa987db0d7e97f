/**
 * Debian's Chromium driven by playwright-core (no browser download, ever). Where Chromium is
 * missing: outside CI the e2e test is skipped with the reason printed; in CI (CI=true) it fails,
 * so a missing `bash scripts/browser/setup.sh` step can never pass as green.
 */
import { accessSync, constants, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH?.trim() || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** @returns null when Chromium can be started, else why not. */
export function chromiumMissingReason(): string | null {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return null;
  } catch {
    return `Chromium not found at ${CHROMIUM_PATH}: run "bash scripts/browser/setup.sh" (installs Debian's chromium), or set CHROMIUM_PATH`;
  }
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // playwright-core gives every launch a fresh, empty profile of its own.
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
}

/** Where screenshots go: E2E_SCREENSHOT_DIR, or a fresh temporary folder. */
export function screenshotDir(): string {
  return process.env.E2E_SCREENSHOT_DIR?.trim() || mkdtempSync(path.join(tmpdir(), 'cds-console-screens-'));
}
