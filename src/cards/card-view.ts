/**
 * The values a rule's detail template can use ({{order}}, {{riskFactors}}, ...), computed from the
 * facts of one order. Everything that came from the EHR is cut to MAX_TEXT characters and escaped;
 * numbers are rounded for reading.
 */
import type { ConditionFact, MedicationFact, OrderFacts, PatientFacts } from '../facts/index.ts';
import type { RuleDefinition } from '../engine/index.ts';
import { RISK_CONDITION_GROUPS } from '../terminology/index.ts';
import { formatNumber } from '../engine/compile-rules.ts';
import { escapeMarkdown } from './markdown.ts';
import { ruleTriggers } from './rule-triggers.ts';
import type { Trigger } from './rule-triggers.ts';

export const OVERDOSE_SIGNS =
  '**Teach the patient and family the signs of an overdose:** pinpoint pupils; extreme sleepiness or confusion; ' +
  'slow or shallow breathing; slow heartbeat; blue or grey lips or fingernails; being hard to wake or unable to speak. ' +
  'If these appear, give naloxone if it is at hand, call emergency services, and stay with the person.';

const RISK_GROUPS: ReadonlySet<string> = new Set(RISK_CONDITION_GROUPS);

const round = (n: number): string => String(Math.round(n * 10) / 10);

/**
 * Most characters of one EHR-supplied text (a medication or condition name, a reason that quotes the
 * order) put on a card: room for a full product name. Without a cap, 100 drafts named with 48,000
 * characters each made a 96 MB response, as every card lists up to MAX_LISTED of them in each list. With
 * it, a card's detail is bounded by its template, MAX_LISTED lines per list and MAX_TEXT per text.
 */
export const MAX_TEXT = 200;

/**
 * Shortens EHR text for a card. Cut it before escaping, so an escape ("\\*") is never split from the
 * character it protects.
 * @param text - Text as the EHR sent it.
 * @returns `text`, or its first MAX_TEXT - 1 characters and an ellipsis, never cut between the two
 * halves of a surrogate pair.
 */
export function clipText(text: string): string {
  if (text.length <= MAX_TEXT) return text;
  let end = MAX_TEXT - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1; // a high surrogate: keep the pair whole by dropping it
  return `${text.slice(0, end).trimEnd()}…`;
}

/** EHR text as it goes on a card: cut, then escaped. */
const ehr = (text: string): string => escapeMarkdown(clipText(text));

/** An ISO 8601 date-time as written: its date, then its time and offset when it has them. */
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * A record's date with its time when it has one ("2026-11-23 11:28 UTC", "2026-11-23 06:28 UTC-05:00"): a dose
 * given or reported taken hours ago, on a card that reasons in hours (a benzodiazepine before a ketamine
 * session), read "given 2026-11-23" (the date was cut to 10 characters before the 'T' was replaced). The time
 * stays in the offset the EHR wrote it in, the clinician's own, not converted to the server's.
 */
function dateAndTime(value: string): string {
  const parts = DATE_TIME.exec(value);
  if (!parts) return ehr(value.slice(0, 10));
  const [, day = '', time = '', zone] = parts;
  const offset = zone === undefined ? '' : zone === 'Z' || zone === '+00:00' || zone === '-00:00' ? ' UTC' : ` UTC${zone}`;
  return `${day} ${time}${offset}`;
}

export function describeSource(m: MedicationFact): string {
  const date = m.date ? ehr(m.date.slice(0, 10)) : undefined;
  // Doses given or taken: their time matters (orders and fills: the day does).
  const taken = m.date ? dateAndTime(m.date) : undefined;
  switch (m.kind) {
    case 'draft-order':
      return 'another unsigned order in this session';
    case 'medication-request':
      return date ? `active prescription, ordered ${date}` : 'active prescription';
    case 'medication-statement':
      return taken ? `patient reports taking it, since ${taken}` : 'patient reports taking it';
    case 'medication-administration':
      return taken ? `given ${taken}` : 'recently given';
    case 'medication-dispense': {
      const days = m.supplyDays === undefined ? undefined : round(m.supplyDays);
      const supply = days === undefined ? '' : days === '1' ? ", 1 day's supply" : `, ${days} days' supply`;
      return `${date ? `dispensed ${date}` : 'dispensed by a pharmacy'}${supply}`;
    }
  }
}

