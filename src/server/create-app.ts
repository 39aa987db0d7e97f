/**
 * Builds the Express app without listening, so tests drive it through supertest.
 */
import express from 'express';
import { MemoryStore, rateLimit } from 'express-rate-limit';
import type { Store } from 'express-rate-limit';
import type { StoreDiagnostics } from '../store/index.ts';
import helmet from 'helmet';
import type { Express, RequestHandler } from 'express';
import { adminRouter, consoleStatic, openApiRoute } from '../admin/index.ts';
import type { AdminRouterDeps } from '../admin/index.ts';
import type { Config } from '../config/index.ts';
import type { HookDeps, ServiceDefinition } from '../protocol/index.ts';
import { requireCdsJwt } from '../security/index.ts';
import type { CdsAuth } from '../security/index.ts';
import { createCircuitBreakers } from '../patient/index.ts';
import { createMetrics, mergeMetrics, notFound, serviceUnavailableOutcome, tooManyRequestsOutcome } from '../shared/index.ts';
import type { Metrics } from '../shared/index.ts';
import type { Logger } from '../shared/index.ts';
import { requireMetricsToken, sameSiteOnly } from './access-guards.ts';
import { cdsRoutes } from './cds-routes.ts';
import { createAuthFailureLimiter } from './auth-failure-limit.ts';
import { cors } from './cors.ts';
import { errorHandler } from './error-handler.ts';
import { limitJsonDepth } from './json-depth.ts';
import { observeServiceCalls } from './observe-service-calls.ts';
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
  /** Prometheus metrics; a fresh registry is made when absent. */
  readonly metrics?: Metrics;
  /**
   * In a cluster worker: every serving worker's metrics (this one's included), so /metrics answers for
   * the whole cluster (src/cluster/metrics-collector.ts). Absent: this process's own registry.
   */
  readonly clusterMetrics?: () => Promise<(readonly unknown[])[]>;
  /**
   * In a cluster worker: a store for the rate limit and the failed-authentication limit, counting for every
   * worker (src/cluster/rate-limit-sync.ts); called once per limit.
   */
  readonly rateLimitStore?: () => Store & Required<Pick<Store, 'get'>>;
  /** Rule administration API at /admin/api (docs/admin-api.md); absent: not mounted. */
  readonly admin?: AdminRouterDeps;
}

/**
 * The longest /readyz waits for the store's ping, ms. A ping answers in about a millisecond; a store
 * thread that is stuck (a statement that never ends) answers only when the store's watchdog replaces it
 * (STORE_WATCHDOG_MS, 30 s by default; 10 s through a cluster worker's IPC). Waiting that long, every
 * probe would hold a connection and a monitor with a long timeout would hang, told nothing: past this,
 * the store is reported as not answering and the service as not ready.
 */
