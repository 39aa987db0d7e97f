/**
 * The real service, in-process, for the console's end-to-end tests: a temporary copy of rules/
 * (the repository's rules are never touched), an in-memory store (embedded PGlite), and admin
 * authentication with two static tokens, one viewer and one editor. Listens on 127.0.0.1, port 0.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RULE_TEST_NOW, setupAdmin, tokenHash } from '../../../src/admin/index.ts';
import { testConfig } from '../../../src/config/index.ts';
import { createRuleSetHolder } from '../../../src/engine/rule-set-holder.ts';
import { loadServiceDefinitions } from '../../../src/protocol/index.ts';
import { createApp } from '../../../src/server/index.ts';
import { createLogger } from '../../../src/shared/index.ts';
import { createPatientKeyer, createStore } from '../../../src/store/index.ts';
import type { ServiceStore } from '../../../src/store/index.ts';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface ConsoleApp {
  /** http://127.0.0.1:<port> */
  readonly baseUrl: string;
  readonly tokens: { readonly editor: string; readonly viewer: string };
  readonly names: { readonly editor: string; readonly viewer: string };
  /** The temporary rules folder the service edits. */
  readonly rulesDir: string;
  readonly store?: ServiceStore;
  close(): Promise<void>;
}

/** A request the service would get from an EHR, at the date the fixtures were written for. */
export const SERVICE_NOW = RULE_TEST_NOW;

export async function startConsoleApp(): Promise<ConsoleApp> {
  const tmp = await mkdtemp(path.join(tmpdir(), 'cds-console-e2e-'));
  const rulesDir = path.join(tmp, 'rules');
  await cp(path.join(ROOT, 'rules'), rulesDir, { recursive: true });
  const tokens = { editor: randomBytes(24).toString('base64url'), viewer: randomBytes(24).toString('base64url') };
  const names = { editor: 'e2e-editor', viewer: 'e2e-viewer' };
  const tokensFile = path.join(tmp, 'admin-tokens.json');
  await writeFile(
    tokensFile,
    JSON.stringify([
      { name: names.editor, role: 'editor', sha256: tokenHash(tokens.editor) },
      { name: names.viewer, role: 'viewer', sha256: tokenHash(tokens.viewer) },
    ]),
    { mode: 0o600 }
  );
  const base = testConfig();
  const config = testConfig({ rulesDir, admin: { ...base.admin, auth: 'on', tokensFile, fixturesDir: path.join(ROOT, 'fixtures'), devTokenFile: undefined } });
  const logger = createLogger('silent');
  const services = await loadServiceDefinitions(config.servicesDir);
  if (!services.ok) {
    throw new Error(services.errors.join('\n'));
  }
  const holder = await createRuleSetHolder({ rulesDir, logger });
  if (!holder.ok) {
    throw new Error(holder.errors.join('\n'));
  }
  const store = await createStore({ logger });
  const admin = await setupAdmin({ config, holder: holder.value, services: services.value, store, logger });
  if (admin.errors.length > 0) {
    throw new Error(admin.errors.join('\n'));
  }
  const app = createApp({
    config,
    logger,
    services: services.value,
    auth: { mode: 'off' },
    ruleSet: holder.value.current,
    admin: admin.router,
    store,
    patientKey: createPatientKeyer(randomBytes(32).toString('hex')),
    now: () => SERVICE_NOW,
  });
  const http: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = http.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    tokens,
    names,
    rulesDir,
    store,
    async close() {
      await new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      });
      await store.close().catch(() => undefined);
      await rm(tmp, { recursive: true, force: true });
    },
  };
}
