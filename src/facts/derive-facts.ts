/**
 * Derives plain facts from the patient record, once per request, before any rule runs.
 */
import { calculateAge } from '@medplum/core';
import type { Condition, MedicationAdministration, MedicationRequest, MedicationStatement, Patient } from '@medplum/fhirtypes';
import type { PatientRecord } from '../patient/index.ts';
import { CNS_DEPRESSANT_CLASSES, ingredientRole } from '../terminology/index.ts';
import type { Classifier, DrugClass } from '../terminology/index.ts';
import { conditionFacts } from './condition-facts.ts';
import { dispensesInUse, fillRecorded, oneRegimen } from './dispense-facts.ts';
import { isActiveAt, toMedicationFact } from './medication-facts.ts';
import { orderFacts, reordersStopped, replaces, sameTherapy } from './order-facts.ts';
import { medicationRequestRef } from './request-reference.ts';
import type { EngineFacts, FactGap, Facts, MedicationFact, OrderFacts } from './types.ts';

export interface DraftOrderInput {
  readonly resource: MedicationRequest;
  /** Reference used when the draft has no id, e.g. "MedicationRequest/#2" (its position in the bundle). */
  readonly fallbackRef: string;
  /** False for drafts that are only context (order-select's unselected orders), and for ending ones. */
  readonly evaluate: boolean;
  /**
   * The session stops, cancels or voids this order (status stopped, cancelled or entered-in-error: an EHR may
   * send the order being discontinued among the drafts on re-sign), or the order says not to give the drug
   * (doNotPerform). It is not checked as an order being started, and neither it nor the record's copy of it
   * counts beside the other orders (totals, interactions). The record's copy of a stopped one, in use until now,
   * stays the baseline of a re-order of the same drug: stopping the current methadone order and signing a higher
   * dose is a dose increase, not a new start (order-facts.ts).
   */
  readonly ending?: boolean;
}

/**
 * Builds the facts for one hook call.
 * @param record - The patient record.
 * @param drafts - All draft MedicationRequests of the session, marked with whether to evaluate each.
 * @param classifier - Terminology of the current rule set.
 * @param now - Time of the request.
 * @returns Facts per evaluated draft order plus patient facts.
 */
/**
 * Leaves out a standing request that another standing request of the same therapy renews (names it as its
 * `priorPrescription`): a monthly renewal chain whose older links still say active, or still have supply
 * (medication-facts.ts), is one therapy, counted once, as its newest link. A priorPrescription naming another
 * drug hides nothing. Requests whose renewal links go round in a cycle (A renews B and B renews A, or A, B, C in
 * turn: corrupt data, or an EHR that links an order it modifies both ways) have no newest link: every member of the
 * cycle is kept, as it cannot be told which one is in use (dropping them all hid a benzodiazepine the patient
 * takes). Two entries over-count, the safe side. A cycle that a request off the cycle renews (this month's renewal
 * C naming A, where A and B name each other) is superseded as a whole: C is the newest link of the therapy, and
 * is counted once, not beside A and B (keeping them all read one oxycodone regimen three times).
 * @returns The requests kept that are on such a cycle (one that nothing renews), one group per cycle (for the
 * dose-increase check).
 */
function dropSuperseded(active: MedicationFact[]): MedicationFact[][] {
  const byRef = new Map(active.map((a) => [a.ref, a]));
  // The request each one renews (of the same therapy, not itself): at most one each, so the links form chains that
  // end, or end in one cycle.
  const renews = new Map<MedicationFact, MedicationFact>();
  for (const a of active) {
    const prior = a.priorPrescription === undefined ? undefined : byRef.get(a.priorPrescription);
    if (prior && prior !== a && sameTherapy(a, prior)) renews.set(a, prior);
  }
  if (renews.size === 0) return [];
  const cycles = cyclesOf(active, renews);
  const cycleOf = new Map(cycles.flatMap((cycle) => cycle.map((m) => [m, cycle] as const)));
  // Cycles renewed from off the cycle: a request renews a member and is not itself on that cycle (a member renews
  // only the member before it, so any other renewal of a member comes from outside).
  const renewedCycles = new Set<MedicationFact[]>();
  for (const [a, prior] of renews) {
    const cycle = cycleOf.get(prior);
    if (cycle !== undefined && cycleOf.get(a) !== cycle) renewedCycles.add(cycle);
  }
  const kept = cycles.filter((cycle) => !renewedCycles.has(cycle));
  const onKeptCycle = new Set(kept.flat());
  const superseded = new Set([...renews.values()].filter((prior) => !onKeptCycle.has(prior)));
  if (superseded.size > 0) {
    const left = active.filter((a) => !superseded.has(a));
    active.splice(0, active.length, ...left);
  }
  return kept;
}

