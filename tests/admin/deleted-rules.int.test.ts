/**
 * GET /admin/api/deleted-rules lists the rules deleted through the API whose file is still gone, from the history in
 * the store, so that the console can offer them for restoring (console review 2, finding 2: a rule deleted by mistake
 * could be found and restored only by someone who knew the API and a seq).
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULE_TEST_NOW } from '../../src/admin/index.ts';
import { bearer, createAdminTestApp, shippedRule } from './helpers.ts';
import type { AdminTestApp } from './helpers.ts';

const API = '/admin/api';
const RULE = 'benzodiazepine-long-term';

describe('deleted rules (admin API)', () => {
  let t: AdminTestApp;
  beforeAll(async () => {
    t = await createAdminTestApp({ now: () => RULE_TEST_NOW });
  });
  afterAll(async () => {
    await t.close();
  });

  const deleted = () => request(t.app).get(`${API}/deleted-rules`).set('Authorization', bearer(t.viewer));

  it('lists a deleted rule with its title, who deleted it and the version to restore, until it is restored', async () => {
    expect((await deleted()).body).toEqual({ rules: [] });
    const rule = await request(t.app).get(`${API}/rules/${RULE}`).set('Authorization', bearer(t.editor));
    const del = await request(t.app).delete(`${API}/rules/${RULE}`).set('Authorization', bearer(t.editor)).set('If-Match', String(rule.headers.etag));
    expect(del.status).toBe(204);

    const listed = await deleted();
    expect(listed.status).toBe(200);
    expect(listed.body.rules).toHaveLength(1);
    const entry = listed.body.rules[0];
    expect(entry).toMatchObject({ id: RULE, title: shippedRule(RULE).title, deletedBy: 'eddie.editor' });
    expect(typeof entry.lastVersionSeq).toBe('number');

    const restored = await request(t.app).post(`${API}/rules/${RULE}/rollback`).set('Authorization', bearer(t.editor)).send({ seq: entry.lastVersionSeq });
    expect(restored.status).toBe(200);
    expect((await deleted()).body).toEqual({ rules: [] });
  });

  it('answers 503 without the store', async () => {
    const bare = await createAdminTestApp({ store: false });
    try {
      const res = await request(bare.app).get(`${API}/deleted-rules`).set('Authorization', bearer(bare.viewer));
      expect(res.status).toBe(503);
    } finally {
      await bare.close();
    }
  });
});
