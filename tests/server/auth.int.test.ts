import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCdsJwtVerifier, createMemoryReplayStore, devTrustedClient, generateDevKeys, mintDevToken } from '../../src/security/index.ts';
import type { DevKeys } from '../../src/security/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { captureLog } from '../support/log-capture.ts';
import { ORDER_SIGN, createTestApp, fixture } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

const BASE = 'https://cds.hospital.test/base';

describe('CDS client JWT on the HTTP endpoints', () => {
  let t: TestApp;
  let keys: DevKeys;
  beforeAll(async () => {
    keys = await generateDevKeys('https://ehr.hospital.test');
    const verifier = await createCdsJwtVerifier({ clients: [devTrustedClient(keys)], replayStore: createMemoryReplayStore() });
    t = await createTestApp({ config: { publicBaseUrl: BASE }, auth: { mode: 'required', verifier, issuers: [keys.iss] } });
  });

  it('refuses discovery without a token with a bare 401 that still carries CORS headers', async () => {
    const res = await request(t.app).get('/cds-services').set('Origin', 'https://ehr.hospital.test');
    expect(res.status).toBe(401);
    expect(res.text).toBe('');
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('answers the CORS preflight without a token', async () => {
    const res = await request(t.app).options(ORDER_SIGN);
    expect(res.status).toBe(204);
  });

  it('accepts a valid token whose aud is the public URL of the endpoint called (behind a proxy base path)', async () => {
    const token = await mintDevToken(keys, `${BASE}${ORDER_SIGN}`, { iss: keys.iss });
    const res = await request(t.app).post(ORDER_SIGN).set('Authorization', `Bearer ${token}`).send(fixture('order-sign/opioid-draft-with-active-benzodiazepine.json'));
    expect(res.status).toBe(200);
    expect(res.body.cards.length).toBeGreaterThan(0);
  });

  it('refuses a token minted for another endpoint', async () => {
    const token = await mintDevToken(keys, `${BASE}/cds-services`, { iss: keys.iss });
    const res = await request(t.app).post(ORDER_SIGN).set('Authorization', `Bearer ${token}`).send(fixture('order-sign/opioid-draft-with-active-benzodiazepine.json'));
    expect(res.status).toBe(401);
  });

  it('refuses a replayed token', async () => {
    const token = await mintDevToken(keys, `${BASE}/cds-services`, { iss: keys.iss });
    expect((await request(t.app).get('/cds-services').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    expect((await request(t.app).get('/cds-services').set('Authorization', `Bearer ${token}`)).status).toBe(401);
  });

  it('logs a refusal with the path the client called, without its query, and without the token', async () => {
    const { logger, lines } = captureLog();
    const verifier = await createCdsJwtVerifier({ clients: [devTrustedClient(keys)], replayStore: createMemoryReplayStore() });
    const logged = await createTestApp({ config: { publicBaseUrl: BASE }, auth: { mode: 'required', verifier, issuers: [keys.iss] }, logger });
    const token = await mintDevToken(keys, `${BASE}/cds-services`, { iss: keys.iss });
    const res = await request(logged.app).post(`${ORDER_SIGN}?patient=pt-secret-77`).set('Authorization', `Bearer ${token}`).send({});
    expect(res.status).toBe(401);
    await new Promise((r) => setImmediate(r));
    expect(lines.find((l) => l.msg === 'CDS client JWT refused')).toMatchObject({ method: 'POST', path: ORDER_SIGN, reason: expect.any(String) });
    expect(JSON.stringify(lines)).not.toContain('pt-secret-77');
    expect(JSON.stringify(lines)).not.toContain(token);
  });

  it('counts every refusal in /metrics by its reason (an attack or a misconfigured EHR shows as a spike)', async () => {
    const verifier = await createCdsJwtVerifier({ clients: [devTrustedClient(keys)], replayStore: createMemoryReplayStore() });
    const counted = await createTestApp({ config: { publicBaseUrl: BASE }, auth: { mode: 'required', verifier, issuers: [keys.iss] } });
    expect((await request(counted.app).get('/cds-services')).status).toBe(401);
    const token = await mintDevToken(keys, `${BASE}/cds-services`, { iss: keys.iss });
    expect((await request(counted.app).get('/cds-services').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    expect((await request(counted.app).get('/cds-services').set('Authorization', `Bearer ${token}`)).status).toBe(401);
    const metrics = (await request(counted.app).get('/metrics')).text;
    expect(metrics).toMatch(/^cds_auth_refused_total\{reason="missing-token"\} 1$/m);
    expect(metrics).toMatch(/^cds_auth_refused_total\{reason="replayed"\} 1$/m);
  });

  it('never parses the body of an unauthenticated request (malformed JSON still gets 401, not 400)', async () => {
    const res = await request(t.app).post(ORDER_SIGN).set('Content-Type', 'application/json').send('{"broken":');
    expect(res.status).toBe(401);
  });
});

describe('auth configuration', () => {
  it('is on by default and trusts only the development issuer outside production', () => {
    const result = loadConfig({});
    expect(result.ok && result.value.auth.mode).toBe('required');
    expect(result.ok && result.value.auth.trustDevIssuer).toBe(true);
  });

  it('refuses to start with auth off in production', () => {
    const result = loadConfig({ NODE_ENV: 'production', CDS_AUTH: 'off' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.join(' ')).toMatch(/refused in production/);
  });

  it('refuses an unknown LOG_LEVEL with a message listing the levels (it crashed with a stack trace)', () => {
    const result = loadConfig({ LOG_LEVEL: 'verbose' });
    expect(!result.ok && result.errors.join(' ')).toMatch(/LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/);
    expect(loadConfig({ LOG_LEVEL: 'WARN' }).ok).toBe(true);
  });

  it('in production calls FHIR servers over https only, and refuses an http allowlist entry', () => {
    const base = { NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://cds.hospital.test', CDS_TRUSTED_CLIENTS_JSON: '{"clients":[]}' };
    const https = loadConfig({ ...base, FHIR_SERVER_ALLOWLIST: 'https://ehr.hospital.test/fhir' });
    expect(https.ok && https.value.fhir.requireHttps).toBe(true);
    const http = loadConfig({ ...base, FHIR_SERVER_ALLOWLIST: 'http://ehr.hospital.test/fhir' });
    expect(!http.ok && http.errors.join(' ')).toMatch(/must use https in production/);
    const development = loadConfig({});
    expect(development.ok && development.value.fhir.requireHttps).toBe(false);
  });

  it('refuses production without trusted clients, and never trusts the development issuer there', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).ok).toBe(false);
    const withClients = loadConfig({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://cds.hospital.example', CDS_TRUSTED_CLIENTS_JSON: '{"clients":[]}', FHIR_SERVER_ALLOWLIST: 'https://ehr.hospital.example/fhir' });
    expect(withClients.ok && withClients.value.auth.trustDevIssuer).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', CDS_TRUSTED_CLIENTS_JSON: '{"clients":[]}', CDS_TRUST_DEV_ISSUER: 'true' }).ok).toBe(false);
  });
});