/**
 * The cycles of renewal links (each request names at most one), in one pass: each walk follows links from an
 * unvisited request until it meets a request seen before; when that request is on the walk itself, the walk from
 * it onwards is a cycle. Linear in the number of requests, however long the chains.
 */
function cyclesOf(nodes: readonly MedicationFact[], next: ReadonlyMap<MedicationFact, MedicationFact>): MedicationFact[][] {
  const done = new Set<MedicationFact>();
  const cycles: MedicationFact[][] = [];
  for (const start of nodes) {
    const walk: MedicationFact[] = [];
    const onWalk = new Map<MedicationFact, number>();
    let node: MedicationFact | undefined = start;
    while (node !== undefined && !done.has(node) && !onWalk.has(node)) {
      onWalk.set(node, walk.length);
      walk.push(node);
      node = next.get(node);
    }
    if (node !== undefined && onWalk.has(node)) cycles.push(walk.slice(onWalk.get(node)));
    for (const m of walk) done.add(m);
  }
  return cycles;
}

/**
 * The MedicationRequest a MedicationStatement says it records ({@link MedicationFact.recordsRequest}): named as its
 * `basedOn` or `derivedFrom`, in the record, in use now, and the same therapy. An EHR that lists each prescription
 * on the medication list as a statement as well counted every opioid twice (oxycodone 45 MME/day read as 90). A
 * statement naming a request that is not in the record, not in use, or another drug still counts, unless it repeats
 * a request or fill in use ({@link regimenRepeated}).
 */
function requestRecorded(statement: MedicationStatement, fact: MedicationFact, requests: ReadonlyMap<string, MedicationFact>): string | undefined {
  const links: unknown[] = [statement.basedOn, statement.derivedFrom].flatMap((list: unknown) => (Array.isArray(list) ? list : []));
  return linkedRequest(links, fact, requests);
}

/**
 * The MedicationRequest in use, or else the pharmacy fill in use, that a medication-list entry linked to neither
 * repeats: one regimen (dispense-facts.ts `oneRegimen`: the same product with its strength, taken the same way, at
 * the same known daily dose of each ingredient) of the same therapy. EHRs list each prescription on the medication list as a statement, often without
 * `basedOn` or `derivedFrom`: oxycodone 5 mg every 6 hours ordered and listed read as 60 MME/day instead of 30, and
 * beside a benzodiazepine the card escalated to critical on the doubled figure. Another strength, schedule or dose,
 * or a dose that cannot be read, still counts on its own (the safe side).
 */
function regimenRepeated(statement: MedicationFact, requests: ReadonlyMap<string, MedicationFact>, fills: readonly MedicationFact[]): string | undefined {
  for (const supply of [...requests.values(), ...fills]) {
    if (sameTherapy(supply, statement) && oneRegimen(statement, supply)) return supply.ref;
  }
  return undefined;
}

/**
 * The MedicationRequest each MedicationAdministration says it carries out ({@link MedicationFact.recordsRequest}):
 * its `request`, in the record, in use now, not ended by the session, and the same therapy. A fentanyl patch or a
 * PCA charted on the MAR beside its active order was counted twice (the order's MME, and the administration as an
 * unknown second entry: every opioid order then read "at least" with a check-incomplete line about a dose that was
 * counted). An administration without a `request`, or naming an order that is not in use, is ended by the session
 * (a patch stays on after its order is stopped), or is another drug, still counts: the safe side.
 *
 * A patch order's dose covers the patches it orders, not every patch charted in place: it stands for patches in
 * place up to its own mcg/hr ("apply 2 patches" of 25 mcg/hr covers two 25 mcg/hr patches, or one 50), taken newest
 * first, and a further patch counts (an old patch not removed is a classic fentanyl error: two 25 mcg/hr patches
 * on the skin under an order for one were read as the one order, 60 MME/day instead of 120). A patch whose mcg/hr
 * cannot be read, or an order whose mcg/hr cannot be read, stands for one patch only. Over-counting is the safe side.
 * The fentanyl 12 mcg/hr strength is 12.5 mcg/hr here ({@link fentanylDeliveredRate}): a 12 mcg/hr order covers its
 * own patch charted as 12.5 mcg/hr (it was counted as a second patch, 28.8 + 30 MME/day).
 */
