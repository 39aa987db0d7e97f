/**
 * Facts about one draft order in the context of everything else the patient takes: total MME,
 * distinct CNS-active drugs, new start or renewal, and ketamine-session timing.
 */
import { CNS_DEPRESSANT_CLASSES, ingredientRole } from '../terminology/index.ts';
import type { IngredientRole } from '../terminology/index.ts';
import { summariseMme } from './dose/index.ts';
import { CNS_ROLES } from './medication-facts.ts';
import { canonicalProductName } from './product-name.ts';
import type { MedicationFact, OrderFacts, RaiseDoseUnknown } from './types.ts';

const CNS_CLASSES: ReadonlySet<string> = new Set(CNS_DEPRESSANT_CLASSES);
const PREMEDICATION_HINT = /\b(pre-?medication|premed|pre-?procedur\w*|before (?:the |each |every |your |next )?(?:ketamine |esketamine |spravato )?(ketamine|esketamine|spravato|session|infusion|procedure|treatment|dose))/;
const KETAMINE_WORD = /\b(ketamine|esketamine|spravato)\b/;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Ingredients that make a drug what it is for these rules (not acetaminophen, not a cough partner). */
function keyIngredients(med: MedicationFact, roles: ReadonlySet<IngredientRole>): string[] {
  return med.ingredients.filter((i) => {
    const role = ingredientRole(i);
    return role !== undefined && roles.has(role);
  });
}

/** A concurrent medication with the same active ingredient as the order is the same therapy (a renewal). */
export function sameTherapy(order: MedicationFact, other: MedicationFact): boolean {
  if (order.activeIngredients.length > 0) {
    return order.activeIngredients.some((i) => other.activeIngredients.includes(i));
  }
  return order.display.toLowerCase() === other.display.toLowerCase();
}

/**
 * A draft that takes the place of a standing therapy in the daily totals: it says so (`priorPrescription`),
 * or it is the same product taken the same way (both scheduled or both as needed: a PRN order beside a
 * scheduled one adds breakthrough doses). The same product means a shared product name with its strength
 * (`productNames`: "Oxycodone Hydrochloride 5 MG Oral Tablet" as text or as a coding's display), as the EHR
 * lists its own products the same way. A name that is only the ingredient ("oxycodone", the display of the
 * RxNorm ingredient code many orders carry, or a Medication with just that code and a strength) says nothing
 * about the product: OxyContin 40 mg and oxycodone 5 mg both coded that way were taken for one renewal and
 * the standing 120 MME/day left the total. A draft of the same ingredient but another product, or one whose
 * product cannot be told, is taken as well as the standing one, and both count: counting one would hide a
 * dose the patient takes, while counting both at worst shows a warning the prescriber can override.
 */
export function replaces(draft: MedicationFact, standing: MedicationFact): boolean {
  if (draft.priorPrescription !== undefined) {
    return draft.priorPrescription === standing.ref;
  }
  // Methadone for pain beside methadone for opioid use disorder (or the reverse) is a second therapy, taken as well.
  if (forOpioidUseDisorder(draft) !== forOpioidUseDisorder(standing)) return false;
  // An as-needed order beside a scheduled one of the same product (breakthrough doses) is taken as well as
  // it, not instead of it: only orders both scheduled, or both as needed, are taken for a renewal.
  if (!(sameTherapy(draft, standing) && draft.asNeeded === standing.asNeeded)) return false;
  // Spelt one way only for medications that meet a pair of one therapy (product-name.ts), not for every
  // medication read, and once per medication, not once per pair (a call of many same-drug orders compares each
  // draft with each of them).
  const standingNames = canonicalNames(standing);
  for (const name of canonicalNames(draft)) {
    if (standingNames.has(name)) return true;
  }
  // Names the EHR wrote that share nothing tell two products apart, even when both orders name one Medication;
  // without names on one side, a shared product-level Medication says they are one product.
  const bothNamed = draft.productNames.length > 0 && standing.productNames.length > 0;
  return !bothNamed && draft.sharedMedication !== undefined && draft.sharedMedication === standing.sharedMedication;
}

