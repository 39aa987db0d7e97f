/**
 * The admin API through HTTP (supertest) on a temporary copy of rules/ and the real in-memory store:
 * authentication and roles, optimistic concurrency, create/update/delete/enable/disable, validation
 * and the rule's own tests before saving, history with author and diff, rollback, dry runs.
 */
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASELINE_AUTHOR, OUTSIDE_EDIT_AUTHOR, RULE_TEST_NOW } from '../../src/admin/index.ts';
import { etagOf } from '../../src/admin/rule-files.ts';
import { ORDER_SIGN, fixture } from '../support/test-app.ts';
import { ROOT, bearer, createAdminTestApp, shippedRule } from './helpers.ts';
import type { AdminTestApp } from './helpers.ts';

const API = '/admin/api';
const LONG_TERM = 'benzodiazepine-long-term';
const FIRES_INFO = 'rules/benzodiazepine-long-term/alprazolam-renewal-since-august.json';

function fileOf(t: AdminTestApp, id: string): string {
  return readFileSync(path.join(t.rulesDir, `${id}.json`), 'utf8');
}

/** A new rule that behaves like benzodiazepine-long-term (nothing replaces either), under another id. */
function newRule(id: string): Record<string, any> {
  return { ...shippedRule(LONG_TERM), id, title: 'Benzodiazepine continued (copy for tests)' };
}

