/**
 * Loads rules/*.json (one rule per file) and rules/value-sets/*.json (local codes) into an
 * immutable RuleSet. The whole set must pass: one bad file and the set is refused, so the
 * service never runs on half a rule set.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ValueSet } from '@medplum/fhirtypes';
import { createClassifier, validateLocalValueSet } from '../terminology/index.ts';
import { compileRules } from './compile-rules.ts';
import { factsReadByActiveRules } from './facts-read.ts';
import type { RuleDefinition, RuleSet } from './types.ts';
import { validateRule } from './validate-rule.ts';

export type RuleSetResult = { readonly ok: true; readonly value: RuleSet } | { readonly ok: false; readonly errors: string[] };

export const VALUE_SETS_DIR = 'value-sets';

/**
 * Largest rule file (UTF-8 bytes): the shipped rules are under 10 KiB. Unbounded, a rule saved through
 * the admin API could be as large as its body limit (5 MiB, about 100,000 lines), and everything done per
 * rule grew with it (validation, the history's diffs: two versions of 16,000 lines took 70 s to diff).
 */
export const MAX_RULE_FILE_BYTES = 256 * 1024;

/** The `*.json` files of a folder, and why any other entry named `*.json` is not one. */
export interface JsonFiles {
  /** Base names, sorted: regular files, and symbolic links to regular files. */
  readonly names: string[];
  /** "<label>: why": a folder, a link to something that is not a file, a link whose target is gone. */
  readonly problems: string[];
}

/**
 * Lists a folder's `*.json` files (a missing folder has none). A symbolic link to a regular file counts as
 * that file, wherever the file is: Kubernetes mounts a ConfigMap as `x.json -> ..data/x.json`, and a
 * shared rule may be linked in on purpose (only someone who can write the folder can make a link). Any
 * other entry named `*.json` is a problem, never skipped: only plain files were kept, so a linked rule
 * left the set without a word (a safety check silently off, and the folder still "valid").
 * @param dir - The folder.
 * @param label - How a problem names the folder's entries, e.g. "value-sets/" ("" for the rules folder).
 */
export async function listJsonFiles(dir: string, label = ''): Promise<JsonFiles> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return { names: [], problems: [] };
    }
    throw err;
  }
  const names: string[] = [];
  const problems: string[] = [];
  // Hidden entries are not rules (a rule id never starts with "."): an editor's lock file (Emacs makes
  // ".#x.json", a symbolic link to nowhere, while x.json is edited), a save's temporary file, Kubernetes'
  // "..data". They must not stop the rule set from loading.
  for (const entry of entries.filter((e) => e.name.endsWith('.json') && !e.name.startsWith('.')).sort((a, b) => compareNames(a.name, b.name))) {
    if (entry.isFile()) {
      names.push(entry.name);
      continue;
    }
    const name = `${label}${entry.name}`;
    if (!entry.isSymbolicLink()) {
      problems.push(`${name}: is ${entry.isDirectory() ? 'a folder' : 'not a regular file'}; a rules folder entry named *.json must be a rule file (or a symbolic link to one)`);
      continue;
    }
    try {
      if ((await stat(path.join(dir, entry.name))).isFile()) {
        names.push(entry.name);
      } else {
        problems.push(`${name}: is a symbolic link to something that is not a file; link it to the rule file itself`);
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push(
        code === 'ENOENT' ? `${name}: is a symbolic link whose target does not exist` : `${name}: is a symbolic link that cannot be followed (${code ?? (err as Error).message})`
      );
    }
  }
  return { names, problems };
}

/** One file of a rule set, as read from disk (or drafted in the admin API). */
export interface RuleSourceFile {
  /** Base name, e.g. "opioid-benzodiazepine.json" (value sets: the name inside value-sets/). */
  readonly name: string;
  readonly text: string;
}

/** The files a rule set is built from: what {@link buildRuleSet} needs, and what the admin API edits. */
export interface RuleSources {
  readonly rules: readonly RuleSourceFile[];
  readonly valueSets: readonly RuleSourceFile[];
  /** Entries named *.json that are not files (listJsonFiles): each refuses the set, named by file. */
  readonly notFiles?: readonly string[];
}

/**
 * Reads every rule file and value set of a rules folder (no validation).
 * @param rulesDir - The rules folder.
 * @returns The files, sorted by name.
 */
export async function readRuleSources(rulesDir: string): Promise<RuleSources> {
  const notFiles: string[] = [];
  const read = async (dir: string, label: string): Promise<RuleSourceFile[]> => {
    const listed = await listJsonFiles(dir, label);
    notFiles.push(...listed.problems);
    return Promise.all(listed.names.map(async (name) => ({ name, text: await readFile(path.join(dir, name), 'utf8') })));
  };
  const rules = await read(rulesDir, '');
  const valueSets = await read(path.join(rulesDir, VALUE_SETS_DIR), `${VALUE_SETS_DIR}/`);
  return { rules, valueSets, ...(notFiles.length > 0 ? { notFiles } : {}) };
}