const canonicalNameCache = new WeakMap<MedicationFact, ReadonlySet<string>>();

/** A medication's product names in their canonical spelling, worked out at its first comparison. */
function canonicalNames(m: MedicationFact): ReadonlySet<string> {
  let names = canonicalNameCache.get(m);
  if (names === undefined) {
    names = new Set(m.productNames.map(canonicalSpelling));
    canonicalNameCache.set(m, names);
  }
  return names;
}

/**
 * Canonical spellings of the product names met in earlier calls. The per-medication cache above lasts one call (its
 * facts are new each time), while the same few hundred product names recur in every call: spelt afresh (five
 * regular-expression passes each), they were the largest cost the renewal comparisons added to the facts stage
 * (a twentieth of its profile on the benchmark corpus). Bounded: names longer than {@link SPELLING_MEMO_KEY_LENGTH} are spelt each time, and the memo is emptied
 * when it holds {@link SPELLING_MEMO_LIMIT} names (at most about 4 MB of text, however many distinct names EHRs send).
 */
const spellings = new Map<string, string>();
const SPELLING_MEMO_KEY_LENGTH = 256;
const SPELLING_MEMO_LIMIT = 4_096;

function canonicalSpelling(name: string): string {
  if (name.length > SPELLING_MEMO_KEY_LENGTH) return canonicalProductName(name);
  let spelt = spellings.get(name);
  if (spelt === undefined) {
    spelt = canonicalProductName(name);
    if (spellings.size >= SPELLING_MEMO_LIMIT) spellings.clear();
    spellings.set(name, spelt);
  }
  return spelt;
}

/**
 * A draft that re-orders a drug the session stops an order of, without naming another order it replaces
 * (`priorPrescription`): the usual way to change a dose (stop the current order, sign a new one). It replaces the
 * stopped order, not the patient's other orders of the same product.
 * @param draft - The draft.
 * @param endedInSession - The record's copies of the orders the session stops.
 */
export function reordersStopped(draft: MedicationFact, endedInSession: readonly MedicationFact[]): boolean {
  return draft.priorPrescription === undefined && endedInSession.some((m) => sameTherapy(draft, m));
}

/** Treatment of opioid use disorder (buprenorphine, or methadone for it), as the classifier and the order's reason say. */
function forOpioidUseDisorder(m: MedicationFact): boolean {
  return m.classes.includes('oud-treatment');
}

/** A daily amount of one ingredient of one medication: known (with its unit), or unknown and why. */
type IngredientAmount = { readonly perDay: number; readonly unit: string } | { readonly perDay: null; readonly reason: string };

/**
 * The daily amount of `ingredient` in `med`, from its opioid or benzodiazepine dose (dose/README.md): mg/day, or
 * mcg/hr for a fentanyl patch. Undefined when the medication has no dose entry for that ingredient.
 */
function ingredientAmount(med: MedicationFact, ingredient: string): IngredientAmount | undefined {
  const entries = [...med.mme, ...med.benzoDoses].filter((d) => d.ingredient === ingredient);
  if (entries.length === 0) return undefined;
  let total = 0;
  for (const d of entries) {
    if (d.mgPerDay === null || !Number.isFinite(d.mgPerDay)) return { perDay: null, reason: d.reason ?? 'the dose could not be calculated' };
    if (d.unit !== entries[0]!.unit) return { perDay: null, reason: 'the dose is given in two units that cannot be added' };
    total += d.mgPerDay;
  }
  return { perDay: total, unit: entries[0]!.unit };
}

/** Whether an order raises a daily dose ({@link OrderFacts.raisesDailyDose}), and whose dose was unknown when it cannot be told. */
interface DoseRaise {
  readonly raises: boolean | null;
  readonly unknown: readonly RaiseDoseUnknown[];
}

/**
 * Which record a dose belongs to, in the words of a check-incomplete line: the order being signed and the current
 * order often have the same name ("Methadone Hydrochloride 5 MG Oral Tablet"), so the name alone does not say
 * which of the two lacks a readable dose.
 */