function requestsGiven(
  administrations: readonly { resource: MedicationAdministration; read: MedicationFact }[],
  requests: ReadonlyMap<string, MedicationFact>,
  ended: ReadonlySet<string>
): Map<MedicationFact, string> {
  const given = new Map<MedicationFact, string>();
  // What each patch order still covers: the mcg/hr it orders, less the patches in place it already stands for.
  const covers = new Map<string, number | 'claimed'>();
  const claim = (ref: string, patch: MedicationFact): boolean => {
    const left = covers.get(ref) ?? orderedPatchRate(requests.get(ref));
    const rate = patchRate(patch);
    if (left === 'claimed' || left === undefined || rate === undefined) {
      // An mcg/hr that cannot be read on either side: the order stands for one patch in place.
      if (covers.has(ref)) return false;
      covers.set(ref, 'claimed');
      return true;
    }
    if (rate > left * (1 + 1e-9)) return false;
    covers.set(ref, left - rate);
    return true;
  };
  for (const { resource, read } of newestFirst(administrations)) {
    const ref = resource.request === undefined ? patchOrderOf(read, requests, ended) : linkedRequest([resource.request], read, requests);
    if (ref === undefined || ended.has(ref)) continue;
    if (isPatch(read) && !claim(ref, read)) continue;
    given.set(read, ref);
  }
  return given;
}

/** The mcg/hr a patch order orders (all its patches), undefined when unknown or not a patch order. */
function orderedPatchRate(order: MedicationFact | undefined): number | undefined {
  return order !== undefined && isPatch(order) ? patchRate(order) : undefined;
}

/** Administrations by start, the newest first (an unreadable start last); the record's order among equals. */
function newestFirst<T extends { read: MedicationFact }>(administrations: readonly T[]): T[] {
  const start = (m: MedicationFact): number => {
    const t = typeof m.date === 'string' ? Date.parse(m.date) : Number.NaN;
    return Number.isFinite(t) ? t : Number.NEGATIVE_INFINITY;
  };
  return administrations
    .map((a, i) => ({ a, i, t: start(a.read) }))
    .sort((x, y) => (x.t === y.t ? x.i - y.i : y.t > x.t ? 1 : -1))
    .map(({ a }) => a);
}

/**
 * A patch in place charted without its order (`request`): the one active patch order of the same drug, when there
 * is exactly one. The order's dose covers the patches it says are applied; counting the chart entry as well doubled
 * a fentanyl 100 mcg/hr patch (240 MME/day read as 480). Two patch orders of the drug, or none, leave it counted.
 */
function patchOrderOf(fact: MedicationFact, requests: ReadonlyMap<string, MedicationFact>, ended: ReadonlySet<string>): string | undefined {
  if (!isPatch(fact)) return undefined;
  // Only an order for the same patch (same mcg/hr applied): a patch of another strength is a second patch.
  const rate = patchRate(fact);
  if (rate === undefined) return undefined;
  const orders = [...requests.values()].filter((r) => !ended.has(r.ref) && isPatch(r) && sameTherapy(r, fact) && patchRate(r) === rate);
  return orders.length === 1 ? orders[0]!.ref : undefined;
}

/**
 * The known mcg/hr of a patch (all its patches), or undefined, as delivered: for matching patches in place with their
 * orders only (the MME stays the one read from each record).
 */
function patchRate(m: MedicationFact): number | undefined {
  const d = m.mme.find((e) => e.unit === 'mcg/hr');
  if (typeof d?.mgPerDay !== 'number') return undefined;
  return d.ingredient === 'fentanyl' ? fentanylDeliveredRate(d.mgPerDay) : d.mgPerDay;
}

