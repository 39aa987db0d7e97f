/**
 * Validates one rule file: the JSON Schema in rules/schema/rule.schema.json first, then what a
 * schema cannot say (file name matches id, facts exist, placeholders exist). Errors name the file,
 * the JSON pointer and what was expected, in words an informaticist understands.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import { FACT_NAMES } from '../facts/index.ts';
import { CONDITION_GROUPS, DRUG_CLASSES } from '../terminology/index.ts';
import { PARAM_PREFIX, substituteParameters } from './compile-rules.ts';
import type { RuleDefinition } from './types.ts';

export const RULE_SCHEMA_PATH = fileURLToPath(new URL('../../rules/schema/rule.schema.json', import.meta.url));
const schema = JSON.parse(readFileSync(RULE_SCHEMA_PATH, 'utf8')) as object;
const validateSchema = new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(schema);

export const DETAIL_PLACEHOLDERS = [
  'order',
  'interacting',
  'patientAge',
  'riskFactors',
  'mmeBreakdown',
  'totalMme',
  'cnsDrugs',
  'ketamineTiming',
  'overdoseSigns',
] as const;
const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;

export type RuleResult = { readonly ok: true; readonly value: RuleDefinition } | { readonly ok: false; readonly errors: string[] };

/**
 * @param json - Parsed file content.
 * @param fileName - Base name, e.g. "opioid-benzodiazepine.json" (used in messages and to check the id).
 * @returns The typed rule, or every problem found.
 */
export function validateRule(json: unknown, fileName: string): RuleResult {
  if (!validateSchema(json)) {
    return { ok: false, errors: explainSchemaErrors(validateSchema.errors ?? [], fileName) };
  }
  const rule = json as unknown as RuleDefinition;
  const errors: string[] = [];
  const expectedId = fileName.replace(/\.json$/, '');
  if (rule.replaces?.includes(rule.id)) {
    errors.push(`${fileName}: /replaces: a rule cannot replace itself`);
  }
  if (rule.id !== expectedId) {
    errors.push(`${fileName}: /id: the id "${rule.id}" must equal the file name "${expectedId}"`);
  }
  const trees: [string, unknown][] = [['/conditions', rule.conditions], ...(rule.escalations ?? []).map((e, i): [string, unknown] => [`/escalations/${i}/conditions`, e.conditions])];
  for (const [root, tree] of trees) {
    for (const [pointer, fact, value] of factsUsed(tree, root)) {
      if (!(FACT_NAMES as readonly string[]).includes(fact)) {
        errors.push(`${fileName}: ${pointer}/fact: unknown fact "${fact}"; known facts are ${FACT_NAMES.join(', ')}`);
      }
      errors.push(...checkValue(fileName, pointer, fact, value));
    }
    const missing: string[] = [];
    substituteParameters(tree, rule, missing);
    for (const name of new Set(missing)) {
      errors.push(`${fileName}: ${root}: "${PARAM_PREFIX}${name}" names no entry in "parameters"`);
    }
  }
  if (PLACEHOLDER.test(rule.card.summary)) {
    errors.push(`${fileName}: /card/summary: placeholders are not allowed in the summary (it must stay under 140 characters)`);
  }
  for (const match of rule.card.detail.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (name.startsWith('param.')) {
      if (!rule.parameters?.[name.slice('param.'.length)]) {
        errors.push(`${fileName}: /card/detail: {{${name}}} names no entry in "parameters"`);
      }
      continue;
    }
    if (!(DETAIL_PLACEHOLDERS as readonly string[]).includes(name)) {
      errors.push(`${fileName}: /card/detail: unknown placeholder {{${name}}}; known placeholders are ${DETAIL_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`);
    }
  }
  (rule.escalations ?? []).forEach((e, i) => {
    if (e.summary && PLACEHOLDER.test(e.summary)) {
      errors.push(`${fileName}: /escalations/${i}/summary: placeholders are not allowed in a summary`);
    }
  });
  if (/[\r\n]/.test(rule.card.summary)) {
    errors.push(`${fileName}: /card/summary: must be one line`);
  }
  const highest = [rule.indicator, ...(rule.escalations ?? []).map((e) => e.indicator)].find((i) => i !== 'info');
  if (highest && (rule.card.overrideReasons?.length ?? 0) === 0) {
    errors.push(`${fileName}: /card/overrideReasons: ${highest} cards must offer at least one coded override reason`);
  }
  const recommended = rule.card.suggestions?.filter((s) => s.isRecommended).length ?? 0;
  if (recommended > 1) {
    errors.push(`${fileName}: /card/suggestions: at most one suggestion may be recommended`);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: rule };
}

/** Values a class or condition fact can hold: a typo such as "benzodiazepines" would never match. */
const KNOWN_VALUES: Readonly<Record<string, readonly string[]>> = {
  orderClasses: DRUG_CLASSES,
  concurrentClasses: DRUG_CLASSES,
  conditions: CONDITION_GROUPS,
};

function checkValue(fileName: string, pointer: string, fact: string, value: unknown): string[] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return [`${fileName}: ${pointer}/value: must be a value or a list of values (comparing with another fact is not supported)`];
  }
  const known = KNOWN_VALUES[fact];
  if (!known) {
    return [];
  }
  const values = Array.isArray(value) ? value : [value];
  return values
    .filter((v) => !(typeof v === 'string' && (v.startsWith(PARAM_PREFIX) || known.includes(v))))
    .map((v) => `${fileName}: ${pointer}/value: ${JSON.stringify(v)} is not a known value of "${fact}"; known values are ${known.join(', ')}`);
}

function* factsUsed(node: unknown, pointer: string): Generator<[string, string, unknown]> {
  if (!node || typeof node !== 'object') {
    return;
  }
  const obj = node as Record<string, unknown>;
  if (typeof obj.fact === 'string') {
    yield [pointer, obj.fact, obj.value];
  }
  for (const key of ['all', 'any'] as const) {
    const list = obj[key];
    if (Array.isArray(list)) {
      for (let i = 0; i < list.length; i++) {
        yield* factsUsed(list[i], `${pointer}/${key}/${i}`);
      }
    }
  }
  if (obj.not) {
    yield* factsUsed(obj.not, `${pointer}/not`);
  }
}

function explainSchemaErrors(errors: readonly ErrorObject[], fileName: string): string[] {
  // oneOf failures repeat every branch's complaint; keep the most specific (deepest) messages.
  const deepest = errors.filter((e) => e.keyword !== 'oneOf' && !errors.some((o) => o !== e && o.instancePath.startsWith(`${e.instancePath}/`)));
  const messages = (deepest.length > 0 ? deepest : errors).map((e) => `${fileName}: ${e.instancePath || '/'}: ${explain(e)}`);
  return [...new Set(messages)];
}

function explain(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `missing required field "${String(p.missingProperty)}"`;
    case 'additionalProperties':
      return `unknown field "${String(p.additionalProperty)}" (check the spelling)`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'type':
      return `must be ${article(String(p.type))}`;
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters`;
    case 'minLength':
      return `must be at least ${String(p.limit)} characters`;
    case 'pattern':
      return `has the wrong format (expected to match ${String(p.pattern)})`;
    case 'minItems':
      return `must list at least ${String(p.limit)} item(s)`;
    default:
      return e.message ?? 'is not valid';
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