function whichRecord(m: MedicationFact, order: MedicationFact, ended: readonly MedicationFact[]): string {
  if (m === order) return `this order, ${m.display}`;
  const date = typeof m.date === 'string' && m.date.length >= 10 ? m.date.slice(0, 10) : undefined;
  switch (m.kind) {
    case 'medication-request':
      return `${ended.includes(m) ? 'the current order being stopped in this session' : 'the current order'}, ${m.display}${date ? `, ordered ${date}` : ''}`;
    case 'medication-statement':
      return `the medication the patient reports taking, ${m.display}${date ? `, since ${date}` : ''}`;
    case 'medication-dispense':
      return `the supply dispensed by a pharmacy, ${m.display}${date ? `, dispensed ${date}` : ''}`;
    default:
      return `${m.display}${date ? `, ${date}` : ''}`;
  }
}

/**
 * Whether signing `order` raises the patient's daily dose of one of its opioid or benzodiazepine ingredients: the
 * daily total of that ingredient if the order is signed (the order, plus the standing medications of that
 * ingredient it does not replace) against the total now (every standing medication of that ingredient). The
 * standing ones it does not replace are on both sides, so it raises the dose when its daily amount is higher than
 * that of the ones it replaces (a renewal at a higher dose), and whenever it replaces none of them (it is taken as
 * well: a second product, an as-needed add-on). An order of the record that the session stops (`ended`, also in
 * `renewalOf`) is replaced whatever its product: "stop the current order, sign a new one" is how many EHRs change a
 * dose. False when no standing medication has the ingredient (a new start: `isNewTherapy`), or the renewal is at the
 * same or a lower dose; null when a daily amount needed for the answer is unknown (the order's, or that of a
 * medication it replaces).
 */
function doseRaise(order: MedicationFact, renewalOf: readonly MedicationFact[], replacedBy: readonly MedicationFact[], ended: readonly MedicationFact[]): DoseRaise {
  const ingredients = [...new Set([...order.mme, ...order.benzoDoses].map((d) => d.ingredient))].filter((i) => ingredientRole(i) !== undefined);
  const unknown = new Map<string, RaiseDoseUnknown>();
  const note = (m: MedicationFact, reason: string): void => {
    unknown.set(m.ref, { ref: m.ref, display: m.display, record: whichRecord(m, order, ended), reason });
  };
  let raises = false;
  let open = false;
  for (const ingredient of ingredients) {
    const all = renewalOf.filter((m) => m.ingredients.includes(ingredient));
    if (all.length === 0) continue;
    // Standing medications for the same purpose (pain, or OUD) as the order: the ones it may renew or replace.
    const standing = all.filter((m) => forOpioidUseDisorder(m) === forOpioidUseDisorder(order));
    const ordered = ingredientAmount(order, ingredient);
    if (ordered === undefined) continue;
    if (ordered.perDay === null) {
      open = true;
      note(order, ordered.reason);
      continue;
    }
    // Methadone for pain on top of methadone for opioid use disorder (or the reverse): taken as well, the dose goes up.
    // One the session stops is not taken as well.
    if (ordered.perDay > 0 && standing.length === 0 && all.some((m) => !ended.includes(m))) {
      raises = true;
      continue;
    }
    // An order the session stops is replaced, whatever the product: the patient takes this order instead of it.
    // An order the session stops is what a re-order replaces (the others of the product continue), unless it says otherwise.
    const stoppedHere = standing.filter((m) => ended.includes(m));
    const replaced = stoppedHere.length > 0 && order.priorPrescription === undefined ? stoppedHere : standing.filter((m) => replacedBy.includes(m));
    if (replaced.length === 0) {
      // Taken as well as them (an as-needed order beside a scheduled one): the daily dose goes up. But one taken
      // the same way that is not recognised as the same product may be its renewal written otherwise ("methadone
      // 5 mg tablet" for "Methadone Hydrochloride 5 MG Oral Tablet", a taper to another strength): higher than
      // each of them, it raises the dose either way; otherwise it cannot be told (null: the check-incomplete card).
      const alike = standing.filter((m) => m.asNeeded === order.asNeeded);
      if (alike.length === 0) {
        if (ordered.perDay > 0) raises = true;
        continue;
      }
      let highest = 0;
      for (const m of alike) {
        const amount = ingredientAmount(m, ingredient);
        if (amount !== undefined && amount.perDay !== null && amount.unit === ordered.unit) highest = Math.max(highest, amount.perDay);
      }
      if (ordered.perDay > highest * (1 + 1e-9)) {
        raises = true;
      } else {
        open = true;
        for (const m of alike) note(m, 'it cannot be told whether this order renews it or is taken as well (they are not recognised as one product)');
      }
      continue;
    }
    // What the patient takes now of what the order replaces: its orders. A medication-list entry or a pharmacy fill
    // that records an order (or mirrors it without saying so) is the same dose again, and adding it would hide an increase; the
    // entries count only when no order is replaced.
    const replacedOrders = replaced.filter((m) => m.kind !== 'medication-statement' && m.kind !== 'medication-dispense');
    const entries = replaced.filter((m) => m.recordsRequest === undefined);
    const baseline = replacedOrders.length > 0 ? replacedOrders : entries.length > 0 ? entries : replaced;
    let before = 0;
    let known = true;
    for (const m of baseline) {
      const amount = ingredientAmount(m, ingredient) ?? { perDay: null, reason: 'no dose was found for it' };
      if (amount.perDay === null || amount.unit !== ordered.unit) {
        known = false;
        note(m, amount.perDay === null ? amount.reason : 'its dose is given in another unit than the order');
      } else {
        before += amount.perDay;
      }
    }
    if (!known) open = true;
    else if (ordered.perDay > before * (1 + 1e-9)) raises = true;
  }
  return raises ? { raises: true, unknown: [] } : { raises: open ? null : false, unknown: open ? [...unknown.values()] : [] };
}

