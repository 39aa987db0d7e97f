/**
 * Times every POST to a service (`/cds-services/{id}`) and to its feedback endpoint, from the moment the
 * request arrives to the moment its answer is sent or its client gives up (499), whatever answers it.
 * Mounted before CORS, the JWT check, the rate limit and the body parser: observed in the route handler,
 * the calls those refuse (401, 429, 413, 415, unreadable or too-deep JSON) were missing from the latency
 * and status figures, and feedback calls were not observed at all. Only known service ids are observed
 * (an unknown one is a 404 with no service to name), so the labels stay a fixed set.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Metrics } from '../shared/index.ts';
import { onCallEnd } from './call-end.ts';

/** `/{id}` or `/{id}/feedback` under the /cds-services mount. */
const SERVICE_PATH = /^\/([^/]+)(\/feedback)?\/?$/;

function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined; // not a valid encoding: Express answers 400, no service is named
  }
}

export function observeServiceCalls(serviceIds: ReadonlySet<string>, metrics: Pick<Metrics, 'observeRequest' | 'observeFeedback'>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method === 'POST') {
      const match = SERVICE_PATH.exec(req.path);
      // Decoded as Express decodes the route's :id (a client may percent-encode any character).
      const id = match?.[1] === undefined ? undefined : decoded(match[1]);
      if (id !== undefined && serviceIds.has(id)) {
        const started = performance.now();
        const feedback = match?.[2] !== undefined;
        onCallEnd(res, (status) => {
          const seconds = (performance.now() - started) / 1000;
          if (feedback) metrics.observeFeedback(id, status, seconds);
          else metrics.observeRequest(id, status, seconds);
        });
      }
    }
    next();
  };
}
