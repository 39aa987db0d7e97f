/**
 * What an EHR's security review relies on: every way a CDS client JWT must be refused, and the token
 * shapes real clients send (Sandbox ES384, Epic RS384 with sub and nbf) accepted.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createCdsJwtVerifier, createMemoryReplayStore } from '../../src/security/index.ts';
import type { CdsJwtVerifier, CdsJwtVerifierOptions, TrustedClient, VerifyResult } from '../../src/security/index.ts';
import { AUD, bearer, ISS, jwksOf, makeKey, nowSeconds, signHmac, signToken, unsignedToken } from './helpers.ts';
import type { TestKey } from './helpers.ts';

const NOW = Date.now();
const T = nowSeconds(NOW);

let es: TestKey;
let rs: TestKey;
let es256: TestKey;
let stranger: TestKey;

beforeAll(async () => {
  [es, rs, es256, stranger] = await Promise.all([makeKey('ES384'), makeKey('RS384'), makeKey('ES256'), makeKey('ES384')]);
});

async function verifierFor(clients?: TrustedClient[], extra: Partial<CdsJwtVerifierOptions> = {}): Promise<CdsJwtVerifier> {
  return createCdsJwtVerifier({
    clients: clients ?? [{ iss: ISS, jwks: jwksOf(es, rs, es256) }],
    replayStore: createMemoryReplayStore({ now: () => NOW }),
    now: () => NOW,
    ...extra,
  });
}

/** Refused with this reason, and the token appears nowhere in the result. */
function expectRefused(result: VerifyResult, reason: string, token?: string): void {
  expect(result).toMatchObject({ ok: false, reason });
  if (token) {
    expect(JSON.stringify(result)).not.toContain(token);
    expect(JSON.stringify(result)).not.toContain(token.split('.')[2] || token.split('.')[1]);
  }
}

describe('refused: the Authorization header', () => {
  it('no header', async () => {
    const v = await verifierFor();
    expectRefused(await v.verify(undefined, AUD), 'missing-token');
    expectRefused(await v.verify('', AUD), 'missing-token');
    expectRefused(await v.verify('Bearer ', AUD), 'missing-token');
  });

  it('a scheme other than Bearer', async () => {
    const v = await verifierFor();
    const token = await signToken(es, { nowMs: NOW });
    expectRefused(await v.verify('Basic dXNlcjpwYXNz', AUD), 'not-bearer');
    expectRefused(await v.verify(`Token ${token}`, AUD), 'not-bearer', token);
    expectRefused(await v.verify(token, AUD), 'not-bearer', token);
  });

  it('garbage instead of a JWT', async () => {
    const v = await verifierFor();
    for (const junk of ['abc', 'a.b', 'not.a.jwt', 'eyJhbGciOiJFUzM4NCJ9.e30.%%%', `${Buffer.from('{not json').toString('base64url')}.e30.sig`, 'a.b.c.d']) {
      expectRefused(await v.verify(bearer(junk), AUD), 'malformed-token');
    }
    expectRefused(await v.verify(bearer('x'.repeat(20_000)), AUD), 'malformed-token');
  });

  it('the Bearer scheme is case-insensitive', async () => {
    const v = await verifierFor();
    expect(await v.verify(`bearer ${await signToken(es, { nowMs: NOW })}`, AUD)).toMatchObject({ ok: true });
  });
});

describe('refused: algorithms', () => {
  it('alg "none" (crafted by hand), in any spelling', async () => {
    const v = await verifierFor();
    for (const alg of ['none', 'None', 'NONE']) {
      const token = unsignedToken(NOW, { alg, typ: 'JWT', kid: es.kid });
      expectRefused(await v.verify(bearer(token), AUD), 'algorithm-not-allowed', token);
    }
  });

  it('alg "none" with a signature part attached', async () => {
    const v = await verifierFor();
    const real = await signToken(es, { nowMs: NOW });
    const token = `${unsignedToken(NOW, { alg: 'none', kid: es.kid })}${real.split('.')[2]}`;
    expectRefused(await v.verify(bearer(token), AUD), 'algorithm-not-allowed');
  });

  it('HS256 signed with a shared secret', async () => {
    const v = await verifierFor();
    const token = await signHmac(new TextEncoder().encode('a-secret-that-is-long-enough-for-hs256!!'), { nowMs: NOW });
    expectRefused(await v.verify(bearer(token), AUD), 'algorithm-not-allowed', token);
  });

  it('HS256 even when the client wrongly lists it (key-confusion attack with the public key as secret)', async () => {
    const v = await verifierFor([{ iss: ISS, jwks: jwksOf(es), algorithms: ['HS256', 'HS384', 'none', 'ES384'] }]);
    const secret = new TextEncoder().encode(JSON.stringify(es.publicJwk));
    for (const alg of ['HS256', 'HS384']) {
      const token = await signHmac(secret, { nowMs: NOW, header: { alg, kid: es.kid } });
      expectRefused(await v.verify(bearer(token), AUD), 'algorithm-not-allowed', token);
    }
    // ES384 still works for that client
    expect(await v.verify(bearer(await signToken(es, { nowMs: NOW })), AUD)).toMatchObject({ ok: true });
  });

  it('an asymmetric algorithm the client is not configured for', async () => {
    const narrow = await verifierFor([{ iss: ISS, jwks: jwksOf(es, rs), algorithms: ['RS384'] }]);
    expectRefused(await narrow.verify(bearer(await signToken(es, { nowMs: NOW })), AUD), 'algorithm-not-allowed');
    expect(await narrow.verify(bearer(await signToken(rs, { nowMs: NOW })), AUD)).toMatchObject({ ok: true });
    // ES256 is not in the default set
    const byDefault = await verifierFor();
    expectRefused(await byDefault.verify(bearer(await signToken(es256, { nowMs: NOW })), AUD), 'algorithm-not-allowed');
  });
});