/**
 * Most medicines listed in one part of a card's detail; the rest are counted. A card is read while
 * signing: a list of dozens hides the one that matters, and a hostile record of thousands would make
 * every card (one per draft order and rule) that long.
 */
export const MAX_LISTED = 12;

/** Lines of a Markdown list, the first MAX_LISTED of them, then how many more there are. */
function capped(lines: readonly string[]): string[] {
  return lines.length <= MAX_LISTED ? [...lines] : [...lines.slice(0, MAX_LISTED), `- and ${lines.length - MAX_LISTED} more (see the medication list)`];
}

/**
 * The medicines of a list, each record counted as another of the list (a statement or a pharmacy fill of an order
 * in use: `recordsRequest`, followed through a fill counted as a newer fill) folded into that one: one medicine
 * counted once in the totals was listed three times (the order, the patient's report of it, its fill), which
 * reads as three opioids. The record it is counted as heads the line; the others follow it ("also ...").
 */
function folded(meds: readonly MedicationFact[]): { med: MedicationFact; also: MedicationFact[] }[] {
  const byRef = new Map(meds.map((m) => [m.ref, m]));
  const anchorOf = (m: MedicationFact): MedicationFact => {
    let anchor = m;
    const seen = new Set([m.ref]);
    for (let next = anchor.recordsRequest ? byRef.get(anchor.recordsRequest) : undefined; next && !seen.has(next.ref); next = next.recordsRequest ? byRef.get(next.recordsRequest) : undefined) {
      seen.add(next.ref);
      anchor = next;
    }
    return anchor;
  };
  const lines = new Map<MedicationFact, MedicationFact[]>();
  const anchors = meds.map(anchorOf);
  for (const anchor of anchors) {
    if (!lines.has(anchor)) lines.set(anchor, []);
  }
  meds.forEach((m, i) => {
    if (anchors[i] !== m) lines.get(anchors[i]!)!.push(m);
  });
  return [...lines].map(([med, also]) => ({ med, also }));
}

/** Where a listed medicine comes from, with the records counted as it. */
function sources(med: MedicationFact, also: readonly MedicationFact[]): string {
  return [describeSource(med), ...also.map((m, i) => `${i === 0 ? 'also ' : ''}${describeSource(m)}`)].join('; ');
}

/**
 * @param meds - Medicines to list.
 * @param empty - The line shown when there are none.
 * @param self - The order the card is about, when it is in the list: named "this order", not as another
 *   unsigned order of the session (which sent readers looking for a duplicate order).
 */
function list(meds: readonly MedicationFact[], empty: string, self?: MedicationFact): string {
  if (meds.length === 0) {
    return `- ${empty}`;
  }
  // The order itself, then the other orders being signed in this session: they are what the clinician can
  // still change, and must never be the ones counted in "and N more".
  const rank = (m: MedicationFact): number => (m === self ? 0 : m.kind === 'draft-order' ? 1 : 2);
  const entries = folded(meds);
  const ordered = entries.length > MAX_LISTED ? [...entries].sort((a, b) => rank(a.med) - rank(b.med)) : entries;
  return capped(ordered.map(({ med, also }) => `- ${ehr(med.display)} (${med === self ? 'this order' : sources(med, also)})`)).join('\n');
}