/**
 * The lowest fentanyl patch strength is labelled "12 mcg/hr" but delivers 12.5 mcg/hr (FDA prescribing information of
 * fentanyl transdermal system, Duragesic, "Dosage Forms and Strengths": the 12 mcg/hr system's actual dosage is
 * 12.5 mcg/hr, named 12 so as not to be read as 125), and orders, products and MARs write it either way: an order
 * "Fentanyl 12 MCG/HR Transdermal System" and its patch charted as 12.5 mcg/hr are one strength. A whole number of
 * 12 mcg/hr patches (12, 24, 36: "apply 2 patches" of 12) that is not also a whole number of 12.5 mcg/hr ones is read
 * as that many 12.5 mcg/hr patches. Fentanyl patch strengths differ by 12.5 mcg/hr at least, so no other strength
 * is made equal to one it is not.
 */
function fentanylDeliveredRate(rate: number): number {
  const wholeOf = (step: number): number | undefined => {
    const n = Math.round(rate / step);
    return n >= 1 && Math.abs(rate - n * step) < 1e-9 * step ? n : undefined;
  };
  const twelves = wholeOf(12);
  return twelves !== undefined && wholeOf(12.5) === undefined ? twelves * 12.5 : rate;
}

/** Dosed as a patch: its opioid dose is read in mcg/hr (dose/opioid-mme.ts). */
function isPatch(m: MedicationFact): boolean {
  return m.mme.some((d) => d.unit === 'mcg/hr');
}

/** The first of `links` (FHIR References) that names a request of `requests` of the same therapy as `fact`. */
function linkedRequest(links: readonly unknown[], fact: MedicationFact, requests: ReadonlyMap<string, MedicationFact>): string | undefined {
  for (const link of links) {
    const reference: unknown = typeof link === 'object' && link !== null ? (link as { reference?: unknown }).reference : undefined;
    const ref = typeof reference === 'string' ? medicationRequestRef(reference) : undefined;
    const request = ref === undefined ? undefined : requests.get(ref);
    if (request !== undefined && sameTherapy(request, fact)) return request.ref;
  }
  return undefined;
}