/**
 * @param rulesDir - The rules folder.
 * @param now - Load time, recorded on the set.
 * @returns The rule set, or every error found in every file.
 */
export async function loadRuleSet(rulesDir: string, now: Date = new Date()): Promise<RuleSetResult> {
  const sources = await readRuleSources(rulesDir);
  if (sources.rules.length === 0 && !sources.notFiles) {
    return { ok: false, errors: [`no rule files found in ${rulesDir}`] };
  }
  return buildRuleSet(sources, now);
}

/**
 * Validates and compiles a rule set from file contents: the same checks whether the files come
 * from disk (start-up, hot reload, the rules CLI) or from an editor's draft (admin API dry runs).
 * @param sources - Rule files and value set files.
 * @param now - Load time, recorded on the set.
 * @returns The rule set, or every error found in every file.
 */
export function buildRuleSet(sources: RuleSources, now: Date = new Date()): RuleSetResult {
  const errors: string[] = [...(sources.notFiles ?? [])];
  const hash = createHash('sha256');
  const rules: RuleDefinition[] = [];
  const ruleFiles = [...sources.rules].sort((a, b) => compareNames(a.name, b.name));
  const seen = new Set<string>();
  const parsedRules: { name: string; json: unknown }[] = [];
  for (const { name, text } of ruleFiles) {
    if (seen.has(name)) {
      errors.push(`${name}: /id: duplicate rule file "${name}"`);
      continue;
    }
    seen.add(name);
    hash.update(`rule:${name}\n${text}\n`);
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_RULE_FILE_BYTES) {
      errors.push(`${name}: the file is ${Math.ceil(bytes / 1024)} KiB; a rule file may be at most ${MAX_RULE_FILE_BYTES / 1024} KiB (move long reference text behind an evidence link)`);
      continue;
    }
    const parsed = parseJson(text, name, errors);
    if (parsed === undefined) {
      continue;
    }
    parsedRules.push({ name, json: parsed });
    const result = validateFile(parsed, name);
    if (result.ok) {
      rules.push(result.value);
    } else {
      errors.push(...result.errors);
    }
  }
  const valueSets: ValueSet[] = [];
  for (const { name, text } of [...sources.valueSets].sort((a, b) => compareNames(a.name, b.name))) {
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
  const ids = new Set<string>();
  for (const rule of rules) {
    if (ids.has(rule.id)) {
      errors.push(`${rule.id}.json: /id: duplicate rule id "${rule.id}"`);
    }
    ids.add(rule.id);
  }
  // A file that failed on its own is already reported: do not also report every rule replacing it.
  const present = new Set([...ids, ...ruleFiles.map((f) => f.name.replace(/\.json$/, ''))]);
  // Checked on every parsed file, so a rule with other mistakes still hears about this one too.
  for (const { name, json } of parsedRules) {
    const replaces = json && typeof json === 'object' ? (json as { replaces?: unknown }).replaces : undefined;
    for (const replaced of Array.isArray(replaces) ? replaces : []) {
      if (typeof replaced === 'string' && !present.has(replaced)) {
        errors.push(`${name}: /replaces: no rule with id "${replaced}"`);
      }
    }
  }
  errors.push(...replacementCycles(rules));
  if (ruleFiles.length === 0) {
    errors.push('no rule files');
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
  const engineRules = compileRules(rules);
  return {
    ok: true,
    value: { version: hash.digest('hex').slice(0, 12), loadedAt: now.toISOString(), rules, engineRules, factsRead: factsReadByActiveRules(engineRules), classifier },
  };
}

/**
 * validateRule, with anything it throws reported as a problem of the file: a rule file is input, and a
 * bug its content trips in a check (or in a library a check uses) must refuse that file by name, not
 * escape as an error that names none (the CLI printed a stack trace; the admin API answered 500).
 */
function validateFile(json: unknown, name: string): ReturnType<typeof validateRule> {
  try {
    return validateRule(json, name);
  } catch (err) {
    return { ok: false, errors: [`${name}: could not be validated: ${(err as Error).message}`] };
  }
}

/** Same order as the directory listing used to give (code-unit order), so versions do not change. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function parseJson(text: string, label: string, errors: string[]): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    errors.push(`${label}: not valid JSON: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * A rule that replaces itself, or rules that replace each other (directly or in a ring), would hide
 * each other's cards: every one of them would be dropped.
 */
function replacementCycles(rules: readonly RuleDefinition[]): string[] {
  const edges = new Map(rules.map((r) => [r.id, r.replaces ?? []]));
  const errors: string[] = [];
  for (const rule of rules) {
    const seen = new Set<string>();
    const stack = [...(edges.get(rule.id) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (next === rule.id) {
        errors.push(`${rule.id}.json: /replaces: "${rule.id}" would end up replacing itself (through ${[...seen].join(', ') || 'itself'}), so its card and the cards it replaces would never show`);
        break;
      }
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(...(edges.get(next) ?? []));
      }
    }
  }
  return errors;
}
