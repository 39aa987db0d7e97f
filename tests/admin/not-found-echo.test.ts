// A 404 on an admin route with an id in its path does not repeat the path segment when it is not the shape of
// an id: it used to, whatever its length or markup ('Rule "<img src=x onerror=...>AAAA…" not found.').
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createAdminTestApp } from './helpers.ts';
import type { AdminTestApp } from './helpers.ts';

const API = '/admin/api';
const EVIL = encodeURIComponent(`<img src=x onerror=alert(1)>${'A'.repeat(3000)}`);
const UNKNOWN_SNOOZE = '0b7c8a8e-8a4f-4bb0-9d3c-2f1e0c7d9a11';

let t: AdminTestApp;

beforeAll(async () => {
  t = await createAdminTestApp();
});

afterAll(async () => {
  await t.close();
});

type Call = (id: string) => request.Test;

describe('admin API 404 texts', () => {
  const ruleRoutes: [string, Call][] = [
    ['GET /rules/{id}', (id) => request(t.app).get(`${API}/rules/${id}`).set('Authorization', bearer(t.viewer))],
    ['POST /rules/{id}/test', (id) => request(t.app).post(`${API}/rules/${id}/test`).set('Authorization', bearer(t.viewer))],
    ['PUT /rules/{id}', (id) => request(t.app).put(`${API}/rules/${id}`).set('Authorization', bearer(t.editor)).set('If-Match', '*').send({ id: 'x' })],
    ['DELETE /rules/{id}', (id) => request(t.app).delete(`${API}/rules/${id}`).set('Authorization', bearer(t.editor)).set('If-Match', '*')],
    ['POST /rules/{id}/enable', (id) => request(t.app).post(`${API}/rules/${id}/enable`).set('Authorization', bearer(t.editor))],
    ['POST /rules/{id}/disable', (id) => request(t.app).post(`${API}/rules/${id}/disable`).set('Authorization', bearer(t.editor))],
    ['GET /rules/{id}/history', (id) => request(t.app).get(`${API}/rules/${id}/history`).set('Authorization', bearer(t.viewer))],
    ['POST /rules/{id}/rollback', (id) => request(t.app).post(`${API}/rules/${id}/rollback`).set('Authorization', bearer(t.editor)).send({ seq: 1 })],
  ];

  it.each(ruleRoutes)('%s: "No rule with that id." for a path segment that is not a rule id, without repeating it', async (_name, call) => {
    for (const id of [EVIL, 'UPPER-case', 'a'.repeat(65)]) {
      const res = await call(id);
      expect(res.status).toBe(404);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue[0].details.text).toBe('No rule with that id.');
      expect(res.text).not.toContain('img');
      expect(res.text).not.toContain('UPPER');
      expect(res.text).not.toContain('aaaa');
    }
  });

  it('POST /rules/{id}/test and GET /rules/{id}: an unknown id that is a rule id is still named', async () => {
    const res = await ruleRoutes[0]![1]('no-such-rule');
    expect(res.status).toBe(404);
    expect(res.body.issue[0].details.text).toBe('Rule "no-such-rule" not found.');
    const test = await ruleRoutes[1]![1]('no-such-rule');
    expect(test.status).toBe(404);
    expect(test.body.issue[0].details.text).toBe('Rule "no-such-rule" in the serving rule set not found.');
    // and the 64-character limit of a rule id holds here too
    const long = await ruleRoutes[0]![1]('a'.repeat(65));
    expect(long.body.issue[0].details.text).toBe('No rule with that id.');
  });

  it('POST /snoozes/{id}/lift: "No active snooze with that id." for a path segment that is not a snooze id, without repeating it', async () => {
    const lift = (id: string): request.Test => request(t.app).post(`${API}/snoozes/${id}/lift`).set('Authorization', bearer(t.editor));
    for (const id of [EVIL, 'not-a-uuid']) {
      const res = await lift(id);
      expect(res.status).toBe(404);
      expect(res.body.issue[0].details.text).toBe('No active snooze with that id.');
      expect(res.text).not.toContain('img');
      expect(res.text).not.toContain('not-a-uuid');
    }
    const unknown = await lift(UNKNOWN_SNOOZE);
    expect(unknown.status).toBe(404);
    expect(unknown.body.issue[0].details.text).toBe(`Active snooze "${UNKNOWN_SNOOZE}" not found.`);
  });
});
