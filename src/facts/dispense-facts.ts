/**
 * MedicationDispense: a pharmacy fill (the EHR's own pharmacy, or outside fill history). A benzodiazepine filled on
 * another prescriber's order that the EHR holds only as a dispense was invisible: an opioid signed beside it got no
 * card. A dispense is a supply in the patient's hands, so it counts as a medication in use while that supply may
 * last, read as the order it fills would be (medication-facts.ts), with these differences:
 *
 * - **Status** (FHIR R4 http://hl7.org/fhir/ValueSet/medicationdispense-status): `completed`, `in-progress` and
 *   `unknown` (and a missing or unrecognised status: the safe side) count. `cancelled`, `declined`,
 *   `entered-in-error`, `preparation` and `on-hold` do not (nothing was handed over), nor does `stopped` ("halted
 *   before all of them occurred") unless a `whenHandedOver` says the drug reached the patient before it stopped.
 * - **When**: from `whenHandedOver`, else `whenPrepared`, else the record's last change (`meta.lastUpdated`: a record
 *   is written at or after what it records, so a supply counted from it ends no earlier than the real one). A date
 *   without a time is the whole day. A dispense with none of these counts (the safe side).
 * - **How long**: its `daysSupply` (a Quantity in days), else the days its `quantity` lasts at the dose of its
 *   `dosageInstruction`, else 90 days: the same reading, and the same grace, as the supply of an order whose fill
 *   window ended (medication-facts.ts `supplyEndedBefore`: a range read at its low end, an as-needed order at no more
 *   than one dose a day). Never more than {@link MAX_DISPENSE_SUPPLY_DAYS} after it was handed over: the prefetch
 *   reads dispenses newest-updated first only that far back (cds-hooks/*.json `recentOnly`).
 * - **Dose** (MME, diazepam equivalents): from its `dosageInstruction`, with the readers of orders; when that gives
 *   no daily amount, from `quantity` / `daysSupply` a day (a pharmacy works out the days' supply from the daily dose)
 *   where the product's strength is known; else unknown, and the check-incomplete card says so, as for orders.
 * - **Where**: a fill categorised for inpatient use only (`category` inpatient: the ward's supply) is read as an order
 *   for inpatient use only (care-setting.ts): naloxone filled for the ward is no rescue supply the patient has beside
 *   an order for home (derive-facts.ts `hasRescueNaloxone`), as for orders.
 * - **Counted once**: a dispense whose `authorizingPrescription` names a MedicationRequest of the record in use now,
 *   of the same therapy (by reference; by `identifier`, the prescription number an outside pharmacy feed sends, with
 *   the same system and value; or by "#id" to an order contained in the dispense, matched by that order's
 *   identifiers), is that order's fill: its dose is the order's, counted as the order (`recordsRequest`). So is a
 *   dispense of an order no longer in use that a request in use of the same therapy, or a draft of the session,
 *   renews (names as its `priorPrescription`, directly or through a chain of the record's requests): October's fill,
 *   still lasting, while November's renewal is active (or being signed) is the renewal's, one regimen. Any other
 *   dispense of an order no longer in use (ended, or not sent) counts on its own while its supply lasts; of several
 *   such fills of one order whose supplies overlap (an early refill), the newest is counted in the daily totals and the
 *   others name the order as recorded (one regimen, not two). A fill that names no order (outside fill history often
 *   does not) of the same regimen as an order in use (`oneRegimen`) is that order's fill. Of the other fills that name
 *   no order, whose supplies overlap (all in use now) and that are one product (order-facts.ts `replaces`: its name
 *   with its strength, taken the same way) at the same known daily dose, the newest is counted and the others name it
 *   as recorded; another strength, product or dose, or a dose that cannot be read, counts as well (the safe side).
 */
import type { Dosage, MedicationDispense, MedicationRequest, MedicationStatement, Quantity, Resource } from '@medplum/fhirtypes';
import type { PatientRecord } from '../patient/index.ts';
import type { Classifier } from '../terminology/index.ts';
import { FHIR_ID, isActiveAt, toMedicationFact } from './medication-facts.ts';
import { replaces, sameTherapy } from './order-facts.ts';
import { medicationDispenseRef, medicationRequestRef } from './request-reference.ts';
import type { MedicationFact } from './types.ts';

