/**
 * A replica whose folder never synced (a new replica, a re-created container) keeps its files, but says which
 * rules differ from the feed's latest content, and refuses admin changes to them until they are in step: an edit
 * based on its older file would record that file in the feed and undo the other replicas' changes everywhere.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RULE_TEST_NOW, createRuleAdmin } from '../../src/admin/index.ts';
import type { RuleAdmin } from '../../src/admin/index.ts';
import { canonicalText, etagOf } from '../../src/admin/rule-files.ts';
import { SYNC_DIVERGED_FILE, startRuleSync } from '../../src/admin/rule-sync.ts';
import type { RuleSync } from '../../src/admin/rule-sync.ts';
import { testConfig } from '../../src/config/index.ts';
import { createRuleSetHolder } from '../../src/engine/rule-set-holder.ts';
import type { RuleSetHolder } from '../../src/engine/rule-set-holder.ts';
import { ROOT, copyRules, createAdminTestApp, shippedRule, silentLogger } from './helpers.ts';
import type { AdminTestApp } from './helpers.ts';

const ID = 'opioid-high-mme';
const LONG_TERM = 'benzodiazepine-long-term';
const UNTOUCHED = 'naloxone-co-prescribe';

describe('rule sync: a folder that never synced and differs from the feed', () => {
  let a: AdminTestApp;
  let syncA: RuleSync;
  let cDir: string;
  let cHolder: RuleSetHolder;
  let c: RuleAdmin;
  const syncs: RuleSync[] = [];
  const warnings: { obj: object; msg?: string }[] = [];
  const logger = { info: () => undefined, warn: (obj: object, msg?: string) => void warnings.push({ obj, msg }) };

  const read = (dir: string, id: string): string => readFileSync(path.join(dir, `${id}.json`), 'utf8');
  const threshold = (dir: string): number => JSON.parse(read(dir, ID)).parameters.warningThreshold.value;
  const start = async (holder: RuleSetHolder): Promise<RuleSync> => {
    const sync = await startRuleSync({ store: a.store!, holder, pollMs: 3_600_000, logger });
    syncs.push(sync);
    return sync;
  };

  beforeEach(async () => {
    warnings.length = 0;
    a = await createAdminTestApp({ now: () => RULE_TEST_NOW });
    syncA = await start(a.holder);
    // Through replica A: a clinical change to one rule (warning from 80 MME instead of 90), a rule deleted.
    const lowered = structuredClone(shippedRule(ID));
    lowered.parameters.warningThreshold.value = 80;
    lowered.version = '1.2.0';
    await a.admin.updateRule(ID, lowered, etagOf(read(a.rulesDir, ID)), 'alice');
    await a.admin.deleteRule(LONG_TERM, etagOf(read(a.rulesDir, LONG_TERM)), 'alice');
    // Replica C starts later from the image: the shipped files, never synced.
    cDir = copyRules();
    const held = await createRuleSetHolder({ rulesDir: cDir });
    if (!held.ok) throw new Error(held.errors.join('\n'));
    cHolder = held.value;
    c = createRuleAdmin({ holder: cHolder, services: a.services, fixturesDir: path.join(ROOT, 'fixtures'), fhir: testConfig().fhir, store: a.store!, logger: silentLogger, now: () => RULE_TEST_NOW });
  });
  afterEach(async () => {
    for (const sync of syncs.splice(0)) sync.close();
    await a.close();
    rmSync(cDir, { recursive: true, force: true });
  });

  it('keeps its files, warns once naming the rules that differ, and refuses edits to them (412, nothing recorded, the other replicas keep their change), also after a restart', async () => {
    const syncC = await start(cHolder);
    expect(await syncC.syncOnce()).toBe(0);
    // Its own files serve (the design: files deployed are trusted over older history)...
    expect(cHolder.current().rules.find((r) => r.id === ID)?.parameters?.warningThreshold?.value).toBe(90);
    // ...but not without a word: one warning, rule ids only.
    const diverged = warnings.filter((w) => JSON.stringify(w.obj).includes(ID));
    expect(diverged).toHaveLength(1);
    expect(diverged[0]!.obj).toEqual({ ruleIds: [LONG_TERM, ID] });

    const history = await a.store!.ruleHistory(ID);
    await expect(c.updateRule(ID, { ...JSON.parse(read(cDir, ID)), title: 'High total opioid dose (MME)' }, etagOf(read(cDir, ID)), 'bob')).rejects.toMatchObject({ status: 412 });
    await expect(c.setStatus(LONG_TERM, 'disabled', etagOf(read(cDir, LONG_TERM)), 'bob')).rejects.toMatchObject({ status: 412 });
    expect(await a.store!.ruleHistory(ID)).toEqual(history);
    expect(threshold(cDir)).toBe(90);
    await syncA.syncOnce();
    expect(threshold(a.rulesDir)).toBe(80);
    expect(a.holder.current().rules.map((r) => r.id)).not.toContain(LONG_TERM);

    // A rule the feed never had is not diverged.
    await c.updateRule(UNTOUCHED, { ...shippedRule(UNTOUCHED), version: '9.0.0' }, etagOf(read(cDir, UNTOUCHED)), 'bob');

    // Restarted (the folder has synced now): still refused.
    syncC.close();
    await start(cHolder);
    await expect(c.updateRule(ID, { ...JSON.parse(read(cDir, ID)), title: 'High total opioid dose (MME)' }, etagOf(read(cDir, ID)), 'bob')).rejects.toMatchObject({ status: 412 });
  });

  it('is in step again once an edit of the rule on another replica syncs here (applied over its older file), or once its file is put to the feed\'s latest content', async () => {
    const syncC = await start(cHolder);
    const titled = { ...JSON.parse(read(a.rulesDir, ID)), title: 'High total opioid dose (MME)' };
    await a.admin.updateRule(ID, titled, etagOf(read(a.rulesDir, ID)), 'alice');
    expect(await syncC.syncOnce()).toBe(1);
    expect(threshold(cDir)).toBe(80);
    expect(cHolder.current().rules.find((r) => r.id === ID)?.parameters?.warningThreshold?.value).toBe(80);
    await c.updateRule(ID, { ...JSON.parse(read(cDir, ID)), version: '1.3.0' }, etagOf(read(cDir, ID)), 'bob');
    await syncA.syncOnce();
    expect(JSON.parse(read(a.rulesDir, ID))).toMatchObject({ version: '1.3.0', title: 'High total opioid dose (MME)' });
    expect(threshold(a.rulesDir)).toBe(80);

    // The deleted rule: removing the file by hand puts it in step with the feed; a create is then the API's.
    await expect(c.deleteRule(LONG_TERM, etagOf(read(cDir, LONG_TERM)), 'bob')).rejects.toMatchObject({ status: 412 });
    rmSync(path.join(cDir, `${LONG_TERM}.json`));
    await cHolder.reload();
    await c.createRule(shippedRule(LONG_TERM), 'bob');
  });

  it('keeps this replica\'s file once the rule is removed from .sync-diverged by hand: the next edit records it, and the other replicas take it', async () => {
    await start(cHolder);
    const edit = { ...JSON.parse(read(cDir, ID)), title: 'High total opioid dose (MME)' };
    await expect(c.updateRule(ID, edit, etagOf(read(cDir, ID)), 'bob')).rejects.toMatchObject({ status: 412 });
    const noted = JSON.parse(readFileSync(path.join(cDir, SYNC_DIVERGED_FILE), 'utf8')) as Record<string, unknown>;
    delete noted[ID];
    writeFileSync(path.join(cDir, SYNC_DIVERGED_FILE), JSON.stringify(noted));
    await c.updateRule(ID, edit, etagOf(read(cDir, ID)), 'bob');
    await syncA.syncOnce();
    expect(read(a.rulesDir, ID)).toBe(canonicalText(edit));
    expect(threshold(a.rulesDir)).toBe(90);
  });
});
