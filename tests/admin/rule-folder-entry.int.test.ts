/**
 * A folder named like a rule file in rules/ (a deployment that mounted a volume at `<id>.json`, a botched
 * copy): the loader refuses the rule set and names it, and the admin API answers every call on that rule
 * with a 409 OperationOutcome saying so. GET, PUT, DELETE and history were a 500 (the read failed with EISDIR).
 */
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULE_TEST_NOW } from '../../src/admin/index.ts';
import { bearer, createAdminTestApp } from './helpers.ts';
import type { AdminTestApp } from './helpers.ts';

const API = '/admin/api';
const RULE = 'folder-in-place';

describe('a folder named like a rule file, through the admin API', () => {
  let t: AdminTestApp;
  beforeAll(async () => {
    t = await createAdminTestApp({ now: () => RULE_TEST_NOW });
    mkdirSync(path.join(t.rulesDir, `${RULE}.json`));
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 409 naming the folder for GET, PUT, DELETE and history, and changes nothing', async () => {
    const before = readdirSync(t.rulesDir).sort();
    const get = await request(t.app).get(`${API}/rules/${RULE}`).set('Authorization', bearer(t.viewer));
    const put = await request(t.app)
      .put(`${API}/rules/${RULE}`)
      .set('Authorization', bearer(t.editor))
      .set('If-Match', '"x"')
      .send({ id: RULE });
    const remove = await request(t.app).delete(`${API}/rules/${RULE}`).set('Authorization', bearer(t.editor)).set('If-Match', '"x"');
    const history = await request(t.app).get(`${API}/rules/${RULE}/history`).set('Authorization', bearer(t.viewer));
    for (const res of [get, remove, history]) {
      expect(res.status).toBe(409);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue[0].details.text).toMatch(/is a folder, not a rule file/);
    }
    // PUT of a draft that is not a valid rule is refused for its content first (400), never a 500.
    expect(put.status).toBeGreaterThanOrEqual(400);
    expect(put.status).toBeLessThan(500);
    expect(put.body.resourceType).toBe('OperationOutcome');
    expect(readdirSync(t.rulesDir).sort()).toEqual(before);
  });

  it('still lists the other rules', async () => {
    const list = await request(t.app).get(`${API}/rules`).set('Authorization', bearer(t.viewer));
    expect(list.status).toBe(200);
    expect(list.body.rules.length).toBeGreaterThan(0);
    expect(list.body.rules.map((r: { id: string }) => r.id)).not.toContain(RULE);
  });
});
