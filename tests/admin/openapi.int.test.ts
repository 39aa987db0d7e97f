/**
 * docs/openapi.json against REAL responses: the app is driven (supertest) through every documented
 * operation, success and error responses alike, and each response body is validated (ajv, JSON
 * Schema 2020-12) against the schema the document gives for that operation, status and media type.
 * Every operation in the document must have been exercised, so the document cannot drift from the
 * app in either direction.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import request from 'supertest';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULE_TEST_NOW } from '../../src/admin/index.ts';
import { etagOf } from '../../src/admin/rule-files.ts';
import { RULE_SCHEMA_PATH } from '../../src/engine/index.ts';
import { createCdsJwtVerifier, createMemoryReplayStore, devTrustedClient, generateDevKeys } from '../../src/security/index.ts';
import { ORDER_SIGN, createTestApp, fixture } from '../support/test-app.ts';
import { ROOT, bearer, createAdminTestApp, shippedRule } from './helpers.ts';
import type { AdminTestApp } from './helpers.ts';

type Json = Record<string, any>;
const DOC = JSON.parse(readFileSync(path.join(ROOT, 'docs', 'openapi.json'), 'utf8')) as Json;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'patch'] as const;

const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addFormat('date-time', { validate: (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(s) && !Number.isNaN(Date.parse(s)) });
ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
ajv.addFormat('uri', { validate: (s: string) => URL.canParse(s) });
ajv.addSchema(DOC, 'openapi.json');

const pointer = (...tokens: string[]): string => tokens.map((t) => encodeURIComponent(t.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
const covered = new Set<string>();

/** Validates one real response against the document and records the operation as exercised. */
function conforms(method: (typeof METHODS)[number], template: string, res: Response): void {
  const operation = DOC.paths[template]?.[method];
  expect(operation, `${method.toUpperCase()} ${template} is documented`).toBeDefined();
  const status = String(res.status);
  let spec = operation.responses[status] ?? operation.responses.default;
  expect(spec, `${method.toUpperCase()} ${template} documents status ${status}`).toBeDefined();
  let location = ['paths', template, method, 'responses', operation.responses[status] ? status : 'default'];
  if (spec.$ref) {
    const name = String(spec.$ref).split('/').pop() as string;
    spec = DOC.components.responses[name];
    location = ['components', 'responses', name];
  }
  covered.add(`${method} ${template}`);
  if (!spec.content) {
    return;
  }
  const media = String(res.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  expect(Object.keys(spec.content), `${method.toUpperCase()} ${template} ${status}: media type`).toContain(media);
  const validate = ajv.getSchema(`openapi.json#/${pointer(...location, 'content', media, 'schema')}`);
  expect(validate, 'schema resolves').toBeDefined();
  const body = media.endsWith('json') ? JSON.parse(res.text) : res.text;
  const ok = validate!(body);
  expect(ok ? [] : validate!.errors, `${method.toUpperCase()} ${template} ${status} body conforms`).toEqual([]);
}

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 with the CDS client and admin security schemes, served at /openapi.json', async () => {
    expect(DOC.openapi).toBe('3.1.0');
    expect(Object.keys(DOC.components.securitySchemes).sort()).toEqual(['adminBearer', 'cdsClientJwt']);
    for (const name of ['Card', 'Suggestion', 'Action', 'Link', 'Coding', 'OperationOutcome', 'RuleSummary', 'FeedbackRequest']) {
      expect(DOC.components.schemas[name], name).toBeDefined();
    }
  });

  it('every $ref resolves and every schema compiles', () => {
    const refs = JSON.stringify(DOC).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of new Set(refs)) {
      const target = ref.slice('"$ref":"#/'.length, -1).split('/');
      let node: any = DOC;
      for (const token of target) {
        node = node?.[token];
      }
      expect(node, ref).toBeDefined();
    }
    for (const name of Object.keys(DOC.components.schemas)) {
      expect(ajv.getSchema(`openapi.json#/components/schemas/${name}`), name).toBeDefined();
    }
  });

  it('describes the same rule fields as rules/schema/rule.schema.json', () => {
    const ruleSchema = JSON.parse(readFileSync(RULE_SCHEMA_PATH, 'utf8'));
    expect(Object.keys(DOC.components.schemas.Rule.properties).sort()).toEqual(Object.keys(ruleSchema.properties).sort());
    expect([...DOC.components.schemas.Rule.required].sort()).toEqual([...ruleSchema.required].sort());
  });
});

