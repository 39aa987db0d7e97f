/**
 * JWKS answers are read up to JWKS_MAX_BYTES only (src/security/remote-jwks.ts), served by a real HTTP
 * server on 127.0.0.1: a valid key padded past the limit, with or without Content-Length (chunked), is a
 * failed download (the token refused as `jwks-unavailable`, or the last good keys kept), the server sees the
 * connection closed before it has written the answer (it was not read whole), the error holds no body, and
 * the timeout covers the body too. A JWKS up to the limit (dozens of RSA keys) is used as before. The CDS
 * verifier and the admin OIDC authenticator (same resolver) are both checked.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { SignJWT } from 'jose';
import type { JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAdminAuth } from '../../src/admin/index.ts';
import { createCdsJwtVerifier, createMemoryReplayStore } from '../../src/security/index.ts';
import type { CdsJwtVerifierOptions } from '../../src/security/index.ts';
import { JWKS_MAX_BYTES, JwksTooLarge, KeySourceUnavailable, remoteKeyResolver } from '../../src/security/remote-jwks.ts';
import { AUD, bearer, ISS, jwksOf, makeKey, signToken } from './helpers.ts';
import type { TestKey } from './helpers.ts';
import { startLoopbackServer } from '../support/loopback-server.ts';
import type { LoopbackServer } from '../support/loopback-server.ts';

/** Padding of an oversized answer: far past the limit, small enough for the old code to read it in a test. */
const HUGE_PAD_BYTES = 48 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;
/** JWKS_MAX_BYTES as the issue sets it (a literal, so the other tests do not lean on the export). */
const LIMIT = 256 * 1024;

interface Answer {
  /** The JWKS, with a `pad` member of `padBytes` letters appended. */
  readonly jwks: JSONWebKeySet;
  readonly padBytes: number;
  /** Send Content-Length (else chunked). */
  readonly withLength: boolean;
  /** Stop after the headers and the start of the body, never finishing. */
  readonly stall?: boolean;
}

/** What the server saw of one answer, once its connection closed. */
interface Sent {
  readonly total: number;
  readonly written: number;
  readonly finished: boolean;
}

let server: LoopbackServer;
let base: string;
let answer: Answer;
let sent: Promise<Sent>[] = [];
let oldKey: TestKey;
let newKey: TestKey;
let rsaKey: TestKey;

function bodyParts(a: Answer): { head: string; tail: string; total: number } {
  const head = `${JSON.stringify(a.jwks).slice(0, -1)},"pad":"`;
  const tail = '"}';
  return { head, tail, total: Buffer.byteLength(head) + a.padBytes + Buffer.byteLength(tail) };
}

function handler(_req: IncomingMessage, res: ServerResponse): void {
  const a = answer;
  const { head, tail, total } = bodyParts(a);
  let written = 0;
  sent.push(new Promise<Sent>((resolve) => res.once('close', () => resolve({ total, written, finished: res.writableFinished }))));
  res.writeHead(200, { 'content-type': 'application/json', ...(a.withLength ? { 'content-length': String(total) } : {}) });
  res.write(head);
  written += head.length;
  if (a.stall) {
    return;
  }
  let padLeft = a.padBytes;
  const pump = (): void => {
    while (padLeft > 0) {
      if (res.destroyed) {
        return;
      }
      const n = Math.min(CHUNK_BYTES, padLeft);
      padLeft -= n;
      written += n;
      if (!res.write('a'.repeat(n))) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) {
      written += tail.length;
      res.end(tail);
    }
  };
  pump();
}

beforeAll(async () => {
  [oldKey, newKey, rsaKey] = await Promise.all([makeKey('ES384'), makeKey('ES384'), makeKey('RS384')]);
  server = await startLoopbackServer(handler);
  base = server.base;
});

afterAll(() => server.close());

beforeEach(() => {
  answer = { jwks: jwksOf(oldKey), padBytes: 0, withLength: true };
  sent = [];
});

