/**
 * Guards in front of paths that have no CDS client token to check:
 * - `/metrics` with METRICS_TOKEN set: a static bearer token, compared as the admin API compares its
 *   static tokens (SHA-256 digests, crypto.timingSafeEqual).
 * Refusals are OperationOutcomes that repeat nothing of the request; the log gets the path and why.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { RequestHandler } from 'express';
import { requestPath } from '../shared/index.ts';
import type { Logger } from '../shared/index.ts';
import { sendOutcome } from './send-outcome.ts';

const BEARER = /^Bearer +(\S+) *$/i;
const MAX_TOKEN_LENGTH = 8192;

/** 401 for /metrics (`unauthorized` maps to 401 in statusOf). */
const METRICS_UNAUTHORIZED: OperationOutcome = {
  resourceType: 'OperationOutcome',
  id: 'unauthorized',
  issue: [{ severity: 'error', code: 'login', details: { text: 'Authentication required: send Authorization: Bearer <METRICS_TOKEN>.' } }],
};

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
