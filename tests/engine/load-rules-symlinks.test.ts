/**
 * A rule file in rules/ that is a symbolic link is loaded from what it points to (Kubernetes mounts a
 * ConfigMap as links, a shared rule may be linked in); an entry named *.json that is not a file or a
 * link to one refuses the set, named. Only plain files were kept: a linked rule left the set without a
 * word, no card and no "check incomplete", and `npm run rules -- validate` said the folder was valid.
 */
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRuleSet } from '../../src/engine/index.ts';
import { createRuleSetHolder } from '../../src/engine/rule-set-holder.ts';
import { copyRules } from '../admin/helpers.ts';

const RULE = 'naloxone-co-prescribe';
const cleanups: (() => void)[] = [];

afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function rulesCopy(): string {
  const dir = copyRules();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const shippedCount = (dir: string): number => readdirSync(dir).filter((n) => n.endsWith('.json')).length;

async function ruleIds(dir: string): Promise<string[]> {
  const result = await loadRuleSet(dir);
  if (!result.ok) {
    throw new Error(result.errors.join('\n'));
  }
  return result.value.rules.map((r) => r.id);
}

describe('rule files that are symbolic links', () => {
  it('loads a rule linked in from outside the folder', async () => {
    const rules = rulesCopy();
    const count = shippedCount(rules);
    const shared = tempDir('cds-shared-');
    renameSync(path.join(rules, `${RULE}.json`), path.join(shared, `${RULE}.json`));
    symlinkSync(path.join(shared, `${RULE}.json`), path.join(rules, `${RULE}.json`));
    const ids = await ruleIds(rules);
    expect(ids).toContain(RULE);
    expect(ids).toHaveLength(count);
  });

  it('loads a folder laid out as a Kubernetes ConfigMap volume (x.json -> ..data/x.json, ..data -> ..<timestamp>)', async () => {
    const source = rulesCopy();
    const mount = tempDir('cds-configmap-');
    const stamp = '..2026_11_21_12_00_00.000000001';
    mkdirSync(path.join(mount, stamp));
    const names = readdirSync(source).filter((n) => n.endsWith('.json'));
    for (const name of names) {
      renameSync(path.join(source, name), path.join(mount, stamp, name));
      symlinkSync(`..data/${name}`, path.join(mount, name));
    }
    symlinkSync(stamp, path.join(mount, '..data'));
    expect((await ruleIds(mount)).toSorted()).toEqual(names.map((n) => n.replace(/\.json$/, '')).toSorted());
  });

  it('refuses the set, naming the file, for a link whose target is gone, a link to a folder, and a folder named *.json', async () => {
    const rules = rulesCopy();
    rmSync(path.join(rules, `${RULE}.json`));
    symlinkSync(path.join(rules, 'gone', `${RULE}.json`), path.join(rules, `${RULE}.json`));
    mkdirSync(path.join(rules, 'a-folder.json'));
    symlinkSync('a-folder.json', path.join(rules, 'linked-folder.json'));
    const result = await loadRuleSet(rules);
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    expect(errors).toEqual(
      expect.arrayContaining([
        `${RULE}.json: is a symbolic link whose target does not exist`,
        'linked-folder.json: is a symbolic link to something that is not a file; link it to the rule file itself',
        'a-folder.json: is a folder; a rules folder entry named *.json must be a rule file (or a symbolic link to one)',
      ])
    );
  });

  it("ignores hidden entries: an editor's lock file (Emacs' .#x.json, a link to nowhere) does not stop the set from loading", async () => {
    const rules = rulesCopy();
    const before = await ruleIds(rules);
    symlinkSync('user@host.1234:1700000000', path.join(rules, `.#${RULE}.json`));
    mkdirSync(path.join(rules, '..data.json'));
    expect(await ruleIds(rules)).toEqual(before);
  });

  it('keeps serving the previous set on a hot reload that meets a broken link, and names the file', async () => {
    const rules = rulesCopy();
    const held = await createRuleSetHolder({ rulesDir: rules });
    if (!held.ok) {
      throw new Error(held.errors.join('\n'));
    }
    rmSync(path.join(rules, `${RULE}.json`));
    symlinkSync(path.join(rules, 'gone.json'), path.join(rules, `${RULE}.json`));
    const reloaded = await held.value.reload();
    expect(reloaded.ok).toBe(false);
    expect(reloaded.ok ? [] : reloaded.errors).toContain(`${RULE}.json: is a symbolic link whose target does not exist`);
    expect(held.value.current().rules.map((r) => r.id)).toContain(RULE);
  });
});