function remoteVerifier(extra: Partial<CdsJwtVerifierOptions> = {}) {
  return createCdsJwtVerifier({
    clients: [{ iss: ISS, jwksUrl: `${base}/jwks.json` }],
    replayStore: createMemoryReplayStore(),
    jwksCooldownMs: 0,
    ...extra,
  });
}

/** The one answer the server gave, once its connection has closed. */
async function onlyAnswer(): Promise<Sent> {
  expect(sent).toHaveLength(1);
  return sent[0]!;
}

/** `keyCount` RSA keys (one public key under distinct kids) and `key`, padded to exactly `totalBytes`. */
function sizedAnswer(key: TestKey, keyCount: number, totalBytes: number, withLength: boolean): Answer {
  const keys = [...Array.from({ length: keyCount }, (_, i) => ({ ...rsaKey.publicJwk, kid: `rsa-${i}` })), key.publicJwk];
  const jwks = { keys } as JSONWebKeySet;
  const unpadded = bodyParts({ jwks, padBytes: 0, withLength });
  return { jwks, padBytes: totalBytes - unpadded.total, withLength };
}

const transfers = [
  ['with Content-Length', true],
  ['chunked, without Content-Length', false],
] as const;

describe('JWKS answer size limit', () => {
  it('the limit is 256 KiB', () => {
    expect(JWKS_MAX_BYTES).toBe(LIMIT);
  });

  for (const [label, withLength] of transfers) {
    it(`a valid key padded far past the limit (${label}): refused as jwks-unavailable, the answer not read whole`, async () => {
      answer = { jwks: jwksOf(oldKey), padBytes: HUGE_PAD_BYTES, withLength };
      const v = await remoteVerifier();
      const result = await v.verify(bearer(await signToken(oldKey, { nowMs: Date.now() })), AUD);
      expect(result).toEqual({ ok: false, reason: 'jwks-unavailable', iss: ISS });
      const seen = await onlyAnswer();
      expect(seen.finished).toBe(false); // the connection was closed before the server had written it all
      expect(seen.written).toBeLessThan(seen.total);
    });

    it(`the last good keys are kept when a refresh answers past the limit (${label}); its new key is not used`, async () => {
      let clock = Date.now();
      const v = await remoteVerifier({ now: () => clock });
      expect(await v.verify(bearer(await signToken(oldKey, { nowMs: clock })), AUD)).toMatchObject({ ok: true });
      answer = { jwks: jwksOf(oldKey, newKey), padBytes: HUGE_PAD_BYTES, withLength };
      sent = [];
      clock += 11 * 60_000; // past the 10 min cache age: the next token refreshes, which fails
      expect(await v.verify(bearer(await signToken(oldKey, { nowMs: clock })), AUD)).toMatchObject({ ok: true, iss: ISS });
      // a new kid asks for a refetch: the oversized answer is refused again, the key in it not used
      expect(await v.verify(bearer(await signToken(newKey, { nowMs: clock })), AUD)).toMatchObject({ ok: false, reason: 'jwks-unavailable' });
      expect(sent.length).toBeGreaterThanOrEqual(2); // no cooldown here: each of these tried to download
      for (const seen of await Promise.all(sent)) {
        expect(seen.finished).toBe(false);
      }
      // a normal answer again: the new key is used
      answer = { jwks: jwksOf(oldKey, newKey), padBytes: 0, withLength };
      expect(await v.verify(bearer(await signToken(newKey, { nowMs: clock })), AUD)).toMatchObject({ ok: true });
    });

    it(`one byte over the limit is refused; exactly the limit, with dozens of RSA keys, is accepted (${label})`, async () => {
      answer = sizedAnswer(oldKey, 40, LIMIT + 1, withLength);
      const over = await remoteVerifier();
      expect(await over.verify(bearer(await signToken(oldKey, { nowMs: Date.now() })), AUD)).toMatchObject({ ok: false, reason: 'jwks-unavailable' });
      answer = sizedAnswer(oldKey, 40, LIMIT, withLength);
      expect(bodyParts(answer).total).toBe(LIMIT);
      const v = await remoteVerifier();
      expect(await v.verify(bearer(await signToken(oldKey, { nowMs: Date.now() })), AUD)).toMatchObject({ ok: true, iss: ISS });
    });
  }

  it('a normal JWKS (40 RSA keys and the signing key, no padding) is used as before', async () => {
    const keys = [...Array.from({ length: 40 }, (_, i) => ({ ...rsaKey.publicJwk, kid: `rsa-${i}` })), oldKey.publicJwk];
    answer = { jwks: { keys } as JSONWebKeySet, padBytes: 0, withLength: false };
    expect(JSON.stringify(answer.jwks).length).toBeLessThan(LIMIT / 4);
    const v = await remoteVerifier();
    expect(await v.verify(bearer(await signToken(oldKey, { nowMs: Date.now() })), AUD)).toMatchObject({ ok: true, iss: ISS });
  });

  it('the refusal holds the sizes, never the body', async () => {
    answer = { jwks: jwksOf(oldKey), padBytes: HUGE_PAD_BYTES, withLength: false };
    const getKey = remoteKeyResolver(`${base}/jwks.json`, { clients: [], replayStore: createMemoryReplayStore(), jwksCooldownMs: 0 }, Date.now);
    const err: unknown = await Promise.resolve()
      .then(() => getKey({ alg: 'ES384', kid: oldKey.kid }, { payload: '', signature: '' } as never))
      .then(
        () => undefined,
        (e: unknown) => e
      );
    expect(err).toBeInstanceOf(KeySourceUnavailable);
    const cause = (err as KeySourceUnavailable).cause;
    expect(cause).toBeInstanceOf(JwksTooLarge);
    expect((cause as Error).message).toMatch(/larger than 262144 bytes/);
    expect((cause as Error).message).not.toMatch(/aaaa|"keys"/);
    expect(JSON.stringify(err)).not.toMatch(/aaaa/);
  });

  it('the timeout covers the body: an answer that stops after its headers is refused as jwks-unavailable', async () => {
    answer = { jwks: jwksOf(oldKey), padBytes: 1000, withLength: true, stall: true };
    const v = await remoteVerifier({ jwksTimeoutMs: 200 });
    expect(await v.verify(bearer(await signToken(oldKey, { nowMs: Date.now() })), AUD)).toMatchObject({ ok: false, reason: 'jwks-unavailable' });
    expect((await onlyAnswer()).finished).toBe(false);
  });

  it('admin OIDC keys from a JWKS URL answering past the limit: refused as jwks-unavailable, not read whole', async () => {
    const issuer = 'https://login.hospital.example/realms/cds';
    answer = { jwks: { keys: [{ ...rsaKey.publicJwk, alg: 'RS384' }] }, padBytes: HUGE_PAD_BYTES, withLength: false };
    const setup = await createAdminAuth({ auth: 'on', oidc: { issuer, audience: 'cds-rule-admin', jwksUrl: `${base}/jwks.json`, rolesClaim: 'roles' }, fixturesDir: tmpdir() });
    if (!setup.ok) {
      throw new Error(setup.errors.join('\n'));
    }
    const token = await new SignJWT({ roles: ['cds-editor'] })
      .setProtectedHeader({ alg: 'RS384', kid: rsaKey.kid })
      .setIssuer(issuer)
      .setAudience('cds-rule-admin')
      .setSubject('jane.informaticist')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(rsaKey.privateKey);
    expect(await setup.value.authenticator.authenticate(bearer(token))).toMatchObject({ ok: false, status: 401, reason: 'jwks-unavailable' });
    expect((await onlyAnswer()).finished).toBe(false);
    // the same keys in a normal answer are accepted
    answer = { ...answer, padBytes: 0 };
    const fresh = await createAdminAuth({ auth: 'on', oidc: { issuer, audience: 'cds-rule-admin', jwksUrl: `${base}/jwks.json`, rolesClaim: 'roles' }, fixturesDir: tmpdir() });
    expect(fresh.ok && (await fresh.value.authenticator.authenticate(bearer(token)))).toMatchObject({ ok: true });
  });
});