describe('admin API', () => {
  let t: AdminTestApp;
  beforeAll(async () => {
    t = await createAdminTestApp({ now: () => RULE_TEST_NOW });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('authentication and roles', () => {
    it('answers 401 with an OperationOutcome without a token, with a bad token and with a non-bearer scheme', async () => {
      for (const auth of [undefined, bearer('not-a-token'), `Basic ${Buffer.from('a:b').toString('base64')}`]) {
        const req = request(t.app).get(`${API}/rules`);
        const res = await (auth ? req.set('Authorization', auth) : req);
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
        expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
      }
    });

    it('lets a viewer read but not save (403)', async () => {
      const list = await request(t.app).get(`${API}/rules`).set('Authorization', bearer(t.viewer));
      expect(list.status).toBe(200);
      expect(list.body.rules.map((r: { id: string }) => r.id)).toContain(LONG_TERM);
      const rule = await request(t.app).get(`${API}/rules/${LONG_TERM}`).set('Authorization', bearer(t.viewer));
      const put = await request(t.app).put(`${API}/rules/${LONG_TERM}`).set('Authorization', bearer(t.viewer)).set('If-Match', String(rule.headers.etag)).send(rule.body);
      expect(put.status).toBe(403);
      expect(put.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'forbidden' }] });
      const create = await request(t.app).post(`${API}/rules`).set('Authorization', bearer(t.viewer)).send(newRule('viewer-made'));
      expect(create.status).toBe(403);
      expect(existsSync(path.join(t.rulesDir, 'viewer-made.json'))).toBe(false);
    });

    it('tells who the token belongs to', async () => {
      const res = await request(t.app).get(`${API}/whoami`).set('Authorization', bearer(t.editor));
      expect(res.body).toEqual({ name: 'eddie.editor', role: 'editor', via: 'token' });
    });
  });

  describe('reading', () => {
    it('lists rules with their ETag and whether the serving set holds them', async () => {
      const res = await request(t.app).get(`${API}/rules`).set('Authorization', bearer(t.viewer));
      const entry = res.body.rules.find((r: { id: string }) => r.id === 'opioid-benzodiazepine');
      expect(entry).toMatchObject({ id: 'opioid-benzodiazepine', title: 'Opioid with a benzodiazepine', status: 'active', indicator: 'warning', loaded: true });
      expect(entry.etag).toBe(etagOf(fileOf(t, 'opioid-benzodiazepine')));
    });

    it('returns the rule file with ETag "<sha256 of the content>"', async () => {
      const res = await request(t.app).get(`${API}/rules/opioid-benzodiazepine`).set('Authorization', bearer(t.viewer));
      expect(res.status).toBe(200);
      expect(res.headers.etag).toMatch(/^"[0-9a-f]{64}"$/);
      expect(res.text).toBe(fileOf(t, 'opioid-benzodiazepine'));
      expect(res.body.id).toBe('opioid-benzodiazepine');
    });

    it('answers 404 for an unknown rule and for ids that are not rule ids', async () => {
      for (const id of ['no-such-rule', '..%2Fpackage', 'UPPER']) {
        const res = await request(t.app).get(`${API}/rules/${id}`).set('Authorization', bearer(t.viewer));
        expect(res.status).toBe(404);
        expect(res.body.resourceType).toBe('OperationOutcome');
      }
    });

    it('lists the fixtures usable in tests and dry runs', async () => {
      const res = await request(t.app).get(`${API}/fixtures`).set('Authorization', bearer(t.viewer));
      expect(res.body.fixtures).toContain(FIRES_INFO);
      expect(res.body.fixtures).toContain('order-sign/opioid-draft-with-active-benzodiazepine.json');
    });

    it('reports the serving rule set', async () => {
      const res = await request(t.app).get(`${API}/status`).set('Authorization', bearer(t.viewer));
      expect(res.body).toMatchObject({ ruleSetVersion: t.holder.current().version, rules: t.holder.current().rules.length });
      expect(res.body.lastReloadError).toBeUndefined();
    });
  });

  describe('validation, tests and dry runs (never save)', () => {
    it('validates a draft: misspelt field, unknown fact, missing fixture, each with its JSON pointer', async () => {
      const rule = shippedRule(LONG_TERM);
      rule.card.sumary = 'x';
      rule.conditions.all[0].fact = 'orderClass';
      rule.tests[0].fixture = 'rules/no-such-folder/nothing.json';
      const res = await request(t.app).post(`${API}/validate`).set('Authorization', bearer(t.viewer)).send({ rule });
      expect(res.status).toBe(200);
      expect(res.body.ok).toBe(false);
      expect(res.body.errors).toEqual(
        expect.arrayContaining([
          { file: `${LONG_TERM}.json`, pointer: '/card', message: 'unknown field "sumary" (check the spelling)' },
          { file: `${LONG_TERM}.json`, pointer: '/tests/0/fixture', message: 'fixture "rules/no-such-folder/nothing.json" not found under fixtures/' },
        ])
      );
      const valid = await request(t.app).post(`${API}/validate`).set('Authorization', bearer(t.viewer)).send({ rule: shippedRule(LONG_TERM) });
      expect(valid.body).toEqual({ ok: true, errors: [] });
    });

    it('reports semantic errors (unknown fact) with the list of known facts', async () => {
      const rule = shippedRule(LONG_TERM);
      rule.conditions.all[0].fact = 'orderClass';
      const res = await request(t.app).post(`${API}/validate`).set('Authorization', bearer(t.viewer)).send({ rule });
      expect(res.body.errors).toEqual([expect.objectContaining({ pointer: '/conditions/all/0/fact', message: expect.stringMatching(/^unknown fact "orderClass"; known facts are .*orderClasses/) })]);
    });

    it('runs the tests of a stored rule and of a draft', async () => {
      const stored = await request(t.app).post(`${API}/rules/${LONG_TERM}/test`).set('Authorization', bearer(t.viewer));
      expect(stored.status).toBe(200);
      expect(stored.body.ok).toBe(true);
      expect(stored.body.results[0]).toEqual(expect.objectContaining({ fixture: FIRES_INFO, expect: 'info', got: 'info', pass: true }));
      const draft = shippedRule(LONG_TERM);
      draft.parameters.days.value = 200;
      const res = await request(t.app).post(`${API}/test`).set('Authorization', bearer(t.viewer)).send({ rule: draft });
      expect(res.body.ok).toBe(false);
      expect(res.body.results.find((r: { fixture: string }) => r.fixture === FIRES_INFO)).toMatchObject({ expect: 'info', got: 'silent', pass: false });
    });

    it('dry-runs a draft against a stored fixture: the draft replaces the rule for that evaluation only', async () => {
      const before = t.holder.current().version;
      const draft = shippedRule(LONG_TERM);
      draft.card.summary = 'Draft summary: benzodiazepine continued for a long time.';
      draft.indicator = 'warning';
      draft.card.overrideReasons = [{ code: 'taper-planned', display: 'Taper planned' }];
      const res = await request(t.app).post(`${API}/dry-run`).set('Authorization', bearer(t.viewer)).send({ rule: draft, fixture: FIRES_INFO });
      expect(res.status).toBe(200);
      const card = res.body.cards.find((c: any) => c.source.topic.code === LONG_TERM);
      expect(card).toMatchObject({ summary: draft.card.summary, indicator: 'warning' });
      expect(res.body.ruleSetVersion).not.toBe(before);
      expect(t.holder.current().version).toBe(before);
    });

    it('dry-runs a pasted request and returns the cards exactly as the CDS endpoint does', async () => {
      const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
      const cds = await request(t.app).post(ORDER_SIGN).send(body);
      const dry = await request(t.app).post(`${API}/dry-run`).set('Authorization', bearer(t.viewer)).send({ request: body, at: RULE_TEST_NOW.toISOString() });
      expect(dry.status).toBe(200);
      const strip = (cards: any[]) => JSON.parse(JSON.stringify(cards).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'uuid'));
      expect(strip(dry.body.cards)).toEqual(strip(cds.body.cards));
      expect(dry.body.ruleSetVersion).toBe(cds.headers['x-rule-set-version']);
    });

    it('refuses a dry run with an invalid draft or a bad request, listing the problems', async () => {
      const draft = shippedRule(LONG_TERM);
      draft.indicator = 'hard-stop';
      const bad = await request(t.app).post(`${API}/dry-run`).set('Authorization', bearer(t.viewer)).send({ rule: draft, fixture: FIRES_INFO });
      expect(bad.status).toBe(400);
      expect(bad.body.issue).toEqual(expect.arrayContaining([expect.objectContaining({ expression: ['/indicator'], details: { text: 'must be one of "info", "warning", "critical"' } })]));
      const both = await request(t.app).post(`${API}/dry-run`).set('Authorization', bearer(t.viewer)).send({ fixture: FIRES_INFO, request: {} });
      expect(both.status).toBe(400);
      const malformed = await request(t.app).post(`${API}/dry-run`).set('Authorization', bearer(t.viewer)).send({ request: { hook: 'order-sign', hookInstance: 'x' } });
      expect(malformed.status).toBe(400);
      expect(malformed.body.resourceType).toBe('OperationOutcome');
      const escape = await request(t.app).post(`${API}/dry-run`).set('Authorization', bearer(t.viewer)).send({ fixture: '../package.json' });
      expect(escape.status).toBe(400);
    });

    it('explains a fixture: facts, rules fired and condition results', async () => {
      const res = await request(t.app).post(`${API}/explain`).set('Authorization', bearer(t.viewer)).send({ fixture: FIRES_INFO });
      expect(res.status).toBe(200);
      const [order] = res.body.orders;
      expect(order.fired).toEqual(expect.arrayContaining([{ ruleId: LONG_TERM, indicator: 'info', shown: true }]));
      const rule = order.rules.find((r: { name: string }) => r.name === LONG_TERM);
      expect(rule.result).toBe(true);
      expect(rule.conditions.children[2]).toEqual({ kind: 'fact', fact: 'orderDaysOnTherapy', operator: 'greaterThan', value: 28, factResult: 98, result: true });
    });
  });

  describe('writes', () => {
    it('requires If-Match (428) and refuses a stale one (412); nothing changes', async () => {
      const original = fileOf(t, LONG_TERM);
      const rule = shippedRule(LONG_TERM);
      const missing = await request(t.app).put(`${API}/rules/${LONG_TERM}`).set('Authorization', bearer(t.editor)).send(rule);
      expect(missing.status).toBe(428);
      expect(missing.body.resourceType).toBe('OperationOutcome');
      const stale = await request(t.app).put(`${API}/rules/${LONG_TERM}`).set('Authorization', bearer(t.editor)).set('If-Match', `"${'0'.repeat(64)}"`).send(rule);
      expect(stale.status).toBe(412);
      expect(stale.body.resourceType).toBe('OperationOutcome');
      for (const path_ of [`/rules/${LONG_TERM}/disable`, `/rules/${LONG_TERM}/enable`]) {
        expect((await request(t.app).post(`${API}${path_}`).set('Authorization', bearer(t.editor))).status).toBe(428);
      }
      expect((await request(t.app).delete(`${API}/rules/${LONG_TERM}`).set('Authorization', bearer(t.editor))).status).toBe(428);
      expect(fileOf(t, LONG_TERM)).toBe(original);
    });

    it('refuses an update whose own tests fail (400, one issue per failing case) and keeps the file and the set', async () => {
      const original = fileOf(t, LONG_TERM);
      const version = t.holder.current().version;
      const rule = shippedRule(LONG_TERM);
      rule.parameters.days.value = 1000;
      const res = await request(t.app).put(`${API}/rules/${LONG_TERM}`).set('Authorization', bearer(t.editor)).set('If-Match', etagOf(original)).send(rule);
      expect(res.status).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
      const failing = res.body.issue.filter((i: any) => i.code === 'business-rule');
      expect(failing).toHaveLength(5);
      expect(failing[0]).toEqual({ severity: 'error', code: 'business-rule', details: { text: `${FIRES_INFO}: expected info, got silent` }, expression: ['/tests/0'], diagnostics: `${LONG_TERM}.json` });
      expect(fileOf(t, LONG_TERM)).toBe(original);
      expect(t.holder.current().version).toBe(version);
    });

    it('refuses a deeply nested body with 400, not a stack overflow', async () => {
      const leaf = JSON.stringify({ fact: 'orderClasses', operator: 'contains', value: 'ketamine' });
      const conditions = `${'{"all":['.repeat(5000)}${leaf}${']}'.repeat(5000)}`;
      const body = JSON.stringify({ rule: { ...shippedRule(LONG_TERM), conditions: '__C__' } }).replace('"__C__"', conditions);
      const res = await request(t.app).post(`${API}/validate`).set('Authorization', bearer(t.editor)).set('Content-Type', 'application/json').send(body);
      expect(res.status).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
    });

    it('refuses an update that would silence another rule (its test cases fail), naming that rule', async () => {
      const id = 'opioid-benzodiazepine';
      const original = fileOf(t, id);
      const rule = shippedRule(id);
      // Its own cases still pass, but it would now swallow the naloxone card wherever both fire and its card
      // names every medicine the naloxone card names (an opioid with a benzodiazepine and no naloxone on file).
      rule.replaces = ['naloxone-co-prescribe'];
      const res = await request(t.app).put(`${API}/rules/${id}`).set('Authorization', bearer(t.editor)).set('If-Match', etagOf(original)).send(rule);
      expect(res.status).toBe(400);
      expect(res.body.issue[0].details.text).toMatch(/belong to other rules this change affects/);
      expect(res.body.issue.some((i: any) => i.diagnostics === 'naloxone-co-prescribe.json')).toBe(true);
      expect(fileOf(t, id)).toBe(original);
    });

    it('refuses an invalid update with every error and its JSON pointer', async () => {
      const original = fileOf(t, LONG_TERM);
      const rule = shippedRule(LONG_TERM);
      rule.card.summary = 'x'.repeat(140);
      rule.parameters.days.unit = 7;
      const res = await request(t.app).put(`${API}/rules/${LONG_TERM}`).set('Authorization', bearer(t.editor)).set('If-Match', etagOf(original)).send(rule);
      expect(res.status).toBe(400);
      expect(res.body.issue.slice(1)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ expression: ['/card/summary'], details: { text: 'must be at most 139 characters' } }),
          expect.objectContaining({ expression: ['/parameters/days/unit'], details: { text: 'must be a string' } }),
        ])
      );
      const renamed = await request(t.app).put(`${API}/rules/${LONG_TERM}`).set('Authorization', bearer(t.editor)).set('If-Match', etagOf(original)).send({ ...shippedRule(LONG_TERM), id: 'other' });
      expect(renamed.status).toBe(400);
      expect(renamed.body.issue[1].expression).toEqual(['/id']);
      expect(fileOf(t, LONG_TERM)).toBe(original);
    });

    it('updates with the right If-Match: new ETag, file written, rule set reloaded, the CDS endpoint answers with it', async () => {
      const original = fileOf(t, LONG_TERM);
      const rule = shippedRule(LONG_TERM);
      rule.priority = 35;
      rule.version = '1.0.1';
      const res = await request(t.app).put(`${API}/rules/${LONG_TERM}`).set('Authorization', bearer(t.editor)).set('If-Match', etagOf(original)).send(rule);
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe(etagOf(fileOf(t, LONG_TERM)));
      expect(res.headers.etag).not.toBe(etagOf(original));
      expect(JSON.parse(fileOf(t, LONG_TERM)).priority).toBe(35);
      expect(res.headers['x-rule-set-version']).toBe(t.holder.current().version);
      const cds = await request(t.app).post(ORDER_SIGN).send(fixture(FIRES_INFO));
      expect(cds.headers['x-rule-set-version']).toBe(res.headers['x-rule-set-version']);
      const stale = await request(t.app).put(`${API}/rules/${LONG_TERM}`).set('Authorization', bearer(t.editor)).set('If-Match', etagOf(original)).send(rule);
      expect(stale.status).toBe(412);
    });

    it('records history with author, resulting rule set version and a unified diff', async () => {
      const res = await request(t.app).get(`${API}/rules/${LONG_TERM}/history`).set('Authorization', bearer(t.viewer));
      expect(res.status).toBe(200);
      const [baseline, update] = res.body.changes;
      expect(baseline).toMatchObject({ action: 'create', author: BASELINE_AUTHOR });
      expect(update).toMatchObject({ action: 'update', author: 'eddie.editor', ruleSetVersion: t.holder.current().version });
      expect(update.seq).toBeGreaterThan(baseline.seq);
      expect(update.diff.startsWith(`--- ${LONG_TERM}.json@${baseline.seq}\n+++ ${LONG_TERM}.json@${update.seq}\n@@ `)).toBe(true);
      expect(update.diff).toContain('-  "version": "1.0.0",');
      expect(update.diff).toContain('+  "version": "1.0.1",');
      expect(update.diff).toContain('-  "priority": 30,');
      expect(update.diff).toContain('+  "priority": 35,');
      expect(update.diff).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@/m);
    });

    it('answers a long history a page at a time, newest first pages, each oldest first, and refuses a bad limit', async () => {
      const id = 'benzodiazepine-older-adult';
      for (const priority of [41, 42, 43]) {
        const rule = { ...JSON.parse(fileOf(t, id)), priority };
        const put = await request(t.app).put(`${API}/rules/${id}`).set('Authorization', bearer(t.editor)).set('If-Match', etagOf(fileOf(t, id))).send(rule);
        expect(put.status).toBe(200);
      }
      const all = (await request(t.app).get(`${API}/rules/${id}/history`).set('Authorization', bearer(t.viewer))).body;
      expect(all.changes).toHaveLength(4); // the folder's content, then the three saves
      expect(all.olderChanges).toBe(0);
      expect(all.nextBefore).toBeUndefined();
      const newest = (await request(t.app).get(`${API}/rules/${id}/history?limit=2`).set('Authorization', bearer(t.viewer))).body;
      expect(newest.changes.map((c: any) => c.seq)).toEqual(all.changes.slice(2).map((c: any) => c.seq));
      expect(newest.olderChanges).toBe(2);
      expect(newest.nextBefore).toBe(all.changes[2].seq);
      // Each change keeps its diff against the change before it, also at the start of a page.
      expect(newest.changes[0].diff).toBe(all.changes[2].diff);
      const older = (await request(t.app).get(`${API}/rules/${id}/history?limit=2&before=${newest.nextBefore}`).set('Authorization', bearer(t.viewer))).body;
      expect(older.changes.map((c: any) => c.seq)).toEqual(all.changes.slice(0, 2).map((c: any) => c.seq));
      expect(older.olderChanges).toBe(0);
      for (const query of ['limit=0', 'limit=501', 'limit=x', 'before=1.5']) {
        const bad = await request(t.app).get(`${API}/rules/${id}/history?${query}`).set('Authorization', bearer(t.viewer));
        expect(bad.status, query).toBe(400);
        expect(bad.body.resourceType).toBe('OperationOutcome');
      }
    });

    it('records a hand edit made in rules/ between two API changes, credited to the folder', async () => {
      const id = 'cns-depressants-older-adult';
      const first = shippedRule(id);
      first.priority = 36;
      const put1 = await request(t.app).put(`${API}/rules/${id}`).set('Authorization', bearer(t.editor)).set('If-Match', etagOf(fileOf(t, id))).send(first);
      expect(put1.status).toBe(200);
      // A hand edit straight in the folder (git pull, an editor): it serves clinicians after reload.
      const edited = { ...JSON.parse(fileOf(t, id)), priority: 37 };
      writeFileSync(path.join(t.rulesDir, `${id}.json`), `${JSON.stringify(edited, null, 2)}\n`);
      await t.holder.reload();
      const second = { ...edited, priority: 38 };
      const put2 = await request(t.app).put(`${API}/rules/${id}`).set('Authorization', bearer(t.editor)).set('If-Match', etagOf(fileOf(t, id))).send(second);
      expect(put2.status).toBe(200);
      const changes = (await request(t.app).get(`${API}/rules/${id}/history`).set('Authorization', bearer(t.viewer))).body.changes;
      expect(changes.map((c: any) => c.author)).toEqual([BASELINE_AUTHOR, 'eddie.editor', OUTSIDE_EDIT_AUTHOR, 'eddie.editor']);
      expect(changes[2].diff).toContain('+  "priority": 37,');
    });

    it('rolls back to a recorded version (validated and tested like an update)', async () => {
      const history = await request(t.app).get(`${API}/rules/${LONG_TERM}/history`).set('Authorization', bearer(t.viewer));
      const baseline = history.body.changes[0];
      const noMatch = await request(t.app).post(`${API}/rules/${LONG_TERM}/rollback`).set('Authorization', bearer(t.editor)).send({ seq: baseline.seq });
      expect(noMatch.status).toBe(428);
      const res = await request(t.app)
        .post(`${API}/rules/${LONG_TERM}/rollback`)
        .set('Authorization', bearer(t.editor))
        .set('If-Match', etagOf(fileOf(t, LONG_TERM)))
        .send({ seq: baseline.seq });
      expect(res.status).toBe(200);
      expect(fileOf(t, LONG_TERM)).toBe(readFileSync(path.join(ROOT, 'rules', `${LONG_TERM}.json`), 'utf8'));
      expect(res.headers.etag).toBe(etagOf(fileOf(t, LONG_TERM)));
      const after = await request(t.app).get(`${API}/rules/${LONG_TERM}/history`).set('Authorization', bearer(t.viewer));
      const last = after.body.changes.at(-1);
      expect(last).toMatchObject({ action: 'rollback', author: 'eddie.editor' });
      expect(last.diff).toContain('+  "priority": 30,');
      const unknown = await request(t.app).post(`${API}/rules/${LONG_TERM}/rollback`).set('Authorization', bearer(t.editor)).set('If-Match', String(res.headers.etag)).send({ seq: 999_999 });
      expect(unknown.status).toBe(404);
    });

    it('disables and enables a rule: status written, cards stop and come back', async () => {
      const fires = async () => (await request(t.app).post(ORDER_SIGN).send(fixture(FIRES_INFO))).body.cards.some((c: any) => c.source.topic.code === LONG_TERM);
      expect(await fires()).toBe(true);
      const disabled = await request(t.app).post(`${API}/rules/${LONG_TERM}/disable`).set('Authorization', bearer(t.editor)).set('If-Match', etagOf(fileOf(t, LONG_TERM)));
      expect(disabled.status).toBe(200);
      expect(disabled.body.status).toBe('disabled');
      expect(JSON.parse(fileOf(t, LONG_TERM)).status).toBe('disabled');
      expect(await fires()).toBe(false);
      const enabled = await request(t.app).post(`${API}/rules/${LONG_TERM}/enable`).set('Authorization', bearer(t.editor)).set('If-Match', String(disabled.headers.etag));
      expect(enabled.status).toBe(200);
      expect(await fires()).toBe(true);
      const actions = (await request(t.app).get(`${API}/rules/${LONG_TERM}/history`).set('Authorization', bearer(t.viewer))).body.changes.map((c: any) => c.action);
      expect(actions.slice(-2)).toEqual(['disable', 'enable']);
    });

    it('a disable racing an update keeps the update: the status is set on the rule as it is when the change is written', async () => {
      const before = JSON.parse(fileOf(t, LONG_TERM));
      const updated = { ...before, version: '9.9.9' };
      const [update, disable] = await Promise.all([
        request(t.app).put(`${API}/rules/${LONG_TERM}`).set('Authorization', bearer(t.editor)).set('If-Match', etagOf(fileOf(t, LONG_TERM))).send(updated),
        request(t.app).post(`${API}/rules/${LONG_TERM}/disable`).set('Authorization', bearer(t.editor)).set('If-Match', '*'),
      ]);
      // Whichever is written first: the disable always lands; the update either lands and stays, or (when
      // the disable came first and changed the ETag it was based on) is refused with 412. Never both 200
      // with the update lost.
      expect(disable.status).toBe(200);
      const after = JSON.parse(fileOf(t, LONG_TERM));
      expect(after.status).toBe('disabled');
      if (update.status === 200) {
        expect(after.version).toBe('9.9.9');
      } else {
        expect(update.status).toBe(412);
      }
      const enabled = await request(t.app).post(`${API}/rules/${LONG_TERM}/enable`).set('Authorization', bearer(t.editor)).set('If-Match', etagOf(fileOf(t, LONG_TERM)));
      expect(enabled.status).toBe(200);
    });

    it('creates a rule (201, ETag, Location) after its tests pass, and refuses a second create (409)', async () => {
      const rule = newRule('benzodiazepine-continued-copy');
      const res = await request(t.app).post(`${API}/rules`).set('Authorization', bearer(t.editor)).send(rule);
      expect(res.status).toBe(201);
      expect(res.headers.location).toBe(`${API}/rules/benzodiazepine-continued-copy`);
      expect(res.headers.etag).toBe(etagOf(fileOf(t, 'benzodiazepine-continued-copy')));
      expect(t.holder.current().rules.map((r) => r.id)).toContain('benzodiazepine-continued-copy');
      const cds = await request(t.app).post(ORDER_SIGN).send(fixture(FIRES_INFO));
      expect(cds.body.cards.map((c: any) => c.source.topic.code)).toContain('benzodiazepine-continued-copy');
      const again = await request(t.app).post(`${API}/rules`).set('Authorization', bearer(t.editor)).send(rule);
      expect(again.status).toBe(409);
      expect(again.body.resourceType).toBe('OperationOutcome');
      const history = await request(t.app).get(`${API}/rules/benzodiazepine-continued-copy/history`).set('Authorization', bearer(t.viewer));
      expect(history.body.changes).toHaveLength(1);
      expect(history.body.changes[0]).toMatchObject({ action: 'create', author: 'eddie.editor' });
      expect(history.body.changes[0].diff).toContain('+  "id": "benzodiazepine-continued-copy",');
    });

    it('refuses to create a rule whose tests fail, or without a valid id', async () => {
      const rule = newRule('failing-copy');
      rule.tests[0].expect = 'critical';
      const res = await request(t.app).post(`${API}/rules`).set('Authorization', bearer(t.editor)).send(rule);
      expect(res.status).toBe(400);
      expect(res.body.issue[1]).toMatchObject({ expression: ['/tests/0'], details: { text: `${FIRES_INFO}: expected critical, got info` } });
      expect(existsSync(path.join(t.rulesDir, 'failing-copy.json'))).toBe(false);
      const noId = await request(t.app).post(`${API}/rules`).set('Authorization', bearer(t.editor)).send({ title: 'x' });
      expect(noId.status).toBe(400);
      expect(noId.body.issue[1].expression).toEqual(['/id']);
      const notJson = await request(t.app).post(`${API}/rules`).set('Authorization', bearer(t.editor)).set('Content-Type', 'text/plain').send('{}');
      expect(notJson.status).toBe(415);
    });

    it('deletes with If-Match (204), and refuses to delete a rule another rule replaces', async () => {
      const etag = etagOf(fileOf(t, 'benzodiazepine-continued-copy'));
      const res = await request(t.app).delete(`${API}/rules/benzodiazepine-continued-copy`).set('Authorization', bearer(t.editor)).set('If-Match', etag);
      expect(res.status).toBe(204);
      expect(existsSync(path.join(t.rulesDir, 'benzodiazepine-continued-copy.json'))).toBe(false);
      expect(t.holder.current().rules.map((r) => r.id)).not.toContain('benzodiazepine-continued-copy');
      expect((await request(t.app).get(`${API}/rules/benzodiazepine-continued-copy`).set('Authorization', bearer(t.viewer))).status).toBe(404);
      const history = await request(t.app).get(`${API}/rules/benzodiazepine-continued-copy/history`).set('Authorization', bearer(t.viewer));
      expect(history.body.changes.at(-1)).toMatchObject({ action: 'delete', content: null });
      expect(history.body.changes.at(-1).diff).toContain('+++ /dev/null');

      const replaced = await request(t.app).delete(`${API}/rules/opioid-benzodiazepine`).set('Authorization', bearer(t.editor)).set('If-Match', etagOf(fileOf(t, 'opioid-benzodiazepine')));
      expect(replaced.status).toBe(400);
      expect(replaced.body.issue.slice(1)).toEqual(expect.arrayContaining([expect.objectContaining({ expression: ['/replaces'], details: { text: 'no rule with id "opioid-benzodiazepine"' } })]));
      expect(existsSync(path.join(t.rulesDir, 'opioid-benzodiazepine.json'))).toBe(true);
    });

    it('rolls back a deleted rule by re-creating it', async () => {
      const history = await request(t.app).get(`${API}/rules/benzodiazepine-continued-copy/history`).set('Authorization', bearer(t.viewer));
      const created = history.body.changes.find((c: any) => c.action === 'create');
      const res = await request(t.app).post(`${API}/rules/benzodiazepine-continued-copy/rollback`).set('Authorization', bearer(t.editor)).send({ seq: created.seq });
      expect(res.status).toBe(200);
      expect(existsSync(path.join(t.rulesDir, 'benzodiazepine-continued-copy.json'))).toBe(true);
    });

    it('undoes a saved change when the folder does not load with it (another file broke meanwhile), and answers 400', async () => {
      const original = fileOf(t, LONG_TERM);
      const version = t.holder.current().version;
      writeFileSync(path.join(t.rulesDir, 'broken-by-hand.json'), '{ "id": "broken-by-hand", ');
      try {
        const rule = shippedRule(LONG_TERM);
        rule.version = '1.0.2';
        const res = await request(t.app).put(`${API}/rules/${LONG_TERM}`).set('Authorization', bearer(t.editor)).set('If-Match', etagOf(original)).send(rule);
        expect(res.status).toBe(400);
        expect(res.body.issue[0].details.text).toMatch(/undone/);
        expect(res.body.issue.slice(1)).toEqual(expect.arrayContaining([expect.objectContaining({ diagnostics: 'broken-by-hand.json', details: { text: expect.stringMatching(/^not valid JSON/) } })]));
        expect(fileOf(t, LONG_TERM)).toBe(original);
        expect(t.holder.current().version).toBe(version);
        const status = await request(t.app).get(`${API}/status`).set('Authorization', bearer(t.viewer));
        expect(status.body.lastReloadError.errors[0]).toMatch(/^broken-by-hand\.json: not valid JSON/);
      } finally {
        unlinkSync(path.join(t.rulesDir, 'broken-by-hand.json'));
        await t.holder.reload();
      }
    });
  });

  describe('analytics and snoozes', () => {
    it('returns per-rule analytics over a period', async () => {
      const res = await request(t.app).get(`${API}/analytics?from=2026-01-01&to=2026-12-31`).set('Authorization', bearer(t.viewer));
      expect(res.status).toBe(200);
      // A date-only "to" includes that whole day: the period ends at the next day's start (exclusive).
      expect(res.body).toMatchObject({ from: '2026-01-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' });
      expect(Array.isArray(res.body.rules)).toBe(true);
      // Not shifted into another day or the server's time zone: refused.
      for (const bad of ['yesterday', '2026-02-30', '1', '2026-01-01T00:00', '2026-13-01']) {
        const res = await request(t.app).get(`${API}/analytics?from=${encodeURIComponent(bad)}`).set('Authorization', bearer(t.viewer));
        expect(res.status, bad).toBe(400);
        expect(res.body.resourceType).toBe('OperationOutcome');
      }
    });

    it("counts a card issued during the period's last day when 'to' is a date", async () => {
      t.store!.enqueueInvocation({
        hookInstance: crypto.randomUUID(),
        serviceId: 'cns-depressant-order-sign',
        hook: 'order-sign',
        receivedAt: '2025-03-31T15:00:00Z',
        latencyMs: 5,
        status: 200,
        ruleSetVersion: 'v',
        patientKey: 'p'.repeat(64),
        cards: [{ uuid: crypto.randomUUID(), ruleId: 'opioid-benzodiazepine', indicator: 'warning', suggestionUuids: [] }],
        suppressed: [],
      });
      await t.store!.flush();
      const res = await request(t.app).get(`${API}/analytics?from=2025-03-01&to=2025-03-31`).set('Authorization', bearer(t.viewer));
      expect(res.status).toBe(200);
      expect(res.body.rules.find((r: { ruleId: string }) => r.ruleId === 'opioid-benzodiazepine')?.fired).toBe(1);
    });

    it('lists and lifts snoozes (editor only)', async () => {
      const store = t.store!;
      const snooze = (await store.createSnooze({
        ruleId: 'opioid-benzodiazepine',
        patientKey: 'k'.repeat(64),
        createdAt: '2026-11-20T12:00:00Z',
        expiresAt: '2026-12-20T12:00:00Z',
        reasonCode: 'palliative-care',
        cardUuid: '0b7c8a8e-8a4f-4bb0-9d3c-2f1e0c7d9a11',
      }))!;
      const list = await request(t.app).get(`${API}/snoozes?ruleId=opioid-benzodiazepine&active=true`).set('Authorization', bearer(t.viewer));
      expect(list.status).toBe(200);
      expect(list.body.snoozes.map((s: any) => s.id)).toContain(snooze.id);
      expect((await request(t.app).post(`${API}/snoozes/${snooze.id}/lift`).set('Authorization', bearer(t.viewer))).status).toBe(403);
      const lift = await request(t.app).post(`${API}/snoozes/${snooze.id}/lift`).set('Authorization', bearer(t.editor));
      expect(lift.status).toBe(200);
      expect(lift.body).toMatchObject({ id: snooze.id, lifted: true, liftedBy: 'eddie.editor' });
      const twice = await request(t.app).get(`${API}/snoozes?ruleId=opioid-benzodiazepine&ruleId=high-mme`).set('Authorization', bearer(t.viewer));
      expect(twice.status).toBe(400);
      expect(twice.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ expression: ['ruleId'] }] });
      const after = await request(t.app).get(`${API}/snoozes?ruleId=opioid-benzodiazepine&active=true`).set('Authorization', bearer(t.viewer));
      expect(after.body.snoozes.map((s: any) => s.id)).not.toContain(snooze.id);
      expect((await request(t.app).post(`${API}/snoozes/${snooze.id}/lift`).set('Authorization', bearer(t.editor))).status).toBe(404);
    });
  });
});

