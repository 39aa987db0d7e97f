/**
 * A draft whose card detail nests Markdown thousands deep ("> " 3,000 times) is a bad input: every
 * admin route that takes a draft answers it with its problem at /card/detail (validate: 200 with the
 * problem; test, dry-run, explain and save: 400 with an OperationOutcome). marked's lexer overflowed the
 * stack on it, and each of these routes answered 500.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULE_TEST_NOW } from '../../src/admin/index.ts';
import { bearer, createAdminTestApp, shippedRule } from './helpers.ts';
import type { AdminTestApp } from './helpers.ts';

const API = '/admin/api';
const RULE = 'naloxone-co-prescribe';
const FIXTURE = 'order-sign/opioid-draft-with-active-benzodiazepine.json';

function deepDraft(): Record<string, any> {
  const rule = shippedRule(RULE);
  rule.card.detail = `${'> '.repeat(3000)}Watch for slowed breathing.`;
  return rule;
}

describe('a card detail nested thousands deep, through the admin API', () => {
  let t: AdminTestApp;
  beforeAll(async () => {
    t = await createAdminTestApp({ now: () => RULE_TEST_NOW });
  });
  afterAll(async () => {
    await t.close();
  });

  it('validate: 200 with the problem at /card/detail', async () => {
    const res = await request(t.app).post(`${API}/validate`).set('Authorization', bearer(t.viewer)).send({ rule: deepDraft() });
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(false);
    expect(res.body.errors).toEqual([{ file: `${RULE}.json`, pointer: '/card/detail', message: expect.stringMatching(/nest/) }]);
  });

  for (const [route, body] of [
    ['test', () => ({ rule: deepDraft() })],
    ['dry-run', () => ({ rule: deepDraft(), fixture: FIXTURE })],
    ['explain', () => ({ rule: deepDraft(), fixture: FIXTURE })],
  ] as const) {
    it(`${route}: 400 OperationOutcome naming /card/detail`, async () => {
      const res = await request(t.app).post(`${API}/${route}`).set('Authorization', bearer(t.viewer)).send(body());
      expect(res.status).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue.slice(1)).toEqual([expect.objectContaining({ expression: ['/card/detail'], diagnostics: `${RULE}.json` })]);
    });
  }

  it('save (PUT): 400 OperationOutcome naming /card/detail, the file unchanged', async () => {
    const current = await request(t.app).get(`${API}/rules/${RULE}`).set('Authorization', bearer(t.viewer));
    const res = await request(t.app).put(`${API}/rules/${RULE}`).set('Authorization', bearer(t.editor)).set('If-Match', current.headers.etag ?? '').send(deepDraft());
    expect(res.status).toBe(400);
    expect(res.body.issue.slice(1).map((i: any) => i.expression[0])).toEqual(['/card/detail']);
    const after = await request(t.app).get(`${API}/rules/${RULE}`).set('Authorization', bearer(t.viewer));
    expect(after.text).toBe(current.text);
  });
});
