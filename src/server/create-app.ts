/**
 * Builds the Express app without listening, so tests drive it through supertest.
 */
import express from 'express';
import type { Express } from 'express';
import type { Config } from '../config/index.ts';
import type { HookDeps, ServiceDefinition } from '../protocol/index.ts';
import { requireCdsJwt } from '../security/index.ts';
import type { CdsAuth } from '../security/index.ts';
import { notFound } from '../shared/index.ts';
import type { Logger } from '../shared/index.ts';
import { cdsRoutes } from './cds-routes.ts';
import { cors } from './cors.ts';
import { errorHandler } from './error-handler.ts';
import { requestContext } from './request-context.ts';
import { sendOutcome } from './send-outcome.ts';

export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly services: readonly ServiceDefinition[];
  /** CDS client authentication; { mode: 'off' } only by explicit development setting. */
  readonly auth: CdsAuth;
  readonly ruleSet: HookDeps['ruleSet'];
  readonly fetch?: HookDeps['fetch'];
  readonly now?: HookDeps['now'];
  /** Audit, feedback and snoozes. */
  readonly store?: HookDeps['store'];
  readonly patientKey?: HookDeps['patientKey'];
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(requestContext(deps.logger));
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  app.use('/cds-services', cors());
  if (deps.auth.mode === 'required') {
    // Before body parsing: an unauthenticated body is never parsed. CORS runs first so a 401 reaches the browser.
    app.use('/cds-services', requireCdsJwt({ verifier: deps.auth.verifier, publicBaseUrl: deps.config.publicBaseUrl, logger: deps.logger }));
  }
  app.use(express.json({ limit: deps.config.maxBodyBytes, type: ['application/json', 'application/*+json'], strict: true }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const ruleSet = deps.ruleSet();
    res.json({ status: 'ready', ruleSetVersion: ruleSet.version, rules: ruleSet.rules.length });
  });

  app.use(
    cdsRoutes({
      services: deps.services,
      ruleSet: deps.ruleSet,
      fhir: deps.config.fhir,
      fetch: deps.fetch,
      now: deps.now,
      store: deps.store,
      patientKey: deps.patientKey,
      logger: deps.logger,
    })
  );
  app.use((_req, res) => sendOutcome(res, notFound));
  app.use(errorHandler(deps.logger));
  return app;
}
