/**
 * CDS Hooks endpoints: discovery and service invocation. Handlers stay thin; the pipeline lives in
 * protocol/handle-order-hook.ts.
 */
import { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { handleOrderHook, toDiscovery } from '../protocol/index.ts';
import type { HookDeps, ServiceDefinition } from '../protocol/index.ts';
import { methodNotAllowedOutcome, notFound, unsupportedMediaTypeOutcome } from '../shared/index.ts';
import { sendOutcome } from './send-outcome.ts';

export interface CdsRoutesDeps extends HookDeps {
  readonly services: readonly ServiceDefinition[];
}

function isJsonContentType(req: Request): boolean {
  return req.is(['application/json', 'application/*+json']) !== false && req.is(['application/json', 'application/*+json']) !== null;
}

export function cdsRoutes(deps: CdsRoutesDeps): Router {
  const router = Router();
  const discovery = { services: deps.services.map(toDiscovery) };
  const byId = new Map(deps.services.map((s) => [s.id, s]));

  router.get('/cds-services', (_req, res) => {
    res.json(discovery);
  });

  router.post('/cds-services/:id', async (req: Request, res: Response, next: NextFunction) => {
    const service = byId.get(String(req.params.id));
    if (!service) {
      sendOutcome(res, notFound);
      return;
    }
    if (!isJsonContentType(req)) {
      sendOutcome(res, unsupportedMediaTypeOutcome('Send the request as JSON with Content-Type: application/json.'));
      return;
    }
    try {
      const outcome = await handleOrderHook(service, req.body, deps);
      res.locals.hookInstance = outcome.request.hookInstance;
      res.locals.ruleSetVersion = outcome.ruleSetVersion;
      res.locals.cardCount = outcome.response.cards.length;
      res.setHeader('X-Rule-Set-Version', outcome.ruleSetVersion);
      res.json(outcome.response);
    } catch (err) {
      next(err);
    }
  });

  router.all('/cds-services', (_req, res) => sendOutcome(res, methodNotAllowedOutcome('Use GET on /cds-services.')));
  router.all('/cds-services/:id', (_req, res) => sendOutcome(res, methodNotAllowedOutcome('Use POST to call a CDS service.')));
  return router;
}
