/**
 * The admin API router, mounted at /admin/api (docs/admin-api.md). Thin: authentication and role
 * per route (before any body is parsed), then one call into rule-admin.ts, then HTTP headers.
 * Errors are OperationOutcomes with the status the contract names.
 */
import express, { Router } from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { DETAIL_PLACEHOLDERS } from '../engine/index.ts';
import { FACT_CATALOGUE } from '../facts/index.ts';
import { jsonDepthExceeds, requestPath } from '../shared/index.ts';
import { allows } from './auth.ts';
import type { AdminAuthenticator, AdminPrincipal, AdminRole } from './auth.ts';
import { AdminError, badRequest, crossSiteRefused, forbidden, noSuchId, notFound, unauthorized, unavailable } from './outcomes.ts';
import type { ValidationIssue } from './outcomes.ts';
import type { AdminLogger, RuleAdmin } from './rule-admin.ts';
import { isRuleId } from './rule-files.ts';

export interface AdminRouterDeps {
  readonly admin: RuleAdmin;
  /** The authenticator, or why the admin API is disabled (bad admin auth configuration: 503). */
  readonly auth: AdminAuthenticator | { readonly disabled: string };
  readonly logger: AdminLogger;
  readonly maxBodyBytes: number;
  /**
   * The service's URL as clients see it (config.publicBaseUrl). With admin auth off, its host is,
   * besides loopback, the only Host the admin API answers to.
   */
  readonly publicBaseUrl?: string;
}

const OPERATORS = ['equal', 'notEqual', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive', 'in', 'notIn', 'contains', 'doesNotContain', 'containsAny', 'containsNone'];

function sendError(res: Response, err: AdminError): void {
  for (const [name, value] of Object.entries(err.headers)) {
    res.setHeader(name, value);
  }
  res.status(err.status).type('application/fhir+json').json(err.outcome);
}

/**
 * X-Rule-Tests-Failing on a saved change: the other rules' test cases that fail on the set now serving
 * (`<rule-id>/tests/<index>`, comma-separated), because they already failed before it or were acknowledged.
 */
function setFailingTests(res: Response, failing: readonly ValidationIssue[]): void {
  if (failing.length > 0) {
    res.setHeader('X-Rule-Tests-Failing', failing.map((f) => `${(f.file ?? '').replace(/\.json$/, '')}${f.pointer}`).join(', '));
  }
}

/** `?acknowledgeFailingTests=true` on a disable or delete: go ahead although other rules' test cases fail. */
function acknowledged(req: Request): { acknowledgeFailingTests: boolean } {
  const value = req.query.acknowledgeFailingTests;
  if (value === undefined || value === 'false') {
    return { acknowledgeFailingTests: false };
  }
  if (value === 'true') {
    return { acknowledgeFailingTests: true };
  }
  throw badRequest('"acknowledgeFailingTests" must be true or false.', 'acknowledgeFailingTests');
}

function principalOf(res: Response): AdminPrincipal {
  return res.locals.adminPrincipal as AdminPrincipal;
}

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return typeof value === 'string' ? value : undefined;
}

/** Deepest JSON accepted by the admin API (real rules nest a dozen levels). */
const ADMIN_MAX_JSON_DEPTH = 64;

/** A snooze id (the store makes them with randomUUID). */
const SNOOZE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The browser says the request comes from another site (Sec-Fetch-Site), or its Origin is not this host. */
export function fromAnotherSite(req: Request): boolean {
  const site = header(req, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return true;
  }
  const origin = header(req, 'origin');
  if (origin === undefined) {
    return false; // not from a browser page (curl, scripts), or a browser that sent Sec-Fetch-Site above
  }
  if (origin === 'null') {
    return true; // a sandboxed or opaque origin
  }
  try {
    return new URL(origin).host !== header(req, 'host');
  } catch {
    return true;
  }
}

