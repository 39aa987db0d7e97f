/**
 * Rule sync between two replicas: separate rules folders, one store (the change feed). A change made on
 * one replica reaches the other; a change that does not load with the other replica's rules is held back
 * there (logged once), so that replica keeps a folder it can serve, save to and restart from.
 */
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RULE_TEST_NOW, createRuleAdmin } from '../../src/admin/index.ts';
import type { RuleAdmin } from '../../src/admin/index.ts';
import { etagOf } from '../../src/admin/rule-files.ts';
import { SYNC_SEQ_FILE, startRuleSync } from '../../src/admin/rule-sync.ts';
import type { RuleSync } from '../../src/admin/rule-sync.ts';
import { testConfig } from '../../src/config/index.ts';
import { createRuleSetHolder } from '../../src/engine/rule-set-holder.ts';
import type { RuleSetHolder } from '../../src/engine/rule-set-holder.ts';
import { ROOT, bearer, copyRules, createAdminTestApp, shippedRule, silentLogger } from './helpers.ts';
import type { AdminTestApp } from './helpers.ts';

const API = '/admin/api';
const LONG_TERM = 'benzodiazepine-long-term';

describe('rule sync between replicas', () => {
  let a: AdminTestApp;
  let bDir: string;
  let bHolder: RuleSetHolder;
  let b: RuleAdmin;
  let syncA: RuleSync;
  let syncB: RuleSync;
  const warnings: { obj: object; msg?: string }[] = [];
  const logger = { info: () => undefined, warn: (obj: object, msg?: string) => void warnings.push({ obj, msg }) };

  beforeEach(async () => {
    warnings.length = 0;
    a = await createAdminTestApp({ now: () => RULE_TEST_NOW });
    bDir = copyRules();
    const held = await createRuleSetHolder({ rulesDir: bDir });
    if (!held.ok) throw new Error(held.errors.join('\n'));
    bHolder = held.value;
    b = createRuleAdmin({ holder: bHolder, services: a.services, fixturesDir: path.join(ROOT, 'fixtures'), fhir: testConfig().fhir, store: a.store!, logger: silentLogger, now: () => RULE_TEST_NOW });
    syncA = await startRuleSync({ store: a.store!, holder: a.holder, pollMs: 3_600_000, logger });
    syncB = await startRuleSync({ store: a.store!, holder: bHolder, pollMs: 3_600_000, logger });
  });
  afterEach(async () => {
    syncA.close();
    syncB.close();
    await a.close();
    rmSync(bDir, { recursive: true, force: true });
  });

  const fileOf = (dir: string, id: string): string => readFileSync(path.join(dir, `${id}.json`), 'utf8');
  const seqOf = (dir: string): number => Number(readFileSync(path.join(dir, SYNC_SEQ_FILE), 'utf8').trim());

  it("applies another replica's change and serves it", async () => {
    const changed = { ...shippedRule('opioid-high-mme'), version: '7.0.0' };
    await b.updateRule('opioid-high-mme', changed, etagOf(fileOf(bDir, 'opioid-high-mme')), 'bob');
    expect(await syncA.syncOnce()).toBe(1);
    expect(JSON.parse(fileOf(a.rulesDir, 'opioid-high-mme')).version).toBe('7.0.0');
    expect(a.holder.current().rules.find((r) => r.id === 'opioid-high-mme')?.version).toBe('7.0.0');
  });

  it("refuses an edit made on a replica that has not yet applied another replica's change to the same rule (412), then accepts it once synced", async () => {
    const id = 'opioid-high-mme';
    const staleEtag = etagOf(fileOf(bDir, id));
    await a.admin.updateRule(id, { ...shippedRule(id), version: '7.0.0' }, etagOf(fileOf(a.rulesDir, id)), 'alice');
    // B still holds the old copy, whose ETag the editor on B has: without the check, B would overwrite Alice's change.
    await expect(b.updateRule(id, { ...shippedRule(id), version: '8.0.0' }, staleEtag, 'bob')).rejects.toMatchObject({ status: 412 });
    expect(JSON.parse(fileOf(bDir, id)).version).not.toBe('8.0.0');
    await syncB.syncOnce();
    expect(JSON.parse(fileOf(bDir, id)).version).toBe('7.0.0');
    await b.updateRule(id, { ...shippedRule(id), version: '8.0.0' }, etagOf(fileOf(bDir, id)), 'bob');
    // Two quick edits on one replica are not refused: its own change is not "another replica's".
    await b.updateRule(id, { ...shippedRule(id), version: '8.0.1' }, etagOf(fileOf(bDir, id)), 'bob');
    expect(JSON.parse(fileOf(bDir, id)).version).toBe('8.0.1');
  });

  it('reads an empty sync file (a crash while it was written, before it was written whole) as never synced: the folder is trusted, the feed is not replayed over it', async () => {
    const id = 'opioid-high-mme';
    await a.admin.updateRule(id, { ...shippedRule(id), version: '7.0.0' }, etagOf(fileOf(a.rulesDir, id)), 'alice');
    const cDir = copyRules();
    try {
      writeFileSync(path.join(cDir, SYNC_SEQ_FILE), '');
      const held = await createRuleSetHolder({ rulesDir: cDir });
      if (!held.ok) throw new Error(held.errors.join('\n'));
      const syncC = await startRuleSync({ store: a.store!, holder: held.value, pollMs: 3_600_000, logger });
      try {
        expect(await syncC.syncOnce()).toBe(0);
        expect(JSON.parse(fileOf(cDir, id)).version).toBe(shippedRule(id).version);
        expect(seqOf(cDir)).toBe((await a.store!.ruleChangesSince(0)).at(-1)!.seq);
        // No temporary file of the write is left in the folder.
        expect(readdirSync(cDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
      } finally {
        syncC.close();
      }
    } finally {
      rmSync(cDir, { recursive: true, force: true });
    }
  });

  it('holds back changes that are valid on their own replicas but not together, keeps serving, saving and restarting, and applies them once mended', async () => {
    // A deletes a rule; B, at the same time, adds a (disabled) successor that replaces it.
    await a.admin.deleteRule(LONG_TERM, etagOf(fileOf(a.rulesDir, LONG_TERM)), 'alice');
    const successor: Record<string, any> = { ...shippedRule(LONG_TERM), id: 'long-term-successor', title: 'Successor draft', status: 'disabled', replaces: [LONG_TERM] };
    delete successor.tests;
    await b.createRule(successor, 'bob');
    const seqBefore = seqOf(a.rulesDir);

    // On A, B's successor names a rule A no longer has: not written, and A's folder still loads.
    expect(await syncA.syncOnce()).toBe(0);
    expect(await syncA.syncOnce()).toBe(0);
    // A's own changes are through (its delete, with the baseline recorded before it); B's create waits.
    const created = (await a.store!.ruleChangesSince(0)).find((c) => c.ruleId === 'long-term-successor')!;
    expect(seqOf(a.rulesDir)).toBeGreaterThan(seqBefore);
    expect(seqOf(a.rulesDir)).toBe(created.seq - 1);
    expect(a.holder.lastError()).toBeUndefined();
    expect((await createRuleSetHolder({ rulesDir: a.rulesDir })).ok).toBe(true);
    const refusals = warnings.filter((w) => /does not load with this replica's rules/.test(w.msg ?? ''));
    expect(refusals).toHaveLength(1); // logged once, not on every poll
    expect(refusals[0]!.obj).toMatchObject({ ruleId: 'long-term-successor', action: 'create', author: 'bob' });
    // Saves on A still work.
    const unrelated = { ...shippedRule('naloxone-co-prescribe'), version: '9.9.9' };
    const put = await request(a.app)
      .put(`${API}/rules/naloxone-co-prescribe`)
      .set('Authorization', bearer(a.editor))
      .set('If-Match', etagOf(fileOf(a.rulesDir, 'naloxone-co-prescribe')))
      .send(unrelated);
    expect(put.status).toBe(200);

    // On B, A's delete would orphan B's successor: held back there too; B keeps loading.
    await syncB.syncOnce();
    expect(bHolder.lastError()).toBeUndefined();
    expect((await createRuleSetHolder({ rulesDir: bDir })).ok).toBe(true);

    // B removes its successor: the feed now loads on A as a whole, and A catches up to its end.
    await b.deleteRule('long-term-successor', etagOf(fileOf(bDir, 'long-term-successor')), 'bob');
    await syncA.syncOnce();
    const head = (await a.store!.ruleChangesSince(0)).at(-1)!.seq;
    expect(seqOf(a.rulesDir)).toBe(head);
    expect((await createRuleSetHolder({ rulesDir: a.rulesDir })).ok).toBe(true);
    expect(a.holder.current().rules.map((r) => r.id)).not.toContain('long-term-successor');
  });
});
