import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { startFhirTestServer } from '../support/fhir-test-server.ts';
import { captureLog } from '../support/log-capture.ts';
import type { FhirTestServer } from '../support/fhir-test-server.ts';
import { ORDER_SIGN, TEST_PATIENT_KEY_SECRET, createTestApp, fixture, prefetchResources } from '../support/test-app.ts';

let server: FhirTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('health, readiness and metrics', () => {
  it('answers /healthz and /readyz with the rule set version', async () => {
    const t = await createTestApp();
    expect((await request(t.app).get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await request(t.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.ruleSetVersion).toBe(t.ruleSet.version);
  });

  it('says in /readyz when the audit cannot be written, and stays ready: the safety checks still answer', async () => {
    const { createStore } = await import('../../src/store/index.ts');
    const store = await createStore();
    try {
      const failing = Object.assign(Object.create(store) as typeof store, { auditQueueStats: () => ({ ...store.auditQueueStats(), failures: 3 }) });
      const t = await createTestApp({ store: failing });
      const ready = await request(t.app).get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ status: 'ready', store: 'ok', audit: 'failing' });
      expect((await request((await createTestApp({ store })).app).get('/readyz')).body.audit).toBe('ok');
    } finally {
      await store.close();
    }
  });

  it('logs one JSON line per request: request id, status, hook instance, cards; never the token or the patient', async () => {
    const { logger, lines } = captureLog({ redact: ['token', '*.token'] });
    const t = await createTestApp({ logger });
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const sent = { ...body, fhirAuthorization: { access_token: 'secret-access-token-123', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'cds' } };
    const res = await request(t.app).post(ORDER_SIGN).set('X-Request-Id', 'req-12345678').send(sent);
    expect(res.status).toBe(200);
    await new Promise((r) => setImmediate(r));
    const line = lines.find((l) => l.msg === 'request');
    expect(line).toMatchObject({ requestId: 'req-12345678', method: 'POST', path: ORDER_SIGN, status: 200, hookInstance: body.hookInstance, cards: res.body.cards.length });
    const text = JSON.stringify(lines);
    expect(text).not.toContain('secret-access-token-123');
    expect(text).not.toContain(body.context.patientId);
  });

  it('exposes Prometheus metrics: request latency per service, cards per rule and indicator, rule set version', async () => {
    const t = await createTestApp();
    await request(t.app).post(ORDER_SIGN).send(fixture('order-sign/opioid-draft-with-active-benzodiazepine.json'));
    const res = await request(t.app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/cds_request_duration_seconds_count\{service="cns-depressant-order-sign",status="200"\} 1/);
    expect(res.text).toMatch(/cds_cards_total\{rule="opioid-benzodiazepine",indicator="warning"\} 1/);
    expect(res.text).toContain(`cds_rule_set_info{version="${t.ruleSet.version}"} 1`);
  });

  it('counts FHIR fallback calls and opens the circuit breaker on a failing server: later calls fail fast', async () => {
    const t = await createTestApp({ config: { fhir: { breakerFailures: 2, breakerCoolDownMs: 60_000 } } });
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    server = await startFhirTestServer(prefetchResources(body));
    server.failWithStatus = 503;
    const sent = { ...body, prefetch: { ...body.prefetch, medicationRequests: undefined }, fhirServer: server.baseUrl, fhirAuthorization: { access_token: 'x', token_type: 'Bearer' } };
    delete (sent.prefetch as Record<string, unknown>).medicationRequests;
    for (let i = 0; i < 3; i++) {
      expect((await request(t.app).post(ORDER_SIGN).send(sent)).status).toBe(412);
    }
    const callsWhenOpen = server.calls.length;
    const res = await request(t.app).post(ORDER_SIGN).send(sent);
    expect(res.status).toBe(412);
    expect(res.body.issue[0].details.text).toMatch(/paused/);
    expect(server.calls.length).toBe(callsWhenOpen);
    const metrics = await request(t.app).get('/metrics');
    expect(metrics.text).toMatch(/cds_fhir_fallback_duration_seconds_count\{outcome="error"\} [1-9]/);
    expect(metrics.text).toMatch(/cds_fhir_fallback_duration_seconds_count\{outcome="circuit-open"\} [1-9]/);
  });
});