const READINESS_STORE_TIMEOUT_MS = 1000;

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  if (deps.config.trustProxy !== false) {
    // The caller's address as the named proxies report it (X-Forwarded-For), for the limits below.
    app.set('trust proxy', deps.config.trustProxy);
  }
  app.use(requestContext(deps.logger));
  const metrics = deps.metrics ?? createMetrics(() => deps.ruleSet().version);
  // Every call to a service, timed from here whatever answers it: the handler, or a refusal before it (401,
  // 429, 413, 415, a 400 for JSON that cannot be read or nests too deep), which the handler never sees.
  app.use('/cds-services', observeServiceCalls(new Set(deps.services.map((s) => s.id)), metrics));
  const breakers = createCircuitBreakers({ failureThreshold: deps.config.fhir.breakerFailures, coolDownMs: deps.config.fhir.breakerCoolDownMs });
  // Security headers (HSTS, nosniff, frame and referrer policy, a strict CSP for the console).
  app.use(
    helmet({
      contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'], connectSrc: ["'self'"], objectSrc: ["'none'"], frameAncestors: ["'none'"] } },
      crossOriginResourcePolicy: { policy: 'cross-origin' },
    })
  );
  app.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use('/cds-services', cors());
  if (deps.auth.mode === 'off') {
    // No token to check (development): CORS * would let any page open in the developer's browser post hook
    // calls and feedback. Refused as the admin API refuses them with its auth off (access-guards.ts).
    app.use('/cds-services', sameSiteOnly(deps.config.publicBaseUrl, deps.logger));
  }
  if (deps.auth.mode === 'required') {
    // An address whose calls keep failing authentication is refused before its tokens are verified
    // (auth-failure-limit.ts): each forged signature would otherwise cost a verification. In a cluster the
    // workers share the counts as they do the rate limit's.
    const failures =
      deps.config.authFailureLimitPerMinute > 0
        ? createAuthFailureLimiter({
            limit: deps.config.authFailureLimitPerMinute,
            windowMs: 60_000,
            store: deps.rateLimitStore ? deps.rateLimitStore() : new MemoryStore(),
            onThrottled: (address, count) =>
              deps.logger.warn({ address, failures: count }, 'calls from this address are refused without reading their token until the minute ends: too many failed authentications'),
            proxyTrusted: deps.config.trustProxy !== false,
            onUntrustedForwarded: () =>
              deps.logger.warn(
                "a call came through a proxy (X-Forwarded-For) but TRUST_PROXY is unset: every caller behind it shares the proxy's address, so one caller failing authentication can throttle them all; set TRUST_PROXY to the proxy's address or hop count"
              ),
          })
        : undefined;
    if (failures) {
      app.use('/cds-services', failures.middleware);
    }
    // Before body parsing (below): an unauthenticated body is never read. CORS runs first so a 401 reaches the browser.
    app.use(
      '/cds-services',
      requireCdsJwt({
        verifier: deps.auth.verifier,
        publicBaseUrl: deps.config.publicBaseUrl,
        logger: deps.logger,
        onRefused: (reason, req) => {
          metrics.countAuthRefusal(reason);
          failures?.refused(req, reason);
        },
      })
    );
  }
  if (deps.config.rateLimitPerMinute > 0) {
    // Per calling EHR (verified JWT issuer), else per address; 429 with an OperationOutcome. In a cluster
    // the count is the whole cluster's (the workers share their counts), not each worker's.
    app.use(
      '/cds-services',
      rateLimit({
        windowMs: 60_000,
        limit: deps.config.rateLimitPerMinute,
        standardHeaders: 'draft-8',
        legacyHeaders: false,
        keyGenerator: (req, res) => (res.locals.cdsClient as { iss?: string } | undefined)?.iss ?? `ip:${req.ip ?? 'unknown'}`,
        handler: (_req, res) => sendOutcome(res, tooManyRequestsOutcome('Too many requests from this client; slow down and retry shortly.')),
        validate: { keyGeneratorIpFallback: false },
        ...(deps.rateLimitStore ? { store: deps.rateLimitStore() } : {}),
      })
    );
  }
  // JSON bodies are read and parsed only here, for the CDS endpoints, after the token and the rate limit: no
  // other path reads a body (health, readiness, metrics, the console, a 404), so an unauthenticated client
  // cannot make the service buffer and parse megabytes anywhere else.
  app.use('/cds-services', express.json({ limit: deps.config.maxBodyBytes, type: ['application/json', 'application/*+json'], strict: true }), limitJsonDepth(deps.config.maxJsonDepth));
  if (deps.admin) {
    // The admin router authenticates first and parses bodies itself, only on the routes that take one.
    app.use('/admin/api', adminRouter(deps.admin));
    app.use('/admin', consoleStatic(deps.logger));
  }
  app.get('/openapi.json', openApiRoute(deps.config.publicBaseUrl));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // With auth on every call writes its token's jti to the store before it is answered: when those writes
  // fail (a full disk) the store still answers a ping, but every call is refused (503), so the service is
  // not ready (replay-health.ts: the calls' own writes tell, or a write of its own when none is recent).
  const replayWrites = deps.auth.mode === 'required' ? deps.auth.replayWrites : undefined;
  app.get('/readyz', async (_req, res) => {
    const ruleSet = deps.ruleSet();
    const [pinged, written] = await Promise.all([deps.store ? storeReadiness(deps.store, READINESS_STORE_TIMEOUT_MS) : undefined, replayWrites?.status()]);
    const store = pinged !== undefined && pinged !== 'ok' ? pinged : written !== undefined && written !== 'ok' ? written : pinged;
    const ready = ruleSet.rules.length > 0 && (store === undefined || store === 'ok');
    // An audit that cannot be written (a full disk) is shown, but does not make the service unready by
    // itself: with auth off, taking it out of the load balancer would stop every safety check to protect
    // the audit trail (with auth on, the same full disk stops the calls' jti writes: "not writable" above).
    const audit = (deps.store as Partial<StoreDiagnostics> | undefined)?.auditQueueStats?.();
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not-ready',
      ruleSetVersion: ruleSet.version,
      rules: ruleSet.rules.length,
      ...(store === undefined ? {} : { store }),
      ...(audit ? { audit: audit.failures > 0 ? 'failing' : 'ok' } : {}),
    });
  });
  // Operational figures, not PHI, but not for whoever reaches the EHR-facing port (and in a cluster each
  // scrape makes every worker answer): with METRICS_TOKEN set, only Prometheus's bearer token is served.
  const metricsGuard: RequestHandler[] = deps.config.metrics.mode === 'token' ? [requireMetricsToken(deps.config.metrics.sha256, deps.logger)] : [];
  if (deps.config.production && deps.config.metrics.mode === 'open' && !deps.config.metrics.explicit) {
    deps.logger.warn('/metrics answers anyone who can reach this port: set METRICS_TOKEN (Prometheus sends it as a bearer token), or METRICS_TOKEN=off when only your monitoring network reaches it');
  }
  app.get('/metrics', ...metricsGuard, async (_req, res) => {
    if (!deps.clusterMetrics) {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
      return;
    }
    try {
      const merged = await mergeMetrics(await deps.clusterMetrics());
      res.type(merged.contentType).send(merged.text);
    } catch (error) {
      // Not one worker's figures alone: Prometheus would read them as counter resets. A failed scrape instead.
      const reason = error instanceof Error ? error.message : String(error);
      deps.logger.warn({ err: reason }, 'cluster metrics could not be collected: /metrics answers 503');
      sendOutcome(res, serviceUnavailableOutcome(`The metrics of every worker could not be collected (${reason}); try again.`));
    }
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
      metrics,
      breakers,
    })
  );
  app.use((_req, res) => sendOutcome(res, notFound));
  app.use(errorHandler(deps.logger));
  return app;
}

/**
 * The store's answer to a ping, as /readyz reports it (a fixed set of values): 'unreachable' when it
 * failed, 'not answering' when it gave no answer within `timeoutMs`. A ping that answers later is
 * ignored (its failure too).
 */
async function storeReadiness(store: NonNullable<AppDeps['store']>, timeoutMs: number): Promise<'ok' | 'unreachable' | 'not answering'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'not answering'>((resolve) => {
    timer = setTimeout(() => resolve('not answering'), timeoutMs);
  });
  const answer = store.ping().then(
    (ok) => (ok ? ('ok' as const) : ('unreachable' as const)),
    () => 'unreachable' as const
  );
  try {
    return await Promise.race([answer, deadline]);
  } finally {
    // A store that answers at once leaves no timer behind to keep the process (or a test) alive.
    clearTimeout(timer);
  }
}