/** The longest a dispense counts after its handover, whatever supply it states: about six months. */
export const MAX_DISPENSE_SUPPLY_DAYS = 180;

const DAY_MS = 86_400_000;
const UCUM = 'http://unitsofmeasure.org';

/** Statuses that say nothing was, or will be, handed over. */
const NOT_HANDED_OVER = new Set(['cancelled', 'declined', 'entered-in-error', 'preparation', 'on-hold']);

const str = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

/** Days of a `daysSupply` (in days by definition: a value without a unit is days); undefined when unreadable. */
function supplyDays(quantity: unknown): number | undefined {
  if (typeof quantity !== 'object' || quantity === null) return undefined;
  const { value, unit, code } = quantity as { value?: unknown; unit?: unknown; code?: unknown };
  if (typeof value !== 'number' || !Number.isFinite(value) || !(value > 0)) return undefined;
  const words = [code, unit].filter((u): u is string => typeof u === 'string' && u.trim() !== '').map((u) => u.trim().toLowerCase());
  if (words.length === 0 || words.some((u) => u === 'd' || u === 'day' || u === 'days')) return value;
  if (words.some((u) => u === 'wk' || u === 'week' || u === 'weeks')) return value * 7;
  return undefined;
}

/** When the supply started: handover, else preparation, else the record's last change. */
function startOf(dispense: MedicationDispense): string | undefined {
  return str(dispense.whenHandedOver) ?? str(dispense.whenPrepared) ?? str(dispense.meta?.lastUpdated);
}

/**
 * The dispense as the order it fills: its drug, dosage, quantity and days' supply, with a fill window that ended at
 * its handover. The supply and dose readers of orders then read it as they read an order whose window ended.
 */
function asOrder(dispense: MedicationDispense, dosage?: Dosage[]): MedicationRequest {
  const start = startOf(dispense);
  const days = supplyDays(dispense.daysSupply);
  return {
    resourceType: 'MedicationRequest',
    ...(dispense.id === undefined ? {} : { id: dispense.id }),
    status: 'active',
    intent: 'order',
    subject: dispense.subject ?? { reference: 'Patient/unknown' },
    ...(dispense.medicationCodeableConcept === undefined ? {} : { medicationCodeableConcept: dispense.medicationCodeableConcept }),
    ...(dispense.medicationReference === undefined ? {} : { medicationReference: dispense.medicationReference }),
    ...(dispense.contained === undefined ? {} : { contained: dispense.contained }),
    ...(start === undefined ? {} : { authoredOn: start }),
    ...((dosage ?? dispense.dosageInstruction) === undefined ? {} : { dosageInstruction: dosage ?? dispense.dosageInstruction }),
    // A fill for the ward (category inpatient) is read as an order for inpatient use only (care-setting.ts).
    ...(dispense.category === undefined ? {} : { category: [dispense.category] }),
    dispenseRequest: {
      ...(start === undefined ? {} : { validityPeriod: { end: start } }),
      ...(dispense.quantity === undefined ? {} : { quantity: dispense.quantity }),
      ...(days === undefined ? {} : { expectedSupplyDuration: { value: days, unit: 'd', system: UCUM, code: 'd' } }),
    },
  };
}

/**
 * True when the dispense's supply may still be in use at `now` (see the file's comment).
 * @param dispense - A MedicationDispense of the record.
 * @param now - The time of the check.
 */
export function dispenseInUseAt(dispense: MedicationDispense, now: Date): boolean {
  const status = typeof dispense.status === 'string' ? dispense.status.trim().toLowerCase() : '';
  if (NOT_HANDED_OVER.has(status) || (status === 'stopped' && str(dispense.whenHandedOver) === undefined)) return false;
  const start = startOf(dispense);
  const started = start === undefined ? Number.NaN : Date.parse(start);
  if (Number.isFinite(started) && now.getTime() - started > (MAX_DISPENSE_SUPPLY_DAYS + 1) * DAY_MS) return false;
  return isActiveAt(asOrder(dispense), now);
}

