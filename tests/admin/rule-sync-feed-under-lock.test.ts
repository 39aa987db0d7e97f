/**
 * Rule sync applies the feed as read under the rules lock, and only over files that still hold what the feed
 * last said for the rule: a save made on this replica (recorded in the feed or not) is never reverted by a
 * poll, and `.sync-seq` never moves backwards when several processes sync the same folder.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RULE_TEST_NOW, createRuleAdmin } from '../../src/admin/index.ts';
import type { RuleAdmin } from '../../src/admin/index.ts';
import { etagOf } from '../../src/admin/rule-files.ts';
import { SYNC_SEQ_FILE, startRuleSync } from '../../src/admin/rule-sync.ts';
import type { RuleSync } from '../../src/admin/rule-sync.ts';
import { testConfig } from '../../src/config/index.ts';
import { createRuleSetHolder } from '../../src/engine/rule-set-holder.ts';
import type { RuleSetHolder } from '../../src/engine/rule-set-holder.ts';
import type { Store } from '../../src/store/index.ts';
import { ROOT, copyRules, createAdminTestApp, shippedRule, silentLogger } from './helpers.ts';
import type { AdminTestApp } from './helpers.ts';

const ID = 'opioid-high-mme';
const OTHER = 'naloxone-co-prescribe';

describe('rule sync: the feed is read under the rules lock, and a file changed here is not written over', () => {
  let a: AdminTestApp;
  let bDir: string;
  let bHolder: RuleSetHolder;
  let b: RuleAdmin;
  const syncs: RuleSync[] = [];
  const warnings: { obj: object; msg?: string }[] = [];
  const logger = { info: () => undefined, warn: (obj: object, msg?: string) => void warnings.push({ obj, msg }) };

  /** The store's feed, with `onRead` run once, after the next read has its answer and before the sync gets it. */
  function feedWithHook(store: Store): { feed: Pick<Store, 'ruleChangesSince'>; afterNextRead(fn: () => Promise<void>): void } {
    let hook: (() => Promise<void>) | undefined;
    return {
      feed: {
        ruleChangesSince: async (seq: number) => {
          const answer = await store.ruleChangesSince(seq);
          const run = hook;
          hook = undefined;
          if (run) await run();
          return answer;
        },
      },
      afterNextRead: (fn) => {
        hook = fn;
      },
    };
  }

  beforeEach(async () => {
    warnings.length = 0;
    a = await createAdminTestApp({ now: () => RULE_TEST_NOW });
    bDir = copyRules();
    const held = await createRuleSetHolder({ rulesDir: bDir });
    if (!held.ok) throw new Error(held.errors.join('\n'));
    bHolder = held.value;
    b = createRuleAdmin({ holder: bHolder, services: a.services, fixturesDir: path.join(ROOT, 'fixtures'), fhir: testConfig().fhir, store: a.store!, logger: silentLogger, now: () => RULE_TEST_NOW });
  });
  afterEach(async () => {
    for (const sync of syncs.splice(0)) sync.close();
    await a.close();
    rmSync(bDir, { recursive: true, force: true });
  });

  const start = async (store: Pick<Store, 'ruleChangesSince'>, holder: RuleSetHolder): Promise<RuleSync> => {
    const sync = await startRuleSync({ store, holder, pollMs: 3_600_000, logger });
    syncs.push(sync);
    return sync;
  };
  const fileOf = (dir: string, id: string): Record<string, any> => JSON.parse(readFileSync(path.join(dir, `${id}.json`), 'utf8'));
  const etagIn = (dir: string, id: string): string => etagOf(readFileSync(path.join(dir, `${id}.json`), 'utf8'));
  const seqOf = (dir: string): number => Number(readFileSync(path.join(dir, SYNC_SEQ_FILE), 'utf8').trim());
  const serving = (holder: RuleSetHolder, id: string) => holder.current().rules.find((r) => r.id === id);

  it('a save made here while a poll was reading the feed is not reverted: the file, the serving rule and the ETag given to its editor stay', async () => {
    const { feed, afterNextRead } = feedWithHook(a.store!);
    const sync = await start(feed, a.holder);
    await a.admin.updateRule(ID, { ...shippedRule(ID), version: '7.0.0' }, etagIn(a.rulesDir, ID), 'alice');
    let saved: { etag: string } | undefined;
    // The poll has read the feed (ending with 7.0.0); the editor's next save lands before the poll applies it.
    afterNextRead(async () => {
      saved = await a.admin.updateRule(ID, { ...shippedRule(ID), version: '7.0.1', status: 'disabled' }, etagIn(a.rulesDir, ID), 'alice');
    });
    await sync.syncOnce();
    expect(saved).toBeDefined();
    expect(fileOf(a.rulesDir, ID)).toMatchObject({ version: '7.0.1', status: 'disabled' });
    expect(serving(a.holder, ID)).toMatchObject({ version: '7.0.1', status: 'disabled' });
    // The editor's next save with the ETag the last one answered is accepted.
    await a.admin.updateRule(ID, { ...shippedRule(ID), version: '7.0.2', status: 'disabled' }, saved!.etag, 'alice');
    await sync.syncOnce();
    expect(fileOf(a.rulesDir, ID).version).toBe('7.0.2');
  });

  it('a change made here that could not be recorded stays applied (a disabled rule stays off); the feed\'s other changes are applied; one warning names the rule, not its content', async () => {
    const syncA = await start(a.store!, a.holder);
    const syncB = await start(a.store!, bHolder);
    await a.admin.updateRule(ID, { ...shippedRule(ID), version: '7.0.0' }, etagIn(a.rulesDir, ID), 'alice');
    // A database blip while the disable is recorded: it stays applied here (docs/admin-api.md).
    const store = a.store! as { appendRuleChange: Store['appendRuleChange'] };
    const append = store.appendRuleChange;
    store.appendRuleChange = () => Promise.reject(new Error('connection reset'));
    try {
      await a.admin.updateRule(ID, { ...shippedRule(ID), version: '7.0.1', status: 'disabled' }, etagIn(a.rulesDir, ID), 'alice');
    } finally {
      store.appendRuleChange = append;
    }
    const disabledEtag = etagIn(a.rulesDir, ID);
    // Meanwhile another rule is changed through replica B.
    await b.updateRule(OTHER, { ...shippedRule(OTHER), version: '9.0.0' }, etagIn(bDir, OTHER), 'bob');

    await syncA.syncOnce();
    await syncA.syncOnce();
    expect(fileOf(a.rulesDir, ID)).toMatchObject({ version: '7.0.1', status: 'disabled' });
    expect(etagIn(a.rulesDir, ID)).toBe(disabledEtag);
    expect(serving(a.holder, ID)?.status).toBe('disabled');
    expect(fileOf(a.rulesDir, OTHER).version).toBe('9.0.0');
    const leftAlone = warnings.filter((w) => JSON.stringify(w.obj).includes(ID));
    expect(leftAlone).toHaveLength(1);
    expect(leftAlone[0]!.obj).toEqual({ ruleIds: [ID] });

    // The way out the docs give: the next change to the rule through the API records the file as it is, then
    // itself, and the other replicas follow.
    await syncB.syncOnce();
    await a.admin.updateRule(ID, { ...shippedRule(ID), version: '7.0.3', status: 'disabled' }, disabledEtag, 'alice');
    await syncB.syncOnce();
    expect(fileOf(bDir, ID)).toMatchObject({ version: '7.0.3', status: 'disabled' });
  });

  it('two processes syncing one folder: a poll that read the feed before the other applied a newer change neither reverts it nor moves .sync-seq back', async () => {
    const { feed, afterNextRead } = feedWithHook(a.store!);
    const worker1 = await start(a.store!, a.holder);
    const worker2 = await start(feed, a.holder);
    await b.updateRule(ID, { ...shippedRule(ID), version: '8.0.0' }, etagIn(bDir, ID), 'bob');
    // Worker 2 has read the feed (ending with 8.0.0); then Bob saves again and worker 1 applies both.
    afterNextRead(async () => {
      await b.updateRule(ID, { ...shippedRule(ID), version: '8.0.1' }, etagIn(bDir, ID), 'bob');
      await worker1.syncOnce();
    });
    await worker2.syncOnce();
    const head = (await a.store!.ruleChangesSince(0)).at(-1)!.seq;
    expect(fileOf(a.rulesDir, ID).version).toBe('8.0.1');
    expect(seqOf(a.rulesDir)).toBe(head);
    await worker2.syncOnce();
    expect(fileOf(a.rulesDir, ID).version).toBe('8.0.1');
    expect(serving(a.holder, ID)?.version).toBe('8.0.1');
  });
});
