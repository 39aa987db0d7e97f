import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCdsJwtVerifier, createMemoryReplayStore, devTrustedClient, generateDevKeys, mintDevToken } from '../../src/security/index.ts';
import type { CdsJwtVerifier, DevKeys, VerifyResult } from '../../src/security/index.ts';
import { captureLog } from '../support/log-capture.ts';
import { ORDER_SIGN, createTestApp, fixture } from '../support/test-app.ts';

const BASE = 'https://cds.hospital.test';

/** The real verifier, counting the tokens it was asked to check. */
async function countingVerifier(keys: DevKeys): Promise<{ verifier: CdsJwtVerifier; checked: () => number }> {
  const real = await createCdsJwtVerifier({ clients: [devTrustedClient(keys)], replayStore: createMemoryReplayStore() });
  let checked = 0;
  return {
    verifier: {
      verify(header, audience) {
        checked += 1;
        return real.verify(header, audience);
      },
    },
    checked: () => checked,
  };
}

/** A verifier that always answers `result` (a refusal the service, not the caller, is the cause of). */
function answering(result: VerifyResult): CdsJwtVerifier {
  return { verify: async () => result };
}

/**
 * A forged token the service must verify to refuse: a trusted issuer's header and claims for `audience`,
 * with the signature of another token (refused as bad-signature, after the signature check).
 */
async function forged(keys: DevKeys, audience = `${BASE}/cds-services`): Promise<string> {
  const [header, payload] = (await mintDevToken(keys, audience, { iss: keys.iss })).split('.');
  const other = (await mintDevToken(keys, `${BASE}/other`, { iss: keys.iss })).split('.')[2];
  return `Bearer ${header}.${payload}.${other}`;
}

/** A header that is not even a JWT: refused before any signature work. */
const JUNK = 'Bearer eyJhbGciOiJFUzM4NCIsImtpZCI6IngifQ.eyJpc3MiOiJ4In0.c2ln';

