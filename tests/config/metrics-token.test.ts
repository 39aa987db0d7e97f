// METRICS_TOKEN (security review finding A): /metrics answered anyone who could reach the EHR-facing port.
// The token is read like every other setting (trimmed), must be long enough to be no guess, is kept only as
// its SHA-256, and is never repeated in an error. Production starts without it (/metrics open, announced by
// a warning at start-up: tests/server/metrics-token.int.test.ts); METRICS_TOKEN=off says so explicitly.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';

const TOKEN = 'prometheus-scrape-token-0123456789abcdef';
const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const VALID_PRODUCTION = {
  NODE_ENV: 'production',
  PUBLIC_BASE_URL: 'https://cds.hospital.example',
  CDS_TRUSTED_CLIENTS_JSON: '{"clients":[]}',
  FHIR_SERVER_ALLOWLIST: 'https://ehr.hospital.example/fhir',
};

describe('METRICS_TOKEN', () => {
  it('unset or blank: /metrics is open, as before', () => {
    for (const unset of [undefined, '', '   ']) {
      const result = loadConfig({ METRICS_TOKEN: unset });
      expect(result.ok && result.value.metrics).toEqual({ mode: 'open', explicit: false });
    }
  });

  it('off, in any case: open, and said explicitly', () => {
    for (const off of ['off', 'OFF', ' Off ']) {
      const result = loadConfig({ METRICS_TOKEN: off });
      expect(result.ok && result.value.metrics).toEqual({ mode: 'open', explicit: true });
    }
  });

  it('a token: kept as its SHA-256 only (trimmed), never as itself', () => {
    const result = loadConfig({ METRICS_TOKEN: ` ${TOKEN}\n` });
    expect(result.ok && result.value.metrics).toEqual({ mode: 'token', sha256: sha256(TOKEN) });
    expect(JSON.stringify(result)).not.toContain(TOKEN);
    const shortest = 'a'.repeat(16);
    expect(loadConfig({ METRICS_TOKEN: shortest }).ok).toBe(true);
  });

  it('refuses a token shorter than 16 characters, or with spaces or non-ASCII, naming the variable and not the value', () => {
    for (const bad of ['a'.repeat(15), 'short-secret', 'sixteen chars with a space', 'prometheus-tökén-0123456789', 'x'.repeat(4097)]) {
      const result = loadConfig({ METRICS_TOKEN: bad });
      expect(result.ok).toBe(false);
      const errors = result.ok ? [] : result.errors;
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^METRICS_TOKEN must be at least 16 /);
      expect(errors[0]).not.toContain(bad);
    }
  });

  it('production starts without it (open; warned at start-up), with off, or with a token; a bad token is refused there too', () => {
    const unset = loadConfig(VALID_PRODUCTION);
    expect(unset.ok && unset.value).toMatchObject({ production: true, metrics: { mode: 'open', explicit: false } });
    const off = loadConfig({ ...VALID_PRODUCTION, METRICS_TOKEN: 'off' });
    expect(off.ok && off.value.metrics).toEqual({ mode: 'open', explicit: true });
    const token = loadConfig({ ...VALID_PRODUCTION, METRICS_TOKEN: TOKEN });
    expect(token.ok && token.value.metrics).toEqual({ mode: 'token', sha256: sha256(TOKEN) });
    const bad = loadConfig({ ...VALID_PRODUCTION, METRICS_TOKEN: 'too-short' });
    expect(!bad.ok && bad.errors.join(' ')).toMatch(/METRICS_TOKEN must be at least 16/);
  });
});