/** A benzodiazepine draft of the session without refills or a week's supply: a ketamine order's pre-medication. */
function isPremedicationDraft(m: MedicationFact): boolean {
  return m.kind === 'draft-order' && !m.ongoingSupply && m.classes.includes('benzodiazepine');
}

/**
 * The span of time a FHIR dateTime stands for, in ms: an instant is itself; a date without a time
 * ("2026-11-21") is the whole of that day (UTC), a month the whole month, a year the whole year, so a dose on the
 * day of a session is not read as taken at midnight. Undefined when unreadable.
 */
function span(value: string): Span | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(value.trim());
  if (m) {
    const [year, month, day] = [Number(m[1]), m[2] ? Number(m[2]) - 1 : undefined, m[3] ? Number(m[3]) : undefined];
    const start = Date.UTC(year, month ?? 0, day ?? 1);
    const end = day !== undefined ? Date.UTC(year, month!, day + 1) : month !== undefined ? Date.UTC(year, month + 1, 1) : Date.UTC(year + 1, 0, 1);
    return Number.isFinite(start) && Number.isFinite(end) ? { start, end } : undefined;
  }
  const t = time(value);
  return t === undefined ? undefined : { start: t, end: t };
}

interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * The fewest hours between a span of one list and a span of the other (0 when two overlap, else from the end of
 * one to the start of the other); null when either list is empty. One pass over both lists sorted by start: for
 * each span, the nearest span of the other list that started no later is the one that ended last. Comparing every
 * pair took the square of the number of dose times: 45,000 session times in one call blocked the server for 45 s.
 */
export function smallestGapHours(a: readonly Span[], b: readonly Span[]): number | null {
  if (a.length === 0 || b.length === 0) return null;
  const all = [...a.map((s) => ({ s, side: 0 })), ...b.map((s) => ({ s, side: 1 }))].sort((x, y) => x.s.start - y.s.start);
  const lastEnd = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  let best = Number.POSITIVE_INFINITY;
  for (const { s, side } of all) {
    const other = lastEnd[1 - side]!;
    if (other !== Number.NEGATIVE_INFINITY) best = Math.min(best, Math.max(0, s.start - other));
    lastEnd[side] = Math.max(lastEnd[side]!, s.end);
  }
  return best / HOUR_MS;
}

