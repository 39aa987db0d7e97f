// The last good rule set kept in the store (migration 0009, issue #6): what a restart whose rules folder does
// not load serves instead of refusing every order's check. Its files must come back byte for byte (the
// version is a hash of them), one row is kept (the latest set), a repeat of the version kept writes nothing,
// and a set too large to keep is refused without losing the one kept before.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRuleSet, readRuleSources } from '../../src/engine/load-rules.ts';
import { createStore, MAX_LAST_GOOD_RULES_BYTES, StoreInputError } from '../../src/store/index.ts';
import type { StoredRuleSet } from '../../src/store/index.ts';
import { captureLogger, count } from './helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const tempDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tempDirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

/** The shipped rules folder as the service reads it, with the version it builds to. */
async function shippedSet(): Promise<StoredRuleSet> {
  const sources = await readRuleSources(path.join(ROOT, 'rules'));
  const built = buildRuleSet(sources);
  if (!built.ok) throw new Error(built.errors.join('\n'));
  return { version: built.value.version, sources: { rules: sources.rules, valueSets: sources.valueSets } };
}

describe('store: the last good rule set (PGlite)', () => {
  it('has none on a new database, keeps the files byte for byte, and the kept files build the same version', async () => {
    const store = await createStore({ logger: captureLogger().logger });
    try {
      expect(await store.lastGoodRules()).toBeUndefined();
      const set = await shippedSet();
      expect(await store.saveLastGoodRules(set)).toBe(true);
      const kept = await store.lastGoodRules();
      expect(kept).toMatchObject({ version: set.version, sources: set.sources });
      expect(Number.isNaN(Date.parse(kept!.savedAt!))).toBe(false);
      const rebuilt = buildRuleSet(kept!.sources);
      expect(rebuilt.ok && rebuilt.value.version).toBe(set.version);
    } finally {
      await store.close();
    }
  });

  it('keeps text PostgreSQL cannot hold as such (NUL, a lone surrogate) and every other character exactly', async () => {
    const store = await createStore({ logger: captureLogger().logger });
    try {
      const text = '{"id":"x","note":"naïve – 💊 \u0000 \ud800 \\u0000"}\r\n';
      const set: StoredRuleSet = { version: 'v-odd', sources: { rules: [{ name: 'x.json', text }], valueSets: [{ name: 'vs.json', text: '' }] } };
      expect(await store.saveLastGoodRules(set)).toBe(true);
      expect((await store.lastGoodRules())?.sources).toEqual(set.sources);
    } finally {
      await store.close();
    }
  });

  it('keeps one row, the latest set; the version already kept is not written again', async () => {
    const store = await createStore({ logger: captureLogger().logger });
    try {
      const a: StoredRuleSet = { version: 'v-a', sources: { rules: [{ name: 'a.json', text: '{"a":1}' }], valueSets: [] } };
      const b: StoredRuleSet = { version: 'v-b', sources: { rules: [{ name: 'b.json', text: '{"b":2}' }], valueSets: [] } };
      expect(await store.saveLastGoodRules(a)).toBe(true);
      const first = await store.lastGoodRules();
      // Every worker and replica reports the set they all load: the row (and when it was kept) stays.
      expect(await store.saveLastGoodRules(a)).toBe(false);
      expect(await store.lastGoodRules()).toEqual(first);
      expect(await store.saveLastGoodRules(b)).toBe(true);
      expect(await store.lastGoodRules()).toMatchObject({ version: 'v-b', sources: b.sources });
      expect(await count(store, 'last_good_rules')).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('refuses a set too large to keep, or not a set, and keeps the one kept before', async () => {
    const store = await createStore({ logger: captureLogger().logger });
    try {
      const a: StoredRuleSet = { version: 'v-a', sources: { rules: [{ name: 'a.json', text: '{"a":1}' }], valueSets: [] } };
      await store.saveLastGoodRules(a);
      const huge = 'x'.repeat(256 * 1024);
      const files = Array.from({ length: Math.ceil(MAX_LAST_GOOD_RULES_BYTES / huge.length) + 1 }, (_, i) => ({ name: `r${i}.json`, text: huge }));
      await expect(store.saveLastGoodRules({ version: 'v-huge', sources: { rules: files, valueSets: [] } })).rejects.toBeInstanceOf(StoreInputError);
      await expect(store.saveLastGoodRules({ version: '', sources: a.sources })).rejects.toBeInstanceOf(StoreInputError);
      await expect(store.saveLastGoodRules({ version: 'v-bad', sources: { rules: [{ name: 'a.json' }], valueSets: [] } } as unknown as StoredRuleSet)).rejects.toBeInstanceOf(
        StoreInputError
      );
      expect(await store.lastGoodRules()).toMatchObject({ version: 'v-a', sources: a.sources });
    } finally {
      await store.close();
    }
  });

  it('is still there after the store is closed and opened again from its data directory (a restart)', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cds-last-good-'));
    tempDirs.push(dataDir);
    const set = await shippedSet();
    const first = await createStore({ dataDir, logger: captureLogger().logger });
    await first.saveLastGoodRules(set);
    await first.close();
    const again = await createStore({ dataDir, logger: captureLogger().logger });
    try {
      expect(await again.lastGoodRules()).toMatchObject({ version: set.version, sources: set.sources });
    } finally {
      await again.close();
    }
  });
});
