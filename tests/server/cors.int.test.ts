import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCdsJwtVerifier, createMemoryReplayStore, devTrustedClient, generateDevKeys, mintDevToken } from '../../src/security/index.ts';
import type { DevKeys } from '../../src/security/index.ts';
import { ORDER_SIGN, createTestApp, fixture } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

const BASE = 'https://cds.hospital.test';

// With authentication on, as a browser-based client (the CDS Hooks Sandbox) calls: with CDS_AUTH=off a
// cross-site POST is refused (tests/server/cds-auth-off-cross-site.int.test.ts).
describe('CORS for browser-based CDS clients', () => {
  let t: TestApp;
  let keys: DevKeys;
  const bearer = async (): Promise<string> => `Bearer ${await mintDevToken(keys, `${BASE}${ORDER_SIGN}`, { iss: keys.iss })}`;
  beforeAll(async () => {
    keys = await generateDevKeys('https://sandbox.example.org');
    const verifier = await createCdsJwtVerifier({ clients: [devTrustedClient(keys)], replayStore: createMemoryReplayStore() });
    t = await createTestApp({ config: { publicBaseUrl: BASE }, auth: { mode: 'required', verifier, issuers: [keys.iss] } });
  });

  for (const path of ['/cds-services', ORDER_SIGN, `${ORDER_SIGN}/feedback`]) {
    it(`answers the preflight on ${path} with 204, allowing Authorization and Content-Type`, async () => {
      const res = await request(t.app)
        .options(path)
        .set('Origin', 'https://sandbox.example.org')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type');
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['access-control-allow-methods']).toMatch(/POST/);
      expect(res.headers['access-control-allow-headers']?.toLowerCase()).toMatch(/authorization/);
      expect(res.headers['access-control-allow-headers']?.toLowerCase()).toMatch(/content-type/);
    });
  }

  it('puts Access-Control-Allow-Origin on a successful POST', async () => {
    const res = await request(t.app).post(ORDER_SIGN).set('Origin', 'https://sandbox.example.org').set('Authorization', await bearer()).send(fixture('order-sign/opioid-draft-with-active-benzodiazepine.json'));
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  // Conformance review 2: only X-Request-Id was exposed, so a browser-based EHR read null for Retry-After on a
  // 429 or 503 (the back-off the README asks for) and for the rule set version of every answer.
  it('lets the page read the rule set version, the back-off and the rate limit headers', async () => {
    const res = await request(t.app).post(ORDER_SIGN).set('Origin', 'https://sandbox.example.org').set('Authorization', await bearer()).send(fixture('order-sign/opioid-draft-with-active-benzodiazepine.json'));
    expect(res.status).toBe(200);
    expect(res.headers['x-rule-set-version']).toBeDefined();
    const exposed = (res.headers['access-control-expose-headers'] ?? '').toLowerCase().split(/\s*,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['x-request-id', 'x-rule-set-version', 'retry-after', 'ratelimit', 'ratelimit-policy']));
  });

  it('puts Access-Control-Allow-Origin on a 400 too, so the browser shows the error', async () => {
    const res = await request(t.app).post(ORDER_SIGN).set('Origin', 'https://sandbox.example.org').set('Authorization', await bearer()).send({ hook: 'order-sign' });
    expect(res.status).toBe(400);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });
});
