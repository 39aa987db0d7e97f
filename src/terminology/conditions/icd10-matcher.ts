/**
 * ICD-10-CM / WHO ICD-10 lookups: longest matching code prefix from data/icd10-rules.ts, plus the
 * poisoning-intent and remission character checks. Compiled once at module load.
 */
import type { IcdEdition } from './code-systems.ts';
import type { ConditionGroup } from './condition-group.ts';
import { ICD10_CATEGORY_RANGES, ICD10_RULES, type IcdRule } from './data/icd10-rules.ts';

/** Letter, digit, category character, then an optional dot and up to four more characters. */
const ICD10_CODE = /^[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?$/;
const POISONING_INTENTS: ReadonlySet<string> = new Set(['1', '2', '3', '4']);

function compile(): ReadonlyMap<string, readonly IcdRule[]> {
  const byPrefix = new Map<string, IcdRule[]>();
  const add = (rule: IcdRule): void => {
    const rules = byPrefix.get(rule.prefix) ?? [];
    for (const edition of rule.editions ?? ['icd-10-cm', 'icd-10']) {
      if (rules.some((r) => (r.editions ?? ['icd-10-cm', 'icd-10']).includes(edition))) {
        throw new Error(`Duplicate ICD-10 rule for ${rule.prefix} (${edition})`);
      }
    }
    rules.push(rule);
    byPrefix.set(rule.prefix, rules);
  };
  const explicit = new Set(ICD10_RULES.map((rule) => rule.prefix));
  for (const range of ICD10_CATEGORY_RANGES) {
    for (let n = range.from; n <= range.to; n++) {
      const prefix = `${range.letter}${String(n).padStart(2, '0')}`;
      // An explicit rule for the same category (e.g. C44, C90) replaces the range entry.
      if (!explicit.has(prefix)) add({ prefix, groups: range.groups, note: range.note });
    }
  }
  for (const rule of ICD10_RULES) add(rule);
  return byPrefix;
}

const RULES_BY_PREFIX = compile();
const LONGEST_PREFIX = Math.max(...[...RULES_BY_PREFIX.keys()].map((prefix) => prefix.length));

/** Upper-case, without the dot ("j44.9" -> "J449"); undefined when it is not shaped like an ICD-10 code. */
export function normaliseIcd10Code(code: string): string | undefined {
  const trimmed = code.trim().toUpperCase();
  return ICD10_CODE.test(trimmed) ? trimmed.replace('.', '') : undefined;
}

function ruleFor(code: string, edition: IcdEdition): IcdRule | undefined {
  for (let length = Math.min(LONGEST_PREFIX, code.length); length >= 1; length--) {
    const rule = RULES_BY_PREFIX.get(code.slice(0, length))?.find((r) => r.editions === undefined || r.editions.includes(edition));
    if (rule !== undefined) return rule;
  }
  return undefined;
}

/**
 * Groups for one ICD-10(-CM) code.
 * @param code a code already normalised by normaliseIcd10Code
 * @param edition which classification the coding's system names
 * @returns the groups (empty when the code is outside every group)
 */
export function icd10Groups(code: string, edition: IcdEdition): readonly ConditionGroup[] {
  const rule = ruleFor(code, edition);
  if (rule === undefined) return [];
  if (rule.poisoningIntent === true) {
    // T40.2X1A: the 6th character (index 5) is the ICD-10-CM intent. A code that long is read the
    // same whatever system it was sent under; a shorter ICD-10-CM code cannot tell poisoning from
    // adverse effect or underdosing, while WHO ICD-10 T36-T50 are poisonings only.
    if (code.length >= 6 ? !POISONING_INTENTS.has(code.charAt(5)) : edition === 'icd-10-cm') return [];
  }
  // C91.01: the 5th character 1 is "in remission" (ICD-10-CM; WHO codes stop at 4 characters).
  if (rule.remissionFifthCharacter === true && code.charAt(4) === '1') return [];
  return rule.groups;
}
