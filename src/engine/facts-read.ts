/**
 * Which engine facts a rule set's active rules read, worked out once when the set loads, and the fact gaps
 * worth telling the clinician about: a gap (src/facts/types.ts FactGap) is reported only when an active rule
 * reads a fact it leaves open. A rule switched off in the console (status "disabled") checks nothing, so a
 * dose it alone needed is not "a part of the check that could not be done": listing it was noise on the
 * "check incomplete" card, which clinicians learn to skip.
 */
import type { EngineFacts, FactGap } from '../facts/index.ts';
import { FACT_NAMES } from '../facts/index.ts';
import type { EngineRule } from './types.ts';

const KNOWN_FACTS: ReadonlySet<string> = new Set(FACT_NAMES);

/**
 * The facts the active engine rules read: every `fact` of their condition trees (a rule's base conditions and,
 * as compiled, each escalation's). Anything the walk cannot read as a plain fact condition (a reference to a
 * named condition, a value taken from another fact: the schema allows neither today) counts as reading every
 * fact, so a gap is never dropped for a check that may need it.
 * @param rules - The set's compiled engine rules (disabled ones are skipped).
 * @returns The fact names, in FACT_NAMES order.
 */
export function factsReadByActiveRules(rules: readonly EngineRule[]): readonly (keyof EngineFacts)[] {
  const read = new Set<string>();
  let every = false;
  const walk = (node: unknown): void => {
    if (every || node === null || typeof node !== 'object') {
      return;
    }
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    const obj = node as Record<string, unknown>;
    if ('condition' in obj || (typeof obj.value === 'object' && obj.value !== null && 'fact' in obj.value)) {
      every = true;
      return;
    }
    if (typeof obj.fact === 'string') {
      if (!KNOWN_FACTS.has(obj.fact)) {
        every = true;
      }
      read.add(obj.fact);
    }
    for (const key of ['all', 'any', 'not'] as const) {
      walk(obj[key]);
    }
  };
  for (const rule of rules) {
    if (rule.active) {
      walk(rule.conditions);
    }
  }
  return every ? FACT_NAMES : FACT_NAMES.filter((name) => read.has(name));
}

/**
 * The fact gaps a check of this rule set leaves open: those naming a fact an active rule reads, and those that
 * may change any fact (a medication the service does not recognise).
 * @param gaps - The request's fact gaps (Facts.gaps).
 * @param factsRead - The facts the set's active rules read (RuleSet.factsRead).
 */
export function gapsForActiveRules(gaps: readonly FactGap[], factsRead: readonly (keyof EngineFacts)[]): FactGap[] {
  return gaps.filter((gap) => gap.facts === 'all' || gap.facts.some((fact) => factsRead.includes(fact)));
}
