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
 * Not counted: refusals that are not the caller's doing (the service's key source or replay store could not
 * be reached, or the verifier failed unexpectedly); those would otherwise throttle a working EHR for the
 * rest of the window after the service itself recovered.
 *
 * Behind a proxy every caller has the proxy's address unless `TRUST_PROXY` names it (then the address is
 * the one the proxy reports): without it, one failing caller throttles every EHR behind the same proxy.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
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
  readonly now?: () => number;
}

export interface AuthFailureLimiter {
  /** Mount before the JWT check: refuses calls from an address over its limit. */
  readonly middleware: RequestHandler;
  /** The JWT check refused `req` for `reason`: counts it against the caller's address when it is the caller's doing. */
  readonly refused: (req: Request, reason: VerifyFailureReason) => void;
}

/** Refusals that say nothing about the caller: the service could not check the token. */
const NOT_THE_CALLERS_DOING: ReadonlySet<VerifyFailureReason> = new Set(['jwks-unavailable', 'replay-store-unavailable', 'verification-error']);

/** Addresses whose throttling was already logged in this window; bounded (cleared when full). */
const MAX_ANNOUNCED = 10_000;

function keyOf(req: Request): string {
  return `auth-failures:${req.ip ?? 'unknown'}`;
}

export function createAuthFailureLimiter(options: AuthFailureLimitOptions): AuthFailureLimiter {
  const now = options.now ?? Date.now;
  options.store.init?.({ windowMs: options.windowMs });
  const announced = new Map<string, number>();
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    if (req.method === 'OPTIONS') {
      next();
      return;
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
    if (NOT_THE_CALLERS_DOING.has(reason)) {
      return;
    }
    // A store that fails to count is a limit that does not apply this time, never a failed call.
    Promise.resolve()
      .then(() => options.store.increment(keyOf(req)))
      .catch(() => undefined);
  };
  return { middleware, refused };
}
