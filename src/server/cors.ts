/**
 * CORS for browser-based CDS clients such as the CDS Hooks Sandbox (CDS Hooks 2.0 "Cross-Origin
 * Resource Sharing"). Headers go on every response, 4xx included, or the browser throws the answer
 * away; preflights are answered on /cds-services, /cds-services/{id} and /cds-services/{id}/feedback.
 */
import type { NextFunction, Request, Response } from 'express';

const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Request-Id';
const ALLOWED_METHODS = 'GET, POST, OPTIONS';
/**
 * Response headers a page may read beyond the few browsers always show: the back-off of a 429 or 503 (the README
 * asks clients to honour it, feedback included), the rule set that answered, and the rate limit's own headers.
 */
const EXPOSED_HEADERS = 'X-Request-Id, X-Rule-Set-Version, Retry-After, RateLimit, RateLimit-Policy';

/**
 * @param allowedOrigins - Origins allowed to call from a browser; "*" allows any (the JWT, not the origin, authenticates).
 * @returns Express middleware.
 */
export function cors(allowedOrigins: readonly string[] = ['*']) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.headers.origin;
    if (allowedOrigins.includes('*')) {
      res.setHeader('Access-Control-Allow-Origin', '*');
    } else if (origin && allowedOrigins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}
