/**
 * A limit on failed authentications per client address, checked before the token is.
 *
 * The per-client rate limit counts calls by the verified issuer, so it runs after the JWT check; a caller
 * sending forged tokens that name a trusted issuer and key makes the service verify an ES384 or RS384
 * signature (about 0.7 ms of CPU each) for every one, unthrottled. This limiter counts, per address, the
 * calls refused because of their token (a 401); once an address has had `limit` of them in the current
 * window, its further calls are answered 429 with an OperationOutcome and `Retry-After` before any token
 * is read, until the window ends. Calls that authenticate are never counted, so an EHR that sends valid
 * tokens is never throttled by this limit, unless it shares its address with a caller that fails.
 *
 * Counted: only refusals made once the token's signature was checked (or its key looked up): those are the
 * cost the limit saves. Not counted: refusals decided before any signature work (no token, not a JWT, an
 * issuer or key id that is not configured: they cost nothing, and counting them let anyone lock every EHR
 * behind a shared proxy out with plain requests), and refusals that are not the caller's doing (the service's
 * key source or replay store could not be reached, or the verifier failed unexpectedly), which would throttle a
 * working EHR for the rest of the window after the service itself recovered.
 *
 * Addresses are counted as express-rate-limit counts them (`ipKeyGenerator`): IPv4 whole, IPv6 by its /56
 * network, as one host is given a whole IPv6 network and could otherwise change address on every call.
 *
 * Behind a proxy every caller has the proxy's address unless `TRUST_PROXY` names it (then the address is
 * the one the proxy reports): without it, one caller with forged tokens throttles every EHR behind the same
 * proxy. A call that arrives with `X-Forwarded-For` while no proxy is trusted is logged once, to say so.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import type { VerifyFailureReason } from '../security/index.ts';
import { tooManyRequestsOutcome } from '../shared/index.ts';
import { sendOutcome } from './send-outcome.ts';

/** What the limiter needs of a count store: express-rate-limit's `Store` (its MemoryStore, or the cluster's). */
export interface FailureCountStore {
  init?(options: { windowMs: number }): void;
  get(key: string): Promise<{ totalHits: number; resetTime?: Date | undefined } | undefined> | { totalHits: number; resetTime?: Date | undefined } | undefined;
  increment(key: string): Promise<unknown> | unknown;
}

export interface AuthFailureLimitOptions {
  /** Refusals per address per window after which its calls are refused unread. */
  readonly limit: number;
  readonly windowMs: number;
  readonly store: FailureCountStore;
  /** Told once per address and window, when its calls start being refused. Never given a token. */
  readonly onThrottled?: (address: string, failures: number) => void;
  /** Told once, the first time a call carries X-Forwarded-For while no proxy is trusted (TRUST_PROXY unset). */
  readonly onUntrustedForwarded?: () => void;
  /** Whether TRUST_PROXY names the proxies in front (then X-Forwarded-For is expected). */
  readonly proxyTrusted?: boolean;
  readonly now?: () => number;
}

export interface AuthFailureLimiter {
  /** Mount before the JWT check: refuses calls from an address over its limit. */
  readonly middleware: RequestHandler;
  /** The JWT check refused `req` for `reason`: counts it against the caller's address when it is the caller's doing. */
  readonly refused: (req: Request, reason: VerifyFailureReason) => void;
}

/**
 * Refusals not counted: those decided before any signature work (they cost nothing), and those that say
 * nothing about the caller (the service could not check the token). Every other reason comes from or after
 * jose's signature check or key lookup (src/security/verifier.ts, steps 3 to 5).
 */
const NOT_COUNTED: ReadonlySet<VerifyFailureReason> = new Set([
  'missing-token',
  'not-bearer',
  'malformed-token',
  'algorithm-not-allowed',
  'bad-typ',
  'missing-kid',
  'missing-issuer',
  'unknown-issuer',
  'jku-not-allowed',
  'jwks-unavailable',
  'replay-store-unavailable',
  'verification-error',
]);

/** Addresses whose throttling was already logged in this window; bounded (cleared when full). */
const MAX_ANNOUNCED = 10_000;

function keyOf(req: Request): string {
  return `auth-failures:${req.ip === undefined ? 'unknown' : ipKeyGenerator(req.ip)}`;
}

export function createAuthFailureLimiter(options: AuthFailureLimitOptions): AuthFailureLimiter {
  const now = options.now ?? Date.now;
  options.store.init?.({ windowMs: options.windowMs });
  const announced = new Map<string, number>();
  let forwardedTold = options.proxyTrusted === true;
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    if (req.method === 'OPTIONS') {
      next();
      return;
    }
    if (!forwardedTold && req.headers['x-forwarded-for'] !== undefined) {
      forwardedTold = true;
      options.onUntrustedForwarded?.();
    }
    const key = keyOf(req);
    Promise.resolve(options.store.get(key)).then(
      (info) => {
        if (info === undefined || info.totalHits < options.limit) {
          next();
          return;
        }
        const resetAt = info.resetTime?.getTime() ?? now() + options.windowMs;
        const seconds = Math.max(1, Math.ceil((resetAt - now()) / 1000));
        if (announced.get(key) !== resetAt) {
          if (announced.size >= MAX_ANNOUNCED) announced.clear();
          announced.set(key, resetAt);
          options.onThrottled?.(req.ip ?? 'unknown', info.totalHits);
        }
        res.setHeader('Retry-After', String(seconds));
        sendOutcome(res, tooManyRequestsOutcome(`Too many calls from this address were refused for their authorization token; its calls are refused without reading the token for ${seconds} s. Check the client's token configuration.`));
      },
      // A store that cannot answer is a limit that does not apply to this call (the token is still checked).
      () => next()
    );
  };
  const refused = (req: Request, reason: VerifyFailureReason): void => {
    if (NOT_COUNTED.has(reason)) {
      return;
    }
    // A store that fails to count is a limit that does not apply this time, never a failed call.
    Promise.resolve()
      .then(() => options.store.increment(keyOf(req)))
      .catch(() => undefined);
  };
  return { middleware, refused };
}