describe('refused: header', () => {
  it('typ other than JWT', async () => {
    const v = await verifierFor();
    expectRefused(await v.verify(bearer(await signToken(es, { nowMs: NOW, header: { typ: 'at+jwt' } })), AUD), 'bad-typ');
  });

  it('no kid', async () => {
    const v = await verifierFor();
    expectRefused(await v.verify(bearer(await signToken(es, { nowMs: NOW, header: { kid: undefined } })), AUD), 'missing-kid');
  });
});

describe('refused: issuer, keys and signature', () => {
  it('unknown issuer (the unverified iss is reported for the log)', async () => {
    const v = await verifierFor();
    const result = await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { iss: 'https://evil.example' } })), AUD);
    expect(result).toEqual({ ok: false, reason: 'unknown-issuer', iss: 'https://evil.example' });
  });

  it('no iss claim', async () => {
    const v = await verifierFor();
    expectRefused(await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { iss: undefined } })), AUD), 'missing-issuer');
  });

  it('unknown kid', async () => {
    const v = await verifierFor();
    expectRefused(await v.verify(bearer(await signToken(stranger, { nowMs: NOW })), AUD), 'unknown-kid');
  });

  it('signed by the wrong key under a known kid', async () => {
    const v = await verifierFor();
    const token = await signToken(stranger, { nowMs: NOW, header: { kid: es.kid } });
    expectRefused(await v.verify(bearer(token), AUD), 'bad-signature', token);
  });

  it('payload altered after signing', async () => {
    const v = await verifierFor();
    const [h, , s] = (await signToken(es, { nowMs: NOW })).split('.');
    const forged = Buffer.from(JSON.stringify({ iss: ISS, aud: AUD, iat: T, exp: T + 300, jti: randomUUID(), tenant: 'other' })).toString('base64url');
    expectRefused(await v.verify(bearer(`${h}.${forged}.${s}`), AUD), 'bad-signature');
  });

  it('a key of one issuer cannot sign for another', async () => {
    const v = await verifierFor([
      { iss: ISS, jwks: jwksOf(es) },
      { iss: 'https://other-ehr.example', jwks: jwksOf(rs) },
    ]);
    const token = await signToken(es, { nowMs: NOW, claims: { iss: 'https://other-ehr.example' } });
    expectRefused(await v.verify(bearer(token), AUD), 'unknown-kid');
  });
});

describe('refused: audience', () => {
  it('aud for another endpoint of the same service', async () => {
    const v = await verifierFor();
    for (const aud of [
      'https://cds.example.org/cds-services/cns-depressant-order-select',
      'https://cds.example.org/cds-services',
      `${AUD}/`,
      `${AUD}/feedback`,
      AUD.toUpperCase(),
      'https://other.example.org/cds-services/cns-depressant-order-sign',
    ]) {
      expectRefused(await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { aud } })), AUD), 'audience-mismatch');
    }
  });

  it('aud array without our URL', async () => {
    const v = await verifierFor();
    const token = await signToken(es, { nowMs: NOW, claims: { aud: ['https://cds.example.org/cds-services', 'https://x.example'] } });
    expectRefused(await v.verify(bearer(token), AUD), 'audience-mismatch');
  });

  it('no aud', async () => {
    const v = await verifierFor();
    expectRefused(await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { aud: undefined } })), AUD), 'missing-aud');
  });
});

