// Where a start whose rules folder does not load finds the last good set (src/engine/last-good-rules.ts, issue
// #6): a cluster worker asks the primary first (the set the other workers serve now), then the store (the
// primary restarted, its memory is gone); a single process asks the store. A source that has none, cannot be
// read or holds a set that does not build is passed over (and logged); with none left the start is refused.
// And every set loaded from the folder is kept in the store, once per version, never bigger than the store keeps.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastGoodRecorder, startFromLastGood } from '../../src/engine/last-good-rules.ts';
import type { LastGoodLogger, LastGoodSource } from '../../src/engine/last-good-rules.ts';
import { buildRuleSet, readRuleSources } from '../../src/engine/load-rules.ts';
import { createRuleSetHolder } from '../../src/engine/rule-set-holder.ts';
import type { RuleSetSnapshot } from '../../src/engine/rule-set-holder.ts';
import { MAX_LAST_GOOD_RULES_BYTES } from '../../src/store/index.ts';
import type { StoredRuleSet } from '../../src/store/index.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const NALOXONE = 'naloxone-co-prescribe';

function logs(): { logger: LastGoodLogger; lines: { level: string; msg: string }[] } {
  const lines: { level: string; msg: string }[] = [];
  const at = (level: string) => (_: object, msg: string) => void lines.push({ level, msg });
  return { lines, logger: { fatal: at('fatal'), error: at('error'), warn: at('warn'), info: at('info') } };
}

let work: string;
let brokenDir: string;
/** The shipped set (what the cluster or the store kept), and the same set with the naloxone rule disabled. */
let shipped: StoredRuleSet;
let withoutNaloxone: StoredRuleSet;

async function setOf(dir: string): Promise<StoredRuleSet> {
  const sources = await readRuleSources(dir);
  const built = buildRuleSet(sources);
  if (!built.ok) throw new Error(built.errors.join('\n'));
  return { version: built.value.version, sources: { rules: sources.rules, valueSets: sources.valueSets } };
}

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'cds-last-good-unit-'));
  brokenDir = path.join(work, 'broken');
  await fs.cp(path.join(ROOT, 'rules'), brokenDir, { recursive: true, dereference: true });
  const file = path.join(brokenDir, `${NALOXONE}.json`);
  const original = await fs.readFile(file, 'utf8');
  shipped = await setOf(path.join(ROOT, 'rules'));
  const disabledDir = path.join(work, 'disabled');
  await fs.cp(brokenDir, disabledDir, { recursive: true });
  await fs.writeFile(path.join(disabledDir, `${NALOXONE}.json`), original.replace('"status": "active"', '"status": "disabled"'));
  withoutNaloxone = await setOf(disabledDir);
  await fs.writeFile(file, original.replace(/}\s*$/, ''));
});

afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

async function startBroken(sources: readonly LastGoodSource[]) {
  const log = logs();
  const printed: string[] = [];
  const folder = await createRuleSetHolder({ rulesDir: brokenDir });
  expect(folder.ok).toBe(false);
  const errors = folder.ok ? [] : folder.errors;
  const result = await startFromLastGood({ holder: { rulesDir: brokenDir }, errors, sources, logger: log.logger, who: 'this worker', print: (l) => printed.push(l) });
  return { result, log, printed, errors };
}

const source = (describe: string, read: LastGoodSource['read']): LastGoodSource & { asked: number } => {
  const s = { describe, asked: 0, read: () => (s.asked++, read()) };
  return s;
};

