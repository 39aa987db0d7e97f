/**
 * Admin OIDC keys from ADMIN_OIDC_JWKS_URL, served by a real HTTP server on 127.0.0.1: the same cache as the
 * CDS clients' JWKS URLs (src/security/remote-jwks.ts). A failing identity provider is downloaded at most once
 * per cooldown (forged tokens with random kids included), and a failed refresh after the cache age keeps the
 * last good keys, so admins are not locked out. Only `Date` is faked (to move past the cooldown and cache age
 * without waiting); timers and sockets are real.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JSONWebKeySet } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAdminAuth } from '../../src/admin/index.ts';
import type { AdminAuthenticator } from '../../src/admin/index.ts';
import type { AdminConfig } from '../../src/config/index.ts';
import { JWKS_STALE_KEYS_MAX_AGE_MS } from '../../src/security/remote-jwks.ts';
import { bearer } from './helpers.ts';
import { startLoopbackServer } from '../support/loopback-server.ts';
import type { LoopbackServer } from '../support/loopback-server.ts';

const ISSUER = 'https://login.hospital.example/realms/cds';
const AUDIENCE = 'cds-rule-admin';
const COOLDOWN_MS = 30_000;
const CACHE_AGE_MS = 600_000;

let server: LoopbackServer;
let base: string;
let failing = false;
let hits = 0;
let jwks: JSONWebKeySet;
let idpKey: CryptoKey;
let attackerKey: CryptoKey;

function handler(_req: IncomingMessage, res: ServerResponse): void {
  hits++;
  if (failing) {
    res.writeHead(503).end('identity provider down');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
}

beforeAll(async () => {
  const idp = await generateKeyPair('RS256', { extractable: true });
  idpKey = idp.privateKey;
  attackerKey = (await generateKeyPair('RS256')).privateKey;
  jwks = { keys: [{ ...(await exportJWK(idp.publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' }] };
  server = await startLoopbackServer(handler);
  base = server.base;
});

afterAll(() => server.close());

beforeEach(() => {
  failing = false;
  hits = 0;
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now());
});

afterEach(() => {
  vi.useRealTimers();
});

/** The authenticator built from configuration, as the service does (an http URL is fine here: the https rule is the config's). */
async function adminAuth(): Promise<AdminAuthenticator> {
  const config: AdminConfig = { auth: 'on', oidc: { issuer: ISSUER, audience: AUDIENCE, jwksUrl: `${base}/jwks.json`, rolesClaim: 'roles' }, fixturesDir: tmpdir() };
  const setup = await createAdminAuth(config);
  if (!setup.ok) {
    throw new Error(setup.errors.join('\n'));
  }
  return setup.value.authenticator;
}

function adminToken(key: CryptoKey = idpKey, kid = 'idp-1'): Promise<string> {
  return new SignJWT({ roles: ['cds-editor'] })
    .setProtectedHeader({ alg: 'RS256', kid })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject('jane.informaticist')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);
}

function advance(ms: number): void {
  vi.setSystemTime(Date.now() + ms);
}

describe('admin OIDC keys from ADMIN_OIDC_JWKS_URL', () => {
  it('while the JWKS URL fails, it is downloaded at most once per cooldown, however many tokens come (forged ones with random kids too)', async () => {
    failing = true;
    const auth = await adminAuth();
    const results = [];
    for (let i = 0; i < 10; i++) {
      results.push(await auth.authenticate(bearer(await adminToken(attackerKey, `random-${i}`))));
      results.push(await auth.authenticate(bearer(await adminToken())));
    }
    expect(hits).toBe(1);
    for (const result of results) {
      expect(result).toMatchObject({ ok: false, status: 401, reason: 'jwks-unavailable' });
    }
    advance(COOLDOWN_MS + 1_000);
    for (let i = 0; i < 5; i++) {
      expect(await auth.authenticate(bearer(await adminToken(attackerKey, `again-${i}`)))).toMatchObject({ ok: false, status: 401 });
    }
    expect(hits).toBe(2);
    // the identity provider is back: the next download, a cooldown later, brings the keys
    failing = false;
    advance(COOLDOWN_MS + 1_000);
    expect(await auth.authenticate(bearer(await adminToken()))).toEqual({ ok: true, principal: { name: 'jane.informaticist', role: 'editor', via: 'oidc' } });
    expect(hits).toBe(3);
  });

  it('keys fetched, then the URL fails after the cache age: a valid admin token still passes with the last good keys (for up to 24 h)', async () => {
    const auth = await adminAuth();
    const fetchedAt = Date.now();
    expect(await auth.authenticate(bearer(await adminToken()))).toMatchObject({ ok: true, principal: { role: 'editor', via: 'oidc' } });
    expect(hits).toBe(1);
    failing = true;
    advance(CACHE_AGE_MS + 60_000);
    for (let i = 0; i < 5; i++) {
      expect(await auth.authenticate(bearer(await adminToken()))).toEqual({ ok: true, principal: { name: 'jane.informaticist', role: 'editor', via: 'oidc' } });
    }
    expect(hits).toBe(2); // one refresh attempt; the others waited for the cooldown
    // the stale keys verify signatures as before: another key under the same kid is refused
    expect(await auth.authenticate(bearer(await adminToken(attackerKey)))).toMatchObject({ ok: false, status: 401 });
    // past the stale-keys limit the token is refused until a download succeeds
    vi.setSystemTime(fetchedAt + JWKS_STALE_KEYS_MAX_AGE_MS + 1);
    expect(await auth.authenticate(bearer(await adminToken()))).toMatchObject({ ok: false, status: 401, reason: 'jwks-unavailable' });
    failing = false;
    advance(COOLDOWN_MS + 1_000);
    expect(await auth.authenticate(bearer(await adminToken()))).toMatchObject({ ok: true });
  });
});