function time(value: string | undefined): number | undefined {
  if (!value) {
    return undefined;
  }
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : undefined;
}

/**
 * @param order - The draft order under evaluation.
 * @param concurrent - Active medications and the other draft orders.
 * @param now - Time of the request.
 * @param renewedInSession - References of active medications a draft of the session replaces (counted as the draft).
 * @param endedInSession - The record's orders (in use until now) that the session stops: not in `concurrent`, so
 *   out of every total and interaction, but what the patient took until now for a re-order of the same drug (a
 *   renewal, not a new start; days on therapy; whether the dose goes up).
 * @returns The order's facts.
 */
export function orderFacts(
  order: MedicationFact,
  concurrent: readonly MedicationFact[],
  now: Date,
  renewedInSession: ReadonlySet<string> = new Set(),
  endedInSession: readonly MedicationFact[] = []
): OrderFacts {
  const standing = concurrent.filter((m) => m.kind !== 'draft-order');
  // Same ingredient: a continuation of that therapy (new start or not, days on therapy). An order the session stops
  // counts: stopping the current order and signing another of the same drug continues the therapy.
  const ended = endedInSession.filter((m) => sameTherapy(order, m));
  const renewalOf = [...standing.filter((m) => m.kind !== 'medication-administration' && sameTherapy(order, m)), ...ended];
  // A re-order of a drug the session stops an order of takes the place of that order only: the patient's other
  // orders of the drug (the morning dose when the night dose is changed) go on and still count.
  const replacedBy = reordersStopped(order, endedInSession) ? ended : renewalOf.filter((m) => replaces(order, m));

  // MME and benzodiazepine load if the session's orders are signed: a draft replaces the therapy it
  // renews (the same product, or its priorPrescription; whichever draft is being evaluated), one-off
  // administrations do not count as daily dosing but a running opioid infusion or PCA does (its MME entries,
  // unknown but a fentanyl patch's: medication-facts.ts), a statement that records an order in use, or an
  // administration that carries one out (its `request`), is counted as that order, and OUD
  // treatment is outside MME (CDC 2022).
  const dosing = [
    order,
    ...concurrent.filter(
      (m) =>
        (m.kind !== 'medication-administration' || m.mme.length > 0) &&
        m.recordsRequest === undefined &&
        !replacedBy.includes(m) &&
        !renewedInSession.has(m.ref)
    ),
  ];
  const mme = summariseMme(
    dosing.filter((m) => !m.classes.includes('oud-treatment') && m.mme.length > 0).map((m) => ({ ref: m.ref, display: m.display, mme: m.mme }))
  );
  const orderIsKetamine = order.classes.includes('ketamine');
  const orderIsBenzo = order.classes.includes('benzodiazepine');
  // For a ketamine order, the session's pre-medication: a benzodiazepine ordered with it, without refills or a
  // week's supply. It is covered by the pre-medication card, so it is left out of the ketamine order's
  // benzodiazepine facts (daily dose, nearest dose); any other benzodiazepine (active, reported, given, or
  // maintenance signed in the same session) still meets the session as it would without the pre-medication.
  const premedication = orderIsKetamine ? concurrent.filter((m) => isPremedicationDraft(m)) : [];
  // Benzodiazepines only: the ketamine studies measured benzodiazepine dose; Z-drugs are not counted in it.
  const benzoDoses = dosing.filter((m) => !premedication.includes(m)).flatMap((m) => m.benzoDoses.filter((d) => ingredientRole(d.ingredient) === 'benzodiazepine').map((dose) => ({ med: m, dose })));
  const benzoKnown = benzoDoses.map((b) => b.dose.diazepamEqMgPerDay).filter((v): v is number => typeof v === 'number');
  const benzoDiazepamEqPerDay = benzoKnown.length > 0 ? Math.round(benzoKnown.reduce((a, b) => a + b, 0) * 10) / 10 : null;
  const benzoDoseUnknown = benzoDoses
    .filter((b) => b.dose.diazepamEqMgPerDay === null)
    .map((b) => ({ display: b.med.display, reason: b.dose.reason ?? 'the dose could not be calculated' }));

  const cnsDrugs = new Map<string, MedicationFact>();
  for (const med of [order, ...concurrent]) {
    if (!med.classes.some((c) => CNS_CLASSES.has(c))) {
      continue;
    }
    const key = keyIngredients(med, CNS_ROLES).sort().join('+') || med.display.toLowerCase();
    if (!cnsDrugs.has(key)) {
      cnsDrugs.set(key, med);
    }
  }

  const raise = doseRaise(order, renewalOf, replacedBy, ended);

  const starts = renewalOf.map((m) => time(m.date)).filter((t): t is number => t !== undefined);
  const daysOnTherapy = renewalOf.length > 0 && starts.length > 0 ? Math.floor((now.getTime() - Math.min(...starts)) / DAY_MS) : null;

  const ketamineConcurrent = concurrent.filter((m) => m.classes.includes('ketamine'));
  // Every dose time of the order and of each other drug counts (an order may list several sessions): the gap is
  // the smallest over all pairs. A draft without a time is taken now; a standing drug without one gives no gap.
  const spansOf = (m: MedicationFact): Span[] => m.doseTimes.flatMap((v) => span(v) ?? []);
  const nowSpan = { start: now.getTime(), end: now.getTime() };
  const ownSpans = spansOf(order);
  const orderSpans = ownSpans.length > 0 ? ownSpans : [nowSpan];
  let gap: number | null = null;
  const consider = (others: readonly MedicationFact[]): void => {
    const otherSpans = others.flatMap((other) => {
      const spans = spansOf(other);
      return spans.length > 0 ? spans : other.kind === 'draft-order' ? [nowSpan] : [];
    });
    gap = smallestGapHours(orderSpans, otherSpans);
  };
  if (orderIsKetamine) {
    consider(concurrent.filter((m) => m.classes.includes('benzodiazepine') && !premedication.includes(m)));
  } else if (orderIsBenzo) {
    consider(ketamineConcurrent);
  }

  return {
    order,
    concurrent,
    mme,
    cnsDrugs: [...cnsDrugs.values()],
    isNewTherapy: renewalOf.length === 0,
    daysOnTherapy,
    raisesDailyDose: raise.raises,
    raiseDoseUnknown: raise.unknown,
    ketamineBenzoGapHours: gap === null ? null : Math.round((gap as number) * 10) / 10,
    benzoDiazepamEqPerDay,
    benzoDoseUnknown,
    forDepression: orderIsKetamine ? order.forDepression : orderIsBenzo && ketamineConcurrent.some((m) => m.forDepression),
    isKetaminePremedication:
      // Ordered together with ketamine, or marked as pre-medication while a ketamine session is planned or named.
      // A benzodiazepine ordered with refills or weeks of supply is maintenance therapy signed in the same
      // session, not pre-medication: it meets the ketamine as an active benzodiazepine would (the safety and
      // timing cards), unless its text says it is pre-medication.
      (orderIsBenzo &&
        ((!order.ongoingSupply && concurrent.some((m) => m.kind === 'draft-order' && m.classes.includes('ketamine'))) ||
          (PREMEDICATION_HINT.test(order.hintText) && (ketamineConcurrent.length > 0 || KETAMINE_WORD.test(order.hintText))))) ||
      // A ketamine order is covered by the pre-medication card only when every benzodiazepine beside it is that
      // pre-medication: a standing or maintenance benzodiazepine keeps the safety and timing checks.
      (orderIsKetamine &&
        premedication.length > 0 &&
        concurrent.every((m) => !m.classes.includes('benzodiazepine') || premedication.includes(m))),
  };
}
