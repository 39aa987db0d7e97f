/**
 * Public types of the CDS client authentication module (CDS Hooks 2.0 "Trusting CDS Clients").
 */
import type { JSONWebKeySet } from 'jose';

export type { JSONWebKeySet } from 'jose';

/**
 * A CDS client (EHR) the operator trusts. Exactly one key source: `jwks` (inline), `jwksFile` (a
 * JWKS on disk, read once when the verifier is created) or `jwksUrl` (fetched, cached, refreshed on
 * an unknown `kid`). A token's `jku` header is followed only when it equals `jwksUrl`.
 */
export interface TrustedClient {
  /** Exact `iss` claim value the client sends. */
  readonly iss: string;
  readonly jwks?: JSONWebKeySet;
  readonly jwksFile?: string;
  readonly jwksUrl?: string;
  /** Accepted JWS algorithms (asymmetric only). Default ES384 and RS384. `none` and HS* are always refused. */
  readonly algorithms?: readonly string[];
  /** When set, the `tenant` claim is required and must be one of these. */
  readonly tenants?: readonly string[];
}

/**
 * Remembers `${iss}|${jti}` until the token can no longer be accepted. Async so that it can later be
 * backed by the database and shared across replicas.
 */
export interface ReplayStore {
  /**
   * @param key - `${iss}|${jti}`.
   * @param expiresAtMs - Until when the entry must be kept (epoch ms).
   * @returns true the first time the key is seen, false for a replay. Throws if it cannot tell.
   */
  remember(key: string, expiresAtMs: number): Promise<boolean>;
}

/** How one write of a token's `jti` to the replay store went, as the verifier saw it. */
export type ReplayStoreOutcome = { readonly ok: true } | { readonly ok: false; readonly timedOut: boolean; readonly error: unknown };

export interface CdsJwtVerifierOptions {
  readonly clients: readonly TrustedClient[];
  /** Allowed clock difference for exp/iat/nbf, seconds. Default 60. */
  readonly clockSkewSeconds?: number;
  /** Largest accepted `exp - iat`, seconds. Default 3600 (CDS Hooks: "no more than an hour"). */
  readonly maxLifetimeSeconds?: number;
  readonly replayStore: ReplayStore;
  /**
   * Longest wait for the replay store, ms; then the token is refused as `replay-store-unavailable` (fails
   * closed, answered 503). A stuck store must not hold every authenticated call. Default 1000. A slow store
   * may still record the jti afterwards, so the 503 asks the client to retry with a new token.
   */
  readonly replayTimeoutMs?: number;
  /**
   * Told how each write to the replay store went (an answer, a failure with the store's error, or no answer
   * within replayTimeoutMs): replay-health.ts logs the failures and tells /readyz. Must be quick and not throw.
   */
  readonly onReplayStoreOutcome?: (outcome: ReplayStoreOutcome) => void;
  /** fetch used for `jwksUrl` (tests inject one). Default globalThis.fetch. */
  readonly fetch?: typeof fetch;
  /** Clock, epoch ms. Default Date.now. */
  readonly now?: () => number;
  /** Timeout of one JWKS download, ms. Default 2000. */
  readonly jwksTimeoutMs?: number;
  /**
   * Minimum time between two downloads of one JWKS, ms, counted from the last attempt whether it failed or
   * not: an unknown `kid`, or a JWKS URL that keeps failing, causes at most one download per cooldown. Default 30000.
   */
  readonly jwksCooldownMs?: number;
  /**
   * How long a downloaded JWKS is used before it is fetched again, ms. Default 600000 (10 min). When that
   * refresh fails, the last good keys are still used for up to JWKS_STALE_KEYS_MAX_AGE_MS (24 h) after
   * their download (src/security/remote-jwks.ts).
   */
  readonly jwksCacheMaxAgeMs?: number;
}

/**
 * Why a token was refused. For the log only: the HTTP answer is a bare 401 (503 for
 * `replay-store-unavailable`, which says nothing about the token). Never contains the token.
 */
export type VerifyFailureReason =
  | 'missing-token'
  | 'not-bearer'
  | 'malformed-token'
  | 'algorithm-not-allowed'
  | 'bad-typ'
  | 'missing-kid'
  | 'missing-issuer'
  | 'unknown-issuer'
  | 'jku-not-allowed'
  | 'unknown-kid'
  | 'ambiguous-kid'
  | 'jwks-unavailable'
  | 'bad-signature'
  | 'missing-aud'
  | 'audience-mismatch'
  | 'missing-exp'
  | 'expired'
  | 'missing-iat'
  | 'issued-in-future'
  | 'not-yet-valid'
  | 'lifetime-too-long'
  | 'missing-jti'
  | 'invalid-jti'
  | 'invalid-claims'
  | 'missing-tenant'
  | 'tenant-not-allowed'
  | 'replayed'
  | 'replay-store-unavailable'
  | 'verification-error';

export type VerifyResult =
  | { ok: true; iss: string; jti: string; tenant?: string; sub?: string }
  /** `iss` is the unverified issuer claim, for the log only (absent when unreadable). */
  | { ok: false; reason: VerifyFailureReason; iss?: string };

export interface CdsJwtVerifier {
  /**
   * @param authorizationHeader - The raw `Authorization` header value.
   * @param audience - Exact public URL of the endpoint being called (public base URL + path, no query).
   */
  verify(authorizationHeader: string | undefined, audience: string): Promise<VerifyResult>;
}