export function deriveFacts(record: PatientRecord, drafts: readonly DraftOrderInput[], classifier: Classifier, now: Date): Facts {
  const conditions = conditionFacts((record.resources.get('Condition') ?? []) as Condition[], now);
  const hasDepression = conditions.some((c) => c.group === 'depression');
  const toFact = (d: DraftOrderInput): { input: DraftOrderInput; fact: MedicationFact } => ({
    input: d,
    fact: toMedicationFact(d.resource, 'draft-order', record, classifier, d.fallbackRef, hasDepression),
  });
  const draftFacts = drafts.filter((d) => d.ending !== true).map(toFact);
  const draftByRef = new Map(draftFacts.map((d) => [d.fact.ref, d.fact]));
  // Orders this session ends: the record's copy of one (the same order, still active there) leaves the list.
  const ending = drafts.filter((d) => d.ending === true).map(toFact);
  const endingByRef = new Map(ending.map((d) => [d.fact.ref, d.fact]));
  const stoppedRefs = new Set(ending.filter((d) => isStopped(d.input.resource)).map((d) => d.fact.ref));
  // The record's copies of the orders the session stops: what the patient took until now. Out of every total and
  // interaction, but the baseline of a re-order of the same drug (new start or not, days on therapy, dose raised).
  const endedInSession: MedicationFact[] = [];
  const active: MedicationFact[] = [];
  // The record's requests in use now, by reference (also those a draft re-signs or ends).
  const requestsInUse = new Map<string, MedicationFact>();
  // Those the session ends (stops, cancels, voids): not counted, and no administration is left out for them.
  const endedRequests = new Set<string>();
  const add = (type: 'MedicationRequest' | 'MedicationStatement' | 'MedicationAdministration', kind: MedicationFact['kind']): void => {
    const list = (record.resources.get(type) ?? []) as (MedicationRequest | MedicationStatement | MedicationAdministration)[];
    const reads = list.flatMap((resource, i) => (isActiveAt(resource, now) ? [{ resource, read: toMedicationFact(resource, kind, record, classifier, `${type}/#${i}`, hasDepression) }] : []));
    // Administrations are matched with their orders all together: an order stands for as many patches as it orders.
    const given = type === 'MedicationAdministration' ? requestsGiven(reads as { resource: MedicationAdministration; read: MedicationFact }[], requestsInUse, endedRequests) : undefined;
    for (const { resource, read } of reads) {
      if (type === 'MedicationRequest') requestsInUse.set(read.ref, read);
      const recorded =
        type === 'MedicationStatement'
          ? (requestRecorded(resource as MedicationStatement, read, requestsInUse) ?? fillRecorded(resource as MedicationStatement, read, fills) ?? regimenRepeated(read, requestsInUse, fills))
          : given?.get(read);
      const fact = recorded === undefined ? read : { ...read, recordsRequest: recorded };
      // On re-sign the order being signed may also be on the active list: count it once, as the draft.
      // Only when it is that same therapy: an id shared by chance must not hide another drug.
      const draft = draftByRef.get(fact.ref) ?? endingByRef.get(fact.ref);
      if (!(draft && sameTherapy(draft, fact))) {
        active.push(fact);
      } else if (type === 'MedicationRequest' && !draftByRef.has(fact.ref)) {
        endedRequests.add(fact.ref);
        if (stoppedRefs.has(fact.ref)) endedInSession.push(fact);
      }
    }
  };
  add('MedicationRequest', 'medication-request');
  const renewalCycles = dropSuperseded(active);
  // Pharmacy fills while their supply may last; a fill of an order in use, or of one it or a draft renews, is that
  // order's (dispense-facts.ts). Read before the statements: a medication-list entry made from a fill is the fill's.
  const fills = dispensesInUse(record, requestsInUse, classifier, now, hasDepression, draftFacts.map((d) => d.fact));
  add('MedicationStatement', 'medication-statement');
  add('MedicationAdministration', 'medication-administration');
  active.push(...fills);

  // Active therapies that one of the session's drafts replaces: counted once, as the draft, in every order's totals.
  const renewedInSession = new Set(
    active
      .filter((a) => a.kind !== 'medication-administration' && draftFacts.some((d) => !reordersStopped(d.fact, endedInSession) && replaces(d.fact, a)))
      .map((a) => a.ref)
  );
  const orders: OrderFacts[] = draftFacts
    .filter((d) => d.input.evaluate)
    .map((d) => orderFacts(d.fact, [...active, ...draftFacts.filter((o) => o !== d).map((o) => o.fact)], now, renewedInSession, endedInSession))
    .map((o) => withRenewalCycleBaseline(o, renewalCycles, endedInSession));
  const ageYears = ageAt(record.patient, now);
  return { patient: { ageYears, conditions }, orders, gaps: factGaps(orders, ageYears) };
}

/**
 * An order's `raisesDailyDose` when it renews two or more requests of one renewal cycle (dropSuperseded keeps them
 * all). The daily dose now is then read as theirs added up (order-facts.ts), which is right if they are orders taken
 * together, but if they are one therapy written twice (what naming each other as the order renewed suggests), the
 * dose now is one of them, and an order above that raises the dose: "no increase" is then unsure, and is made
 * unknown (null, the check-incomplete card) naming them. An order no higher than each of them stays "no increase".
 */
function withRenewalCycleBaseline(o: OrderFacts, cycles: readonly MedicationFact[][], endedInSession: readonly MedicationFact[]): OrderFacts {
  if (o.raisesDailyDose !== false || cycles.length === 0 || reordersStopped(o.order, endedInSession)) return o;
  const unsure: MedicationFact[] = [];
  for (const cycle of cycles) {
    // The cycle's members are all in the order's concurrent medications (they are standing requests in use).
    const renewed = cycle.filter((m) => sameTherapy(o.order, m) && replaces(o.order, m));
    if (renewed.length < 2) continue;
    unsure.push(...renewed.filter((m) => aboveAnyIngredient(o.order, m)));
  }
  if (unsure.length === 0) return o;
  const names = (m: MedicationFact): string => {
    const date = typeof m.date === 'string' && m.date.length >= 10 ? `, ordered ${m.date.slice(0, 10)}` : '';
    return `the current order, ${m.display}${date}`;
  };
  return {
    ...o,
    raisesDailyDose: null,
    raiseDoseUnknown: unsure.map((m) => ({
      ref: m.ref,
      display: m.display,
      record: names(m),
      reason:
        'it and another current order of the drug each name the other as the order they renew (priorPrescription), so it cannot be told whether they are one order or taken together; this order raises the daily dose if they are one',
    })),
  };
}

