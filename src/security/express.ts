/**
 * Express glue: refuses requests without a valid CDS client JWT with a bare 401, logs why (never the
 * token), and leaves the verified identity in `res.locals.cdsClient`. A token that could not be checked
 * against replays (the replay store down or stuck) is refused with 503 and Retry-After instead; the client
 * must retry with a new token, as its jti may have been recorded (a slow store can commit it after the timeout).
 */
import { createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { serviceUnavailableOutcome } from '../shared/outcomes.ts';
import { requestPath } from '../shared/request-path.ts';
import type { CdsJwtVerifier, VerifyFailureReason } from './types.ts';

/** Longest `audience` written to the log: the client chooses the path in it (requestPath caps the path alike). */
const MAX_LOGGED_AUDIENCE = 300;

function loggedAudience(audience: string): string {
  return audience.length > MAX_LOGGED_AUDIENCE ? `${audience.slice(0, MAX_LOGGED_AUDIENCE)}…` : audience;
}

/** Hex digits of the sha256 of an unknown issuer claim written to the log. */
const UNKNOWN_ISS_HASH_HEX = 12;

/**
 * The issuer fields of a refusal's log line. The `iss` of a refused token is an unverified claim. The
 * verifier returns it with every reason but `unknown-issuer` only after finding it among the configured
 * clients (src/security/verifier.ts), so it is one of ours and logged as it is. An unknown issuer is text
 * chosen by the caller (or a client's misconfiguration: a secret pasted there), so it is logged only as its
 * length (of the at most 200 characters the verifier keeps) and a sha256 prefix: repeats can be told apart and
 * a suspected value checked, the text is not written.
 */
function loggedIssuer(reason: VerifyFailureReason, iss: string | undefined): { iss?: string; unknownIss?: { length: number; sha256: string } } {
  if (iss === undefined) {
    return {};
  }
  if (reason !== 'unknown-issuer') {
    return { iss };
  }
  return { unknownIss: { length: iss.length, sha256: createHash('sha256').update(iss).digest('hex').slice(0, UNKNOWN_ISS_HASH_HEX) } };
}

/** What a verified request carries in `res.locals.cdsClient`. */
export interface CdsClientIdentity {
  readonly iss: string;
  readonly jti: string;
  readonly tenant?: string;
  readonly sub?: string;
}

export interface AuthLogger {
  warn(obj: object, msg?: string): void;
}

export interface RequireCdsJwtOptions {
  readonly verifier: CdsJwtVerifier;
  /** Public base URL of the service as clients see it, no trailing slash (config.publicBaseUrl). */
  readonly publicBaseUrl: string;
  readonly logger?: AuthLogger;
  /** Sends the refusal. Default: 401, `WWW-Authenticate: Bearer`, empty body. */
  readonly onUnauthorized?: (req: Request, res: Response) => void;
  /**
   * Told the reason of every refusal, with its request (for metrics: a spike of bad signatures is an attack
   * or a broken EHR; and for the failed-authentication limit per address).
   */
  readonly onRefused?: (reason: VerifyFailureReason, req: Request) => void;
}

/**
 * The `aud` a client must use for this request: public base URL + the path as called, without query.
 * @param publicBaseUrl - e.g. `https://cds.example.org/base` (trailing slashes are dropped).
 * @param originalUrl - `req.originalUrl`, e.g. `/cds-services/x?y=1` (or `http://host/cds-services/x` from a request line in absolute form).
 */
export function audienceFor(publicBaseUrl: string, originalUrl: string): string {
  // A request line in absolute form ("POST http://host/cds-services/x HTTP/1.1", which servers must accept,
  // RFC 9112 section 3.2.2) names the path after its scheme and authority; Express routes it by that path.
  const target = originalUrl.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '');
  const pathOnly = target.split(/[?#]/, 1)[0] ?? '';
  return `${publicBaseUrl.replace(/\/+$/, '')}${pathOnly.startsWith('/') ? '' : '/'}${pathOnly}`;
}

function defaultUnauthorized(_req: Request, res: Response): void {
  res.status(401).setHeader('WWW-Authenticate', 'Bearer');
  res.end();
}

/**
 * Middleware for the CDS Hooks routes (discovery, service, feedback). CORS preflights (`OPTIONS`)
 * pass through untouched: mount CORS before it.
 */
export function requireCdsJwt(options: RequireCdsJwtOptions): RequestHandler {
  const unauthorized = options.onUnauthorized ?? defaultUnauthorized;
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method === 'OPTIONS') {
      next();
      return;
    }
    const audience = audienceFor(options.publicBaseUrl, req.originalUrl);
    options.verifier.verify(req.headers.authorization, audience).then(
      (result) => {
        if (result.ok) {
          const identity: CdsClientIdentity = {
            iss: result.iss,
            jti: result.jti,
            ...(result.tenant !== undefined ? { tenant: result.tenant } : {}),
            ...(result.sub !== undefined ? { sub: result.sub } : {}),
          };
          res.locals.cdsClient = identity;
          next();
          return;
        }
        options.logger?.warn(
          { requestId: res.locals.requestId, reason: result.reason, ...loggedIssuer(result.reason, result.iss), audience: loggedAudience(audience), method: req.method, path: requestPath(req) },
          'CDS client JWT refused'
        );
        options.onRefused?.(result.reason, req);
        if (result.reason === 'replay-store-unavailable') {
          // Nothing is wrong with the token: the service cannot check it against replays now (its
          // store is down or stuck). Refused (fail closed), but as a transient failure to retry, with a new
          // token: a slow store may still record this jti after the timeout, and then the same token is a replay.
          res.status(503).setHeader('Retry-After', '5');
          res
            .type('application/fhir+json')
            .json(serviceUnavailableOutcome('The service cannot check the authorization token right now. Send the request again with a new token (a new jti): this one may already be recorded as used.'));
          return;
        }
        unauthorized(req, res);
      },
      (err: unknown) => next(err)
    );
  };
}
