/**
 * The gaps a check leaves open, as the "check incomplete" card lists them: what the patient's record lacks
 * (src/patient DataGap: a prefetch key neither sent nor fetched, pages not read, an unresolved medication) and
 * what the facts could not establish (src/facts FactGap: an unknown dose, an unrecognised medication). Each is
 * listed only where it could change the check: where an active rule reading what it leaves open could fire for
 * one of the request's orders if that were known (engine/facts-read.ts gapsForActiveRules).
 *
 * A record gap may change any fact but those read off the draft order alone (its classes and ingredients): a
 * missing list of pharmacy fills or conditions cannot make a lisinopril order a CNS-depressant check. Listing
 * such gaps on every order of an EHR that does not send an optional key was noise on a card clinicians learn to
 * skip. A medication the service could not resolve ("medication" gaps) may be the draft's own: it may change
 * every fact, and is always listed, as is an unrecognised medication.
 */
import { gapsForActiveRules } from '../engine/index.ts';
import type { RuleSet } from '../engine/index.ts';
import { FACT_NAMES } from '../facts/index.ts';
import type { EngineFacts, FactGap } from '../facts/index.ts';
import type { DataGap } from '../patient/index.ts';

/** Facts read off the draft order's own medication (classifier), whatever else the record holds. */
const FROM_THE_DRAFT_ALONE: ReadonlySet<keyof EngineFacts> = new Set(['orderClasses', 'orderIngredients']);

/** The facts a gap in the record may leave open: every fact not read off the draft alone. */
const RECORD_FACTS: readonly (keyof EngineFacts)[] = FACT_NAMES.filter((name) => !FROM_THE_DRAFT_ALONE.has(name));

/** The facts a record gap leaves open: an unresolved medication may be the draft's own, and changes any. */
function factsOpenedBy(gap: DataGap): FactGap['facts'] {
  return gap.key === 'medication' ? 'all' : RECORD_FACTS;
}

/**
 * The record's and the facts' gaps that could change this check, record gaps first, each in its order.
 * Every gap's facts are taken as open together, so one gap never hides another's.
 * @param recordGaps - What the patient record lacks (PatientRecord.gaps).
 * @param factGaps - What the facts could not establish (Facts.gaps).
 * @param ruleSet - The rule set the orders were checked with (its active rules decide).
 * @param orders - The engine facts of each order checked (engineFactsFor).
 */
export function checkDataGaps(recordGaps: readonly DataGap[], factGaps: readonly FactGap[], ruleSet: RuleSet, orders: readonly EngineFacts[]): DataGap[] {
  const shown = new Map<FactGap, DataGap>();
  for (const gap of recordGaps) {
    shown.set({ purpose: gap.purpose, reason: gap.reason, facts: factsOpenedBy(gap) }, gap);
  }
  for (const gap of factGaps) {
    shown.set(gap, { key: 'facts', purpose: gap.purpose, reason: gap.reason, required: false });
  }
  return gapsForActiveRules([...shown.keys()], ruleSet.engineRules, ruleSet.factsRead, orders).map((g) => shown.get(g)!);
}