/** A daily dose worked out from the quantity and the stated days' supply: once a day, quantity / days. */
function dosageFromSupply(dispense: MedicationDispense): Dosage[] | undefined {
  const days = supplyDays(dispense.daysSupply);
  const q: Partial<Quantity> | undefined = typeof dispense.quantity === 'object' && dispense.quantity !== null ? dispense.quantity : undefined;
  if (days === undefined || typeof q?.value !== 'number' || !Number.isFinite(q.value) || !(q.value > 0)) return undefined;
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const perDay: Quantity = {
    value: q.value / days,
    ...(text(q.unit) === undefined ? {} : { unit: text(q.unit) }),
    ...(text(q.system) === undefined ? {} : { system: text(q.system) }),
    ...(text(q.code) === undefined ? {} : { code: text(q.code) }),
  };
  return [{ timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } }, doseAndRate: [{ doseQuantity: perDay }] }];
}

const unknownDose = (doses: readonly { mgPerDay: number | null }[]): boolean => doses.some((d) => d.mgPerDay === null);

/**
 * The fact of one dispense in use: classified and dosed as the order it fills, named as a dispense.
 * @param dispense - The dispense.
 * @param record - For resolving medicationReference and reasons.
 * @param classifier - Terminology of the current rule set.
 * @param fallbackRef - Reference to use when it has no usable id.
 * @param patientHasDepression - For ketamine.
 */
export function dispenseFact(
  dispense: MedicationDispense,
  record: Pick<PatientRecord, 'medications' | 'resources'>,
  classifier: Classifier,
  fallbackRef: string,
  patientHasDepression = false
): MedicationFact {
  const read = (dosage?: Dosage[]): MedicationFact => toMedicationFact(asOrder(dispense, dosage), 'medication-dispense', record, classifier, fallbackRef, patientHasDepression);
  let fact = read();
  if (unknownDose(fact.mme) || unknownDose(fact.benzoDoses)) {
    const fromSupply = dosageFromSupply(dispense);
    const bySupply = fromSupply === undefined ? undefined : read(fromSupply);
    if (bySupply !== undefined) {
      fact = {
        ...fact,
        mme: unknownDose(fact.mme) && !unknownDose(bySupply.mme) ? bySupply.mme : fact.mme,
        benzoDoses: unknownDose(fact.benzoDoses) && !unknownDose(bySupply.benzoDoses) ? bySupply.benzoDoses : fact.benzoDoses,
      };
    }
  }
  const days = supplyDays(dispense.daysSupply);
  return {
    ...fact,
    ref: fact.id === undefined ? fallbackRef : `MedicationDispense/${fact.id}`,
    status: typeof dispense.status === 'string' ? dispense.status : undefined,
    ...(days === undefined ? {} : { supplyDays: days }),
  };
}

/** The record's MedicationRequests by their business identifiers (`identifier`: a prescription number), and their renewals. */
interface RecordRequests {
  /** A request's reference to those of the requests that name it as their `priorPrescription` (its renewals). */
  readonly renewals: ReadonlyMap<string, readonly string[]>;
  /** "system|value" to the references of the requests carrying that identifier. */
  readonly bySystemAndValue: ReadonlyMap<string, readonly string[]>;
  /** A value alone to the references of the requests carrying it, whatever the system. */
  readonly byValue: ReadonlyMap<string, readonly string[]>;
}

/** An Identifier's system (when given) and value; undefined without a value. */
function identifierOf(identifier: unknown): { system?: string; value: string } | undefined {
  if (typeof identifier !== 'object' || identifier === null) return undefined;
  const { system, value } = identifier as { system?: unknown; value?: unknown };
  const v = str(value)?.trim();
  if (v === undefined) return undefined;
  const s = str(system)?.trim();
  return s === undefined ? { value: v } : { system: s, value: v };
}

