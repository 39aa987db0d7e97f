/**
 * The holder pieces a cluster worker uses to ride through a broken rules folder (src/main.ts): a holder
 * built from the files of the set the other workers serve (holderFromSources), which keeps reloading from
 * the folder, and the change listener through which every worker reports the set it loaded to the primary.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuleSetHolder, holderFromSources } from '../../src/engine/rule-set-holder.ts';
import type { RuleSetSnapshot } from '../../src/engine/rule-set-holder.ts';
import { copyRules } from '../admin/helpers.ts';

const RULE = 'naloxone-co-prescribe';
const cleanups: (() => void)[] = [];

afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.();
});

function tempRules(): string {
  const dir = copyRules();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('holderFromSources', () => {
  it('serves the given set while the folder is broken, shows the folder\'s errors, and moves on once it is fixed', async () => {
    const dir = tempRules();
    const loaded = await createRuleSetHolder({ rulesDir: dir });
    if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
    const lastGood = loaded.value.snapshot();
    const file = path.join(dir, `${RULE}.json`);
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace(/}\s*$/, ''));
    // The folder alone no longer loads: a worker starting now has nothing but the set its siblings serve.
    expect((await createRuleSetHolder({ rulesDir: dir })).ok).toBe(false);
    const changes: RuleSetSnapshot[] = [];
    const fallback = holderFromSources({ rulesDir: dir, onChange: (s) => changes.push(s) }, lastGood.sources);
    if (!fallback.ok) throw new Error(fallback.errors.join('\n'));
    const holder = fallback.value;
    expect(holder.current().version).toBe(lastGood.ruleSet.version);
    expect(holder.current().rules.map((r) => r.id)).toContain(RULE);
    const refused = await holder.reload();
    expect(refused.ok).toBe(false);
    expect(holder.status().lastReloadError?.errors.join('\n')).toMatch(new RegExp(`${RULE}\\.json`));
    expect(holder.current().version).toBe(lastGood.ruleSet.version);
    expect(changes).toEqual([]);
    // Fixed, with a change: the holder serves the folder again and reports the new set.
    writeFileSync(file, original.replace('"status": "active"', '"status": "disabled"'));
    const fixed = await holder.reload();
    expect(fixed).toMatchObject({ ok: true, changed: true });
    expect(holder.status().lastReloadError).toBeUndefined();
    expect(changes.map((s) => s.ruleSet.version)).toEqual([holder.current().version]);
    expect(holder.current().version).not.toBe(lastGood.ruleSet.version);
  });

  it('refuses files that do not form a valid set', () => {
    const result = holderFromSources({ rulesDir: '/nonexistent' }, { rules: [{ name: `${RULE}.json`, text: '{' }], valueSets: [] });
    expect(result.ok).toBe(false);
  });
});