describe('admin API without a store', () => {
  let t: AdminTestApp;
  beforeAll(async () => {
    t = await createAdminTestApp({ store: false });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 503 with an OperationOutcome for history, analytics and snoozes', async () => {
    for (const [method, url] of [
      ['get', `${API}/rules/${LONG_TERM}/history`],
      ['get', `${API}/analytics`],
      ['get', `${API}/snoozes`],
      ['post', `${API}/snoozes/0b7c8a8e-8a4f-4bb0-9d3c-2f1e0c7d9a11/lift`],
    ] as const) {
      const res = await request(t.app)[method](url).set('Authorization', bearer(t.editor));
      expect(res.status, url).toBe(503);
      expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'transient' }] });
    }
  });

  it('still saves rule changes', async () => {
    const rule = shippedRule(LONG_TERM);
    rule.version = '1.0.9';
    const res = await request(t.app).put(`${API}/rules/${LONG_TERM}`).set('Authorization', bearer(t.editor)).set('If-Match', etagOf(fileOf(t, LONG_TERM))).send(rule);
    expect(res.status).toBe(200);
  });
});

describe('saves from several processes sharing rules/ (cluster workers)', () => {
  let t: AdminTestApp;
  beforeAll(async () => {
    t = await createAdminTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('serialises saves through the folder lock: of two saves with the same If-Match, one wins and the other gets 412', async () => {
    const { createRuleSetHolder } = await import('../../src/engine/rule-set-holder.ts');
    const { createRuleAdmin } = await import('../../src/admin/index.ts');
    const { testConfig } = await import('../../src/config/index.ts');
    const { silentLogger } = await import('./helpers.ts');
    const other = await createRuleSetHolder({ rulesDir: t.rulesDir });
    if (!other.ok) {
      throw new Error(other.errors.join('\n'));
    }
    // A second "worker": its own holder and its own in-process queue, the same folder.
    const worker2 = createRuleAdmin({ holder: other.value, services: t.services, fixturesDir: path.join(ROOT, 'fixtures'), fhir: testConfig().fhir, logger: silentLogger });
    const etag = etagOf(fileOf(t, LONG_TERM));
    const mine = { ...shippedRule(LONG_TERM), version: '1.1.0' };
    const theirs = { ...shippedRule(LONG_TERM), version: '1.2.0' };
    const results = await Promise.allSettled([t.admin.updateRule(LONG_TERM, mine, etag, 'a'), worker2.updateRule(LONG_TERM, theirs, etag, 'b')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason.status).toBe(412);
    expect(['1.1.0', '1.2.0']).toContain(JSON.parse(fileOf(t, LONG_TERM)).version);
    expect(existsSync(path.join(t.rulesDir, '.admin-write.lock'))).toBe(false);
  });

  it('breaks a stale lock left by a crashed writer; a live lock makes a save wait, and times out after the limit', async () => {
    const { withRulesLock, RulesLockTimeout } = await import('../../src/admin/rule-files.ts');
    const { utimesSync } = await import('node:fs');
    const lock = path.join(t.rulesDir, '.admin-write.lock');
    writeFileSync(lock, '99999 crashed');
    const old = new Date(Date.now() - 120_000);
    utimesSync(lock, old, old);
    expect(await withRulesLock(t.rulesDir, async () => 'ran')).toBe('ran');
    writeFileSync(lock, '99999 busy');
    await expect(withRulesLock(t.rulesDir, async () => 'ran', { timeoutMs: 100 })).rejects.toBeInstanceOf(RulesLockTimeout);
    const rule = { ...shippedRule(LONG_TERM), version: '1.3.0' };
    unlinkSync(lock);
    writeFileSync(lock, '99999 busy');
    try {
      const started = Date.now();
      const res = t.admin.updateRule(LONG_TERM, rule, etagOf(fileOf(t, LONG_TERM)), 'a');
      // The API waits up to 15 s for the lock; release it after a moment and the save goes through.
      setTimeout(() => unlinkSync(lock), 200);
      await res;
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    } finally {
      if (existsSync(lock)) {
        unlinkSync(lock);
      }
    }
  });
});
