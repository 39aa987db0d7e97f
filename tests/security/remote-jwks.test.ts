/**
 * Keys fetched from an allowlisted JWKS URL, served by a real HTTP server on 127.0.0.1 (no mocked
 * fetch): caching, rotation on an unknown kid, bounded refetching (failed attempts included), the last good
 * keys used through an outage (for a bounded time), failures, and the jku allowlist.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCdsJwtVerifier, createMemoryReplayStore } from '../../src/security/index.ts';
import type { CdsJwtVerifierOptions, JSONWebKeySet } from '../../src/security/index.ts';
import { JWKS_STALE_KEYS_MAX_AGE_MS } from '../../src/security/remote-jwks.ts';
import { AUD, bearer, ISS, jwksOf, makeKey, signToken } from './helpers.ts';
import type { TestKey } from './helpers.ts';
import { startLoopbackServer } from '../support/loopback-server.ts';
import type { LoopbackServer } from '../support/loopback-server.ts';

type Mode = 'serve' | 'error' | 'hang' | 'redirect' | 'not-json';

let server: LoopbackServer;
let base: string;
let served: JSONWebKeySet = { keys: [] };
let mode: Mode = 'serve';
let hits: string[] = [];
let oldKey: TestKey;
let newKey: TestKey;
let attackerKey: TestKey;

function handler(req: IncomingMessage, res: ServerResponse): void {
  hits.push(req.url ?? '');
  if (req.url === '/attacker/jwks.json') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwksOf(attackerKey)));
    return;
  }
  switch (mode) {
    case 'serve':
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(served));
      return;
    case 'error':
      res.writeHead(500).end('boom');
      return;
    case 'redirect':
      res.writeHead(302, { location: '/attacker/jwks.json' }).end();
      return;
    case 'not-json':
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
      return;
    case 'hang':
      return; // never answers; the client must time out
  }
}

beforeAll(async () => {
  [oldKey, newKey, attackerKey] = await Promise.all([makeKey('ES384'), makeKey('RS384'), makeKey('ES384')]);
  server = await startLoopbackServer(handler);
  base = server.base;
});

afterAll(() => server.close());

beforeEach(() => {
  served = jwksOf(oldKey);
  mode = 'serve';
  hits = [];
});

/** fetch that records every URL it is asked for, then really fetches. */
function recordingFetch(): { fetch: typeof fetch; urls: string[] } {
  const urls: string[] = [];
  const f = ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    urls.push(String(input));
    return fetch(input, init);
  }) as typeof fetch;
  return { fetch: f, urls };
}

async function remoteVerifier(extra: Partial<CdsJwtVerifierOptions> = {}) {
  return createCdsJwtVerifier({
    clients: [{ iss: ISS, jwksUrl: `${base}/jwks.json` }],
    replayStore: createMemoryReplayStore(),
    jwksCooldownMs: 0,
    ...extra,
  });
}

