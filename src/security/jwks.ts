/**
 * Checks on key material the operator configures: a JWKS must hold public, asymmetric signing keys
 * with a `kid`; a JWKS URL must be HTTPS (plain HTTP only on the loopback interface, for development
 * and tests).
 */
import type { JSONWebKeySet } from 'jose';
import { ASYMMETRIC_ALGORITHMS, isForbiddenAlgorithm } from './algorithms.ts';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'] as const;
const SUPPORTED_KTY = new Set(['EC', 'RSA', 'OKP']);
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * @param value - A parsed JWKS.
 * @param where - Prefix for messages, e.g. `client "https://ehr.example" jwks`.
 * @returns Readable problems; empty when the JWKS is usable.
 */
export function checkJwks(value: unknown, where: string): string[] {
  if (!isRecord(value) || !Array.isArray(value.keys)) {
    return [`${where}: must be a JWK Set, an object with a "keys" array`];
  }
  if (value.keys.length === 0) {
    return [`${where}: "keys" is empty`];
  }
  const errors: string[] = [];
  const kids = new Set<string>();
  value.keys.forEach((key: unknown, i: number) => {
    const at = `${where} keys[${i}]`;
    if (!isRecord(key)) {
      errors.push(`${at}: must be a JSON object (a JWK)`);
      return;
    }
    const kty = key.kty;
    if (kty === 'oct') {
      errors.push(`${at}: symmetric keys (kty "oct") are not allowed; CDS Hooks requires asymmetric signatures`);
    } else if (typeof kty !== 'string' || !SUPPORTED_KTY.has(kty)) {
      errors.push(`${at}: kty must be "EC", "RSA" or "OKP" (got ${JSON.stringify(kty)})`);
    }
    const present = PRIVATE_MEMBERS.filter((m) => m in key);
    if (present.length > 0 && kty !== 'oct') {
      errors.push(`${at}: contains private key material (${present.map((m) => `"${m}"`).join(', ')}); configure the public key only`);
    }
    if (typeof key.kid !== 'string' || key.kid.trim() === '') {
      errors.push(`${at}: "kid" is required (tokens name their key by kid)`);
    } else if (kids.has(key.kid)) {
      errors.push(`${at}: duplicate kid "${key.kid}"`);
    } else {
      kids.add(key.kid);
    }
    if (key.alg !== undefined && (typeof key.alg !== 'string' || isForbiddenAlgorithm(key.alg) || !ASYMMETRIC_ALGORITHMS.has(key.alg))) {
      errors.push(`${at}: alg ${JSON.stringify(key.alg)} is not an accepted asymmetric signing algorithm`);
    }
    if (key.use !== undefined && key.use !== 'sig') {
      errors.push(`${at}: use must be "sig" (got ${JSON.stringify(key.use)})`);
    }
  });
  return errors;
}

/** Narrowing wrapper: the JWKS if it passes {@link checkJwks}. */
export function asJwks(value: unknown, where: string): { ok: true; value: JSONWebKeySet } | { ok: false; errors: string[] } {
  const errors = checkJwks(value, where);
  return errors.length === 0 ? { ok: true, value: value as JSONWebKeySet } : { ok: false, errors };
}

/**
 * @param url - A configured JWKS URL.
 * @returns A readable problem, or undefined when the URL is acceptable.
 */
export function checkJwksUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `must be an absolute URL (got ${JSON.stringify(url)})`;
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return 'must not contain credentials';
  }
  if (parsed.hash !== '') {
    return 'must not contain a #fragment';
  }
  if (parsed.protocol === 'https:') {
    return undefined;
  }
  if (parsed.protocol === 'http:' && LOOPBACK_HOSTS.has(parsed.hostname)) {
    return undefined;
  }
  return `must be an https:// URL (plain http is allowed only for localhost); got ${JSON.stringify(url)}`;
}

/** Compares a token's `jku` with a configured URL after URL normalisation (host case, default port). */
export function sameUrl(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
}