describe('refused: time', () => {
  it('expired (beyond the clock skew)', async () => {
    const v = await verifierFor();
    const token = await signToken(es, { nowMs: NOW, claims: { iat: T - 400, exp: T - 61 } });
    expectRefused(await v.verify(bearer(token), AUD), 'expired');
  });

  it('expired a little, within the skew: accepted', async () => {
    const v = await verifierFor();
    expect(await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { iat: T - 330, exp: T - 30 } })), AUD)).toMatchObject({ ok: true });
  });

  it('iat in the future beyond the skew', async () => {
    const v = await verifierFor();
    const token = await signToken(es, { nowMs: NOW, claims: { iat: T + 120, exp: T + 420 } });
    expectRefused(await v.verify(bearer(token), AUD), 'issued-in-future');
    expect(await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { iat: T + 30, exp: T + 330 } })), AUD)).toMatchObject({ ok: true });
  });

  it('nbf in the future', async () => {
    const v = await verifierFor();
    expectRefused(await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { nbf: T + 120 } })), AUD), 'not-yet-valid');
  });

  it('lifetime (exp - iat) longer than the maximum', async () => {
    const v = await verifierFor();
    expectRefused(await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { exp: T + 3601 } })), AUD), 'lifetime-too-long');
    const strict = await verifierFor(undefined, { maxLifetimeSeconds: 300 });
    expectRefused(await strict.verify(bearer(await signToken(es, { nowMs: NOW, claims: { exp: T + 301 } })), AUD), 'lifetime-too-long');
    expect(await strict.verify(bearer(await signToken(es, { nowMs: NOW, claims: { exp: T + 300 } })), AUD)).toMatchObject({ ok: true });
  });

  it('exp or iat missing, or not numbers', async () => {
    const v = await verifierFor();
    expectRefused(await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { exp: undefined } })), AUD), 'missing-exp');
    expectRefused(await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { iat: undefined } })), AUD), 'missing-iat');
    expectRefused(await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { exp: String(T + 300) } })), AUD), 'invalid-claims');
  });

  it('clock skew is configurable', async () => {
    const v = await verifierFor(undefined, { clockSkewSeconds: 0 });
    expectRefused(await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { iat: T - 330, exp: T - 30 } })), AUD), 'expired');
  });
});

describe('refused: jti and replay', () => {
  it('missing jti', async () => {
    const v = await verifierFor();
    expectRefused(await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { jti: undefined } })), AUD), 'missing-jti');
  });

  it('jti that is not a usable string', async () => {
    const v = await verifierFor();
    for (const jti of ['', 42, 'x'.repeat(300)]) {
      expectRefused(await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { jti } })), AUD), 'invalid-jti');
    }
  });

  it('replayed jti: the first use is accepted, the second refused', async () => {
    const v = await verifierFor();
    const token = await signToken(es, { nowMs: NOW });
    expect(await v.verify(bearer(token), AUD)).toMatchObject({ ok: true });
    expectRefused(await v.verify(bearer(token), AUD), 'replayed', token);
    // a new token reusing the jti is a replay too
    const jti = randomUUID();
    expect(await v.verify(bearer(await signToken(rs, { nowMs: NOW, claims: { jti } })), AUD)).toMatchObject({ ok: true });
    expectRefused(await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { jti } })), AUD), 'replayed');
  });

  it('a refused token does not burn its jti (recorded only after everything verified)', async () => {
    const v = await verifierFor();
    const jti = randomUUID();
    expectRefused(await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { jti, aud: 'https://x.example' } })), AUD), 'audience-mismatch');
    expectRefused(await v.verify(bearer(await signToken(stranger, { nowMs: NOW, claims: { jti }, header: { kid: es.kid } })), AUD), 'bad-signature');
    expect(await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { jti } })), AUD)).toMatchObject({ ok: true, jti });
  });

  it('the replay key is issuer|jti and is kept until exp + skew', async () => {
    const remember = vi.fn(async () => true);
    const v = await verifierFor(undefined, { replayStore: { remember } });
    const jti = randomUUID();
    await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { jti, exp: T + 300 } })), AUD);
    expect(remember).toHaveBeenCalledWith(`${ISS}|${jti}`, (T + 300 + 60) * 1000);
  });

  it('a failing replay store refuses (fails closed)', async () => {
    const v = await verifierFor(undefined, {
      replayStore: {
        remember: async () => {
          throw new Error('database down');
        },
      },
    });
    expectRefused(await v.verify(bearer(await signToken(es, { nowMs: NOW })), AUD), 'replay-store-unavailable');
  });
});