/** The patient's medications from the group of `interactingClasses` the draft order is not in. */
export function interactingMeds(rule: RuleDefinition, order: OrderFacts): MedicationFact[] {
  const groups = rule.interactingClasses;
  if (!groups) {
    return [];
  }
  const inA = order.order.classes.some((c) => groups.a.includes(c));
  const inB = order.order.classes.some((c) => groups.b.includes(c));
  const wanted = new Set([...(inA ? groups.b : []), ...(inB ? groups.a : [])]);
  return order.concurrent.filter((m) => m.classes.some((c) => wanted.has(c)));
}

function interacting(rule: RuleDefinition, order: OrderFacts): string {
  return list(interactingMeds(rule, order), rule.interactingClasses ? 'no interacting medication recorded' : 'none');
}

function totalMme(order: OrderFacts): string {
  const total = round(order.mme.totalKnown);
  const unknown = order.mme.unknownCount === 1 ? '1 opioid dose could not be calculated' : `${order.mme.unknownCount} opioid doses could not be calculated`;
  return order.mme.complete ? `${total} MME/day` : `at least ${total} MME/day (${unknown})`;
}

function mmeBreakdown(order: OrderFacts): string {
  // When the list is cut, the doses that could not be calculated and the largest doses come first; the
  // total below still counts every one.
  const drugs = order.mme.perDrug.length > MAX_LISTED ? [...order.mme.perDrug].sort((a, b) => (b.mmePerDay ?? Number.POSITIVE_INFINITY) - (a.mmePerDay ?? Number.POSITIVE_INFINITY)) : order.mme.perDrug;
  // Each line says which record it is ("this order", "active prescription, ordered ..."): a renewal and the order
  // it adds to often share a name, and two lines "Methadone 5 MG Oral Tablet" read as one drug listed twice.
  const records = new Map([order.order, ...order.concurrent].map((m) => [m.ref, m]));
  const lines = drugs.map((d): string => {
    const record = records.get(d.ref);
    const source = d.ref === order.order.ref ? 'this order' : record ? describeSource(record) : undefined;
    const name = `${ehr(d.display)}${source ? ` (${source})` : ''}`;
    if (d.mmePerDay === null) {
      return `- ${name}: unknown (${ehr(d.reason ?? 'dose could not be calculated')})`;
    }
    const dose = d.mgPerDay === null ? '' : ` (${round(d.mgPerDay)} ${d.unit} ${d.ingredient} × ${d.factor ?? '?'})`;
    const flag = d.factorSource === 'cdc-2017-not-2022' ? '; factor is not a CDC 2022 value' : '';
    return `- ${name}: ${round(d.mmePerDay)} MME/day${dose}${flag}`;
  });
  return [...(lines.length > 0 ? capped(lines) : ['- no opioid with a calculable dose']), '', `**Total: ${totalMme(order)}** (CDC 2022 conversion factors; buprenorphine is not counted).`].join('\n');
}

/**
 * The thresholds the risk-factor list uses: the rule's own parameters when it has them (an admin who
 * changes `olderAdultAge` changes both the condition and this list), else the values the shipped rules
 * use: age 65 (AGS Beers Criteria 2023), 50 MME/day (CDC 2022 opioid guideline, recommendation 8) and
 * three CNS-active drugs (AGS Beers Criteria 2023, "three or more CNS-active drugs").
 */
interface RiskThresholds {
  readonly age: number;
  readonly mme: number;
  readonly cnsDrugs: number;
}