/** Loopback names a Host header may carry with admin auth off (any port). */
const LOOPBACK_HOSTNAMES: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `host` or `host:port` as a URL host (lower case, default port dropped), or undefined if it is not one. */
function normalHost(host: string | undefined, protocol = 'http:'): URL | undefined {
  if (host === undefined || host === '' || /[/?#@\\\s]/.test(host)) {
    return undefined;
  }
  try {
    return new URL(`${protocol}//${host}`);
  } catch {
    return undefined;
  }
}

/**
 * With admin auth off, a page on another site can still reach the API through DNS rebinding: its own
 * name, re-pointed at 127.0.0.1, makes the browser treat the API as same-origin (Origin equals Host),
 * so the cross-site check passes. The Host header still carries that name: answer only to loopback
 * names and the host of PUBLIC_BASE_URL.
 */
export function hostAllowed(req: Request, publicBaseUrl: string | undefined): boolean {
  const host = normalHost(header(req, 'host'));
  if (!host) {
    return false;
  }
  if (LOOPBACK_HOSTNAMES.has(host.hostname)) {
    return true;
  }
  if (publicBaseUrl === undefined) {
    return false;
  }
  try {
    const base = new URL(publicBaseUrl);
    const sent = normalHost(header(req, 'host'), base.protocol);
    return sent !== undefined && sent.host === base.host;
  } catch {
    return false;
  }
}

const hostRefused = (): AdminError =>
  new AdminError(403, {
    resourceType: 'OperationOutcome',
    id: 'host-refused',
    issue: [
      {
        severity: 'error',
        code: 'forbidden',
        details: { text: 'While admin authentication is off (ADMIN_AUTH=off) the admin API answers only at localhost, 127.0.0.1, [::1] or the host of PUBLIC_BASE_URL.' },
      },
    ],
  });

export function adminRouter(deps: AdminRouterDeps): Router {
  const router = Router();
  // Every request, reads included (a rebinding page could read the rules and snoozes), before anything else.
  router.use((req, res, next) => {
    if ('mode' in deps.auth && deps.auth.mode === 'off' && !hostAllowed(req, deps.publicBaseUrl)) {
      deps.logger.warn({ requestId: res.locals.requestId, path: requestPath(req), reason: 'host not loopback or PUBLIC_BASE_URL' }, 'admin API call refused');
      next(hostRefused());
      return;
    }
    next();
  });
  const json = express.json({ limit: deps.maxBodyBytes, type: ['application/json', 'application/*+json'], strict: true });
  // Rules nest conditions; bound the depth as the CDS endpoints do, or a deep body overflows the validators' stacks.
  const depth: RequestHandler = (req, _res, next) => {
    next(req.body !== undefined && jsonDepthExceeds(req.body, ADMIN_MAX_JSON_DEPTH) ? badRequest(`The JSON body is nested more than ${ADMIN_MAX_JSON_DEPTH} levels deep.`) : undefined);
  };

  /** Authentication and role check; runs before the body is read. */
  const gate = (needed: AdminRole): RequestHandler => {
    return async (req, res, next) => {
      try {
        if ('disabled' in deps.auth) {
          throw unavailable(`The admin API is disabled: ${deps.auth.disabled}`);
        }
        // With authentication off (development), every caller is an editor, so another site open in the
        // developer's browser could post changes here (a form or a no-cors fetch needs no preflight). The
        // browser says where a request comes from: only this origin may change anything.
        if (deps.auth.mode === 'off' && !SAFE_METHODS.has(req.method) && fromAnotherSite(req)) {
          throw crossSiteRefused();
        }
        const result = await deps.auth.authenticate(header(req, 'authorization'));
        if (!result.ok) {
          deps.logger.warn({ requestId: res.locals.requestId, path: requestPath(req), reason: result.reason, status: result.status }, 'admin API call refused');
          throw result.status === 403 ? forbidden('cds-viewer or cds-editor') : unauthorized();
        }
        if (!allows(result.principal.role, needed)) {
          deps.logger.warn({ requestId: res.locals.requestId, path: requestPath(req), user: result.principal.name, role: result.principal.role }, 'admin API call refused: role');
          throw forbidden(needed);
        }
        res.locals.adminPrincipal = result.principal;
        next();
      } catch (err) {
        next(err);
      }
    };
  };

  /** A JSON body is required (415 otherwise, like the CDS endpoints). */
  const body: RequestHandler[] = [
    (req, res, next) => {
      if (req.is(['application/json', 'application/*+json']) === false || req.headers['content-type'] === undefined) {
        res
          .status(415)
          .type('application/fhir+json')
          .json({ resourceType: 'OperationOutcome', id: 'unsupported-media-type', issue: [{ severity: 'error', code: 'not-supported', details: { text: 'Send a JSON body with Content-Type: application/json.' } }] });
        return;
      }
      next();
    },
    json,
    depth,
  ];
  /** Optional body (enable, disable, rollback, reload may be posted without one). */
  const optionalBody: RequestHandler[] = [json, depth];

  const handle =
    (fn: (req: Request, res: Response) => Promise<void> | void): RequestHandler =>
    async (req: Request, res: Response, next: NextFunction) => {
      try {
        await fn(req, res);
      } catch (err) {
        next(err);
      }
    };

  // The id in the path is repeated in a 404 ('Rule "x" not found.') only when it has the shape of one (a rule
  // id: at most 64 of a-z, 0-9 and -; a snooze's UUID); any other text is answered without echoing it.
  const ruleId = (req: Request): string => {
    const value = String(req.params.id);
    if (!isRuleId(value)) {
      throw noSuchId('rule');
    }
    return value;
  };
  const snoozeId = (req: Request): string => {
    const value = String(req.params.id);
    if (!SNOOZE_ID.test(value)) {
      throw noSuchId('active snooze');
    }
    return value;
  };

  router.get('/whoami', gate('viewer'), (_req, res) => {
    const p = principalOf(res);
    res.json({ name: p.name, role: p.role, via: p.via, ...(p.via === 'auth-off' ? { authOff: true } : {}) });
  });

  router.get('/status', gate('viewer'), (_req, res) => {
    res.json(deps.admin.status());
  });

  router.post(
    '/reload',
    gate('editor'),
    optionalBody,
    handle(async (_req, res) => {
      res.json(await deps.admin.reload());
    })
  );

  router.get('/facts', gate('viewer'), (_req, res) => {
    res.json({ facts: FACT_CATALOGUE, placeholders: [...DETAIL_PLACEHOLDERS, 'param.<name>', 'param:<name>'], operators: OPERATORS });
  });

  router.get(
    '/rules',
    gate('viewer'),
    handle(async (_req, res) => {
      res.json({ rules: await deps.admin.listRules() });
    })
  );

  router.get(
    '/deleted-rules',
    gate('viewer'),
    handle(async (_req, res) => {
      res.json({ rules: await deps.admin.deletedRules() });
    })
  );

  router.post(
    '/rules',
    gate('editor'),
    ...body,
    handle(async (req, res) => {
      const saved = await deps.admin.createRule(req.body, principalOf(res).name);
      const created = JSON.parse(saved.text) as { id: string };
      setFailingTests(res, saved.failingTests);
      res
        .status(201)
        .setHeader('ETag', saved.etag)
        .setHeader('X-Rule-Set-Version', saved.ruleSetVersion)
        .setHeader('Location', `/admin/api/rules/${created.id}`)
        .type('application/json')
        .send(saved.text);
    })
  );

  router.get(
    '/rules/:id',
    gate('viewer'),
    handle(async (req, res) => {
      const rule = await deps.admin.getRule(ruleId(req));
      res.setHeader('ETag', rule.etag);
      res.type('application/json').send(rule.text);
    })
  );

  router.put(
    '/rules/:id',
    gate('editor'),
    ...body,
    handle(async (req, res) => {
      const saved = await deps.admin.updateRule(ruleId(req), req.body, header(req, 'if-match'), principalOf(res).name);
      setFailingTests(res, saved.failingTests);
      res.setHeader('ETag', saved.etag).setHeader('X-Rule-Set-Version', saved.ruleSetVersion).type('application/json').send(saved.text);
    })
  );

  router.delete(
    '/rules/:id',
    gate('editor'),
    handle(async (req, res) => {
      const result = await deps.admin.deleteRule(ruleId(req), header(req, 'if-match'), principalOf(res).name, acknowledged(req));
      setFailingTests(res, result.failingTests);
      res.setHeader('X-Rule-Set-Version', result.ruleSetVersion).status(204).end();
    })
  );

  for (const [action, status] of [
    ['enable', 'active'],
    ['disable', 'disabled'],
  ] as const) {
    router.post(
      `/rules/:id/${action}`,
      gate('editor'),
      optionalBody,
      handle(async (req, res) => {
        const saved = await deps.admin.setStatus(ruleId(req), status, header(req, 'if-match'), principalOf(res).name, status === 'disabled' ? acknowledged(req) : {});
        setFailingTests(res, saved.failingTests);
        res.setHeader('ETag', saved.etag).setHeader('X-Rule-Set-Version', saved.ruleSetVersion).type('application/json').send(saved.text);
      })
    );
  }

  router.post(
    '/rules/:id/test',
    gate('viewer'),
    optionalBody,
    handle(async (req, res) => {
      const report = await deps.admin.testRule(ruleId(req));
      res.json({ ok: report.ok, results: report.results });
    })
  );

  router.post(
    '/test',
    gate('viewer'),
    ...body,
    handle(async (req, res) => {
      const report = await deps.admin.testDraft(ruleFromBody(req.body));
      res.json({ ok: report.ok, results: report.results });
    })
  );

  router.post(
    '/validate',
    gate('viewer'),
    ...body,
    handle(async (req, res) => {
      const errors = await deps.admin.validate(ruleFromBody(req.body));
      res.json({ ok: errors.length === 0, errors });
    })
  );

  router.post(
    '/dry-run',
    gate('viewer'),
    ...body,
    handle(async (req, res) => {
      const result = await deps.admin.dryRun(req.body as Record<string, unknown>);
      res.setHeader('X-Rule-Set-Version', result.ruleSetVersion).json(result);
    })
  );

  router.post(
    '/explain',
    gate('viewer'),
    ...body,
    handle(async (req, res) => {
      res.json(await deps.admin.explain(req.body as Record<string, unknown>));
    })
  );

  router.get(
    '/fixtures',
    gate('viewer'),
    handle(async (_req, res) => {
      res.json({ fixtures: await deps.admin.listFixtures() });
    })
  );

  router.get(
    '/rules/:id/history',
    gate('viewer'),
    handle(async (req, res) => {
      res.json(await deps.admin.historyPage(ruleId(req), { limit: req.query.limit, before: req.query.before }));
    })
  );

  router.post(
    '/rules/:id/rollback',
    gate('editor'),
    ...body,
    handle(async (req, res) => {
      const seq = (req.body as { seq?: unknown } | undefined)?.seq;
      const saved = await deps.admin.rollback(ruleId(req), seq, header(req, 'if-match'), principalOf(res).name);
      setFailingTests(res, saved.failingTests);
      res.setHeader('ETag', saved.etag).setHeader('X-Rule-Set-Version', saved.ruleSetVersion).type('application/json').send(saved.text);
    })
  );

  router.get(
    '/analytics',
    gate('viewer'),
    handle(async (req, res) => {
      res.json(await deps.admin.analytics(req.query.from, req.query.to));
    })
  );

  router.get(
    '/snoozes',
    gate('viewer'),
    handle(async (req, res) => {
      res.json({ snoozes: await deps.admin.snoozes({ ruleId: req.query.ruleId, active: req.query.active, limit: req.query.limit }) });
    })
  );

  router.post(
    '/snoozes/:id/lift',
    gate('editor'),
    optionalBody,
    handle(async (req, res) => {
      res.json(await deps.admin.liftSnooze(snoozeId(req), principalOf(res).name));
    })
  );

  router.use((_req, _res, next) => next(notFound('Admin API endpoint')));

  // Admin errors answer here; anything else (body parser errors, bugs) goes on to the app's error handler.
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (err instanceof AdminError) {
      sendError(res, err);
      return;
    }
    if (err instanceof Error && err.name === 'StoreInputError') {
      sendError(res, badRequest(err.message));
      return;
    }
    next(err);
  });
  return router;
}

function ruleFromBody(body: unknown): unknown {
  if (!body || typeof body !== 'object' || !('rule' in body)) {
    throw badRequest('Send { "rule": <rule JSON> }.', '/rule');
  }
  return (body as { rule: unknown }).rule;
}
