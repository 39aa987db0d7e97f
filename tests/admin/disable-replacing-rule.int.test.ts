/**
 * Disabling a rule that `replaces` another one makes the replaced rule fire again, so some of that rule's own test
 * cases fail. The disable says so and is refused (409) unless the editor acknowledges it; once acknowledged, those
 * cases are already failing, and a later change to an unrelated rule is not refused for them (it was, with every
 * save of any rule blamed on "rules this change affects"). A change that makes another rule's case fail is still
 * refused.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULE_TEST_NOW } from '../../src/admin/index.ts';
import { bearer, createAdminTestApp } from './helpers.ts';
import type { AdminTestApp } from './helpers.ts';

const API = '/admin/api';
/** Replaces opioid-benzodiazepine for older adults with COPD (critical instead of warning). */
const REPLACING = 'opioid-benzodiazepine-copd-older-adult';
const REPLACED = 'opioid-benzodiazepine';
const UNRELATED = 'naloxone-co-prescribe';

type Issue = { severity: string; code: string; details?: { text?: string }; expression?: string[]; diagnostics?: string };

describe('disabling a rule that replaces another (admin API)', () => {
  let t: AdminTestApp;
  beforeAll(async () => {
    t = await createAdminTestApp({ now: () => RULE_TEST_NOW });
  });
  afterAll(async () => {
    await t.close();
  });

  const get = (id: string) => request(t.app).get(`${API}/rules/${id}`).set('Authorization', bearer(t.editor));
  /** The rule's recorded changes, newest first. */
  const historyOf = async (id: string): Promise<{ action: string; acknowledgedFailingTests?: string[] }[]> => {
    const res = await request(t.app).get(`${API}/rules/${id}/history`).set('Authorization', bearer(t.editor));
    expect(res.status).toBe(200);
    return [...res.body.changes].sort((a, b) => b.seq - a.seq);
  };

  it('is refused (409) naming the replaced rule\'s cases it makes fail, and nothing changes, unless acknowledged', async () => {
    const before = await get(REPLACING);
    const refused = await request(t.app).post(`${API}/rules/${REPLACING}/disable`).set('Authorization', bearer(t.editor)).set('If-Match', String(before.headers.etag));
    expect(refused.status).toBe(409);
    expect(refused.body.id).toBe('acknowledge-failing-tests');
    const issues = refused.body.issue as Issue[];
    expect(issues[0]?.details?.text).toContain(REPLACED);
    expect(issues[0]?.details?.text).toContain('acknowledgeFailingTests=true');
    const cases = issues.slice(1);
    expect(cases.length).toBeGreaterThan(0);
    expect(cases.every((i) => i.diagnostics === `${REPLACED}.json` && /^\/tests\/\d+$/.test(i.expression?.[0] ?? ''))).toBe(true);
    expect(cases.map((i) => i.details?.text).join('\n')).toContain('expected silent, got critical');
    // Still active and serving.
    expect((await get(REPLACING)).body.status).toBe('active');
    expect(t.holder.current().rules.find((r) => r.id === REPLACING)?.status).toBe('active');

    const acknowledged = await request(t.app).post(`${API}/rules/${REPLACING}/disable?acknowledgeFailingTests=true`).set('Authorization', bearer(t.editor)).set('If-Match', String(before.headers.etag));
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body.status).toBe('disabled');
    expect(String(acknowledged.headers['x-rule-tests-failing'])).toContain(`${REPLACED}/tests/`);
    // The history keeps what the editor acknowledged with the disable (it was only logged).
    const newest = (await historyOf(REPLACING)).at(0);
    expect(newest?.action).toBe('disable');
    expect(newest?.acknowledgedFailingTests).toEqual(cases.map((i) => `${i.diagnostics}${i.expression?.[0]}`));
  });

  it('then saves an unrelated rule (the replaced rule\'s cases were already failing: reported, not charged)', async () => {
    const rule = await get(UNRELATED);
    const put = await request(t.app).put(`${API}/rules/${UNRELATED}`).set('Authorization', bearer(t.editor)).set('If-Match', String(rule.headers.etag)).send(rule.body);
    expect(put.body.issue ?? []).toEqual([]);
    expect(put.status).toBe(200);
    expect(String(put.headers['x-rule-tests-failing'])).toMatch(new RegExp(`^${REPLACED}/tests/\\d+(, ${REPLACED}/tests/\\d+)*$`));
  });

  it('still refuses a change that makes another rule\'s case fail, listing the already failing ones as warnings', async () => {
    // opioid-cough-benzodiazepine no longer replacing opioid-benzodiazepine: its Tussionex case (/tests/26) gets a card.
    const cough = 'opioid-cough-benzodiazepine';
    const rule = await get(cough);
    const changed = { ...rule.body, replaces: (rule.body.replaces as string[]).filter((r) => r !== REPLACED) };
    const put = await request(t.app).put(`${API}/rules/${cough}`).set('Authorization', bearer(t.editor)).set('If-Match', String(rule.headers.etag)).send(changed);
    expect(put.status).toBe(400);
    const issues = put.body.issue as Issue[];
    expect(issues[0]?.details?.text).toMatch(/^1 of \d+ rule test cases fail with this change \(1 of them belong to other rules this change affects\); nothing was saved\. 2 other cases were already failing/);
    const where = (i: Issue): string => `${i.diagnostics}${i.expression?.[0]}`;
    expect(issues.filter((i) => i.severity === 'error' && i.code === 'business-rule').map(where)).toEqual([`${REPLACED}.json/tests/26`]);
    const warnings = issues.filter((i) => i.severity === 'warning');
    expect(warnings.map(where)).toEqual([`${REPLACED}.json/tests/25`, `${REPLACED}.json/tests/27`]);
    expect(warnings.every((w) => w.details?.text?.startsWith('already failing before this change: '))).toBe(true);
    expect((await get(cough)).body.replaces).toContain(REPLACED);
  });

  it('enabling the replacing rule again passes every case, and the header is gone', async () => {
    const rule = await get(REPLACING);
    const enabled = await request(t.app).post(`${API}/rules/${REPLACING}/enable`).set('Authorization', bearer(t.editor)).set('If-Match', String(rule.headers.etag));
    expect(enabled.status).toBe(200);
    expect(enabled.headers['x-rule-tests-failing']).toBeUndefined();
  });

  it('deleting a replacing rule is refused the same way unless acknowledged', async () => {
    const id = 'opioid-cough-benzodiazepine';
    const rule = await get(id);
    const refused = await request(t.app).delete(`${API}/rules/${id}`).set('Authorization', bearer(t.editor)).set('If-Match', String(rule.headers.etag));
    expect(refused.status).toBe(409);
    expect(refused.body.id).toBe('acknowledge-failing-tests');
    expect((refused.body.issue as Issue[])[0]?.details?.text).toMatch(/^Deleting "opioid-cough-benzodiazepine" makes \d+ test cases? of other rules fail/);
    expect((await get(id)).status).toBe(200);
    const deleted = await request(t.app).delete(`${API}/rules/${id}?acknowledgeFailingTests=true`).set('Authorization', bearer(t.editor)).set('If-Match', String(rule.headers.etag));
    expect(deleted.status).toBe(204);
    expect(String(deleted.headers['x-rule-tests-failing'])).toMatch(/\/tests\/\d+/);
    expect((await get(id)).status).toBe(404);
    const deletion = (await historyOf(id)).at(0);
    expect(deletion?.action).toBe('delete');
    expect(deletion?.acknowledgedFailingTests?.length).toBeGreaterThan(0);
    expect(deletion?.acknowledgedFailingTests?.every((c) => /^[a-z0-9-]+\.json\/tests\/\d+$/.test(c))).toBe(true);
  });
});