/** The order's daily amount of one of its opioid or benzodiazepine ingredients is higher than that of `m`. */
function aboveAnyIngredient(order: MedicationFact, m: MedicationFact): boolean {
  const amount = (med: MedicationFact, ingredient: string): { perDay: number; unit: string } | undefined => {
    const entries = [...med.mme, ...med.benzoDoses].filter((d) => d.ingredient === ingredient);
    let perDay = 0;
    for (const d of entries) {
      if (typeof d.mgPerDay !== 'number' || !Number.isFinite(d.mgPerDay) || d.unit !== entries[0]!.unit) return undefined;
      perDay += d.mgPerDay;
    }
    return entries.length === 0 ? undefined : { perDay, unit: entries[0]!.unit };
  };
  const ingredients = new Set([...order.mme, ...order.benzoDoses].map((d) => d.ingredient).filter((i) => ingredientRole(i) !== undefined));
  for (const ingredient of ingredients) {
    const ordered = amount(order, ingredient);
    const before = amount(m, ingredient);
    // An amount that cannot be read on either side: the dose-increase check already says unknown (null) then.
    if (ordered !== undefined && before !== undefined && ordered.unit === before.unit && ordered.perDay > before.perDay * (1 + 1e-9)) return true;
  }
  return false;
}

/**
 * An ending draft that stops an order the patient has been taking (status `stopped`: halted after it started, the
 * usual way an EHR sends the current order when a dose is changed by "stop and re-order"). A cancelled order was
 * withdrawn before anything was given and one entered in error was never valid, and a "do not give" order
 * (doNotPerform) is no therapy at all: none of these is a baseline for the orders of the session.
 */
function isStopped(resource: MedicationRequest): boolean {
  return typeof resource.status === 'string' && resource.status.trim().toLowerCase() === 'stopped' && resource.doNotPerform !== true;
}

/**
 * The fact `hasRescueNaloxone` of one order (also read by the cards, which offer no naloxone order then). A dose
 * given (MedicationAdministration: an ED or ambulance reversal) is not a supply the patient has, nor is naloxone on
 * the ward (an inpatient-only order) for an order the patient takes home.
 */
export function hasRescueNaloxone(order: OrderFacts): boolean {
  return [order.order, ...order.concurrent].some(
    (m) => m.kind !== 'medication-administration' && isOverdoseReversal(m) && (m.inpatientOnly !== true || order.order.inpatientOnly === true)
  );
}

/**
 * The named facts the rule engine sees for one draft order.
 * @param facts - Request facts.
 * @param order - The order under evaluation.
 * @returns Plain JSON values keyed by fact name.
 */
export function engineFactsFor(facts: Facts, order: OrderFacts): EngineFacts {
  return {
    orderClasses: order.order.classes,
    orderIngredients: order.order.ingredients,
    concurrentClasses: [...new Set(order.concurrent.flatMap((m) => m.classes))].sort(),
    patientAgeYears: facts.patient.ageYears,
    conditions: [...new Set(facts.patient.conditions.map((c) => c.group))].sort(),
    cnsActiveDrugCount: order.cnsDrugs.length,
    totalMme: order.mme.totalKnown,
    mmeUnknownCount: order.mme.unknownCount,
    hasRescueNaloxone: hasRescueNaloxone(order),
    orderIsNewTherapy: order.isNewTherapy,
    orderDaysOnTherapy: order.daysOnTherapy,
    orderForDepression: order.forDepression,
    ketamineBenzoGapHours: order.ketamineBenzoGapHours,
    benzoDiazepamEqPerDay: order.benzoDiazepamEqPerDay,
    ketaminePremedicationInSession: order.isKetaminePremedication,
    orderInpatientOnly: order.order.inpatientOnly === true,
    orderRaisesDailyDose: order.raisesDailyDose,
  };
}

