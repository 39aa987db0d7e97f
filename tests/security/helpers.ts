/**
 * Test keys and token builders for the security tests. Tokens are built with jose, except the
 * hostile ones (alg "none") which are crafted by hand.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JSONWebKeySet, JWK, JWTPayload } from 'jose';

export const AUD = 'https://cds.example.org/cds-services/cns-depressant-order-sign';
export const ISS = 'https://ehr.example.org';

export interface TestKey {
  readonly alg: string;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export async function makeKey(alg: 'ES384' | 'RS384' | 'ES256', kid: string = `${alg.toLowerCase()}-${randomUUID()}`): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicJwk };
}

export function jwksOf(...keys: TestKey[]): JSONWebKeySet {
  return { keys: keys.map((k) => k.publicJwk) };
}

export function nowSeconds(nowMs: number): number {
  return Math.floor(nowMs / 1000);
}

export interface SignOptions {
  /** Claims merged over the defaults; a claim set to undefined is removed. */
  readonly claims?: Record<string, unknown>;
  /** Header members merged over { alg, typ: 'JWT', kid }; undefined removes. */
  readonly header?: Record<string, unknown>;
  readonly nowMs: number;
}

function withoutUndefined(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

/** A valid token for ISS/AUD signed by `key`, with overrides. */
export async function signToken(key: TestKey, options: SignOptions): Promise<string> {
  const iat = nowSeconds(options.nowMs);
  const claims = withoutUndefined({ iss: ISS, aud: AUD, iat, exp: iat + 300, jti: randomUUID(), ...options.claims });
  const header = withoutUndefined({ alg: key.alg, typ: 'JWT', kid: key.kid, ...options.header });
  return new SignJWT(claims as JWTPayload).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
}

/** Same, signed with an HMAC secret. */
export async function signHmac(secret: Uint8Array, options: SignOptions): Promise<string> {
  const iat = nowSeconds(options.nowMs);
  const claims = withoutUndefined({ iss: ISS, aud: AUD, iat, exp: iat + 300, jti: randomUUID(), ...options.claims });
  const header = withoutUndefined({ alg: 'HS256', typ: 'JWT', kid: 'hmac', ...options.header });
  return new SignJWT(claims as JWTPayload).setProtectedHeader(header as { alg: string }).sign(secret);
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** An unsigned token `header.payload.` (alg none), built by hand. */
export function unsignedToken(nowMs: number, header: Record<string, unknown> = { alg: 'none', typ: 'JWT', kid: 'x' }): string {
  const iat = nowSeconds(nowMs);
  return `${b64url(header)}.${b64url({ iss: ISS, aud: AUD, iat, exp: iat + 300, jti: randomUUID() })}.`;
}

export function bearer(token: string): string {
  return `Bearer ${token}`;
}
