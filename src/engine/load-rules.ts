/**
 * Loads rules/*.json (one rule per file) and rules/value-sets/*.json (local codes) into an
 * immutable RuleSet. The whole set must pass: one bad file and the set is refused, so the
 * service never runs on half a rule set.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ValueSet } from '@medplum/fhirtypes';
import { createClassifier, validateLocalValueSet } from '../terminology/index.ts';
import { compileRules } from './compile-rules.ts';
import type { RuleDefinition, RuleSet } from './types.ts';
import { validateRule } from './validate-rule.ts';

export type RuleSetResult = { readonly ok: true; readonly value: RuleSet } | { readonly ok: false; readonly errors: string[] };

export const VALUE_SETS_DIR = 'value-sets';

async function jsonFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isFile() && e.name.endsWith('.json')).map((e) => e.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw err;
  }
}

/**
 * @param rulesDir - The rules folder.
 * @param now - Load time, recorded on the set.
 * @returns The rule set, or every error found in every file.
 */
export async function loadRuleSet(rulesDir: string, now: Date = new Date()): Promise<RuleSetResult> {
  const errors: string[] = [];
  const hash = createHash('sha256');
  const ruleFiles = await jsonFiles(rulesDir);
  const rules: RuleDefinition[] = [];
  for (const name of ruleFiles) {
    const text = await readFile(path.join(rulesDir, name), 'utf8');
    hash.update(`rule:${name}\n${text}\n`);
    const parsed = parseJson(text, name, errors);
    if (parsed === undefined) {
      continue;
    }
    const result = validateRule(parsed, name);
    if (result.ok) {
      rules.push(result.value);
    } else {
      errors.push(...result.errors);
    }
  }
  const valueSets: ValueSet[] = [];
  const vsDir = path.join(rulesDir, VALUE_SETS_DIR);
  for (const name of await jsonFiles(vsDir)) {
    const text = await readFile(path.join(vsDir, name), 'utf8');
    hash.update(`value-set:${name}\n${text}\n`);
    const label = `${VALUE_SETS_DIR}/${name}`;
    const parsed = parseJson(text, label, errors);
    if (parsed === undefined) {
      continue;
    }
    const result = validateLocalValueSet(parsed);
    if (result.ok) {
      valueSets.push(result.value);
    } else {
      errors.push(...result.errors.map((e) => `${label}: ${e}`));
    }
  }
  const ids = new Set(rules.map((r) => r.id));
  for (const rule of rules) {
    for (const replaced of rule.replaces ?? []) {
      if (!ids.has(replaced)) {
        errors.push(`${rule.id}.json: /replaces: no rule with id "${replaced}"`);
      }
    }
  }
  if (ruleFiles.length === 0) {
    errors.push(`no rule files found in ${rulesDir}`);
  }
  if (errors.length > 0) {
    return { ok: false, errors };
  }
  let classifier;
  try {
    classifier = createClassifier({ localValueSets: valueSets });
  } catch (err) {
    return { ok: false, errors: [`${VALUE_SETS_DIR}: ${(err as Error).message}`] };
  }
  return {
    ok: true,
    value: { version: hash.digest('hex').slice(0, 12), loadedAt: now.toISOString(), rules, engineRules: compileRules(rules), classifier },
  };
}

function parseJson(text: string, label: string, errors: string[]): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    errors.push(`${label}: not valid JSON: ${(err as Error).message}`);
    return undefined;
  }
}