const identifiersOf = (resource: unknown): { system?: string; value: string }[] => {
  const list: unknown = typeof resource === 'object' && resource !== null ? (resource as { identifier?: unknown }).identifier : undefined;
  return Array.isArray(list) ? list.flatMap((i: unknown) => identifierOf(i) ?? []) : [];
};

/**
 * The record's MedicationRequests, named as their facts are ("MedicationRequest/<id>", else by their place in the
 * list, as derive-facts.ts names them), by identifier, and the renewals of each (among them the session's drafts).
 */
function recordRequests(record: PatientRecord, drafts: readonly MedicationFact[]): RecordRequests {
  const bySystemAndValue = new Map<string, string[]>();
  const byValue = new Map<string, string[]>();
  const renewals = new Map<string, string[]>();
  const list = (record.resources.get('MedicationRequest') ?? []) as readonly MedicationRequest[];
  list.forEach((request, i) => {
    const ref = typeof request.id === 'string' && FHIR_ID.test(request.id) ? `MedicationRequest/${request.id}` : `MedicationRequest/#${i}`;
    for (const { system, value } of identifiersOf(request)) {
      if (system !== undefined) bySystemAndValue.set(`${system}|${value}`, [...(bySystemAndValue.get(`${system}|${value}`) ?? []), ref]);
      if (!(byValue.get(value) ?? []).includes(ref)) byValue.set(value, [...(byValue.get(value) ?? []), ref]);
    }
    const prior: unknown = request.priorPrescription?.reference;
    const renewed = typeof prior === 'string' ? medicationRequestRef(prior) : undefined;
    if (renewed !== undefined && renewed !== ref) renewals.set(renewed, [...(renewals.get(renewed) ?? []), ref]);
  });
  for (const draft of drafts) {
    if (draft.priorPrescription !== undefined && draft.priorPrescription !== draft.ref) {
      renewals.set(draft.priorPrescription, [...(renewals.get(draft.priorPrescription) ?? []), draft.ref]);
    }
  }
  return { bySystemAndValue, byValue, renewals };
}

/**
 * The record's MedicationRequests an Identifier names: those with the same system and value; an identifier without a
 * system only when one request of the record has that value (else it cannot be told which). When it names none of
 * them, a key for the prescription number itself ("identifier:<system>|<value>"), so that fills naming one number are
 * known as fills of one prescription.
 */
function requestsIdentified(identifier: { system?: string; value: string }, requests: RecordRequests): string[] {
  const found =
    identifier.system !== undefined
      ? (requests.bySystemAndValue.get(`${identifier.system}|${identifier.value}`) ?? [])
      : (requests.byValue.get(identifier.value) ?? []).length === 1
        ? requests.byValue.get(identifier.value)!
        : [];
  return found.length > 0 ? [...found] : [`identifier:${identifier.system ?? ''}|${identifier.value}`];
}

/**
 * The MedicationRequests a dispense names as its `authorizingPrescription`, as "MedicationRequest/<id>": by
 * `reference` (relative, absolute or versioned), by `identifier` (the prescription number an outside pharmacy feed
 * sends), or by "#id" naming a MedicationRequest contained in the dispense, matched by that order's identifiers.
 */
function prescriptionsOf(dispense: MedicationDispense, requests: RecordRequests): string[] {
  const links: unknown = dispense.authorizingPrescription;
  if (!Array.isArray(links)) return [];
  const contained: unknown[] = Array.isArray(dispense.contained) ? dispense.contained : [];
  const refs = links.flatMap((link: unknown) => {
    if (typeof link !== 'object' || link === null) return [];
    const { reference, identifier } = link as { reference?: unknown; identifier?: unknown };
    const named: string[] = [];
    if (typeof reference === 'string' && reference.trim().startsWith('#')) {
      const id = reference.trim().slice(1);
      const order = contained.find((r) => typeof r === 'object' && r !== null && (r as Resource).resourceType === 'MedicationRequest' && (r as Resource).id === id);
      for (const i of identifiersOf(order)) named.push(...requestsIdentified(i, requests));
    } else if (typeof reference === 'string') {
      const ref = medicationRequestRef(reference);
      if (ref !== undefined) named.push(ref);
    }
    const byNumber = identifierOf(identifier);
    if (byNumber !== undefined) named.push(...requestsIdentified(byNumber, requests));
    return named;
  });
  return [...new Set(refs)];
}