describe('hostile input hardening', () => {
  it('refuses JSON nested deeper than the limit with 400', async () => {
    const t = await createTestApp();
    let deep: unknown = {};
    for (let i = 0; i < 200; i++) {
      deep = { a: deep };
    }
    const body = { ...fixture('order-sign/opioid-draft-with-active-benzodiazepine.json'), extension: deep };
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('rate-limits a client with 429 and an OperationOutcome', async () => {
    const t = await createTestApp({ config: { rateLimitPerMinute: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await request(t.app).get('/cds-services')).status);
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses[4]).toBe(429);
    const res = await request(t.app).get('/cds-services');
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('sends security headers', async () => {
    const t = await createTestApp();
    const res = await request(t.app).get('/cds-services');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

// Calls that end otherwise than with a 200 from the handler are observed too: the slowest calls (the EHR
// gave up), refusals before the handler, feedback, and 412s, with what an integrator needs to tell them
// apart. Before, an abandoned call had no log line and no latency sample, yet its cards were counted as
// returned and audited as a 200; refusals and feedback were not timed; a 412's line had no hook instance.
describe('calls that do not end in a 200 from the handler', () => {
  const withoutMedications = (body: Record<string, any>, fhirServer?: string): Record<string, any> => {
    const { medicationRequests: _left, ...prefetch } = body.prefetch;
    return { ...body, prefetch, ...(fhirServer ? { fhirServer, fhirAuthorization: { access_token: 'x', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'cds' } } : {}) };
  };

  it('a call whose client gave up: logged and timed as 499, its cards not counted as returned, audited as 499', async () => {
    const { createStore } = await import('../../src/store/index.ts');
    const { sqlOf } = await import('../store/helpers.ts');
    const { until } = await import('../support/processes.ts');
    const store = await createStore();
    try {
      const { logger, lines } = captureLog();
      const t = await createTestApp({ store, logger });
      const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
      server = await startFhirTestServer(prefetchResources(body));
      server.delayMs = 500;
      const fhir = server;
      // The client gives up once the service is waiting on the FHIR server.
      const listening = http.createServer(t.app).listen(0, '127.0.0.1');
      await new Promise((resolve) => listening.once('listening', resolve));
      try {
        const port = (listening.address() as AddressInfo).port;
        const gaveUp = new Promise<void>((resolve) => {
          const req = http.request({ host: '127.0.0.1', port, path: ORDER_SIGN, method: 'POST', headers: { 'content-type': 'application/json' } });
          req.on('error', () => resolve());
          req.end(JSON.stringify(withoutMedications(body, fhir.baseUrl)));
          void until('the FHIR call to start', () => (fhir.calls.length > 0 ? true : undefined)).then(() => req.destroy());
        });
        await gaveUp;
      } finally {
        listening.close();
      }
      const rows = await until('the call to be audited', async () => {
        await store.flush();
        const found = await sqlOf(store).query<{ status: number }>('SELECT status FROM invocations WHERE hook_instance = $1', [body.hookInstance]);
        return found.length > 0 ? found : undefined;
      });
      expect(rows.map((r) => Number(r.status))).toEqual([499]);
      expect(lines.find((l) => l.msg === 'request' && l.path === ORDER_SIGN)).toMatchObject({ status: 499, hookInstance: body.hookInstance });
      const metrics = (await request(t.app).get('/metrics')).text;
      expect(metrics).toMatch(/cds_request_duration_seconds_count\{service="cns-depressant-order-sign",status="499"\} 1/);
      expect(metrics).not.toMatch(/^cds_cards_total\{/m);
      // The audit keeps the cards that were decided, but the console's analytics count none as fired:
      // a card never shown can get no feedback and would only lower the accept and override rates.
      expect(Number((await sqlOf(store).query<{ n: number }>('SELECT count(*)::int AS n FROM issued_cards')).at(0)?.n)).toBeGreaterThan(0);
      expect(await store.ruleStats(new Date(Date.now() - 3_600_000), new Date(Date.now() + 3_600_000))).toEqual([]);
    } finally {
      await store.close();
    }
  }, 30_000);

  it('times refusals made before the handler (JSON that cannot be read) and feedback calls', async () => {
    const t = await createTestApp();
    // A percent-encoded service id is the same service to Express: timed under its id.
    const encoded = ORDER_SIGN.replace('cns-depressant', 'cns%2Ddepressant');
    expect((await request(t.app).post(encoded).set('content-type', 'application/json').send('{bad')).status).toBe(400);
    const feedback = await request(t.app).post(`${ORDER_SIGN}/feedback`).send({ feedback: [] });
    const metrics = (await request(t.app).get('/metrics')).text;
    expect(metrics).toMatch(/cds_request_duration_seconds_count\{service="cns-depressant-order-sign",status="400"\} 1/);
    expect(metrics).toContain(`cds_feedback_duration_seconds_count{service="cns-depressant-order-sign",status="${feedback.status}"} 1`);
  });

  it('a 412: its log line has the hook instance and the reason, and the answer the rule set version', async () => {
    const { logger, lines } = captureLog();
    const t = await createTestApp({ logger });
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const res = await request(t.app).post(ORDER_SIGN).send(withoutMedications(body));
    expect(res.status).toBe(412);
    expect(res.headers['x-rule-set-version']).toBe(t.ruleSet.version);
    await new Promise((r) => setImmediate(r));
    const line = lines.find((l) => l.msg === 'request');
    expect(line).toMatchObject({ status: 412, hookInstance: body.hookInstance });
    expect(String(line?.problem)).toMatch(/Required data unavailable: .*prefetch key "medicationRequests"/);
  });

  it('every answered call is audited: a 412 (the check was not done) at 412 and a call with nothing to check at 200, both without cards, the patient only as its key', async () => {
    const { createPatientKeyer, createStore } = await import('../../src/store/index.ts');
    const { sqlOf } = await import('../store/helpers.ts');
    const store = await createStore();
    try {
      const t = await createTestApp({ store });
      const keyer = createPatientKeyer(TEST_PATIENT_KEY_SECRET);
      const unavailable = withoutMedications(fixture('order-sign/opioid-draft-with-active-benzodiazepine.json'));
      const nothingToCheck = fixture('order-sign/non-medication-orders-only.json');
      expect((await request(t.app).post(ORDER_SIGN).send(unavailable)).status).toBe(412);
      const answered = await request(t.app).post(ORDER_SIGN).send(nothingToCheck);
      expect(answered.status).toBe(200);
      expect(answered.body.cards).toEqual([]);
      await new Promise((r) => setImmediate(r));
      await store.flush();
      const rows = await sqlOf(store).query<{ hook_instance: string; status: number; patient_key: string; rule_set_version: string; cards: number }>(
        `SELECT i.hook_instance, i.status, i.patient_key, i.rule_set_version, (SELECT count(*)::int FROM issued_cards c WHERE c.invocation_id = i.id) AS cards
         FROM invocations i ORDER BY i.status DESC`
      );
      const keyOf = (body: Record<string, any>) => keyer(body.fhirServer, body.context.patientId);
      expect(rows.map((r) => ({ ...r, status: Number(r.status), cards: Number(r.cards) }))).toEqual([
        { hook_instance: unavailable.hookInstance, status: 412, patient_key: keyOf(unavailable), rule_set_version: t.ruleSet.version, cards: 0 },
        { hook_instance: nothingToCheck.hookInstance, status: 200, patient_key: keyOf(nothingToCheck), rule_set_version: t.ruleSet.version, cards: 0 },
      ]);
      const stored = JSON.stringify(rows);
      expect(stored).not.toContain(unavailable.context.patientId);
      expect(stored).not.toContain(nothingToCheck.context.patientId);
    } finally {
      await store.close();
    }
  });

  it("logs why a rule could not be evaluated (the engine's message), with the rule", async () => {
    const { logger, lines } = captureLog();
    const real = (await createTestApp()).ruleSet;
    const broken = {
      ...real,
      engineRules: real.engineRules.map((r) =>
        r.ruleId === 'naloxone-co-prescribe' ? { ...r, conditions: { all: [{ fact: 'noSuchFact', operator: 'equal', value: 1 }] } as typeof r.conditions } : r
      ),
    };
    const t = await createTestApp({ logger, ruleSet: broken });
    expect((await request(t.app).post(ORDER_SIGN).send(fixture('order-sign/opioid-draft-with-active-benzodiazepine.json'))).status).toBe(200);
    const line = lines.find((l) => l.msg === 'rules could not be evaluated');
    expect(line?.failedRules).toEqual(['naloxone-co-prescribe']);
    expect(line?.errors).toEqual([{ rule: 'naloxone-co-prescribe', message: expect.stringContaining('noSuchFact') }]);
  });
});
