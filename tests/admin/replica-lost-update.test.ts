/**
 * Two replicas (two rules folders, one store) and two editors saving the same rule with the same If-Match (each
 * replica's identical copy): the change recorded second in the rule change feed would silently overwrite the
 * first on every replica. The history append is a compare-and-append on the rule's latest seq as the save read it
 * at its start, so the save that loses the race is undone and answers 412.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRuleAdmin } from '../../src/admin/index.ts';
import type { RuleAdmin } from '../../src/admin/index.ts';
import { AdminError } from '../../src/admin/outcomes.ts';
import { etagOf } from '../../src/admin/rule-files.ts';
import { startRuleSync } from '../../src/admin/rule-sync.ts';
import type { RuleSync } from '../../src/admin/rule-sync.ts';
import { testConfig } from '../../src/config/index.ts';
import { createRuleSetHolder } from '../../src/engine/rule-set-holder.ts';
import type { RuleSetHolder } from '../../src/engine/rule-set-holder.ts';
import { loadServiceDefinitions } from '../../src/protocol/index.ts';
import { createStore } from '../../src/store/index.ts';
import type { NewRuleChange, Store } from '../../src/store/index.ts';
import { ROOT, copyRules, shippedRule, silentLogger } from './helpers.ts';

const ID = 'opioid-high-mme';
const syncLogger = { info: () => undefined, warn: () => undefined };

interface Replica {
  readonly dir: string;
  readonly holder: RuleSetHolder;
  readonly admin: RuleAdmin;
  readonly sync: RuleSync;
}

let store: Store;
let replicas: Replica[] = [];
/** Set by a test: what replica B's history appends wait for (B's store is the shared one behind this gate). */
let gateB: ((change: NewRuleChange) => Promise<void>) | undefined;

async function replica(storeOf: Store): Promise<Replica> {
  const config = testConfig();
  const dir = copyRules();
  const services = await loadServiceDefinitions(config.servicesDir);
  const held = await createRuleSetHolder({ rulesDir: dir });
  if (!services.ok || !held.ok) throw new Error('setup');
  const admin = createRuleAdmin({ holder: held.value, services: services.value, fixturesDir: path.join(ROOT, 'fixtures'), fhir: config.fhir, store: storeOf, logger: silentLogger });
  const sync = await startRuleSync({ store: storeOf, holder: held.value, pollMs: 3_600_000, logger: syncLogger });
  return { dir, holder: held.value, admin, sync };
}

beforeEach(async () => {
  store = await createStore({ logger: silentLogger });
  const gated = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'appendRuleChange') {
        return async (change: NewRuleChange) => {
          await gateB?.(change);
          return target.appendRuleChange(change);
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  replicas = [await replica(store), await replica(gated)];
});

afterEach(async () => {
  gateB = undefined;
  for (const r of replicas) {
    r.sync.close();
    rmSync(r.dir, { recursive: true, force: true });
  }
  await store.close();
});

const textOf = (dir: string): string => readFileSync(path.join(dir, `${ID}.json`), 'utf8');
const refusals: string[] = [];
/** 200, or the AdminError's status (its text kept in `refusals`). */
const statusOf = (p: Promise<unknown>): Promise<number> =>
  p.then(
    () => 200,
    (e: unknown) => {
      if (!(e instanceof AdminError)) throw e;
      refusals.push(JSON.stringify(e.outcome));
      return e.status;
    }
  );

describe('two replicas saving the same rule at the same time', () => {
  it('refuses the save whose history append comes second with 412, puts its file back and keeps the first', async () => {
    const [a, b] = replicas as [Replica, Replica];
    // A change recorded and synced before: both folders hold the same copy, and the feed has the rule's baseline.
    await a.admin.updateRule(ID, { ...shippedRule(ID), description: 'Synced before the race.' }, etagOf(textOf(a.dir)), 'carol');
    await b.sync.syncOnce();
    const before = textOf(b.dir);
    expect(before).toBe(textOf(a.dir));
    const feedBefore = await store.ruleChangesSince(0);

    // Bob's save on B passes its checks and runs its tests, writes its file; its history append waits until
    // Alice's save on A, with the same If-Match, has been recorded.
    let releaseBob!: () => void;
    let bobAppending!: () => void;
    const bobAtAppend = new Promise<void>((resolve) => (bobAppending = resolve));
    const aliceRecorded = new Promise<void>((resolve) => (releaseBob = resolve));
    gateB = async (change) => {
      if (change.author === 'bob') {
        bobAppending();
        await aliceRecorded;
      }
    };
    const bob = statusOf(b.admin.updateRule(ID, { ...shippedRule(ID), description: 'Synced before the race.', version: '9.9.9' }, etagOf(before), 'bob'));
    await bobAtAppend;
    expect(JSON.parse(textOf(b.dir)).version).toBe('9.9.9'); // written and serving on B, not yet recorded
    const alice = await a.admin.updateRule(ID, { ...shippedRule(ID), description: 'Synced before the race.', title: 'Alice: high MME threshold lowered' }, etagOf(before), 'alice');
    releaseBob();

    expect(await bob).toBe(412);
    expect(refusals.at(-1)).toMatch(/changed through another server of this service/);
    // B's folder and serving set are as before Bob's save; nothing of his was recorded.
    expect(textOf(b.dir)).toBe(before);
    expect(b.holder.snapshot().sources.rules.find((f) => f.name === `${ID}.json`)?.text).toBe(before);
    const feed = await store.ruleChangesSince(0);
    expect(feed.slice(feedBefore.length).map((c) => [c.ruleId, c.author])).toEqual([[ID, 'alice']]);

    // Alice's change is kept on A and reaches B.
    expect(textOf(a.dir)).toBe(alice.text);
    await b.sync.syncOnce();
    await a.sync.syncOnce();
    expect(textOf(b.dir)).toBe(alice.text);
    expect(textOf(a.dir)).toBe(alice.text);
  });

  it('gives one of two simultaneous first changes (no baseline recorded yet) a 200 and the other a 412, and both replicas end with the one saved', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const etag = etagOf(textOf(a.dir));
    const [alice, bob] = await Promise.all([
      statusOf(a.admin.updateRule(ID, { ...shippedRule(ID), title: 'Alice: high MME threshold lowered' }, etag, 'alice')),
      statusOf(b.admin.updateRule(ID, { ...shippedRule(ID), version: '9.9.9' }, etag, 'bob')),
    ]);
    expect([alice, bob].sort()).toEqual([200, 412]);
    await a.sync.syncOnce();
    await b.sync.syncOnce();
    expect(textOf(a.dir)).toBe(textOf(b.dir));
    const saved = JSON.parse(textOf(a.dir)) as Record<string, unknown>;
    expect(alice === 200 ? saved.title : saved.version).toBe(alice === 200 ? 'Alice: high MME threshold lowered' : '9.9.9');
    expect((await store.ruleHistory(ID)).filter((c) => c.author === 'alice' || c.author === 'bob')).toHaveLength(1);
  });
});