function numberParameter(rule: RuleDefinition, names: readonly string[], fallback: number): number {
  for (const name of names) {
    const value = rule.parameters?.[name]?.value;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return fallback;
}

function riskThresholds(rule: RuleDefinition): RiskThresholds {
  return {
    age: numberParameter(rule, ['olderAdultAge', 'minimumAge'], 65),
    mme: numberParameter(rule, ['mmeThreshold'], 50),
    cnsDrugs: numberParameter(rule, ['cnsDrugThreshold'], 3),
  };
}

/**
 * Groups that hold the more specific ones: a Condition coded as alcohol (or opioid) use disorder is also in the
 * substance use disorder group, and named once, by the specific one.
 */
const UMBRELLA_GROUPS: Readonly<Record<string, readonly string[]>> = { 'substance-use-disorder': ['alcohol-use-disorder', 'opioid-use-disorder'] };

/**
 * One line per recorded Condition in `groups`: a Condition in several groups is one line naming them (the
 * fact list has one entry per Condition and group, one Condition's entries next to each other), not two lines
 * that read as two diagnoses. A group already named by an earlier Condition is not named again (a problem-list
 * entry and a visit diagnosis of the same COPD give one line).
 * @param conditions - The patient's condition facts, in the order derived.
 * @param groups - The groups to name.
 */
export function conditionLines(conditions: readonly ConditionFact[], groups: ReadonlySet<string>): string[] {
  const records: { display: string; recordedDate?: string; groups: string[]; labels: Map<string, string> }[] = [];
  for (const c of conditions) {
    const last = records.at(-1);
    const record = last && last.display === c.display && last.recordedDate === c.recordedDate ? last : undefined;
    const target = record ?? { display: c.display, ...(c.recordedDate === undefined ? {} : { recordedDate: c.recordedDate }), groups: [], labels: new Map<string, string>() };
    if (!record) records.push(target);
    if (groups.has(c.group) && !target.labels.has(c.group)) {
      target.groups.push(c.group);
      target.labels.set(c.group, c.label);
    }
  }
  const named = new Set<string>();
  const lines: string[] = [];
  for (const record of records) {
    if (record.groups.length === 0 || record.groups.every((g) => named.has(g))) continue;
    const shown = record.groups.filter((g) => !(UMBRELLA_GROUPS[g] ?? []).some((specific) => record.groups.includes(specific)));
    for (const g of record.groups) named.add(g);
    const label = shown.map((g) => ehr(record.labels.get(g) ?? g)).join(' and ');
    lines.push(`${label.charAt(0).toUpperCase()}${label.slice(1)} (recorded as "${ehr(record.display)}")`);
  }
  return lines;
}

function riskFactors(rule: RuleDefinition, order: OrderFacts, patient: PatientFacts): string {
  const limits = riskThresholds(rule);
  const lines: string[] = [];
  if (patient.ageYears !== null && patient.ageYears >= limits.age) {
    lines.push(`Age ${patient.ageYears}`);
  }
  lines.push(...conditionLines(patient.conditions, RISK_GROUPS));
  if (order.mme.totalKnown >= limits.mme) {
    lines.push(`Opioid dose ${totalMme(order)}`);
  }
  if (order.cnsDrugs.length >= limits.cnsDrugs) {
    lines.push(`${order.cnsDrugs.length} CNS-active medicines together`);
  }
  return lines.length === 0 ? '- None recorded beyond the combination itself' : lines.map((l) => `- ${l}`).join('\n');
}

/** What a drug class is, as the subject of a sentence ("This order is treatment for opioid use disorder"). */
const CLASS_WORDS: Readonly<Record<string, string>> = {
  'opioid-analgesic': 'an opioid for pain',
  'opioid-antitussive': 'an opioid cough medicine',
  'oud-treatment': 'treatment for opioid use disorder',
  benzodiazepine: 'a benzodiazepine',
  'z-drug': 'a Z-drug sleep medicine',
  barbiturate: 'a barbiturate',
  gabapentinoid: 'gabapentin or pregabalin',
  'muscle-relaxant': 'a muscle relaxant',
  ketamine: 'ketamine or esketamine',
  'naloxone-rescue': 'rescue naloxone',
  'opioid-antagonist': 'an opioid antagonist',
};

/** A drug class heading one medicine of the list ("Benzodiazepine: Lorazepam 1 mg tablet (...)"). */
const CLASS_NOUNS: Readonly<Record<string, string>> = {
  'opioid-analgesic': 'Opioid',
  'opioid-antitussive': 'Opioid cough medicine',
  'oud-treatment': 'Opioid use disorder treatment',
  benzodiazepine: 'Benzodiazepine',
  'z-drug': 'Z-drug sleep medicine',
  barbiturate: 'Barbiturate',
  gabapentinoid: 'Gabapentinoid',
  'muscle-relaxant': 'Muscle relaxant',
  ketamine: 'Ketamine or esketamine',
  'naloxone-rescue': 'Rescue naloxone',
  'opioid-antagonist': 'Opioid antagonist',
};

/** The strings a list condition compares with (contains: one; containsAny, in: several). */
function listed(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

const POSITIVE_LIST = new Set(['contains', 'containsAny', 'in', 'equal']);
const AT_LEAST = new Set(['greaterThan', 'greaterThanInclusive']);
const AT_MOST = new Set(['lessThan', 'lessThanInclusive']);

/** A threshold as it reads after a value: "(50 MME/day or more)", "(over 50 MME/day)". */
function threshold(t: Trigger, unit: string): string {
  const value = typeof t.value === 'number' ? formatNumber(t.value) : '?';
  return t.operator === 'greaterThan' ? `over ${value}${unit}` : t.operator === 'lessThan' ? `under ${value}${unit}` : t.operator === 'lessThanInclusive' ? `${value}${unit} or less` : `${value}${unit} or more`;
}

/**
 * The {{triggers}} list: the conditions of the rule that made it fire for this patient (rule-triggers.ts), in
 * clinicians' words: the order's class, each medicine on file in the classes the rule names, each recorded
 * Condition it names, the age, the MME at or over its threshold, and so on. A condition that only limits the
 * rule's scope (not for the ward only, no naloxone on file) names nothing.
 */
function triggers(rule: RuleDefinition, order: OrderFacts, patient: PatientFacts): string {
  const lines: string[] = [];
  const meds: string[] = [];
  let medsAt = -1;
  const groups = new Set<string>();
  let conditionsAt = -1;
  for (const t of ruleTriggers(rule, order, patient)) {
    const positive = POSITIVE_LIST.has(t.operator);
    if (t.fact === 'orderClasses' && positive) {
      const matched = listed(t.value).filter((c) => order.order.classes.includes(c as never));
      if (matched.length > 0) lines.push(`This order is ${matched.map((c) => CLASS_WORDS[c] ?? c).join(' and ')}`);
    } else if (t.fact === 'concurrentClasses' && positive) {
      const wanted = listed(t.value);
      if (medsAt < 0) medsAt = lines.length;
      for (const { med, also } of folded(order.concurrent.filter((m) => wanted.some((c) => m.classes.includes(c as never))))) {
        const cls = wanted.find((c) => med.classes.includes(c as never)) ?? '';
        const line = `${CLASS_NOUNS[cls] ?? cls}: ${ehr(med.display)} (${sources(med, also)})`;
        if (!meds.includes(line)) meds.push(line);
      }
    } else if (t.fact === 'conditions' && positive) {
      if (conditionsAt < 0) conditionsAt = lines.length;
      for (const g of listed(t.value)) groups.add(g);
    } else if (t.fact === 'orderIngredients' && positive) {
      const matched = listed(t.value).filter((i) => order.order.ingredients.includes(i));
      if (matched.length > 0) lines.push(`This order contains ${matched.map(ehr).join(' and ')}`);
    } else if (t.fact === 'patientAgeYears' && AT_LEAST.has(t.operator) && patient.ageYears !== null) {
      lines.push(`Age ${patient.ageYears} (${threshold(t, '')})`);
    } else if (t.fact === 'totalMme' && AT_LEAST.has(t.operator)) {
      lines.push(`Total opioid dose ${totalMme(order)} (${threshold(t, ' MME/day')})`);
    } else if (t.fact === 'cnsActiveDrugCount' && AT_LEAST.has(t.operator)) {
      lines.push(`${order.cnsDrugs.length} CNS-active medicines together (${threshold(t, '')})`);
    } else if (t.fact === 'orderDaysOnTherapy' && AT_LEAST.has(t.operator) && order.daysOnTherapy !== null) {
      lines.push(`Taken for ${round(order.daysOnTherapy)} days (${threshold(t, ' days')})`);
    } else if (t.fact === 'benzoDiazepamEqPerDay' && AT_LEAST.has(t.operator) && order.benzoDiazepamEqPerDay !== null) {
      lines.push(`Daily benzodiazepine dose about ${round(order.benzoDiazepamEqPerDay)} mg diazepam-equivalent (${threshold(t, ' mg')})`);
    } else if (t.fact === 'ketamineBenzoGapHours' && AT_MOST.has(t.operator) && order.ketamineBenzoGapHours !== null) {
      lines.push(`The ketamine session and a benzodiazepine dose are about ${round(order.ketamineBenzoGapHours)} hours apart (${threshold(t, ' hours')})`);
    } else if (t.operator === 'equal' && t.value === true) {
      const words: Readonly<Record<string, string>> = {
        orderIsNewTherapy: 'A new start: no medicine the patient takes has the same ingredient',
        orderRaisesDailyDose: 'This order raises a daily dose the patient already takes',
        orderForDepression: 'Ketamine or esketamine for depression',
      };
      if (words[t.fact]) lines.push(words[t.fact]!);
    }
  }
  // The medicines and the Conditions, each listed once, where the rule first names them.
  const parts = lines.map((l) => [`- ${l}`]);
  const inserts: [number, string[]][] = [];
  if (medsAt >= 0 && meds.length > 0) inserts.push([medsAt, capped(meds.map((l) => `- ${l}`))]);
  if (conditionsAt >= 0) {
    const recorded = conditionLines(patient.conditions, groups);
    if (recorded.length > 0) inserts.push([conditionsAt, recorded.map((l) => `- ${l}`)]);
  }
  for (const [at, block] of inserts.sort((a, b) => b[0] - a[0])) {
    parts.splice(at, 0, block);
  }
  const out = [...new Set(parts.flat())];
  return out.length === 0 ? '- None recorded beyond the order itself' : out.join('\n');
}

function ketamineTiming(order: OrderFacts): string {
  const parts: string[] = [];
  if (order.ketamineBenzoGapHours !== null) {
    parts.push(`The ketamine session and a benzodiazepine dose are about ${round(order.ketamineBenzoGapHours)} hours apart.`);
  }
  if (order.benzoDiazepamEqPerDay !== null) {
    parts.push(`Daily benzodiazepine dose: about ${round(order.benzoDiazepamEqPerDay)} mg diazepam-equivalent (Ashton equivalents; for thresholds only, not for dosing).`);
  }
  return parts.join(' ') || 'Benzodiazepine timing and dose are not recorded.';
}

/**
 * @param rule - The rule whose template is being filled.
 * @param order - The order's facts.
 * @param patient - Patient facts.
 * @returns Placeholder values. The parameters' placeholders ({{param:<name>}}, {{param.<name>}}) are not
 *   among them: they are filled when the rule set is compiled (engine/compile-rules.ts, cardText).
 */
export function cardView(rule: RuleDefinition, order: OrderFacts, patient: PatientFacts): Record<string, string> {
  return {
    order: ehr(order.order.display),
    interacting: interacting(rule, order),
    patientAge: patient.ageYears === null ? 'unknown age' : `${patient.ageYears} years`,
    riskFactors: riskFactors(rule, order, patient),
    triggers: triggers(rule, order, patient),
    mmeBreakdown: mmeBreakdown(order),
    totalMme: totalMme(order),
    cnsDrugs: list(order.cnsDrugs, 'none', order.order),
    ketamineTiming: ketamineTiming(order),
    overdoseSigns: OVERDOSE_SIGNS,
  };
}