const CNS: ReadonlySet<string> = new Set(CNS_DEPRESSANT_CLASSES);

const ORAL = /\b(?:oral|tablets?|tabs?|capsules?)\b/;

/**
 * An opioid-overdose reversal agent (the fact `hasRescueNaloxone`, for the ones the patient has on hand or
 * is being prescribed, not doses given): rescue naloxone (not buprenorphine/naloxone), or a nalmefene product. Nalmefene is
 * classed `opioid-antagonist`, but its US products are overdose-reversal agents: Opvee nasal spray 2.7 mg,
 * approved by FDA on 22 May 2023 for the emergency treatment of known or suspected opioid overdose (FDA news
 * release), the Zurnai auto-injector and nalmefene injection; the NLM VSAC value set "Naloxone medications"
 * (2.16.840.1.113762.1.4.1032.42) lists nalmefene injection beside naloxone. Oral nalmefene (for alcohol
 * dependence outside the US) is not one. Naltrexone and samidorphan never count.
 */
function isOverdoseReversal(m: MedicationFact): boolean {
  if (m.classes.includes('naloxone-rescue')) return true;
  return m.classes.includes('opioid-antagonist') && m.ingredients.includes('nalmefene') && !ORAL.test(m.display.toLowerCase());
}

/**
 * What the facts could not establish for the orders being checked, each naming the engine facts it leaves open
 * (the caller reports a gap only when an active rule of its rule set reads one of them and could fire if they
 * were known, src/engine/facts-read.ts: a check switched off, or one the patient is outside of, leaves nothing to
 * report). Only gaps that can change a check are listed: age matters when a CNS-active drug is
 * ordered; a medication sent as a bare code we do not recognise may be anything (always reported, also when a
 * partner ingredient such as acetaminophen is recognised beside the unrecognised code), and so may a medication
 * whose name has a word that is probably a CNS drug the service could not read (misspelt or abbreviated); an opioid
 * dose we cannot calculate leaves MME checks open; a benzodiazepine dose we cannot calculate leaves the daily-dose
 * check of a ketamine session for depression open (the only check that reads it), so it is reported there only, not on every order
 * beside a benzodiazepine; likewise a daily dose that leaves open whether a methadone order for pain raises the
 * methadone the patient takes (the dose-increase check) is reported on such a methadone order only.
 */
function factGaps(orders: readonly OrderFacts[], ageYears: number | null): FactGap[] {
  const gaps = new Map<string, FactGap>();
  const add = (gap: FactGap): void => {
    gaps.set(gapKey(gap), gap);
  };
  if (ageYears === null && orders.some((o) => o.order.classes.some((c) => CNS.has(c)))) {
    add({ purpose: "the patient's age", reason: 'no usable birth date is recorded, so the checks for older adults could not be done', facts: ['patientAgeYears'] });
  }
  for (const order of orders) {
    for (const med of [order.order, ...order.concurrent]) {
      // Sent as codes only, with no class and no CNS-active, naloxone or antagonist ingredient recognised: unknown
      // when no code was recognised at all, and also when one was (a partner such as acetaminophen or
      // amitriptyline) beside a code that was not, which may be the CNS drug (chlordiazepoxide/amitriptyline,
      // benzhydrocodone/acetaminophen by their codes).
      if (!med.named && med.classes.length === 0 && med.activeIngredients.length === 0 && (med.ingredients.length === 0 || med.unreadCode === true)) {
        add({
          purpose: medicationPurpose(med),
          reason:
            med.ingredients.length === 0
              ? 'it was sent as a code only, without a name, and this service does not recognise the code, so what it is is not known'
              : `it was sent as codes only, without a name, and this service recognises only ${med.ingredients.join(', ')} among them, not what else it contains`,
          facts: 'all',
        });
      }
      // A name the service cannot read but that is probably a CNS drug ("alprazolem", "HYDROCOD/APAP",
      // "ACETAMINOPHEN-COD #3"): the medication may be the other half of a dangerous combination, whatever else
      // was recognised in it ("BUTALBIT-ASA-CAFF-CODEINE" reads as codeine, not as butalbital).
      if (med.unreadName !== undefined) {
        add({
          purpose: medicationPurpose(med),
          reason: `its name has a word this service cannot read ("${med.unreadName.word}", perhaps ${med.unreadName.mayBe.join(' or ')}), so what it contains is not known`,
          facts: 'all',
        });
      }
    }
    for (const drug of order.mme.perDrug) {
      if (drug.mmePerDay === null) {
        add(opioidDoseGap(drug));
      }
    }
    if (isMethadoneForPain(order.order) && order.raisesDailyDose === null) {
      for (const drug of order.raiseDoseUnknown) {
        // The order's own dose unknown: its line "the daily opioid dose of <order>" says so already; it then also
        // stands for this check (reported while either check is active), rather than a second line saying the same.
        const own = drug.ref === order.order.ref ? ownDoseGap(gaps, order) : undefined;
        if (own !== undefined) {
          const [key, gap] = own;
          if (gap.facts !== 'all' && !gap.facts.includes('orderRaisesDailyDose')) gaps.set(key, { ...gap, facts: [...gap.facts, 'orderRaisesDailyDose'] });
          continue;
        }
        add({ purpose: `whether this order raises the daily methadone dose (the daily dose of ${drug.record})`, reason: drug.reason, facts: ['orderRaisesDailyDose'] });
      }
    }
    if (ketamineSessionWithBenzodiazepine(order)) {
      for (const drug of order.benzoDoseUnknown) {
        add({ purpose: `the daily benzodiazepine dose of ${drug.display} (its effect on a ketamine session for depression)`, reason: drug.reason, facts: ['benzoDiazepamEqPerDay'] });
      }
    }
  }
  return [...gaps.values()];
}

