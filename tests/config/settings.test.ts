// How settings are read (review ops2, finding F3): whole numbers were read with Number(), so PORT=0x4784
// listened on port 18308 and 1e3 or 8080.0 passed too; a misspelt name (WORKRS=2) was ignored without a word
// and the service ran with the default; a per-call FHIR timeout above the whole budget was accepted silently.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { workerCount } from '../../src/cluster/worker-count.ts';
import { SETTING_NAMES, loadConfig, unknownSettingWarnings } from '../../src/config/index.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

function warningsOf(env: Record<string, string>): readonly string[] {
  const result = loadConfig(env);
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.warnings;
}

describe('whole-number settings', () => {
  it('accept plain digits only (spaces around them are trimmed, as for every setting)', () => {
    for (const raw of ['0x4784', '1e3', '8080.0', '+8080', '0b11', '0o17', '8_080', '8080abc', '-1']) {
      const result = loadConfig({ PORT: raw });
      expect(result.ok, raw).toBe(false);
      expect(!result.ok && result.errors).toContain(`PORT must be a whole number between 0 and 65535 (got "${raw}")`);
    }
    for (const [name, raw] of [
      ['FHIR_BUDGET_MS', '2.5e3'],
      ['AUDIT_RETENTION_DAYS', '0x10'],
      ['MAX_BODY_BYTES', '1e6'],
    ] as const) {
      expect(loadConfig({ [name]: raw }).ok, `${name}=${raw}`).toBe(false);
    }
    const spaced = loadConfig({ PORT: ' 8081 ', FHIR_BUDGET_MS: '3000' });
    expect(spaced.ok && spaced.value.port).toBe(8081);
    expect(spaced.ok && spaced.value.fhir.budgetMs).toBe(3000);
  });

  it('WORKERS: plain digits or auto', () => {
    for (const raw of ['0x2', '2.0', '2e0', '+2']) {
      expect(workerCount({ WORKERS: raw }, 8, () => undefined).ok, raw).toBe(false);
    }
    expect(workerCount({ WORKERS: '2' }, 8, () => undefined)).toMatchObject({ ok: true, value: 2 });
    expect(workerCount({ WORKERS: 'auto' }, 8, () => undefined)).toMatchObject({ ok: true, value: 8 });
  });
});

describe('unknown settings', () => {
  it('warns of a misspelt setting, naming the one meant', () => {
    const warnings = warningsOf({ WORKRS: '2' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^WORKRS is not a setting of this service and is ignored: did you mean WORKERS\?/);
    for (const [typo, meant] of [
      ['AUDIT_RETENTION_DAY', 'AUDIT_RETENTION_DAYS'],
      ['RULES_WATCH_MS', 'RULES_WATCH'],
      ['FHIR_TIMEOUT', 'FHIR_TIMEOUT_MS'],
      ['CDS_TRUSTED_CLIENT_FILE', 'CDS_TRUSTED_CLIENTS_FILE'],
      ['METRIC_TOKEN', 'METRICS_TOKEN'],
      ['PROT', 'PORT'],
      ['workers', 'WORKERS'],
    ]) {
      expect(unknownSettingWarnings({ [typo!]: '1' }), typo).toEqual([expect.stringContaining(`${typo} is not a setting of this service and is ignored: did you mean ${meant}?`)]);
    }
  });

  it("warns of an unknown name under the service's own prefixes", () => {
    expect(unknownSettingWarnings({ CDS_SHOW_DEBUG_CARDS: 'true', FHIR_RETRIES: '3' })).toEqual([
      expect.stringMatching(/^CDS_SHOW_DEBUG_CARDS is not a setting of this service and is ignored/),
      expect.stringMatching(/^FHIR_RETRIES is not a setting of this service and is ignored/),
    ]);
  });

  it("says nothing of the system's own variables, other programs' settings or Kubernetes service links", () => {
    const env = {
      PATH: '/usr/bin',
      HOME: '/root',
      HOSTNAME: 'cds-7f9c',
      USER: 'node',
      PWD: '/app',
      TZ: 'UTC',
      LANG: 'C.UTF-8',
      NODE_VERSION: '24.0.0',
      NODE_OPTIONS: '--enable-source-maps',
      NODE_EXTRA_CA_CERTS: '/etc/ca.pem',
      POSTGRES_PASSWORD: 'x',
      PGHOST: 'db',
      KUBERNETES_SERVICE_HOST: '10.0.0.1',
      KUBERNETES_PORT_443_TCP_ADDR: '10.0.0.1',
      CDS_SERVICE_HOST: '10.0.0.2',
      CDS_SERVICE_PORT_HTTP: '8080',
      CDS_PORT: 'tcp://10.0.0.2:8080',
      CDS_PORT_8080_TCP_ADDR: '10.0.0.2',
      FHIR_SERVICE_PORT: '443',
      HTTP_PROXY: 'http://proxy:3128',
      NO_PROXY: 'localhost',
    };
    expect(unknownSettingWarnings(env)).toEqual([]);
    expect(warningsOf({ ...env, PORT: '8080', WORKERS: '2', DATA_DIR: '/tmp/d' })).toEqual([]);
  });

  it('only warns in production too: an extra variable never stops a deployment from starting', () => {
    const result = loadConfig({
      NODE_ENV: 'production',
      PUBLIC_BASE_URL: 'https://cds.hospital.example',
      CDS_TRUSTED_CLIENTS_JSON: '{"clients":[]}',
      FHIR_SERVER_ALLOWLIST: 'https://ehr.hospital.example/fhir',
      WORKRS: '2',
    });
    expect(result.ok).toBe(true);
    expect(result.ok && result.warnings).toEqual([expect.stringContaining('did you mean WORKERS?')]);
  });

  it('knows every variable the service reads, and the README names each of them', () => {
    const read = new Set<string>();
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const file = path.join(dir, name);
        if (statSync(file).isDirectory()) walk(file);
        else if (name.endsWith('.ts')) for (const m of readFileSync(file, 'utf8').matchAll(/\benv\.([A-Z][A-Z0-9_]*)|\bint\('([A-Z][A-Z0-9_]*)'/g)) read.add((m[1] ?? m[2])!);
      }
    };
    walk(path.join(ROOT, 'src'));
    expect(read.size).toBeGreaterThan(40);
    // Node's own (the store thread reads its flags), not a setting of the service.
    const nodes = ['NODE_OPTIONS'];
    expect([...read].filter((name) => !SETTING_NAMES.includes(name) && !nodes.includes(name))).toEqual([]);
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(SETTING_NAMES.filter((name) => !new RegExp(`\`${name}[\`=]`).test(readme))).toEqual([]);
  });
});

describe('FHIR_TIMEOUT_MS above FHIR_BUDGET_MS', () => {
  it('is warned about (the budget cuts every call first); at most the budget is not', () => {
    expect(warningsOf({ FHIR_TIMEOUT_MS: '60000', FHIR_BUDGET_MS: '100' })).toEqual([
      expect.stringMatching(/^FHIR_TIMEOUT_MS \(60000\) is longer than FHIR_BUDGET_MS \(100\)/),
    ]);
    expect(warningsOf({ FHIR_TIMEOUT_MS: '2500', FHIR_BUDGET_MS: '2500' })).toEqual([]);
    expect(warningsOf({})).toEqual([]);
  });
});
