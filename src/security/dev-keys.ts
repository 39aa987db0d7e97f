/**
 * Development client identity: an ES384 key pair kept on disk so that `scripts/mint-token.ts` can mint
 * tokens and the service, in development mode only, can trust them.
 *
 * Files in the key folder (default `.data/dev-keys/` at the project root, or `DEV_KEYS_DIR`):
 * - `private.jwk.json` – the private JWK (mode 0600, never commit it; `.data/` is git-ignored);
 * - `jwks.json` – the public JWK Set, what a CDS service configures for issuer `urn:cns-cds:dev-client`.
 */
import { randomUUID } from 'node:crypto';
import { chmod, link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import type { JSONWebKeySet, TrustedClient } from './types.ts';

export const DEV_ISSUER = 'urn:cns-cds:dev-client';
export const DEV_ALGORITHM = 'ES384';
const PRIVATE_FILE = 'private.jwk.json';
const JWKS_FILE = 'jwks.json';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `DEV_KEYS_DIR` when set, else `<project>/.data/dev-keys`. */
export function defaultDevKeysDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const configured = env.DEV_KEYS_DIR?.trim();
  return path.resolve(configured || path.join(PROJECT_ROOT, '.data', 'dev-keys'));
}

export interface DevKeys {
  readonly privateKey: CryptoKey;
  readonly jwks: JSONWebKeySet;
  readonly iss: string;
  readonly kid: string;
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT';
}

function isExists(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'EEXIST';
}

function publicPart(jwk: JWK): JWK {
  const { kty, crv, x, y, kid } = jwk;
  return { kty, crv, x, y, kid, alg: DEV_ALGORITHM, use: 'sig' };
}

async function readPrivateJwk(file: string): Promise<JWK | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isNotFound(err)) {
      return undefined;
    }
    throw err;
  }
  const jwk = JSON.parse(text) as JWK;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-384' || typeof jwk.d !== 'string' || typeof jwk.kid !== 'string') {
    throw new Error(`${file} is not an ES384 (P-384) private JWK with a kid; delete it to create a new development key pair`);
  }
  return jwk;
}

async function createPrivateJwk(file: string): Promise<JWK | undefined> {
  const { privateKey } = await generateKeyPair(DEV_ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  jwk.kid = await calculateJwkThumbprint(jwk, 'sha256');
  jwk.alg = DEV_ALGORITHM;
  jwk.use = 'sig';
  // Written whole to a private temporary file (0600: owner only), then linked into place: the link fails
  // when another process (a cluster worker starting at the same time) got there first, so a key is never
  // overwritten, and nobody reads a half-written key (writing the file itself with 'wx' let a concurrent
  // reader see it empty: "Unexpected end of JSON input").
  const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(jwk, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
    await link(tmp, file);
  } catch (err) {
    if (isExists(err)) {
      return undefined;
    }
    throw err;
  } finally {
    await rm(tmp, { force: true });
  }
  return jwk;
}

/**
 * Loads the development key pair from `dir`, creating it (and `dir`) on first use.
 * @param dir - Key folder, e.g. {@link defaultDevKeysDir}().
 * @returns The private key, the public JWKS (also written to `dir/jwks.json`), issuer and kid.
 */
export async function loadOrCreateDevKeys(dir: string): Promise<DevKeys> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const privateFile = path.join(dir, PRIVATE_FILE);
  let jwk = await readPrivateJwk(privateFile);
  if (!jwk) {
    jwk = (await createPrivateJwk(privateFile)) ?? (await readPrivateJwk(privateFile));
    if (!jwk) {
      throw new Error(`could not create ${privateFile}`);
    }
  }
  await chmod(privateFile, 0o600);
  const kid = jwk.kid as string;
  const jwks: JSONWebKeySet = { keys: [publicPart(jwk)] };
  const jwksFile = path.join(dir, JWKS_FILE);
  const jwksText = `${JSON.stringify(jwks, null, 2)}\n`;
  let current: string | undefined;
  try {
    current = await readFile(jwksFile, 'utf8');
  } catch (err) {
    if (!isNotFound(err)) {
      throw err;
    }
  }
  if (current !== jwksText) {
    const tmp = `${jwksFile}.${process.pid}.${randomUUID()}.tmp`;
    await writeFile(tmp, jwksText, { mode: 0o644 });
    await rename(tmp, jwksFile);
  }
  const privateKey = (await importJWK(jwk, DEV_ALGORITHM)) as CryptoKey;
  return { privateKey, jwks, iss: DEV_ISSUER, kid };
}

/**
 * An in-memory development key pair (nothing written), for tests that need to mint tokens.
 * @param iss - Issuer to mint for. Default the development issuer.
 */
export async function generateDevKeys(iss: string = DEV_ISSUER): Promise<DevKeys> {
  const { privateKey, publicKey } = await generateKeyPair(DEV_ALGORITHM);
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return { privateKey, jwks: { keys: [{ ...jwk, kid, alg: DEV_ALGORITHM, use: 'sig' }] }, iss, kid };
}

/** The trusted-client entry for the development issuer (add it only in development mode). */
export function devTrustedClient(keys: Pick<DevKeys, 'jwks' | 'iss'>): TrustedClient {
  return { iss: keys.iss, jwks: keys.jwks, algorithms: [DEV_ALGORITHM] };
}

export interface MintOptions {
  /** Lifetime in seconds. Default 300 (what the CDS Hooks Sandbox uses). */
  readonly ttlSeconds?: number;
  /** Issuer. Default the development issuer. */
  readonly iss?: string;
  readonly tenant?: string;
  /** Clock, epoch ms. Default Date.now. */
  readonly now?: () => number;
}

/**
 * Mints a CDS Hooks client JWT: header ES384/JWT/kid; claims iss, aud, iat, exp, fresh jti (no sub).
 * @param keys - From {@link loadOrCreateDevKeys}.
 * @param audience - Exact URL of the endpoint the token is for, e.g. `http://localhost:8080/cds-services/x`.
 */
export async function mintDevToken(keys: Pick<DevKeys, 'privateKey' | 'kid' | 'iss'>, audience: string, options: MintOptions = {}): Promise<string> {
  const ttl = options.ttlSeconds ?? 300;
  if (!Number.isInteger(ttl) || ttl < 1) {
    throw new RangeError('ttlSeconds must be a positive whole number');
  }
  const iat = Math.floor((options.now ?? Date.now)() / 1000);
  const jwt = new SignJWT(options.tenant !== undefined ? { tenant: options.tenant } : {})
    .setProtectedHeader({ alg: DEV_ALGORITHM, typ: 'JWT', kid: keys.kid })
    .setIssuer(options.iss ?? keys.iss)
    .setAudience(audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .setJti(randomUUID());
  return jwt.sign(keys.privateKey);
}
