/**
 * A rule's history stays cheap to read however large its versions: a diff that would change too many
 * lines is given up on (`diff: null` and `diffOmitted`), not computed on the event loop. Two recorded
 * versions of 20,000 lines that differ everywhere took jsdiff minutes (16,000 lines: 70 s, every hook
 * call waiting); this test would time out by far on that code. And a rule file is at most 256 KiB.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULE_TEST_NOW } from '../../src/admin/index.ts';
import { canonicalText } from '../../src/admin/rule-files.ts';
import { bearer, createAdminTestApp, shippedRule } from './helpers.ts';
import type { AdminTestApp } from './helpers.ts';

const API = '/admin/api';
const RULE = 'naloxone-co-prescribe';

/** The shipped rule with `count` unused parameters named `<prefix><n>`: four lines each in the file. */
function withParameters(prefix: string, count: number): Record<string, any> {
  const rule = shippedRule(RULE);
  const extra = Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, { value: i, description: `unused parameter ${prefix} ${i}` }]));
  return { ...rule, parameters: { ...rule.parameters, ...extra } };
}

describe('rule history with large versions', () => {
  let t: AdminTestApp;
  beforeAll(async () => {
    t = await createAdminTestApp({ now: () => RULE_TEST_NOW });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers two 20,000-line versions that differ everywhere without their diff, saying so', async () => {
    const p = withParameters('p', 5000);
    const q = withParameters('q', 5000);
    expect(canonicalText(p).split('\n').length).toBeGreaterThan(20_000);
    const store = t.store!;
    // Recorded directly: versions this large predate the size limit, or came from another replica's history.
    await store.appendRuleChange({ ruleId: RULE, action: 'update', content: p, author: 'eddie.editor', at: '2026-11-20T10:00:00Z' });
    await store.appendRuleChange({ ruleId: RULE, action: 'update', content: q, author: 'eddie.editor', at: '2026-11-20T11:00:00Z' });
    const res = await request(t.app).get(`${API}/rules/${RULE}/history`).set('Authorization', bearer(t.viewer));
    expect(res.status).toBe(200);
    const last = res.body.changes.at(-1);
    expect(last).toMatchObject({ diff: null, diffOmitted: expect.stringMatching(/^diff too large to show/) });
    expect(Object.keys(last.content.parameters)).toHaveLength(Object.keys(q.parameters).length);
  });

  it('refuses to save a rule file over 256 KiB (400, nothing saved)', async () => {
    const current = await request(t.app).get(`${API}/rules/${RULE}`).set('Authorization', bearer(t.viewer));
    const big = withParameters('p', 3000);
    expect(Buffer.byteLength(canonicalText(big))).toBeGreaterThan(256 * 1024);
    const res = await request(t.app).put(`${API}/rules/${RULE}`).set('Authorization', bearer(t.editor)).set('If-Match', current.headers.etag ?? '').send(big);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue.slice(1)).toEqual([
      expect.objectContaining({ diagnostics: `${RULE}.json`, details: { text: expect.stringMatching(/^the file is \d+ KiB; a rule file may be at most 256 KiB/) } }),
    ]);
    const after = await request(t.app).get(`${API}/rules/${RULE}`).set('Authorization', bearer(t.viewer));
    expect(after.text).toBe(current.text);
  });
});