describe('tenants', () => {
  const clients = (): TrustedClient[] => [{ iss: ISS, jwks: jwksOf(es), tenants: ['hospital-a', 'hospital-b'] }];

  it('tenant not allowlisted, or missing when the client has an allowlist', async () => {
    const v = await verifierFor(clients());
    expectRefused(await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { tenant: 'hospital-z' } })), AUD), 'tenant-not-allowed');
    expectRefused(await v.verify(bearer(await signToken(es, { nowMs: NOW })), AUD), 'missing-tenant');
    expectRefused(await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { tenant: ['hospital-a'] } })), AUD), 'invalid-claims');
  });

  it('allowlisted tenant accepted and returned', async () => {
    const v = await verifierFor(clients());
    expect(await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { tenant: 'hospital-b' } })), AUD)).toMatchObject({ ok: true, tenant: 'hospital-b' });
  });

  it('no allowlist: any tenant passes through', async () => {
    const v = await verifierFor();
    expect(await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { tenant: 't1' } })), AUD)).toMatchObject({ ok: true, tenant: 't1' });
  });
});

describe('jku with out-of-band keys', () => {
  it('is never fetched; the configured keys decide', async () => {
    const fetchSpy = vi.fn(async () => new Response('{}'));
    const v = await verifierFor(undefined, { fetch: fetchSpy as unknown as typeof fetch });
    const evil = 'https://attacker.example/jwks.json';
    // an attacker's own key, announced through jku: its kid is unknown here
    expectRefused(await v.verify(bearer(await signToken(stranger, { nowMs: NOW, header: { jku: evil } })), AUD), 'unknown-kid');
    // the Sandbox case: a local copy of its JWKS is configured, tokens still carry jku
    expect(await v.verify(bearer(await signToken(es, { nowMs: NOW, header: { jku: 'https://sandbox.cds-hooks.org/.well-known/jwks.json' } })), AUD)).toMatchObject({
      ok: true,
    });
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});

describe('accepted', () => {
  it('ES384 from an inline JWKS (CDS Hooks Sandbox shape)', async () => {
    const v = await verifierFor();
    const jti = randomUUID();
    const result = await v.verify(bearer(await signToken(es, { nowMs: NOW, claims: { jti } })), AUD);
    expect(result).toEqual({ ok: true, iss: ISS, jti });
  });

  it('RS384', async () => {
    const v = await verifierFor();
    expect(await v.verify(bearer(await signToken(rs, { nowMs: NOW })), AUD)).toMatchObject({ ok: true, iss: ISS });
  });

  it('extra sub and nbf claims (Epic shape) and unknown claims', async () => {
    const v = await verifierFor();
    const token = await signToken(rs, { nowMs: NOW, claims: { sub: 'epic-client-id', nbf: T - 5, foo: { bar: 1 } } });
    expect(await v.verify(bearer(token), AUD)).toMatchObject({ ok: true, sub: 'epic-client-id' });
  });

  it('aud as an array containing our URL', async () => {
    const v = await verifierFor();
    const token = await signToken(es, { nowMs: NOW, claims: { aud: ['https://cds.example.org/cds-services', AUD] } });
    expect(await v.verify(bearer(token), AUD)).toMatchObject({ ok: true });
  });

  it('typ in any case, or absent', async () => {
    const v = await verifierFor();
    expect(await v.verify(bearer(await signToken(es, { nowMs: NOW, header: { typ: 'jwt' } })), AUD)).toMatchObject({ ok: true });
    expect(await v.verify(bearer(await signToken(es, { nowMs: NOW, header: { typ: undefined } })), AUD)).toMatchObject({ ok: true });
  });

  it('an algorithm the client widened to', async () => {
    const v = await verifierFor([{ iss: ISS, jwks: jwksOf(es256), algorithms: ['ES256'] }]);
    expect(await v.verify(bearer(await signToken(es256, { nowMs: NOW })), AUD)).toMatchObject({ ok: true });
  });
});

describe('configuration given to the verifier', () => {
  it('refuses unusable client lists with every problem named', async () => {
    const promise = verifierFor([
      { iss: ISS, jwks: jwksOf(es) },
      { iss: ISS, jwks: jwksOf(rs) },
      { iss: 'https://a.example' },
      { iss: 'https://b.example', jwks: jwksOf(es), jwksUrl: 'https://b.example/jwks' },
      { iss: 'https://c.example', jwksUrl: 'http://c.example/jwks' },
      { iss: 'https://d.example', jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'k' }] } },
    ]);
    await expect(promise).rejects.toThrow(/client "https:\/\/ehr\.example\.org": listed more than once/);
    await expect(promise).rejects.toThrow(/client "https:\/\/a\.example": needs exactly one/);
    await expect(promise).rejects.toThrow(/client "https:\/\/b\.example": needs exactly one/);
    await expect(promise).rejects.toThrow(/client "https:\/\/c\.example": jwksUrl must be an https/);
    await expect(promise).rejects.toThrow(/client "https:\/\/d\.example": jwks keys\[0\]: symmetric keys/);
  });
});
