/**
 * Guards in front of paths that have no CDS client token to check:
 * - `/metrics` with METRICS_TOKEN set: a static bearer token, compared as the admin API compares its
 *   static tokens (SHA-256 digests, crypto.timingSafeEqual);
 * - `/cds-services` with CDS_AUTH=off (development): any page open in the developer's browser could
 *   otherwise post hook calls (making the service call intranet addresses named as `fhirServer`) and
 *   feedback (making snoozes). The admin API's auth-off checks (src/admin/routes.ts) are applied to them:
 *   a Host allowlist against DNS rebinding, and nothing sent from another site (Sec-Fetch-Site, Origin).
 * Refusals are OperationOutcomes that repeat nothing of the request; the log gets the path and why.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { RequestHandler } from 'express';
import { fromAnotherSite, hostAllowed } from '../admin/routes.ts';
import { requestPath } from '../shared/index.ts';
import type { Logger } from '../shared/index.ts';
import { sendOutcome } from './send-outcome.ts';

const BEARER = /^Bearer +(\S+) *$/i;
const MAX_TOKEN_LENGTH = 8192;
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** 401 for /metrics (`unauthorized` maps to 401 in statusOf). */
const METRICS_UNAUTHORIZED: OperationOutcome = {
  resourceType: 'OperationOutcome',
  id: 'unauthorized',
  issue: [{ severity: 'error', code: 'login', details: { text: 'Authentication required: send Authorization: Bearer <METRICS_TOKEN>.' } }],
};

/** 403 for /cds-services with CDS_AUTH=off (`forbidden` maps to 403 in statusOf). */
function forbiddenOutcome(text: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', id: 'forbidden', issue: [{ severity: 'error', code: 'forbidden', details: { text } }] };
}

const CROSS_SITE_REFUSED = forbiddenOutcome(
  'A call sent from another site is refused while CDS client authentication is off (CDS_AUTH=off). Call from a script or curl, or turn authentication on and trust the client.'
);
const HOST_REFUSED = forbiddenOutcome(
  'While CDS client authentication is off (CDS_AUTH=off) hook calls and feedback are taken only at localhost, 127.0.0.1, [::1] or the host of PUBLIC_BASE_URL.'
);

/**
 * `/metrics` for holders of the metrics token only.
 * @param sha256 - Hex SHA-256 of METRICS_TOKEN (config.metrics.sha256).
 * @param logger - Refusals are logged with their reason, never a token.
 * @returns Middleware answering 401 with an OperationOutcome unless `Authorization: Bearer <token>` matches.
 */
export function requireMetricsToken(sha256: string, logger: Logger): RequestHandler {
  const expected = Buffer.from(sha256, 'hex');
  return (req, res, next) => {
    const header = req.headers.authorization;
    const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
    // Always one digest and one comparison, whatever was sent: timing says nothing about the token.
    const digest = createHash('sha256')
      .update(token !== undefined && token.length <= MAX_TOKEN_LENGTH ? token : '', 'utf8')
      .digest();
    const matches = timingSafeEqual(digest, expected);
    if (matches && token !== undefined && token.length <= MAX_TOKEN_LENGTH) {
      next();
      return;
    }
    const reason = header === undefined ? 'missing-token' : token === undefined ? 'not-bearer' : 'wrong-token';
    logger.warn({ requestId: res.locals.requestId, path: requestPath(req), reason }, '/metrics call refused: METRICS_TOKEN is set');
    res.setHeader('WWW-Authenticate', 'Bearer realm="cds-metrics"');
    sendOutcome(res, METRICS_UNAUTHORIZED);
  };
}

/**
 * With CDS client authentication off: no hook call or feedback (any method but GET, HEAD, OPTIONS) that
 * a browser says comes from another site (Sec-Fetch-Site, Origin), nor one sent to a Host other than a
 * loopback name or the host of PUBLIC_BASE_URL (a DNS-rebinding page is same-origin to the browser, but
 * its Host is its own name). Curl and scripts send neither Origin nor Sec-Fetch-Site, and call localhost.
 * Reads pass: discovery is public, and CORS * lets any page read it anyway.
 * @param publicBaseUrl - config.publicBaseUrl.
 * @param logger - Refusals are logged with the path and reason.
 * @returns Middleware answering 403 with an OperationOutcome, before any body is read.
 */
export function sameSiteOnly(publicBaseUrl: string, logger: Logger): RequestHandler {
  return (req, res, next) => {
    const refusal = SAFE_METHODS.has(req.method)
      ? undefined
      : !hostAllowed(req, publicBaseUrl)
        ? { outcome: HOST_REFUSED, reason: 'host not loopback or PUBLIC_BASE_URL' }
        : fromAnotherSite(req)
          ? { outcome: CROSS_SITE_REFUSED, reason: 'sent from another site' }
          : undefined;
    if (!refusal) {
      next();
      return;
    }
    logger.warn({ requestId: res.locals.requestId, path: requestPath(req), reason: refusal.reason }, 'CDS call refused (CDS_AUTH=off)');
    sendOutcome(res, refusal.outcome);
  };
}
