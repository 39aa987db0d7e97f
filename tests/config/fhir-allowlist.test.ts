// FHIR_SERVER_ALLOWLIST in production: an unset allowlist let any authenticated CDS client make the
// service call any https address (cloud metadata, internal services) and learn from the 412 texts
// what answered there. Production now needs the list, or an explicit `*`.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';

const SECRET = 'a-secret-that-must-never-be-printed-0123456789';
const PRODUCTION = { NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://cds.hospital.example', CDS_TRUSTED_CLIENTS_JSON: '{"clients":[]}' };

describe('FHIR_SERVER_ALLOWLIST', () => {
  it('in production refuses to start without it, naming the setting and what to set', () => {
    for (const unset of [undefined, '', ' , ']) {
      const result = loadConfig({ ...PRODUCTION, AUDIT_KEY_SECRET: SECRET, FHIR_SERVER_ALLOWLIST: unset });
      expect(result.ok).toBe(false);
      const errors = result.ok ? [] : result.errors;
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^In production \(NODE_ENV=production\) set FHIR_SERVER_ALLOWLIST: /);
      expect(errors[0]).toContain('https://ehr.hospital.example/fhir');
      expect(errors[0]).toContain('or * to');
      expect(errors[0]).not.toContain(SECRET);
    }
  });

  it('in production accepts * as the explicit opt-in to any server: no prefix, an empty list', () => {
    for (const any of ['*', ' * ']) {
      const result = loadConfig({ ...PRODUCTION, FHIR_SERVER_ALLOWLIST: any });
      expect(result.ok).toBe(true);
      expect(result.ok && result.value.fhir).toMatchObject({ allowedServers: [], allowAnyServer: true, requireHttps: true });
    }
  });

  it('never reads * as a URL prefix: not beside URLs, not inside one', () => {
    const mixed = loadConfig({ ...PRODUCTION, FHIR_SERVER_ALLOWLIST: '*,https://ehr.hospital.example/fhir' });
    expect(!mixed.ok && mixed.errors).toEqual(['FHIR_SERVER_ALLOWLIST is either * alone (any server) or comma-separated FHIR base URLs, not both']);
    const wildcard = loadConfig({ FHIR_SERVER_ALLOWLIST: 'https://*.hospital.example/fhir' });
    expect(!wildcard.ok && wildcard.errors.join(' ')).toMatch(/FHIR_SERVER_ALLOWLIST entries are URL prefixes without wildcards/);
  });

  it('in production takes a list of https base URLs as before', () => {
    const result = loadConfig({ ...PRODUCTION, FHIR_SERVER_ALLOWLIST: 'https://ehr.hospital.example/fhir, https://lab.hospital.example/r4/' });
    expect(result.ok && result.value.fhir).toMatchObject({
      allowedServers: ['https://ehr.hospital.example/fhir', 'https://lab.hospital.example/r4/'],
      allowAnyServer: false,
      requireHttps: true,
    });
  });

  it('outside production an empty allowlist still means any server, and * the same', () => {
    for (const env of [{}, { NODE_ENV: 'development' }, { FHIR_SERVER_ALLOWLIST: '' }]) {
      const result = loadConfig(env);
      expect(result.ok && result.value.fhir).toMatchObject({ allowedServers: [], allowAnyServer: false, requireHttps: false });
    }
    const any = loadConfig({ FHIR_SERVER_ALLOWLIST: '*' });
    expect(any.ok && any.value.fhir).toMatchObject({ allowedServers: [], allowAnyServer: true });
  });
});
