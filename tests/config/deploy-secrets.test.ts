// deploy/env.example shipped "change-me..." secrets long enough to pass every check: a deployment that copied it
// and skipped a line started in production with an audit key anyone with the repository could use to re-identify
// patients, and a /metrics token printed in the repository (ops review). And the compose file pasted the database
// password into DATABASE_URL, where a "/" or "#" made the URL invalid and every replica exit with "Invalid URL".
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';

const PRODUCTION = {
  NODE_ENV: 'production',
  PUBLIC_BASE_URL: 'https://cds.hospital.example',
  CDS_TRUSTED_CLIENTS_JSON: '{"clients":[]}',
  FHIR_SERVER_ALLOWLIST: 'https://ehr.hospital.example/fhir',
};
const RANDOM = 'f3c1d2b4a5968778695a4b3c2d1e0f1a2b3c4d5e6f708192a3b4c5d6e7f80912';

/** The settings of deploy/env.example, as a deployment that copied it unchanged would have them. */
function envExample(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync('deploy/env.example', 'utf8').split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) out[match[1]!] = match[2]!;
  }
  return out;
}

const errorsOf = (env: Record<string, string | undefined>): string[] => {
  const result = loadConfig(env);
  return result.ok ? [] : result.errors;
};

describe('secrets in production', () => {
  it('deploy/env.example copied unchanged does not start in production', () => {
    const errors = errorsOf({ ...envExample(), ...PRODUCTION, DATABASE_URL: 'postgres://cds@postgres:5432/cds' });
    expect(errors.some((e) => e.startsWith('In production with DATABASE_URL set AUDIT_KEY_SECRET'))).toBe(true);
  });

  it('refuses a "change-me" placeholder for the audit key, the metrics token and the database password, naming the setting only', () => {
    const placeholder = 'change-me-to-a-long-random-string-0123456789';
    const errors = errorsOf({ ...PRODUCTION, AUDIT_KEY_SECRET: placeholder, METRICS_TOKEN: placeholder, DATABASE_URL: 'postgres://cds:change-me@postgres:5432/cds' });
    expect(errors.filter((e) => /placeholder/.test(e)).map((e) => e.split(' ')[0])).toEqual(['DATABASE_URL', 'AUDIT_KEY_SECRET', 'METRICS_TOKEN']);
    expect(errors.join('\n')).not.toContain(placeholder);
    expect(errorsOf({ ...PRODUCTION, PGPASSWORD: 'changeme', DATABASE_URL: 'postgres://cds@postgres:5432/cds', AUDIT_KEY_SECRET: RANDOM })).toEqual([
      'PGPASSWORD is the placeholder of deploy/env.example: set a random one (for example: openssl rand -hex 32)',
    ]);
    // Random values start; outside production the placeholders are tolerated (local trials).
    expect(errorsOf({ ...PRODUCTION, AUDIT_KEY_SECRET: RANDOM, METRICS_TOKEN: RANDOM, DATABASE_URL: `postgres://cds:${RANDOM}@postgres:5432/cds` })).toEqual([]);
    expect(errorsOf({ AUDIT_KEY_SECRET: placeholder, METRICS_TOKEN: placeholder })).toEqual([]);
  });

  it('refuses a DATABASE_URL that is no URL (an unencoded "/" or "#" in the password) without echoing it', () => {
    for (const password of ['a/b', 'a#b']) {
      const errors = errorsOf({ ...PRODUCTION, AUDIT_KEY_SECRET: RANDOM, DATABASE_URL: `postgres://cds:${password}@postgres:5432/cds` });
      expect(errors.some((e) => e.startsWith('DATABASE_URL is not a valid URL'))).toBe(true);
      expect(errors.join('\n')).not.toContain(password);
    }
  });

  it('accepts Unix-socket and percent-encoded URLs, and reads a password given as a query parameter', () => {
    for (const url of ['postgres://cds:pw@/cds?host=/cloudsql/project:region:db', 'postgresql://cds@/cds?host=/var/run/postgresql', 'postgres:///cds?host=/var/run/postgresql', `postgres://cds:a%2Fb${RANDOM}@h:5432/cds`]) {
      expect(errorsOf({ ...PRODUCTION, AUDIT_KEY_SECRET: RANDOM, DATABASE_URL: url }), url).toEqual([]);
    }
    const errors = errorsOf({ ...PRODUCTION, AUDIT_KEY_SECRET: RANDOM, DATABASE_URL: 'postgres://cds@db.internal/cds?password=change-me' });
    expect(errors.some((e) => e.startsWith('DATABASE_URL holds the placeholder password'))).toBe(true);
  });

  it('the compose file gives the password apart from the URL', () => {
    const compose = readFileSync('docker-compose.yml', 'utf8');
    expect(compose).toContain('DATABASE_URL: postgres://cds@postgres:5432/cds');
    expect(compose).toContain('PGPASSWORD: ${POSTGRES_PASSWORD}');
  });
});
