/**
 * A rule lists at most 200 test cases (rules/schema/rule.schema.json, `tests` maxItems): a longer
 * list is refused with its JSON pointer before any case runs or any fixture is read, on every route
 * that takes a draft. Without the limit, one viewer call with 55,000 cases held the service for 20 s.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULE_TEST_NOW } from '../../src/admin/index.ts';
import { etagOf } from '../../src/admin/rule-files.ts';
import { MAX_RULE_TESTS } from '../../src/engine/validate-rule.ts';
import { bearer, createAdminTestApp, shippedRule } from './helpers.ts';
import type { AdminTestApp } from './helpers.ts';

const API = '/admin/api';
const RULE = 'benzodiazepine-long-term';

/** The shipped rule with its first case repeated `count` times (every case valid and passing). */
function withCases(count: number): Record<string, any> {
  const rule = shippedRule(RULE);
  rule.tests = Array.from({ length: count }, () => rule.tests[0]);
  return rule;
}

describe('a rule lists at most 200 test cases', () => {
  let t: AdminTestApp;
  beforeAll(async () => {
    t = await createAdminTestApp({ now: () => RULE_TEST_NOW });
  });
  afterAll(async () => {
    await t.close();
  });

  it('is 200, far above the shipped rules (28 at most)', () => {
    expect(MAX_RULE_TESTS).toBe(200);
  });

  it('POST /test with 201 cases: 400 OperationOutcome at /tests, no case run', async () => {
    const res = await request(t.app).post(`${API}/test`).set('Authorization', bearer(t.viewer)).send({ rule: withCases(201) });
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue.slice(1)).toEqual([
      expect.objectContaining({ expression: ['/tests'], diagnostics: `${RULE}.json`, details: { text: 'must list at most 200 item(s)' } }),
    ]);
  });

  it('POST /test with 200 cases runs them all', async () => {
    const res = await request(t.app).post(`${API}/test`).set('Authorization', bearer(t.viewer)).send({ rule: withCases(200) });
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(true);
    expect(res.body.results).toHaveLength(200);
  });

  it('POST /validate with 201 cases: the /tests problem, and no per-case fixture check', async () => {
    const rule = withCases(201);
    for (const c of rule.tests) c.fixture = 'rules/none/missing.json';
    const res = await request(t.app).post(`${API}/validate`).set('Authorization', bearer(t.viewer)).send({ rule });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: false, errors: [{ file: `${RULE}.json`, pointer: '/tests', message: 'must list at most 200 item(s)' }] });
  });

  it('PUT with 201 cases: 400 at /tests, nothing saved', async () => {
    const current = await request(t.app).get(`${API}/rules/${RULE}`).set('Authorization', bearer(t.viewer));
    const res = await request(t.app)
      .put(`${API}/rules/${RULE}`)
      .set('Authorization', bearer(t.editor))
      .set('If-Match', current.headers.etag ?? '')
      .send(withCases(201));
    expect(res.status).toBe(400);
    expect(res.body.issue.slice(1).map((i: any) => i.expression[0])).toEqual(['/tests']);
    const after = await request(t.app).get(`${API}/rules/${RULE}`).set('Authorization', bearer(t.viewer));
    expect(etagOf(after.text)).toBe(current.headers.etag);
  });
});
