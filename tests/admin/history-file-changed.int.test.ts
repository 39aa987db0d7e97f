/**
 * GET history says whether the rule's file still holds its newest recorded change (`fileMatchesLatest`): after a
 * hand edit (or a deployment, a git pull) of rules/<id>.json the file serves within a second, but enters the history
 * only at the next change through the API, so the newest entry is not what clinicians get (console review 2,
 * finding 4: the console labelled it "current" and offered no rollback to it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULE_TEST_NOW } from '../../src/admin/index.ts';
import { bearer, createAdminTestApp } from './helpers.ts';
import type { AdminTestApp } from './helpers.ts';

const API = '/admin/api';
const RULE = 'opioid-high-mme';

describe('rule history: does the file still hold the newest change', () => {
  let t: AdminTestApp;
  beforeAll(async () => {
    t = await createAdminTestApp({ now: () => RULE_TEST_NOW });
  });
  afterAll(async () => {
    await t.close();
  });

  const history = () => request(t.app).get(`${API}/rules/${RULE}/history`).set('Authorization', bearer(t.viewer));

  it('is true after a change through the API, false after a hand edit, true again after rolling back to that change', async () => {
    const rule = await request(t.app).get(`${API}/rules/${RULE}`).set('Authorization', bearer(t.editor));
    const put = await request(t.app)
      .put(`${API}/rules/${RULE}`)
      .set('Authorization', bearer(t.editor))
      .set('If-Match', String(rule.headers.etag))
      .send({ ...rule.body, card: { ...rule.body.card, summary: `API EDIT ${rule.body.card.summary}` } });
    expect(put.status).toBe(200);
    const afterApi = await history();
    expect(afterApi.body.fileMatchesLatest).toBe(true);

    // Hand edit: same content in another key order and layout still matches; another summary does not.
    const file = path.join(t.rulesDir, `${RULE}.json`);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
    const reordered = Object.fromEntries(Object.entries(stored).reverse());
    writeFileSync(file, JSON.stringify(reordered));
    expect((await history()).body.fileMatchesLatest).toBe(true);
    writeFileSync(file, `${JSON.stringify({ ...stored, card: { ...stored.card, summary: `HAND EDIT ${rule.body.card.summary}` } }, null, 2)}\n`);
    const afterHand = await history();
    expect(afterHand.body.fileMatchesLatest).toBe(false);
    const newest = afterHand.body.changes.at(-1) as { seq: number };

    await t.holder.reload();
    const current = await request(t.app).get(`${API}/rules/${RULE}`).set('Authorization', bearer(t.editor));
    const rolled = await request(t.app).post(`${API}/rules/${RULE}/rollback`).set('Authorization', bearer(t.editor)).set('If-Match', String(current.headers.etag)).send({ seq: newest.seq });
    expect(rolled.status).toBe(200);
    expect(rolled.body.card.summary).toBe(`API EDIT ${rule.body.card.summary}`);
    const afterRollback = await history();
    expect(afterRollback.body.fileMatchesLatest).toBe(true);
    // The hand edit was recorded (credited to the folder) before the rollback.
    expect(afterRollback.body.changes.map((c: { action: string }) => c.action).slice(-2)).toEqual(['update', 'rollback']);
  });
});
