/**
 * What a JWT refusal writes to the log about the issuer: a configured issuer as it is, an unknown one (the
 * claim of an unverified token, chosen by the caller) only as its length and a hash prefix.
 */
import { createHash } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCdsJwtVerifier, createMemoryReplayStore, requireCdsJwt } from '../../src/security/index.ts';
import type { CdsJwtVerifier } from '../../src/security/index.ts';
import { ISS, jwksOf, makeKey, signToken } from './helpers.ts';
import type { TestKey } from './helpers.ts';

const PUBLIC = 'https://cds.example.org';
const AUDIENCE = `${PUBLIC}/cds-services/svc`;
let key: TestKey;
let verifier: CdsJwtVerifier;

function refuse(token: string): Promise<object[]> {
  const logged: object[] = [];
  const app = express();
  app.use('/cds-services', requireCdsJwt({ verifier, publicBaseUrl: PUBLIC, logger: { warn: (obj: object) => logged.push(obj) } }));
  app.all('/cds-services/{*rest}', (_req, res) => res.json({}));
  return request(app)
    .post('/cds-services/svc')
    .set('Authorization', `Bearer ${token}`)
    .send({})
    .then((res) => {
      expect(res.status).toBe(401);
      return logged;
    });
}

beforeAll(async () => {
  key = await makeKey('ES384');
  verifier = await createCdsJwtVerifier({ clients: [{ iss: ISS, jwks: jwksOf(key) }], replayStore: createMemoryReplayStore() });
});

describe('requireCdsJwt: the issuer in the log of a refusal', () => {
  it('an unknown issuer is logged as its length and a sha256 prefix, never its text', async () => {
    const claim = 'ZZSECRET-ISS client_secret=s3cr3t\n{"level":60,"msg":"forged line"}';
    const logged = await refuse(await signToken(key, { nowMs: Date.now(), claims: { iss: claim, aud: AUDIENCE } }));
    expect(logged).toHaveLength(1);
    const line = logged[0] as Record<string, unknown>;
    expect(line).toMatchObject({ reason: 'unknown-issuer', unknownIss: { length: claim.length, sha256: createHash('sha256').update(claim).digest('hex').slice(0, 12) } });
    expect(line).not.toHaveProperty('iss');
    const text = JSON.stringify(logged);
    expect(text).not.toContain('ZZSECRET');
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('forged');
  });

  it('a long unknown issuer adds a short marker, whatever its length', async () => {
    const logged = await refuse(await signToken(key, { nowMs: Date.now(), claims: { iss: 'A'.repeat(10_000), aud: AUDIENCE } }));
    expect(JSON.stringify(logged).length).toBeLessThan(500);
    expect(JSON.stringify(logged)).not.toContain('A'.repeat(20));
  });

  it('a configured issuer is logged as it is (a token from a known client refused for another reason)', async () => {
    const logged = await refuse(await signToken(key, { nowMs: Date.now(), claims: { aud: `${PUBLIC}/cds-services/other` } }));
    expect(logged).toEqual([expect.objectContaining({ reason: 'audience-mismatch', iss: ISS })]);
    expect(logged[0]).not.toHaveProperty('unknownIss');
  });
});