describe('remote JWKS (jwksUrl)', () => {
  it('accepts a token whose key is served at the configured URL, and caches the JWKS', async () => {
    const v = await remoteVerifier();
    expect(await v.verify(bearer(await signToken(oldKey, { nowMs: Date.now() })), AUD)).toMatchObject({ ok: true, iss: ISS });
    expect(await v.verify(bearer(await signToken(oldKey, { nowMs: Date.now() })), AUD)).toMatchObject({ ok: true });
    expect(hits).toEqual(['/jwks.json']);
  });

  it('key rotation: a token with a new kid is accepted once the server serves the new key', async () => {
    const v = await remoteVerifier();
    expect(await v.verify(bearer(await signToken(oldKey, { nowMs: Date.now() })), AUD)).toMatchObject({ ok: true });
    const rotated = await signToken(newKey, { nowMs: Date.now() });
    // not published yet
    expect(await v.verify(bearer(rotated), AUD)).toMatchObject({ ok: false, reason: 'unknown-kid' });
    served = jwksOf(newKey);
    expect(await v.verify(bearer(rotated), AUD)).toMatchObject({ ok: true });
    // the retired key is gone
    expect(await v.verify(bearer(await signToken(oldKey, { nowMs: Date.now() })), AUD)).toMatchObject({ ok: false, reason: 'unknown-kid' });
  });

  it('a flood of unknown kids triggers at most one refetch per cooldown', async () => {
    const v = await remoteVerifier({ jwksCooldownMs: 60_000 });
    expect(await v.verify(bearer(await signToken(oldKey, { nowMs: Date.now() })), AUD)).toMatchObject({ ok: true });
    for (let i = 0; i < 10; i++) {
      const token = await signToken(attackerKey, { nowMs: Date.now(), header: { kid: `random-${i}` } });
      expect(await v.verify(bearer(token), AUD)).toMatchObject({ ok: false, reason: 'unknown-kid' });
    }
    expect(hits.length).toBe(1);
  });

  it('while the JWKS URL fails, it is downloaded at most once per cooldown, however many tokens come (forged ones with random kids too)', async () => {
    mode = 'error';
    const v = await remoteVerifier({ jwksCooldownMs: 60_000 });
    for (let i = 0; i < 10; i++) {
      const forged = await signToken(attackerKey, { nowMs: Date.now(), header: { kid: `random-${i}` } });
      expect(await v.verify(bearer(forged), AUD)).toMatchObject({ ok: false, reason: 'jwks-unavailable' });
      expect(await v.verify(bearer(await signToken(oldKey, { nowMs: Date.now() })), AUD)).toMatchObject({ ok: false, reason: 'jwks-unavailable' });
    }
    expect(hits).toEqual(['/jwks.json']);
  });

  it('the cooldown counts from the last download attempt, failed or not: an unknown kid triggers one refetch, then waits', async () => {
    let clock = Date.now();
    const v = await remoteVerifier({ jwksCooldownMs: 60_000, now: () => clock });
    expect(await v.verify(bearer(await signToken(oldKey, { nowMs: clock })), AUD)).toMatchObject({ ok: true });
    mode = 'error';
    clock += 61_000; // past the cooldown, the keys still fresh (10 min)
    const reasons: string[] = [];
    for (let i = 0; i < 10; i++) {
      const forged = await signToken(attackerKey, { nowMs: clock, header: { kid: `random-${i}` } });
      const result = await v.verify(bearer(forged), AUD);
      reasons.push(result.ok ? 'ok' : result.reason);
    }
    // the first unknown kid tried to refetch (and could not); the others waited for the cooldown
    expect(reasons).toEqual(['jwks-unavailable', ...Array<string>(9).fill('unknown-kid')]);
    expect(hits).toEqual(['/jwks.json', '/jwks.json']);
    expect(await v.verify(bearer(await signToken(oldKey, { nowMs: clock })), AUD)).toMatchObject({ ok: true });
    expect(hits.length).toBe(2);
  });

  it('keys fetched, then the URL fails after the cache age: valid tokens still pass with the last good keys', async () => {
    const v = await remoteVerifier({ jwksCacheMaxAgeMs: 50 });
    expect(await v.verify(bearer(await signToken(oldKey, { nowMs: Date.now() })), AUD)).toMatchObject({ ok: true });
    mode = 'error';
    await new Promise((resolve) => setTimeout(resolve, 100)); // the cache age passes
    for (let i = 0; i < 5; i++) {
      expect(await v.verify(bearer(await signToken(oldKey, { nowMs: Date.now() })), AUD)).toMatchObject({ ok: true, iss: ISS });
    }
    expect(hits.length).toBe(6); // each tried to refresh (no cooldown here), failed, and used the last good keys
    // a forged token is still refused
    const forged = await signToken(attackerKey, { nowMs: Date.now(), header: { kid: oldKey.kid } });
    expect(await v.verify(bearer(forged), AUD)).toMatchObject({ ok: false, reason: 'bad-signature' });
    // the URL answers again: the new keys are used
    mode = 'serve';
    served = jwksOf(newKey);
    expect(await v.verify(bearer(await signToken(newKey, { nowMs: Date.now() })), AUD)).toMatchObject({ ok: true });
  });

  it('the last good keys are used through an outage for at most JWKS_STALE_KEYS_MAX_AGE_MS (24 h) after their download', async () => {
    expect(JWKS_STALE_KEYS_MAX_AGE_MS).toBe(24 * 60 * 60 * 1000);
    const fetchedAt = Date.now();
    let clock = fetchedAt;
    const v = await remoteVerifier({ now: () => clock });
    expect(await v.verify(bearer(await signToken(oldKey, { nowMs: clock })), AUD)).toMatchObject({ ok: true });
    mode = 'error';
    clock = fetchedAt + 11 * 60_000; // past the 10 min cache age
    expect(await v.verify(bearer(await signToken(oldKey, { nowMs: clock })), AUD)).toMatchObject({ ok: true });
    clock = fetchedAt + JWKS_STALE_KEYS_MAX_AGE_MS - 60_000;
    expect(await v.verify(bearer(await signToken(oldKey, { nowMs: clock })), AUD)).toMatchObject({ ok: true });
    clock = fetchedAt + JWKS_STALE_KEYS_MAX_AGE_MS + 1;
    expect(await v.verify(bearer(await signToken(oldKey, { nowMs: clock })), AUD)).toMatchObject({ ok: false, reason: 'jwks-unavailable' });
    mode = 'serve';
    expect(await v.verify(bearer(await signToken(oldKey, { nowMs: clock })), AUD)).toMatchObject({ ok: true });
  });

  it('jku equal to the allowlisted URL is honoured', async () => {
    const v = await remoteVerifier();
    const token = await signToken(oldKey, { nowMs: Date.now(), header: { jku: `${base}/jwks.json` } });
    expect(await v.verify(bearer(token), AUD)).toMatchObject({ ok: true });
  });

  it('jku pointing at a non-allowlisted URL is refused and never fetched', async () => {
    const recorder = recordingFetch();
    const v = await remoteVerifier({ fetch: recorder.fetch });
    const evil = `${base}/attacker/jwks.json`;
    const token = await signToken(attackerKey, { nowMs: Date.now(), header: { jku: evil } });
    expect(await v.verify(bearer(token), AUD)).toEqual({ ok: false, reason: 'jku-not-allowed', iss: ISS });
    // even when signed by a genuine key: the jku alone disqualifies it
    const genuine = await signToken(oldKey, { nowMs: Date.now(), header: { jku: 'https://attacker.example/jwks.json' } });
    expect(await v.verify(bearer(genuine), AUD)).toMatchObject({ ok: false, reason: 'jku-not-allowed' });
    expect(recorder.urls).not.toContain(evil);
    expect(recorder.urls.some((u) => u.includes('attacker'))).toBe(false);
    expect(hits).not.toContain('/attacker/jwks.json');
  });

  it('the injected fetch is used for the allowlisted URL only', async () => {
    const recorder = recordingFetch();
    const v = await remoteVerifier({ fetch: recorder.fetch });
    expect(await v.verify(bearer(await signToken(oldKey, { nowMs: Date.now() })), AUD)).toMatchObject({ ok: true });
    expect(recorder.urls).toEqual([`${base}/jwks.json`]);
  });

  it('server error, non-JSON answer or redirect: refused as jwks-unavailable (redirects are not followed)', async () => {
    for (const m of ['error', 'not-json', 'redirect'] as const) {
      mode = m;
      hits = [];
      const v = await remoteVerifier();
      expect(await v.verify(bearer(await signToken(oldKey, { nowMs: Date.now() })), AUD)).toMatchObject({ ok: false, reason: 'jwks-unavailable' });
      expect(hits).not.toContain('/attacker/jwks.json');
    }
  });

  it('a server that does not answer times out quickly', async () => {
    mode = 'hang';
    const v = await remoteVerifier({ jwksTimeoutMs: 200 });
    const started = Date.now();
    expect(await v.verify(bearer(await signToken(oldKey, { nowMs: Date.now() })), AUD)).toMatchObject({ ok: false, reason: 'jwks-unavailable' });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
