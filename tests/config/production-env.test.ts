// NODE_ENV and PUBLIC_BASE_URL in production. NODE_ENV was compared exactly while every other setting
// is trimmed and read in any case, so "production " or "Production" started the service with every
// production guard off (auth off, the development issuer, admin auth off, http FHIR servers). And
// production started with PUBLIC_BASE_URL unset (http://localhost:<port>: every real token's aud
// refused, nothing saying why) or http (EHRs sending their tokens over plain http).
import { describe, expect, it } from 'vitest';
import { isProductionEnv } from '../../src/config/config.ts';
import { loadConfig } from '../../src/config/index.ts';

const VALID_PRODUCTION = {
  PUBLIC_BASE_URL: 'https://cds.hospital.example',
  CDS_TRUSTED_CLIENTS_JSON: '{"clients":[]}',
  FHIR_SERVER_ALLOWLIST: 'https://ehr.hospital.example/fhir',
};
const SPELLINGS = ['Production', ' production ', 'PRODUCTION', '\tproduction\n'];

describe('NODE_ENV', () => {
  it('counts production in any case and with surrounding spaces', () => {
    for (const nodeEnv of SPELLINGS) {
      expect(isProductionEnv({ NODE_ENV: nodeEnv })).toBe(true);
      const result = loadConfig({ ...VALID_PRODUCTION, NODE_ENV: nodeEnv });
      expect(result.ok && result.value.production).toBe(true);
      expect(result.ok && result.value.fhir.requireHttps).toBe(true);
      expect(result.ok && result.value.auth.trustDevIssuer).toBe(false);
    }
    for (const other of [undefined, '', 'development', 'test', 'prod', 'productions', 'pre-production']) {
      expect(isProductionEnv({ NODE_ENV: other })).toBe(false);
    }
  });

  it('refuses the development conveniences however production is spelt', () => {
    for (const nodeEnv of SPELLINGS) {
      const authOff = loadConfig({ ...VALID_PRODUCTION, NODE_ENV: nodeEnv, CDS_AUTH: 'off' });
      expect(!authOff.ok && authOff.errors).toContain('CDS_AUTH=off is refused in production (NODE_ENV=production): CDS clients must authenticate');
      const devIssuer = loadConfig({ ...VALID_PRODUCTION, NODE_ENV: nodeEnv, CDS_TRUST_DEV_ISSUER: 'true' });
      expect(!devIssuer.ok && devIssuer.errors).toContain('CDS_TRUST_DEV_ISSUER=true is refused in production (NODE_ENV=production)');
      const adminOff = loadConfig({ ...VALID_PRODUCTION, NODE_ENV: nodeEnv, ADMIN_AUTH: 'off' });
      expect(!adminOff.ok && adminOff.errors).toContain('ADMIN_AUTH=off is refused in production (NODE_ENV=production): rule administrators must authenticate');
      const noAllowlist = loadConfig({ ...VALID_PRODUCTION, NODE_ENV: nodeEnv, FHIR_SERVER_ALLOWLIST: undefined });
      expect(noAllowlist.ok).toBe(false);
    }
  });
});

describe('PUBLIC_BASE_URL in production', () => {
  it('refuses to start when it is unset, naming the setting and what to set', () => {
    for (const unset of [undefined, '', '   ']) {
      const result = loadConfig({ ...VALID_PRODUCTION, NODE_ENV: 'production', PORT: '8443', PUBLIC_BASE_URL: unset });
      expect(result.ok).toBe(false);
      const errors = result.ok ? [] : result.errors;
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^In production \(NODE_ENV=production\) set PUBLIC_BASE_URL to the absolute https URL /);
      expect(errors[0]).toContain('it is unset');
      expect(errors[0]).toContain('aud');
      expect(errors[0]).not.toContain('localhost');
      expect(errors[0]).not.toContain('8443');
    }
  });

  it('refuses an http URL without echoing it', () => {
    for (const http of ['http://cds.hospital.example', ' http://cds.hospital.example/ ', 'http://localhost:8080']) {
      const result = loadConfig({ ...VALID_PRODUCTION, NODE_ENV: 'Production', PUBLIC_BASE_URL: http });
      expect(result.ok).toBe(false);
      const errors = result.ok ? [] : result.errors;
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^In production \(NODE_ENV=production\) set PUBLIC_BASE_URL to the absolute https URL /);
      expect(errors[0]).toContain('it is not https');
      expect(errors[0]).not.toContain(http.trim());
    }
  });

  it('accepts an absolute https URL, trimmed and without its trailing slash', () => {
    for (const nodeEnv of ['production', ...SPELLINGS]) {
      for (const https of ['https://cds.hospital.example', ' https://cds.hospital.example/ ']) {
        const result = loadConfig({ ...VALID_PRODUCTION, NODE_ENV: nodeEnv, PUBLIC_BASE_URL: https });
        expect(result.ok && result.value).toMatchObject({ production: true, publicBaseUrl: 'https://cds.hospital.example' });
      }
    }
    const behindProxy = loadConfig({ ...VALID_PRODUCTION, NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://ehr-apps.hospital.example:8443/cds' });
    expect(behindProxy.ok && behindProxy.value.publicBaseUrl).toBe('https://ehr-apps.hospital.example:8443/cds');
  });

  it('outside production still defaults to http://localhost:<port> and takes http', () => {
    for (const nodeEnv of [undefined, '', 'development', 'test']) {
      const result = loadConfig({ NODE_ENV: nodeEnv, PORT: '9090' });
      expect(result.ok && result.value.publicBaseUrl).toBe('http://localhost:9090');
      expect(result.ok && result.value.production).toBe(false);
    }
    const defaults = loadConfig({});
    expect(defaults.ok && defaults.value.publicBaseUrl).toBe('http://localhost:8080');
    const http = loadConfig({ PUBLIC_BASE_URL: 'http://cds.internal.example:8080' });
    expect(http.ok && http.value.publicBaseUrl).toBe('http://cds.internal.example:8080');
  });
});