/**
 * The record's dispenses in use at `now`, as facts: each linked to the order in use it fills (`recordsRequest`), or,
 * for earlier fills of an order not in use whose newer fill is in use too, to that order.
 * @param record - The patient record.
 * @param requestsInUse - The record's MedicationRequests in use now, by reference.
 * @param classifier - Terminology of the current rule set.
 * @param now - The time of the check.
 * @param patientHasDepression - For ketamine.
 * @param drafts - The session's draft orders (not those it ends): one renewing a fill's order is its renewal too.
 */
export function dispensesInUse(
  record: PatientRecord,
  requestsInUse: ReadonlyMap<string, MedicationFact>,
  classifier: Classifier,
  now: Date,
  patientHasDepression = false,
  drafts: readonly MedicationFact[] = []
): MedicationFact[] {
  const list = (record.resources.get('MedicationDispense') ?? []) as readonly (Resource & MedicationDispense)[];
  const inUse = list.flatMap((dispense, i) => (dispenseInUseAt(dispense, now) ? [{ dispense, i }] : []));
  // Most calls have no fill in use (no medicationDispenses key, or only fills used up): the record's requests are then
  // not indexed at all. Built for every call, the index of each request's identifiers and renewals was two thirds of
  // what this function cost on the benchmark corpus, which has no fills.
  if (inUse.length === 0) return [];
  const requests = recordRequests(record, drafts);
  // The requests a fill may be counted as: the record's in use, and the session's drafts.
  const renewing = new Map([...drafts.map((d): [string, MedicationFact] => [d.ref, d]), ...requestsInUse]);
  const reads = inUse.map(({ dispense, i }) => ({
    prescriptions: prescriptionsOf(dispense, requests),
    fact: dispenseFact(dispense, record, classifier, `MedicationDispense/#${i}`, patientHasDepression),
  }));
  // Fills of an order not in use, by that order, the newest first.
  const fillsOf = new Map<string, MedicationFact[]>();
  const out = reads.map(({ prescriptions, fact }) => {
    const filled = prescriptions.find((ref) => {
      const request = requestsInUse.get(ref);
      return request !== undefined && sameTherapy(request, fact);
    });
    if (filled !== undefined) return { ...fact, recordsRequest: filled };
    // A fill of an order that an order in use renews (October's fill while November's renewal is active, or is
    // being signed): the renewal's therapy, counted once, as the renewal.
    const renewal = renewalInUse(prescriptions, fact, requests, renewing);
    if (renewal !== undefined) return { ...fact, recordsRequest: renewal };
    const order = prescriptions[0];
    if (order !== undefined) fillsOf.set(order, [...(fillsOf.get(order) ?? []), fact]);
    return fact;
  });
  const earlier = new Map<MedicationFact, string>();
  for (const [order, fills] of fillsOf) {
    const newest = [...fills].sort((a, b) => startMs(b) - startMs(a))[0]!;
    for (const fill of fills) {
      if (fill !== newest && sameTherapy(newest, fill)) earlier.set(fill, order);
    }
  }
  // Fills that name no order (outside fill history often does not): all in use now, so their supplies overlap. One of
  // the same regimen as an order in use (the same product and strength, taken the same way, at the same known daily
  // dose) is that order's fill: counted as it, once (oxycodone 5 mg every 6 hours ordered and filled read as 60
  // MME/day instead of 30). Of the others, those of one product taken at one known daily dose (an early refill): the
  // newest is counted and the others name it as recorded. Another strength, product or dose, or a dose that cannot be
  // read, is taken as well: both count. A fill naming an order that is not in use is never taken for another order
  // (a second prescriber's supply of the same drug is two supplies).
  const unlinked = out
    .map((fact, i) => ({ fact, i }))
    .filter(({ i }) => reads[i]!.prescriptions.length === 0)
    .sort((a, b) => startMs(b.fact) - startMs(a.fact) || a.i - b.i)
    .map(({ fact }) => fact);
  const counted: MedicationFact[] = [];
  const orders = [...requestsInUse.values()];
  for (const fill of unlinked) {
    const order = orders.find((r) => sameTherapy(r, fill) && oneRegimen(fill, r));
    if (order !== undefined) {
      earlier.set(fill, order.ref);
      continue;
    }
    const newer = counted.find((n) => oneRegimen(n, fill));
    if (newer === undefined) counted.push(fill);
    else earlier.set(fill, newer.ref);
  }
  return out.map((fact) => (earlier.has(fact) ? { ...fact, recordsRequest: earlier.get(fact)! } : fact));
}