/**
 * A medication as the subject of "Could not check ...": "the medication Alprazolem 0.5 mg", but "the medication
 * with RxNorm 99999999" for one sent as a code only (its display already says "medication with ..."), not "the
 * medication medication with RxNorm 99999999".
 */
function medicationPurpose(med: MedicationFact): string {
  return med.display.startsWith('medication with ') || med.display === 'unnamed medication' ? `the ${med.display}` : `the medication ${med.display}`;
}

const gapKey = (gap: FactGap): string => `${gap.purpose}|${gap.reason}`;

/** The gap an opioid dose without MME leaves. */
function opioidDoseGap(drug: OrderFacts['mme']['perDrug'][number]): FactGap {
  return { purpose: `the daily opioid dose of ${drug.display}`, reason: drug.reason ?? 'the dose could not be calculated', facts: ['totalMme', 'mmeUnknownCount'] };
}

/** The gap (and its key) already listed for the order's own opioid dose, when its MME is unknown. */
function ownDoseGap(gaps: ReadonlyMap<string, FactGap>, order: OrderFacts): [string, FactGap] | undefined {
  for (const drug of order.mme.perDrug) {
    if (drug.ref !== order.order.ref || drug.mmePerDay !== null) continue;
    const key = gapKey(opioidDoseGap(drug));
    const gap = gaps.get(key);
    if (gap !== undefined) return [key, gap];
  }
  return undefined;
}


/** Methadone ordered for pain (not for opioid use disorder): methadone's levels build up for days after each increase. */
function isMethadoneForPain(m: MedicationFact): boolean {
  return m.ingredients.includes('methadone') && m.classes.includes('opioid-analgesic');
}

/** A ketamine or esketamine session for depression beside a benzodiazepine that is not its pre-medication. */
function ketamineSessionWithBenzodiazepine(order: OrderFacts): boolean {
  if (!order.forDepression || order.isKetaminePremedication) return false;
  const has = (cls: DrugClass): boolean => order.concurrent.some((m) => m.classes.includes(cls));
  return (order.order.classes.includes('ketamine') && has('benzodiazepine')) || (order.order.classes.includes('benzodiazepine') && has('ketamine'));
}

function ageAt(patient: Patient | undefined, now: Date): number | null {
  const birthDate = patient?.birthDate;
  if (typeof birthDate !== 'string' || !/^\d{4}(-\d{2}(-\d{2})?)?$/.test(birthDate)) {
    return null;
  }
  const years = calculateAge(birthDate, now.toISOString().slice(0, 10)).years;
  return Number.isFinite(years) && years >= 0 ? years : null;
}