describe('a start whose rules folder does not load: where the last good set comes from', () => {
  it('a worker serves the primary\'s set before the store\'s, with the banner and the folder\'s errors as lastReloadError', async () => {
    const primary = source('the cluster\'s', async () => withoutNaloxone);
    const store = source('the store\'s', async () => shipped);
    const { result, log, printed } = await startBroken([primary, store]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.current().version).toBe(withoutNaloxone.version);
    expect(store.asked).toBe(0);
    expect(result.value.status().lastReloadError?.errors.join('\n')).toContain(`${NALOXONE}.json`);
    expect(printed.join('\n')).toMatch(/THE RULES FOLDER DOES NOT LOAD .*this worker serves the cluster's, version /);
    expect(log.lines).toContainEqual({ level: 'fatal', msg: expect.stringMatching(/^THE RULES FOLDER DOES NOT LOAD/) });
  });

  it('after the primary restarted (it has none), or when it cannot be asked, the store\'s set is served', async () => {
    for (const primary of [source('the cluster\'s', async () => undefined), source('the cluster\'s', () => Promise.reject(new Error('the primary did not answer')))]) {
      const { result, log } = await startBroken([primary, source('the store\'s', async () => ({ ...shipped, savedAt: '2026-11-20T10:00:00.000Z' }))]);
      expect(result.ok && result.value.current().version).toBe(shipped.version);
      expect(log.lines.some((l) => l.level === 'fatal' && l.msg.includes('serves the store\'s') && l.msg.includes('2026-11-20T10:00:00.000Z'))).toBe(true);
    }
  });

  it('a set that does not build here is passed over for the next source', async () => {
    const bad: StoredRuleSet = { version: 'x', sources: { rules: [{ name: 'x.json', text: '{' }], valueSets: [] } };
    const { result, log } = await startBroken([source('the cluster\'s', async () => bad), source('the store\'s', async () => shipped)]);
    expect(result.ok && result.value.current().version).toBe(shipped.version);
    expect(log.lines).toContainEqual({ level: 'fatal', msg: 'the cluster\'s does not build here either' });
  });

  it('nothing kept anywhere (the very first start), or a store that cannot be read: refused, with the folder\'s errors, and why is logged', async () => {
    const none = await startBroken([source('the store\'s', async () => undefined)]);
    expect(none.result).toEqual({ ok: false, errors: none.errors });
    expect(none.printed).toEqual([]);
    const unreadable = await startBroken([source('the store\'s', () => Promise.reject(new Error('disk I/O error')))]);
    expect(unreadable.result).toEqual({ ok: false, errors: unreadable.errors });
    expect(unreadable.log.lines).toContainEqual({ level: 'error', msg: 'the rules folder does not load, and the store\'s could not be read' });
  });
});

describe('every set loaded from the folder is kept in the store', () => {
  const snapshot = (set: StoredRuleSet): RuleSetSnapshot => {
    const built = buildRuleSet(set.sources);
    if (!built.ok) throw new Error(built.errors.join('\n'));
    return { ruleSet: built.value, sources: set.sources };
  };

  it('once per version, in the order loaded, and a failed write is logged, never thrown', async () => {
    const saved: string[] = [];
    let fail = true;
    const log = logs();
    const recorder = lastGoodRecorder(
      {
        saveLastGoodRules: async (rules) => {
          if (fail) {
            fail = false;
            throw new Error('the store thread did not answer');
          }
          saved.push(rules.version);
          return true;
        },
      },
      log.logger
    );
    recorder.record(snapshot(shipped)); // fails: tried again with the next load of the same version
    recorder.record(snapshot(shipped));
    recorder.record(snapshot(shipped));
    recorder.record(snapshot(withoutNaloxone));
    recorder.record(snapshot(shipped));
    await recorder.idle();
    expect(saved).toEqual([shipped.version, withoutNaloxone.version, shipped.version]);
    expect(log.lines.filter((l) => l.level === 'error')).toHaveLength(1);
  });

  it('a set larger than the store keeps is not sent to it (logged)', async () => {
    const saved: string[] = [];
    const log = logs();
    const recorder = lastGoodRecorder({ saveLastGoodRules: async (rules) => (saved.push(rules.version), true) }, log.logger);
    const big = snapshot(shipped);
    const padded = { ...big, sources: { rules: [...big.sources.rules, { name: 'padding.json', text: 'x'.repeat(MAX_LAST_GOOD_RULES_BYTES) }], valueSets: big.sources.valueSets } };
    recorder.record(padded);
    await recorder.idle();
    expect(saved).toEqual([]);
    expect(log.lines.some((l) => l.level === 'error' && l.msg.includes('too large'))).toBe(true);
  });
});