/**
 * The fill in use a MedicationStatement says it was made from: named as its `derivedFrom` (where FHIR R4 says a
 * statement's source, such as a MedicationDispense, goes) or its `partOf`, and the same therapy. A medication list
 * reconciled from fill history counted each such drug twice (oxycodone 45 MME/day read as 90): the statement is
 * left out of the daily totals as its fill's, which counts (or is counted as its order). A statement naming a fill
 * that is not in use, or of another drug, still counts.
 * @param statement - The MedicationStatement.
 * @param fact - Its fact.
 * @param fills - The record's dispenses in use ({@link dispensesInUse}).
 * @returns The fill's reference ("MedicationDispense/<id>"), or undefined.
 */
export function fillRecorded(statement: MedicationStatement, fact: MedicationFact, fills: readonly MedicationFact[]): string | undefined {
  const links: unknown[] = [statement.derivedFrom, statement.partOf].flatMap((list: unknown) => (Array.isArray(list) ? list : []));
  for (const link of links) {
    const reference: unknown = typeof link === 'object' && link !== null ? (link as { reference?: unknown }).reference : undefined;
    const ref = typeof reference === 'string' ? medicationDispenseRef(reference) : undefined;
    const fill = ref === undefined ? undefined : fills.find((f) => f.ref === ref);
    if (fill !== undefined && sameTherapy(fill, fact)) return fill.ref;
  }
  return undefined;
}

/**
 * The first request in use (or draft), of the fill's therapy, that renews one of `orders` (names it as its
 * `priorPrescription`), directly or through a chain of renewals among the record's requests (in use or not). Each
 * request is visited once: a chain that goes round in a cycle ends.
 */
function renewalInUse(orders: readonly string[], fill: MedicationFact, requests: RecordRequests, requestsInUse: ReadonlyMap<string, MedicationFact>): string | undefined {
  const seen = new Set(orders);
  const queue = [...orders];
  for (let ref = queue.shift(); ref !== undefined; ref = queue.shift()) {
    for (const renewal of requests.renewals.get(ref) ?? []) {
      if (seen.has(renewal)) continue;
      seen.add(renewal);
      const request = requestsInUse.get(renewal);
      if (request !== undefined && sameTherapy(request, fill)) return renewal;
      queue.push(renewal);
    }
  }
  return undefined;
}

/**
 * Two fills of one regimen: the same product taken the same way (order-facts.ts `replaces`: a shared product name
 * with its strength, both scheduled or both as needed), at the same known daily dose of each ingredient.
 */
export function oneRegimen(newer: MedicationFact, older: MedicationFact): boolean {
  const doses = (m: MedicationFact): string[] | undefined => {
    const all = [...m.mme, ...m.benzoDoses];
    if (all.some((d) => typeof d.mgPerDay !== 'number' || !Number.isFinite(d.mgPerDay))) return undefined;
    return all.map((d) => `${d.ingredient} ${d.unit} ${d.mgPerDay}`).sort();
  };
  const a = doses(newer);
  const b = doses(older);
  return a !== undefined && b !== undefined && a.length === b.length && a.every((d, i) => d === b[i]) && replaces(newer, older);
}

/** When a fill was handed over, ms (an unreadable time sorts last). */
function startMs(m: MedicationFact): number {
  const t = typeof m.date === 'string' ? Date.parse(m.date) : Number.NaN;
  return Number.isFinite(t) ? t : Number.NEGATIVE_INFINITY;
}
