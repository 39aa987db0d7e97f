/**
 * Gives every request an id (from X-Request-Id when it is sane, else a new UUID) and logs one line
 * per request with duration and status (499 when the client closed the connection before the answer).
 * Bodies, headers and tokens are never logged.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { requestPath } from '../shared/index.ts';
import type { Logger } from '../shared/index.ts';
import { onCallEnd } from './call-end.ts';

export function requestContext(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && /^[A-Za-z0-9._-]{8,128}$/.test(incoming) ? incoming : randomUUID();
    const started = process.hrtime.bigint();
    res.locals.requestId = requestId;
    res.locals.startedAt = performance.now();
    res.setHeader('X-Request-Id', requestId);
    onCallEnd(res, (status) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // Only the fixed fields below (ids, numbers, the path without its query). The line goes through the
      // logger's scrubbing like every line, so a field added later cannot carry a secret or patient data
      // out; on plain fields that costs about 0.3 µs (src/shared/logger.ts).
      logger.info(
        {
          requestId,
          method: req.method,
          path: requestPath(req),
          status,
          ms: Math.round(ms * 10) / 10,
          hookInstance: res.locals.hookInstance,
          ruleSetVersion: res.locals.ruleSetVersion,
          cards: res.locals.cardCount,
          problem: res.locals.problem,
        },
        'request'
      );
    });
    next();
  };
}
