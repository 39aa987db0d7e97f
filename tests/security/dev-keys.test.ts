/**
 * Development key pair and tokens: created once with a private file only the owner can read, reused
 * afterwards, and what scripts/mint-token.ts prints verifies against the development JWKS.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { createCdsJwtVerifier, createMemoryReplayStore, DEV_ISSUER, devTrustedClient, generateDevKeys, loadOrCreateDevKeys, mintDevToken } from '../../src/security/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const AUD = 'http://localhost:8080/cds-services/cns-depressant-order-sign';
const run = promisify(execFile);

function tempDir(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'dev-keys-')), 'keys');
}

describe('loadOrCreateDevKeys', () => {
  it('creates the key pair once (private file 0600, public JWKS next to it) and reuses it', async () => {
    const dir = tempDir();
    const first = await loadOrCreateDevKeys(dir);
    expect(first.iss).toBe(DEV_ISSUER);
    expect(first.jwks.keys).toHaveLength(1);
    expect(first.jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384', kid: first.kid, use: 'sig' });
    expect(first.jwks.keys[0]).not.toHaveProperty('d');
    expect(statSync(path.join(dir, 'private.jwk.json')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path.join(dir, 'jwks.json'), 'utf8'))).toEqual(first.jwks);
    const second = await loadOrCreateDevKeys(dir);
    expect(second.kid).toBe(first.kid);
    expect(second.jwks).toEqual(first.jwks);
  });

  it('concurrent first use ends with one key pair', async () => {
    const dir = tempDir();
    const all = await Promise.all([loadOrCreateDevKeys(dir), loadOrCreateDevKeys(dir), loadOrCreateDevKeys(dir)]);
    expect(new Set(all.map((k) => k.kid)).size).toBe(1);
  });
});

describe('mintDevToken', () => {
  it('mints a Sandbox-shaped token that the verifier accepts with the dev JWKS', async () => {
    const keys = await loadOrCreateDevKeys(tempDir());
    const token = await mintDevToken(keys, AUD);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES384', typ: 'JWT', kid: keys.kid });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: DEV_ISSUER, aud: AUD });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(300);
    expect(claims).not.toHaveProperty('sub');
    const verifier = await createCdsJwtVerifier({ clients: [devTrustedClient(keys)], replayStore: createMemoryReplayStore() });
    expect(await verifier.verify(`Bearer ${token}`, AUD)).toMatchObject({ ok: true, iss: DEV_ISSUER });
    expect(await verifier.verify(`Bearer ${await mintDevToken(keys, AUD)}`, `${AUD}/feedback`)).toMatchObject({ ok: false, reason: 'audience-mismatch' });
  });
});

describe('generateDevKeys', () => {
  it('gives in-memory keys for tests; another issuer is refused unless configured', async () => {
    const keys = await generateDevKeys();
    const verifier = await createCdsJwtVerifier({ clients: [devTrustedClient(keys)], replayStore: createMemoryReplayStore() });
    expect(await verifier.verify(`Bearer ${await mintDevToken(keys, AUD, { tenant: 't' })}`, AUD)).toMatchObject({ ok: true, tenant: 't' });
    expect(await verifier.verify(`Bearer ${await mintDevToken(keys, AUD, { iss: 'https://x.example' })}`, AUD)).toMatchObject({ ok: false, reason: 'unknown-issuer' });
  });
});

describe('scripts/mint-token.ts', () => {
  it('prints only a token that verifies with the JWKS written to DEV_KEYS_DIR', async () => {
    const dir = tempDir();
    const env = { ...process.env, DEV_KEYS_DIR: dir };
    const { stdout } = await run(process.execPath, ['scripts/mint-token.ts', '--aud', AUD, '--ttl', '120', '--tenant', 'dev-tenant'], { cwd: ROOT, env });
    const token = stdout.trim();
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = decodeJwt(token);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(120);
    const jwks = JSON.parse(readFileSync(path.join(dir, 'jwks.json'), 'utf8'));
    const verifier = await createCdsJwtVerifier({ clients: [{ iss: DEV_ISSUER, jwksFile: path.join(dir, 'jwks.json') }], replayStore: createMemoryReplayStore() });
    expect(await verifier.verify(`Bearer ${token}`, AUD)).toMatchObject({ ok: true, iss: DEV_ISSUER, tenant: 'dev-tenant' });
    expect(jwks.keys[0].kid).toBe(decodeProtectedHeader(token).kid);
  });

  it('--iss changes the issuer; bad arguments exit 2 with usage', async () => {
    const env = { ...process.env, DEV_KEYS_DIR: tempDir() };
    const { stdout } = await run(process.execPath, ['scripts/mint-token.ts', '--aud', AUD, '--iss', 'https://other.example'], { cwd: ROOT, env });
    expect(decodeJwt(stdout.trim()).iss).toBe('https://other.example');
    await expect(run(process.execPath, ['scripts/mint-token.ts'], { cwd: ROOT, env })).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('usage:') });
    await expect(run(process.execPath, ['scripts/mint-token.ts', '--aud', AUD, '--ttl', 'soon'], { cwd: ROOT, env })).rejects.toMatchObject({ code: 2 });
  });
});
