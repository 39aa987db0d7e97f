/**
 * The real app with the admin API mounted, on a temporary copy of rules/ (tests never touch the
 * shipped folder), the real in-memory store (PGlite) and two static tokens: a viewer and an editor.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import { createAdminAuthenticator, createRuleAdmin, tokenHash } from '../../src/admin/index.ts';
import type { AdminAuthenticator, RuleAdmin } from '../../src/admin/index.ts';
import { testConfig } from '../../src/config/index.ts';
import { createRuleSetHolder } from '../../src/engine/rule-set-holder.ts';
import type { RuleSetHolder } from '../../src/engine/rule-set-holder.ts';
import { loadServiceDefinitions } from '../../src/protocol/index.ts';
import type { ServiceDefinition } from '../../src/protocol/index.ts';
import { createApp } from '../../src/server/index.ts';
import { createLogger } from '../../src/shared/index.ts';
import { createStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/index.ts';
import { ROOT } from '../support/test-app.ts';

export { ROOT };

/** Copies rules/*.json and rules/value-sets/ to a fresh temporary folder. */
export function copyRules(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cds-rules-'));
  const source = path.join(ROOT, 'rules');
  for (const name of readdirSync(source)) {
    if (name.endsWith('.json') || name === 'value-sets') {
      cpSync(path.join(source, name), path.join(dir, name), { recursive: true });
    }
  }
  return dir;
}

export function shippedRule(id: string): Record<string, any> {
  return JSON.parse(readFileSync(path.join(ROOT, 'rules', `${id}.json`), 'utf8')) as Record<string, any>;
}

export const silentLogger = createLogger('silent');

export interface AdminTestApp {
  readonly app: Express;
  readonly holder: RuleSetHolder;
  readonly admin: RuleAdmin;
  readonly store: Store | undefined;
  readonly rulesDir: string;
  readonly services: readonly ServiceDefinition[];
  readonly viewer: string;
  readonly editor: string;
  close(): Promise<void>;
}

export async function createAdminTestApp(options: { store?: boolean; auth?: AdminAuthenticator; now?: () => Date } = {}): Promise<AdminTestApp> {
  const config = testConfig();
  const rulesDir = copyRules();
  const services = await loadServiceDefinitions(config.servicesDir);
  if (!services.ok) {
    throw new Error(services.errors.join('\n'));
  }
  const held = await createRuleSetHolder({ rulesDir });
  if (!held.ok) {
    throw new Error(held.errors.join('\n'));
  }
  const holder = held.value;
  const store = options.store === false ? undefined : await createStore({ logger: silentLogger });
  const admin = createRuleAdmin({
    holder,
    services: services.value,
    fixturesDir: path.join(ROOT, 'fixtures'),
    fhir: config.fhir,
    ...(store ? { store } : {}),
    logger: silentLogger,
  });
  const viewer = randomBytes(24).toString('base64url');
  const editor = randomBytes(24).toString('base64url');
  const auth =
    options.auth ??
    createAdminAuthenticator({
      mode: 'on',
      tokens: [
        { name: 'vera.viewer', role: 'viewer', sha256: tokenHash(viewer) },
        { name: 'eddie.editor', role: 'editor', sha256: tokenHash(editor) },
      ],
    });
  const app = createApp({
    config,
    logger: silentLogger,
    services: services.value,
    auth: { mode: 'off' },
    ruleSet: holder.current,
    ...(store ? { store } : {}),
    ...(options.now ? { now: options.now } : {}),
    admin: { admin, auth, logger: silentLogger, maxBodyBytes: config.maxBodyBytes },
  });
  return {
    app,
    holder,
    admin,
    store,
    rulesDir,
    services: services.value,
    viewer,
    editor,
    close: async () => {
      await store?.close();
      rmSync(rulesDir, { recursive: true, force: true });
    },
  };
}

export const bearer = (token: string): string => `Bearer ${token}`;
