/**
 * JWS algorithms. CDS Hooks 2.0: "SHALL NOT be signed using the none algorithm" nor "any symmetric
 * algorithm"; "both ES384 and RS384 are RECOMMENDED".
 */

export const DEFAULT_ALGORITHMS: readonly string[] = ['ES384', 'RS384'];

/** Every asymmetric JWS algorithm a client may be configured with. Anything else is refused. */
export const ASYMMETRIC_ALGORITHMS: ReadonlySet<string> = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

/** `none` (any case) and HMAC (HS*) are refused whatever the configuration says. */
export function isForbiddenAlgorithm(alg: string): boolean {
  const upper = alg.toUpperCase();
  return upper === 'NONE' || upper.startsWith('HS');
}

/**
 * The algorithms a client's tokens may use: its configured list (default ES384+RS384) restricted to
 * asymmetric algorithms.
 */
export function effectiveAlgorithms(configured: readonly string[] | undefined): string[] {
  return (configured ?? DEFAULT_ALGORITHMS).filter((alg) => ASYMMETRIC_ALGORITHMS.has(alg) && !isForbiddenAlgorithm(alg));
}
