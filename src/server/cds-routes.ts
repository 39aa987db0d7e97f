/**
 * CDS Hooks endpoints: discovery and service invocation. Handlers stay thin; the pipeline lives in
 * protocol/handle-order-hook.ts.
 */
import { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { handleFeedback, handleOrderHook, parseFeedback, safeHookInstance, toDiscovery } from '../protocol/index.ts';
import type { CallingClient, HookDeps, HookOutcome, ServiceDefinition } from '../protocol/index.ts';
import { methodNotAllowedOutcome, notFound, serviceUnavailableOutcome, unsupportedMediaTypeOutcome } from '../shared/index.ts';
import type { Logger } from '../shared/index.ts';
import { errorForLog } from '../shared/logger.ts';
import { UncheckedCallError } from '../protocol/handle-order-hook.ts';
import { CLIENT_CLOSED_REQUEST, onCallEnd } from './call-end.ts';
import { sendOutcome } from './send-outcome.ts';

/** The `rule` label of `cds_rule_errors_total` for a check stopped whole by an error of the service. */
export const CHECK_ERROR_LABEL = '(whole check)';

export interface CdsRoutesDeps extends HookDeps {
  readonly services: readonly ServiceDefinition[];
  readonly logger: Logger;
}

/**
 * Queues the audit record of a call that was answered (status 200, or 412 when required data was
 * unavailable: no card, the check not done), or whose answer was ready when its client had already gone
 * (499); never delays or fails the response.
 */
function audit(deps: CdsRoutesDeps, service: ServiceDefinition, outcome: HookOutcome, res: Response, status: number): void {
  if (!deps.store || !outcome.patientKey) {
    return;
  }
  const started = typeof res.locals.startedAt === 'number' ? res.locals.startedAt : performance.now();
  const identity = callingClient(res);
  deps.store.enqueueInvocation({
    hookInstance: outcome.request.hookInstance,
    serviceId: service.id,
    hook: service.hook,
    receivedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
    latencyMs: Math.round((performance.now() - started) * 10) / 10,
    status,
    ruleSetVersion: outcome.ruleSetVersion,
    patientKey: outcome.patientKey,
    ...(identity ? { clientIss: identity.iss, ...(identity.tenant === undefined ? {} : { clientTenant: identity.tenant }) } : {}),
    cards: outcome.audited,
    suppressed: outcome.suppressed,
  });
}

/** The verified client of this call (set by the JWT check), or undefined with CDS_AUTH=off. */
function callingClient(res: Response): CallingClient | undefined {
  const identity = res.locals.cdsClient as { iss?: unknown; tenant?: unknown } | undefined;
  if (typeof identity?.iss !== 'string') {
    return undefined;
  }
  return { iss: identity.iss, ...(typeof identity.tenant === 'string' ? { tenant: identity.tenant } : {}) };
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
    // Known before the call is handled, so that an answer other than 200 (a 412, a 400 for a malformed
    // request, a 500) still carries the rule set version (README) and its log line the hook instance.
    const hookInstance = (req.body as { hookInstance?: unknown } | undefined)?.hookInstance;
    if (typeof hookInstance === 'string') res.locals.hookInstance = safeHookInstance(hookInstance, deps.patientKey);
    res.setHeader('X-Rule-Set-Version', deps.ruleSet().version);
    try {
      const outcome = await handleOrderHook(service, req.body, deps, callingClient(res));
      res.locals.hookInstance = outcome.request.hookInstance;
      res.locals.ruleSetVersion = outcome.ruleSetVersion;
      res.locals.cardCount = outcome.response.cards.length;
      res.setHeader('X-Rule-Set-Version', outcome.ruleSetVersion);
      res.json(outcome.response);
      // Audited and counted once the answer is out: when the EHR gave up first (its own timeout), the cards
      // were decided but never shown, so the audit says 499 and they are not counted as cards returned.
      onCallEnd(res, (status) => {
        const delivered = status !== CLIENT_CLOSED_REQUEST;
        audit(deps, service, outcome, res, delivered ? 200 : CLIENT_CLOSED_REQUEST);
        if (deps.metrics && delivered) {
          for (const card of outcome.audited) {
            deps.metrics.countCard(card.ruleId, card.indicator);
          }
          for (const s of outcome.suppressed) {
            deps.metrics.countSuppressed(s.ruleId);
          }
        }
      });
      if (deps.metrics) {
        for (const ruleId of outcome.failedRules) {
          deps.metrics.countRuleError(ruleId);
        }
      }
      if (outcome.checkError) {
        // A defect of the service, met on this call; the clinician was told the check is incomplete.
        deps.metrics?.countRuleError(CHECK_ERROR_LABEL);
        deps.logger.error(
          { requestId: res.locals.requestId, hookInstance: outcome.request.hookInstance, err: errorForLog(outcome.checkError) },
          'the check stopped with an error; answered with a "check incomplete" card'
        );
      }
      if (outcome.ruleFailures.length > 0) {
        // The engine's messages name the rule's facts and operators, not the patient's data; the logger
        // scrubs the fields like every line's.
        deps.logger.error(
          { requestId: res.locals.requestId, hookInstance: outcome.request.hookInstance, failedRules: outcome.failedRules, errors: outcome.ruleFailures.map((f) => ({ rule: f.ruleId, message: f.message.slice(0, 300) })) },
          'rules could not be evaluated'
        );
      }
    } catch (err) {
      if (err instanceof UncheckedCallError) {
        // Audited with the status it is answered with (412; 499 when the EHR had gone), and no cards.
        const unchecked = err.hookOutcome;
        res.locals.hookInstance = unchecked.request.hookInstance;
        onCallEnd(res, (status) => audit(deps, service, unchecked, res, status));
      }
      next(err);
    }
  });

  router.post('/cds-services/:id/feedback', async (req: Request, res: Response, next: NextFunction) => {
    const service = byId.get(String(req.params.id));
    if (!service) {
      sendOutcome(res, notFound);
      return;
    }
    if (!isJsonContentType(req)) {
      sendOutcome(res, unsupportedMediaTypeOutcome('Send feedback as JSON with Content-Type: application/json.'));
      return;
    }
    try {
      if (!deps.store) {
        parseFeedback(req.body); // bad input is still a 400
        sendOutcome(res, serviceUnavailableOutcome('The feedback store is not configured.'));
        return;
      }
      // The patient keyer also keys feedback comments: they are stored only as its HMAC (handle-feedback.ts).
      const feedbackDeps = { store: deps.store, ruleSet: deps.ruleSet, ...(deps.now ? { now: deps.now } : {}), ...(deps.patientKey ? { patientKey: deps.patientKey } : {}) };
      const outcome = await handleFeedback(service, req.body, feedbackDeps, callingClient(res));
      deps.logger.info(
        { requestId: res.locals.requestId, serviceId: service.id, stored: outcome.stored, duplicates: outcome.duplicates, unknownCards: outcome.unknownCards.length, snoozes: outcome.snoozes.length },
        'feedback stored'
      );
      res.json({});
    } catch (err) {
      next(err);
    }
  });

  // A 405 names the methods the resource supports in Allow (RFC 9110 section 15.5.6); a service this
  // server does not have is a 404 whatever the method. (OPTIONS is answered by the CORS middleware.)
  router.all('/cds-services', (_req, res) => {
    res.setHeader('Allow', 'GET, HEAD');
    sendOutcome(res, methodNotAllowedOutcome('Use GET on /cds-services.'));
  });
  const postOnly = (details: string) => (req: Request, res: Response) => {
    if (!byId.has(String(req.params.id))) {
      sendOutcome(res, notFound);
      return;
    }
    res.setHeader('Allow', 'POST');
    sendOutcome(res, methodNotAllowedOutcome(details));
  };
  router.all('/cds-services/:id', postOnly('Use POST to call a CDS service.'));
  router.all('/cds-services/:id/feedback', postOnly('Use POST to send feedback.'));
  return router;
}
