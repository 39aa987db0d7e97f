/**
 * Which engine facts a rule set's active rules read, worked out once when the set loads, and the fact gaps
 * worth telling the clinician about: a gap (src/facts/types.ts FactGap) is reported only when an active rule
 * reads a fact it leaves open. A rule switched off in the console (status "disabled") checks nothing, so a
 * dose it alone needed is not "a part of the check that could not be done": listing it was noise on the
 * "check incomplete" card, which clinicians learn to skip.
 */
import type { EngineFacts, FactGap } from '../facts/index.ts';
import { FACT_NAMES } from '../facts/index.ts';
import { couldFireWithOpenFacts, factsReadByRule } from './rule-gate.ts';
import type { GateFacts } from './rule-gate.ts';
import type { EngineRule } from './types.ts';

const KNOWN_FACTS: ReadonlySet<string> = new Set(FACT_NAMES);

/**
 * What a gap that may change "any fact" (FactGap.facts `'all'`: a medication the service does not recognise or could
 * not resolve, maybe the draft's own) leaves open beside it: every fact but the patient's age and conditions, which
 * no medication changes. A lisinopril-looking draft whose drug is unknown may be an opioid: the other gaps a check of
 * an opioid would list (its dose, the pharmacy fills) are listed too.
 */
const OPENED_BY_ANY_MEDICATION: readonly (keyof EngineFacts)[] = FACT_NAMES.filter((name) => name !== 'patientAgeYears' && name !== 'conditions');

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
 * The fact gaps a check of this rule set leaves open: those that may change any fact (a medication the service
 * does not recognise), and those naming a fact that an active rule reads and that rule could fire for one of the
 * request's orders if the open facts were known. A rule its other facts rule out changes nothing whatever the
 * open fact is: the methadone dose-increase check for a patient under 18 or in hospice care, an age check for
 * an order of a class it does not look at. Every gap's facts are taken as open together, so one unknown fact
 * never hides another's gap (an unknown age beside an unknown dose, an unknown drug beside an unknown dose).
 * @param gaps - The request's fact gaps (Facts.gaps).
 * @param rules - The set's compiled engine rules (RuleSet.engineRules; disabled ones are skipped).
 * @param factsRead - The facts the set's active rules read (RuleSet.factsRead).
 * @param orders - The engine facts of each order checked (engineFactsFor).
 */
export function gapsForActiveRules(gaps: readonly FactGap[], rules: readonly EngineRule[], factsRead: readonly (keyof EngineFacts)[], orders: readonly EngineFacts[]): FactGap[] {
  const open = gaps.flatMap((gap) => (gap.facts === 'all' ? OPENED_BY_ANY_MEDICATION : gap.facts));
  return gaps.filter((gap) => {
    if (gap.facts === 'all') return true;
    const gapFacts = gap.facts;
    if (!gapFacts.some((fact) => factsRead.includes(fact))) return false;
    return rules.some((rule) => {
      if (!rule.active) return false;
      const read = factsReadByRule(rule.conditions);
      if (read !== 'all' && !gapFacts.some((fact) => read.has(fact))) return false;
      return orders.some((facts) => couldFireWithOpenFacts(rule.conditions, facts as unknown as GateFacts, open));
    });
  });
}