describe('failed authentications per client address', () => {
  let keys: DevKeys;
  beforeAll(async () => {
    keys = await generateDevKeys('https://ehr.hospital.test');
  });

  it('refuses an address with 429 and an OperationOutcome after its limit of refused tokens, without verifying its next token', async () => {
    const { verifier, checked } = await countingVerifier(keys);
    const t = await createTestApp({ config: { publicBaseUrl: BASE, authFailureLimitPerMinute: 3 }, auth: { mode: 'required', verifier, issuers: [keys.iss] } });
    for (let i = 0; i < 3; i++) {
      expect((await request(t.app).get('/cds-services').set('Authorization', await forged(keys))).status).toBe(401);
    }
    expect(checked()).toBe(3);
    // Even a valid token: reading it is the cost the limit saves.
    const token = await mintDevToken(keys, `${BASE}/cds-services`, { iss: keys.iss });
    const res = await request(t.app).get('/cds-services').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'throttled' }] });
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(checked()).toBe(3);
    // The hook too, and its body is not read.
    const hook = await request(t.app).post(ORDER_SIGN).set('Content-Type', 'application/json').send('{"broken":');
    expect(hook.status).toBe(429);
  });

  it('never counts calls that authenticate: an EHR sending valid tokens is not throttled', async () => {
    const { verifier } = await countingVerifier(keys);
    const t = await createTestApp({ config: { publicBaseUrl: BASE, authFailureLimitPerMinute: 2 }, auth: { mode: 'required', verifier, issuers: [keys.iss] } });
    for (let i = 0; i < 6; i++) {
      const token = await mintDevToken(keys, `${BASE}${ORDER_SIGN}`, { iss: keys.iss });
      const res = await request(t.app).post(ORDER_SIGN).set('Authorization', `Bearer ${token}`).send(fixture('order-sign/opioid-draft-with-active-benzodiazepine.json'));
      expect(res.status).toBe(200);
    }
    // One refusal (a replay) stays under the limit of 2.
    const token = await mintDevToken(keys, `${BASE}/cds-services`, { iss: keys.iss });
    expect((await request(t.app).get('/cds-services').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    expect((await request(t.app).get('/cds-services').set('Authorization', `Bearer ${token}`)).status).toBe(401);
    const fresh = await mintDevToken(keys, `${BASE}/cds-services`, { iss: keys.iss });
    expect((await request(t.app).get('/cds-services').set('Authorization', `Bearer ${fresh}`)).status).toBe(200);
  });

  it('does not count refusals the service caused (its key source or replay store could not be reached)', async () => {
    for (const reason of ['jwks-unavailable', 'replay-store-unavailable', 'verification-error'] as const) {
      const t = await createTestApp({ config: { publicBaseUrl: BASE, authFailureLimitPerMinute: 2 }, auth: { mode: 'required', verifier: answering({ ok: false, reason }), issuers: [keys.iss] } });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        statuses.push((await request(t.app).get('/cds-services').set('Authorization', await forged(keys))).status);
      }
      expect(statuses, reason).not.toContain(429);
    }
  });

  it('counts each address apart when TRUST_PROXY names the proxy, and ignores X-Forwarded-For when it does not', async () => {
    const behindProxy = await createTestApp({
      config: { publicBaseUrl: BASE, authFailureLimitPerMinute: 2, trustProxy: ['loopback'] },
      auth: { mode: 'required', verifier: (await countingVerifier(keys)).verifier, issuers: [keys.iss] },
    });
    const token = await forged(keys);
    const from = (app: typeof behindProxy.app, address: string) => request(app).get('/cds-services').set('Authorization', token).set('X-Forwarded-For', address);
    expect([(await from(behindProxy.app, '203.0.113.7')).status, (await from(behindProxy.app, '203.0.113.7')).status]).toEqual([401, 401]);
    expect((await from(behindProxy.app, '203.0.113.7')).status).toBe(429);
    expect((await from(behindProxy.app, '198.51.100.9')).status).toBe(401);

    // Not trusted: the header is the caller's own text, so a new value every call must not escape the limit.
    const direct = await createTestApp({ config: { publicBaseUrl: BASE, authFailureLimitPerMinute: 2 }, auth: { mode: 'required', verifier: (await countingVerifier(keys)).verifier, issuers: [keys.iss] } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await from(direct.app, `192.0.2.${i}`)).status);
    }
    expect(statuses).toEqual([401, 401, 429, 429]);

    // IPv6: one host is given a whole network; addresses of one /56 are counted together.
    const v6 = await createTestApp({
      config: { publicBaseUrl: BASE, authFailureLimitPerMinute: 2, trustProxy: ['loopback'] },
      auth: { mode: 'required', verifier: (await countingVerifier(keys)).verifier, issuers: [keys.iss] },
    });
    const v6Statuses: number[] = [];
    for (let i = 1; i <= 4; i++) {
      v6Statuses.push((await from(v6.app, `2001:db8:1:2::${i}`)).status);
    }
    expect(v6Statuses).toEqual([401, 401, 429, 429]);
  });

  it('never counts refusals decided before any signature work: plain requests without a token cannot lock an address (or a shared proxy) out', async () => {
    const t = await createTestApp({ config: { publicBaseUrl: BASE, authFailureLimitPerMinute: 2 }, auth: { mode: 'required', verifier: (await countingVerifier(keys)).verifier, issuers: [keys.iss] } });
    const statuses: number[] = [];
    for (const authorization of [undefined, 'Basic abc', JUNK, 'Bearer not-a-jwt', undefined, JUNK]) {
      const call = request(t.app).get('/cds-services');
      statuses.push((await (authorization === undefined ? call : call.set('Authorization', authorization))).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401]);
    const valid = await mintDevToken(keys, `${BASE}/cds-services`, { iss: keys.iss });
    expect((await request(t.app).get('/cds-services').set('Authorization', `Bearer ${valid}`)).status).toBe(200);
  });

  it('says once, in the log, when calls come through a proxy that TRUST_PROXY does not name', async () => {
    const { logger, lines } = captureLog();
    const t = await createTestApp({ config: { publicBaseUrl: BASE }, auth: { mode: 'required', verifier: (await countingVerifier(keys)).verifier, issuers: [keys.iss] }, logger });
    for (let i = 0; i < 3; i++) {
      await request(t.app).get('/cds-services').set('X-Forwarded-For', '203.0.113.9');
    }
    expect(lines.filter((l) => String(l.msg).includes('TRUST_PROXY is unset'))).toHaveLength(1);
    const trusted = captureLog();
    const behind = await createTestApp({ config: { publicBaseUrl: BASE, trustProxy: 1 }, auth: { mode: 'required', verifier: (await countingVerifier(keys)).verifier, issuers: [keys.iss] }, logger: trusted.logger });
    await request(behind.app).get('/cds-services').set('X-Forwarded-For', '203.0.113.9');
    expect(trusted.lines.filter((l) => String(l.msg).includes('TRUST_PROXY is unset'))).toHaveLength(0);
  });

  it('logs once per address and minute that its calls are refused, with the address and never the token', async () => {
    const { logger, lines } = captureLog();
    const t = await createTestApp({ config: { publicBaseUrl: BASE, authFailureLimitPerMinute: 1 }, auth: { mode: 'required', verifier: (await countingVerifier(keys)).verifier, issuers: [keys.iss] }, logger });
    for (let i = 0; i < 5; i++) {
      await request(t.app).get('/cds-services').set('Authorization', await forged(keys));
    }
    const throttled = lines.filter((l) => String(l.msg).includes('too many failed authentications'));
    expect(throttled).toHaveLength(1);
    expect(throttled[0]).toMatchObject({ address: expect.stringMatching(/127\.0\.0\.1|::1/), failures: 1 });
    expect(JSON.stringify(lines)).not.toContain('eyJ');
  });

  it('is off at AUTH_FAILURE_LIMIT_PER_MINUTE=0', async () => {
    const t = await createTestApp({ config: { publicBaseUrl: BASE, authFailureLimitPerMinute: 0 }, auth: { mode: 'required', verifier: (await countingVerifier(keys)).verifier, issuers: [keys.iss] } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await request(t.app).get('/cds-services').set('Authorization', await forged(keys))).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
  });
});