describe('real responses conform to docs/openapi.json', () => {
  let t: AdminTestApp;
  const V = (): string => bearer(t.viewer);
  const E = (): string => bearer(t.editor);
  const A = '/admin/api';
  const RULE = 'benzodiazepine-long-term';
  const FIXTURE = 'rules/benzodiazepine-long-term/alprazolam-renewal-since-august.json';
  const etag = (): string => etagOf(readFileSync(path.join(t.rulesDir, `${RULE}.json`), 'utf8'));

  beforeAll(async () => {
    t = await createAdminTestApp({ now: () => RULE_TEST_NOW });
  });
  afterAll(async () => {
    await t.close();
  });

  it('CDS Hooks endpoints: discovery, service call, feedback, preflights and their errors', async () => {
    conforms('get', '/cds-services', await request(t.app).get('/cds-services'));
    conforms('options', '/cds-services', await request(t.app).options('/cds-services'));
    conforms('options', '/cds-services/{id}', await request(t.app).options(ORDER_SIGN));
    conforms('options', '/cds-services/{id}/feedback', await request(t.app).options(`${ORDER_SIGN}/feedback`));
    const call = await request(t.app).post(ORDER_SIGN).send(fixture('order-sign/opioid-draft-with-active-benzodiazepine.json'));
    expect(call.status).toBe(200);
    expect(call.body.cards.length).toBeGreaterThan(0);
    conforms('post', '/cds-services/{id}', call);
    conforms('post', '/cds-services/{id}', await request(t.app).post(ORDER_SIGN).send(fixture('invalid/missing-hook.json')));
    conforms('post', '/cds-services/{id}', await request(t.app).post('/cds-services/no-such-service').send(fixture('invalid/missing-hook.json')));
    conforms('post', '/cds-services/{id}', await request(t.app).post(ORDER_SIGN).set('Content-Type', 'text/plain').send('x'));
    const noMeds = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    delete noMeds.prefetch.medicationRequests;
    delete noMeds.fhirServer;
    const p412 = await request(t.app).post(ORDER_SIGN).send(noMeds);
    expect(p412.status).toBe(412);
    conforms('post', '/cds-services/{id}', p412);

    const card = call.body.cards.find((c: any) => c.overrideReasons?.length);
    const feedback = await request(t.app)
      .post(`${ORDER_SIGN}/feedback`)
      .send({ feedback: [{ card: card.uuid, outcome: 'overridden', overrideReason: { reason: card.overrideReasons[0], userComment: 'test' }, outcomeTimestamp: '2026-11-21T12:01:00Z' }] });
    expect(feedback.status).toBe(200);
    conforms('post', '/cds-services/{id}/feedback', feedback);
    const badFeedback = await request(t.app).post(`${ORDER_SIGN}/feedback`).send({ feedback: 'nope' });
    expect(badFeedback.status).toBe(400);
    conforms('post', '/cds-services/{id}/feedback', badFeedback);

    // Every /cds-services path is behind the body limit and the rate limit: 413 and 429 on feedback and discovery too.
    const small = await createTestApp({ config: { maxBodyBytes: 1_000, rateLimitPerMinute: 2 } });
    const big = await request(small.app).post(`${ORDER_SIGN}/feedback`).send({ feedback: [{ card: 'x'.repeat(2_000), outcome: 'accepted' }] });
    expect(big.status).toBe(413);
    conforms('post', '/cds-services/{id}/feedback', big);
    const discovery = [];
    for (let i = 0; i < 3; i++) discovery.push(await request(small.app).get('/cds-services'));
    expect(discovery.at(-1)?.status).toBe(429);
    conforms('get', '/cds-services', discovery.at(-1)!);
    const limited = await request(small.app).post(`${ORDER_SIGN}/feedback`).send({ feedback: [] });
    expect(limited.status).toBe(429);
    conforms('post', '/cds-services/{id}/feedback', limited);

    // With CDS client authentication on: a bare 401.
    const keys = await generateDevKeys('https://ehr.hospital.test');
    const verifier = await createCdsJwtVerifier({ clients: [devTrustedClient(keys)], replayStore: createMemoryReplayStore() });
    const secured = await createTestApp({ auth: { mode: 'required', verifier, issuers: [keys.iss] } });
    conforms('get', '/cds-services', await request(secured.app).get('/cds-services'));
    conforms('post', '/cds-services/{id}', await request(secured.app).post(ORDER_SIGN).send({}));
  });

  it('operations endpoints', async () => {
    conforms('get', '/healthz', await request(t.app).get('/healthz'));
    conforms('get', '/readyz', await request(t.app).get('/readyz'));
    const doc = await request(t.app).get('/openapi.json');
    conforms('get', '/openapi.json', doc);
    expect(doc.body.paths).toEqual(DOC.paths);
    expect(doc.body.servers[0].url).toMatch(/^http/);
  });

  it('admin: identity, status, facts, reload, fixtures and the authentication errors', async () => {
    conforms('get', `${A}/whoami`, await request(t.app).get(`${A}/whoami`).set('Authorization', V()));
    conforms('get', `${A}/whoami`, await request(t.app).get(`${A}/whoami`));
    conforms('get', `${A}/status`, await request(t.app).get(`${A}/status`).set('Authorization', V()));
    conforms('get', `${A}/status`, await request(t.app).get(`${A}/status`).set('Authorization', bearer('wrong')));
    conforms('get', `${A}/facts`, await request(t.app).get(`${A}/facts`).set('Authorization', V()));
    conforms('post', `${A}/reload`, await request(t.app).post(`${A}/reload`).set('Authorization', E()));
    conforms('post', `${A}/reload`, await request(t.app).post(`${A}/reload`).set('Authorization', V()));
    conforms('get', `${A}/fixtures`, await request(t.app).get(`${A}/fixtures`).set('Authorization', V()));
  });

  it('admin: rules read, validate, test, dry-run, explain (with errors)', async () => {
    conforms('get', `${A}/rules`, await request(t.app).get(`${A}/rules`).set('Authorization', V()));
    conforms('get', `${A}/rules/{id}`, await request(t.app).get(`${A}/rules/${RULE}`).set('Authorization', V()));
    conforms('get', `${A}/rules/{id}`, await request(t.app).get(`${A}/rules/no-such-rule`).set('Authorization', V()));
    const broken = shippedRule(RULE);
    broken.card.sumary = 'x';
    conforms('post', `${A}/validate`, await request(t.app).post(`${A}/validate`).set('Authorization', V()).send({ rule: broken }));
    conforms('post', `${A}/validate`, await request(t.app).post(`${A}/validate`).set('Authorization', V()).send({ nothing: true }));
    conforms('post', `${A}/validate`, await request(t.app).post(`${A}/validate`).set('Authorization', V()).set('Content-Type', 'text/plain').send('x'));
    conforms('post', `${A}/rules/{id}/test`, await request(t.app).post(`${A}/rules/${RULE}/test`).set('Authorization', V()));
    conforms('post', `${A}/rules/{id}/test`, await request(t.app).post(`${A}/rules/no-such-rule/test`).set('Authorization', V()));
    conforms('post', `${A}/test`, await request(t.app).post(`${A}/test`).set('Authorization', V()).send({ rule: shippedRule(RULE) }));
    conforms('post', `${A}/test`, await request(t.app).post(`${A}/test`).set('Authorization', V()).send({ rule: broken }));
    conforms('post', `${A}/dry-run`, await request(t.app).post(`${A}/dry-run`).set('Authorization', V()).send({ rule: shippedRule(RULE), fixture: FIXTURE }));
    conforms('post', `${A}/dry-run`, await request(t.app).post(`${A}/dry-run`).set('Authorization', V()).send({ request: fixture(FIXTURE), at: RULE_TEST_NOW.toISOString() }));
    conforms('post', `${A}/dry-run`, await request(t.app).post(`${A}/dry-run`).set('Authorization', V()).send({ fixture: 'rules/none.json' }));
    const explained = await request(t.app).post(`${A}/explain`).set('Authorization', V()).send({ fixture: 'rules/opioid-cough-benzodiazepine/tussionex-with-active-alprazolam.json' });
    expect(explained.status).toBe(200);
    conforms('post', `${A}/explain`, explained);
    conforms('post', `${A}/explain`, await request(t.app).post(`${A}/explain`).set('Authorization', V()).send({}));
  });

  it('admin: writes, history, rollback and their errors', async () => {
    const rule = shippedRule(RULE);
    rule.priority = 31;
    conforms('put', `${A}/rules/{id}`, await request(t.app).put(`${A}/rules/${RULE}`).set('Authorization', E()).send(rule));
    conforms('put', `${A}/rules/{id}`, await request(t.app).put(`${A}/rules/${RULE}`).set('Authorization', E()).set('If-Match', '"stale"').send(rule));
    conforms('put', `${A}/rules/{id}`, await request(t.app).put(`${A}/rules/${RULE}`).set('Authorization', V()).set('If-Match', etag()).send(rule));
    conforms('put', `${A}/rules/{id}`, await request(t.app).put(`${A}/rules/no-such-rule`).set('Authorization', E()).set('If-Match', etag()).send({ ...rule, id: 'no-such-rule' }));
    const failing = structuredClone(rule);
    failing.parameters.days.value = 1000;
    conforms('put', `${A}/rules/{id}`, await request(t.app).put(`${A}/rules/${RULE}`).set('Authorization', E()).set('If-Match', etag()).send(failing));
    conforms('put', `${A}/rules/{id}`, await request(t.app).put(`${A}/rules/${RULE}`).set('Authorization', E()).set('If-Match', etag()).set('Content-Type', 'text/plain').send('x'));
    const saved = await request(t.app).put(`${A}/rules/${RULE}`).set('Authorization', E()).set('If-Match', etag()).send(rule);
    expect(saved.status).toBe(200);
    conforms('put', `${A}/rules/{id}`, saved);

    for (const action of ['disable', 'enable'] as const) {
      conforms('post', `${A}/rules/{id}/${action}`, await request(t.app).post(`${A}/rules/${RULE}/${action}`).set('Authorization', E()));
      conforms('post', `${A}/rules/{id}/${action}`, await request(t.app).post(`${A}/rules/${RULE}/${action}`).set('Authorization', E()).set('If-Match', '"stale"'));
      const ok = await request(t.app).post(`${A}/rules/${RULE}/${action}`).set('Authorization', E()).set('If-Match', etag());
      expect(ok.status).toBe(200);
      conforms('post', `${A}/rules/{id}/${action}`, ok);
    }

    // Disabling a rule that replaces another makes that rule's cases fail: 409 unless acknowledged.
    const replacing = 'opioid-benzodiazepine-copd-older-adult';
    const refusedDisable = await request(t.app).post(`${A}/rules/${replacing}/disable`).set('Authorization', E()).set('If-Match', etagOf(readFileSync(path.join(t.rulesDir, `${replacing}.json`), 'utf8')));
    expect(refusedDisable.status).toBe(409);
    conforms('post', `${A}/rules/{id}/disable`, refusedDisable);

    const copy = { ...shippedRule(RULE), id: 'openapi-copy' };
    const created = await request(t.app).post(`${A}/rules`).set('Authorization', E()).send(copy);
    expect(created.status).toBe(201);
    conforms('post', `${A}/rules`, created);
    conforms('post', `${A}/rules`, await request(t.app).post(`${A}/rules`).set('Authorization', E()).send(copy));
    conforms('post', `${A}/rules`, await request(t.app).post(`${A}/rules`).set('Authorization', E()).send({ id: 'incomplete' }));
    conforms('post', `${A}/rules`, await request(t.app).post(`${A}/rules`).set('Authorization', V()).send(copy));

    const history = await request(t.app).get(`${A}/rules/${RULE}/history`).set('Authorization', V());
    expect(history.body.changes.length).toBeGreaterThanOrEqual(3);
    conforms('get', `${A}/rules/{id}/history`, history);
    conforms('get', `${A}/rules/{id}/history`, await request(t.app).get(`${A}/rules/never-existed/history`).set('Authorization', V()));
    const first = history.body.changes[0].seq;
    conforms('post', `${A}/rules/{id}/rollback`, await request(t.app).post(`${A}/rules/${RULE}/rollback`).set('Authorization', E()).send({ seq: first }));
    conforms('post', `${A}/rules/{id}/rollback`, await request(t.app).post(`${A}/rules/${RULE}/rollback`).set('Authorization', E()).set('If-Match', etag()).send({ seq: 'first' }));
    const rolled = await request(t.app).post(`${A}/rules/${RULE}/rollback`).set('Authorization', E()).set('If-Match', etag()).send({ seq: first });
    expect(rolled.status).toBe(200);
    conforms('post', `${A}/rules/{id}/rollback`, rolled);

    conforms('delete', `${A}/rules/{id}`, await request(t.app).delete(`${A}/rules/openapi-copy`).set('Authorization', E()));
    conforms('delete', `${A}/rules/{id}`, await request(t.app).delete(`${A}/rules/openapi-copy`).set('Authorization', E()).set('If-Match', '"stale"'));
    conforms('delete', `${A}/rules/{id}`, await request(t.app).delete(`${A}/rules/opioid-benzodiazepine`).set('Authorization', E()).set('If-Match', etagOf(readFileSync(path.join(t.rulesDir, 'opioid-benzodiazepine.json'), 'utf8'))));
    const deleted = await request(t.app).delete(`${A}/rules/openapi-copy`).set('Authorization', E()).set('If-Match', etagOf(readFileSync(path.join(t.rulesDir, 'openapi-copy.json'), 'utf8')));
    expect(deleted.status).toBe(204);
    conforms('delete', `${A}/rules/{id}`, deleted);
    conforms('delete', `${A}/rules/{id}`, await request(t.app).delete(`${A}/rules/openapi-copy`).set('Authorization', E()).set('If-Match', '"x"'));
    const deletedRules = await request(t.app).get(`${A}/deleted-rules`).set('Authorization', V());
    expect(deletedRules.body.rules.map((r: { id: string }) => r.id)).toContain('openapi-copy');
    conforms('get', `${A}/deleted-rules`, deletedRules);
    conforms('get', `${A}/deleted-rules`, await request(t.app).get(`${A}/deleted-rules`));
  });

  it('admin: analytics and snoozes (with errors)', async () => {
    conforms('get', `${A}/analytics`, await request(t.app).get(`${A}/analytics`).set('Authorization', V()));
    conforms('get', `${A}/analytics`, await request(t.app).get(`${A}/analytics?from=2026-12-01&to=2026-01-01`).set('Authorization', V()));
    const snooze = (await t.store!.createSnooze({
      ruleId: 'opioid-benzodiazepine',
      patientKey: 'a'.repeat(64),
      createdAt: '2026-11-21T12:00:00Z',
      expiresAt: '2026-12-21T12:00:00Z',
      reasonCode: 'palliative-care',
      cardUuid: '6f0a9c43-54d4-4a8c-9d9e-3b1b5d3e8c21',
      materialState: 'classes=benzodiazepine',
    }))!;
    conforms('get', `${A}/snoozes`, await request(t.app).get(`${A}/snoozes?active=true`).set('Authorization', V()));
    conforms('get', `${A}/snoozes`, await request(t.app).get(`${A}/snoozes?limit=0`).set('Authorization', V()));
    conforms('post', `${A}/snoozes/{id}/lift`, await request(t.app).post(`${A}/snoozes/${snooze.id}/lift`).set('Authorization', V()));
    conforms('post', `${A}/snoozes/{id}/lift`, await request(t.app).post(`${A}/snoozes/${snooze.id}/lift`).set('Authorization', E()));
    conforms('post', `${A}/snoozes/{id}/lift`, await request(t.app).post(`${A}/snoozes/${snooze.id}/lift`).set('Authorization', E()));
    conforms('get', `${A}/snoozes`, await request(t.app).get(`${A}/snoozes`).set('Authorization', V()));

    const noStore = await createAdminTestApp({ store: false });
    try {
      conforms('get', `${A}/analytics`, await request(noStore.app).get(`${A}/analytics`).set('Authorization', bearer(noStore.viewer)));
      conforms('get', `${A}/snoozes`, await request(noStore.app).get(`${A}/snoozes`).set('Authorization', bearer(noStore.viewer)));
    } finally {
      await noStore.close();
    }
  });

  afterAll(() => {
    const documented = Object.entries(DOC.paths).flatMap(([template, item]: [string, any]) => METHODS.filter((m) => item[m]).map((m) => `${m} ${template}`));
    expect(documented.filter((op) => !covered.has(op))).toEqual([]);
  });
});
