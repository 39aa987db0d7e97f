/**
 * Turns MedicationRequest / MedicationStatement / MedicationAdministration resources into
 * classified MedicationFacts (classes, ingredients, daily doses), and decides which of them count
 * as "active" at the time of the request.
 */
import type { CodeableConcept, Condition, Dosage, Medication, MedicationAdministration, MedicationRequest, MedicationStatement, Resource } from '@medplum/fhirtypes';
import { resolveMedication } from '../patient/index.ts';
import type { PatientRecord } from '../patient/index.ts';
import { ICD10_SYSTEM, ICD10CM_SYSTEM, classifyConditionCode, ingredientRole } from '../terminology/index.ts';
import type { Classifier, DrugClass, IngredientRole } from '../terminology/index.ts';
import { medicationRequestRef } from './request-reference.ts';
import { benzodiazepineDose, dosesPerDay, opioidMme, runningAdministrationMme } from './dose/index.ts';
import { isAsNeeded, isStructured } from './dose/doses-per-day.ts';
import { own } from './dose/safe.ts';
import { canonicalUnit, quantityUnit } from './dose/units.ts';
import { atFewest } from './dose/fewest.ts';
import { isInpatientOnly } from './care-setting.ts';
import { sanitizeConcept, sanitizeMedication } from './sanitize.ts';
import type { MedicationFact, MedicationSourceKind } from './types.ts';

/** How long after an administration we still count the drug as on board. */
const ADMINISTRATION_LOOKBACK_MS = 24 * 60 * 60 * 1000;

/**
 * Intents of a request that is no one's decision to give the drug, so no supply the patient may take (FHIR R4
 * MedicationRequest.intent, http://hl7.org/fhir/request-intent):
 * - `proposal`: "a suggestion made by someone/something that does not have an intention to ensure it occurs and
 *   without providing an authorization to act" (another CDS service's or a pharmacist's suggestion);
 * - `option`: "a component or option for a RequestGroup that establishes timing, conditionality and/or other
 *   constraints among a set of requests" (one choice of an order set or protocol, of which at most one is ordered).
 * Neither can be dispensed or given as it stands: what is chosen becomes an order of its own. Counting them would
 * not only warn about drugs the patient does not have; it would also count a proposed or optional naloxone as
 * rescue naloxone on hand (no naloxone card) and make a new start read as a renewal (no new-start cards).
 * Every other intent counts, as does a missing or unrecognised one, or one not spelt as the code (the safe side):
 * `plan` is how EHRs record home medications the patient reports (US Core's self-reported example is active,
 * intent plan, reportedBoolean true; Cerner returns intent order or plan), and a plan is someone's intention to
 * ensure the drug is taken; `order`, `original-order`, `reflex-order`, `filler-order` and `instance-order` are
 * authorisations to give it.
 */
const INACTIVE_INTENTS = new Set(['proposal', 'option']);

/**
 * How long a supply a fill made on the last day of a request's fill window (`dispenseRequest.validityPeriod`)
 * may last, when the request gives neither an `expectedSupplyDuration` nor a quantity that the daily dose
 * divides into days: 90 days, the longest common maintenance fill.
 * FHIR's validityPeriod is the time the prescription may be filled, not the time the drug is taken: a patient
 * may take a benzodiazepine for weeks after it ended.
 */
const DEFAULT_SUPPLY_MS = 90 * 24 * 60 * 60 * 1000;

/** UCUM duration codes (and their usual unit words) in milliseconds. */
const DURATION_MS: Readonly<Record<string, number>> = {
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  wk: 7 * 86_400_000,
  mo: 30 * 86_400_000,
  a: 365 * 86_400_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
  week: 7 * 86_400_000,
  weeks: 7 * 86_400_000,
  month: 30 * 86_400_000,
  months: 30 * 86_400_000,
};

/** Roles of CNS-active ingredients (their distinct count is the CNS drug count). */
export const CNS_ROLES: ReadonlySet<IngredientRole> = new Set(['opioid', 'oud-opioid', 'benzodiazepine', 'z-drug', 'barbiturate', 'gabapentinoid', 'muscle-relaxant', 'ketamine']);
/** Roles of the ingredients that make a drug what it is for these rules (not acetaminophen, not a cough partner). */
const ACTIVE_ROLES: ReadonlySet<IngredientRole> = new Set([...CNS_ROLES, 'naloxone', 'antagonist']);

/** FHIR R4 id datatype. */
export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

export type MedicationResource = MedicationRequest | MedicationStatement | MedicationAdministration;

/**
 * Classifies one medication-bearing resource.
 * @param resource - The resource.
 * @param kind - Where it came from.
 * @param record - For resolving medicationReference.
 * @param classifier - The terminology classifier of the current rule set.
 * @param fallbackRef - Reference to use when the resource has no id.
 * @param patientHasDepression - Whether the patient has an active depression diagnosis (for ketamine).
 * @returns The fact.
 */
export function toMedicationFact(
  resource: MedicationResource,
  kind: MedicationSourceKind,
  record: Pick<PatientRecord, 'medications' | 'resources'>,
  classifier: Classifier,
  fallbackRef: string,
  patientHasDepression = false
): MedicationFact {
  const resolved = resolveMedication(resource, record.medications);
  // An ingredient's "#id" names a resource contained beside the Medication: in the order when the Medication is
  // contained in it, else in the Medication itself.
  const medicationRef: unknown = resource.medicationReference?.reference;
  const medication = sanitizeMedication(resolved, typeof medicationRef === 'string' && medicationRef.startsWith('#') ? resource.contained : resolved?.contained);
  // A medicationReference names the drug in its display too: read when the Medication is not in the record,
  // and beside it when it is (a Medication coded only with a local code, no name, is known by that display).
  const referenceDisplay = resource.medicationReference?.display;
  const concept =
    sanitizeConcept(resource.medicationCodeableConcept) ??
    (typeof referenceDisplay === 'string' && referenceDisplay.trim() ? sanitizeConcept({ text: referenceDisplay }) : undefined);
  const classification = classifier.classify(concept, medication);
  // The reason's text is read for methadone and ketamine only; worked out once, when first needed.
  let reason: string | undefined;
  const reasonText = (): string => (reason ??= reasonTextOf(resource));
  let classes: DrugClass[] = [...classification.classes];
  if (classification.isMethadone && ((classification.methadoneOudForm && !orderedForPain(resource, record)) || orderedForOud(resource, record))) {
    // Methadone in an OUD-only form, or ordered for opioid use disorder, is OUD treatment, not a pain opioid. An
    // OUD-only form ordered for pain (and not for OUD) is what its order says: a pain opioid, whose interaction and
    // dose cards must not give way to the "do not withhold OUD treatment" card.
    classes = classes.filter((c) => c !== 'opioid-analgesic');
    if (!classes.includes('oud-treatment')) {
      classes.push('oud-treatment');
    }
  } else if (classes.includes('oud-treatment') && classification.ingredients.includes('buprenorphine') && givenIntoVeinOrMuscle(resource)) {
    // Buprenorphine injected into a vein or a muscle (Buprenex 0.3 mg IV/IM) is a pain opioid, whatever the
    // product name left unsaid (the classifier's default for buprenorphine with no form is OUD treatment). The
    // OUD injections (Sublocade, Brixadi) go under the skin: a subcutaneous route leaves them OUD treatment.
    classes = classes.filter((c) => c !== 'oud-treatment');
    if (!classes.includes('opioid-analgesic')) {
      classes.push('opioid-analgesic');
    }
  }
  // Only a valid FHIR id can become a reference (a suggestion that deletes the draft uses it).
  const id = typeof resource.id === 'string' && FHIR_ID.test(resource.id) ? resource.id : undefined;
  const doseResource = resource.resourceType === 'MedicationAdministration' ? undefined : resource;
  const isKetamine = classes.includes('ketamine');
  return {
    ref: id ? `${resource.resourceType}/${id}` : fallbackRef,
    id,
    kind,
    display: displayOf(classification.display, concept, medication, classification.ingredients),
    classes: classes.sort(),
    ingredients: classification.ingredients,
    activeIngredients: classification.ingredients.filter((i) => {
      const role = ingredientRole(i);
      return role !== undefined && ACTIVE_ROLES.has(role);
    }),
    date: dateOf(resource),
    doseTimes: doseTimesOf(resource),
    status: typeof resource.status === 'string' ? resource.status : undefined,
    mme: doseResource ? opioidMme(doseResource, medication, classification) : runningAdministrationMme(resource as MedicationAdministration, medication, classification),
    benzoDoses: doseResource ? benzodiazepineDose(doseResource, medication, classification) : [],
    forDepression:
      isKetamine &&
      (classification.ingredients.includes('esketamine') ||
        orderedFor(resource, record, isDepressionReason) ||
        (reasonText() === '' && referencedReasons(resource, record).length === 0 && patientHasDepression)),
    // Read for the order under evaluation only (always a draft): not built for the rest of the record.
    hintText: kind === 'draft-order' ? hintTextOf(resource, reasonText()) : '',
    ongoingSupply: kind === 'draft-order' && resource.resourceType === 'MedicationRequest' && suppliesOngoingUse(resource),
    asNeeded: isAsNeededOnly(resource),
    named: [classification.display, concept?.text, medication?.code?.text].some(hasText),
    ...(classification.unreadCode === true ? { unreadCode: true } : {}),
    ...(classification.unreadName === undefined ? {} : { unreadName: classification.unreadName }),
    productNames: productNamesOf(concept, medication),
    ...sharedProduct(resource, resolved),
    ...(isInpatientOnly(resource.category) ? { inpatientOnly: true } : {}),
    ...(resource.resourceType === 'MedicationRequest' && typeof resource.priorPrescription?.reference === 'string'
      ? { priorPrescription: medicationRequestRef(resource.priorPrescription.reference) ?? resource.priorPrescription.reference }
      : {}),
  };
}

/**
 * The record's Medication that the order names by reference ("Medication/42", not one contained in the order),
 * when that Medication is one product: an ingredient with a strength. Two orders naming one such Medication
 * name one product, even when it has no name that tells products apart (only the RxNorm ingredient code and a
 * strength). A Medication with no strength ("oxycodone" alone, as dose-based inpatient orders use) is shared by
 * every order of that ingredient and says nothing about which product each order is.
 */
function sharedProduct(resource: MedicationResource, resolved: Medication | undefined): { sharedMedication?: string } {
  const reference = resource.medicationReference?.reference;
  if (resolved === undefined || typeof reference !== 'string' || reference.startsWith('#')) return {};
  if (typeof resolved.id !== 'string' || !FHIR_ID.test(resolved.id)) return {};
  const ingredients: unknown = resolved.ingredient;
  const productLevel =
    Array.isArray(ingredients) &&
    ingredients.some((i: unknown) => {
      const numerator = typeof i === 'object' && i !== null ? (i as { strength?: { numerator?: { value?: unknown } } }).strength?.numerator : undefined;
      return typeof numerator?.value === 'number' && numerator.value > 0;
    });
  return productLevel ? { sharedMedication: `Medication/${resolved.id}` } : {};
}

/** Product names with a strength in them ({@link MedicationFact.productNames}). */
function productNamesOf(concept: CodeableConcept | undefined, medication: Medication | undefined): string[] {
  const names = new Set<string>();
  for (const cc of [concept, medication?.code]) {
    for (const name of [cc?.text, ...(cc?.coding ?? []).map((c) => c.display)]) {
      if (typeof name !== 'string' || !/\d/.test(name)) continue;
      names.add(name);
    }
  }
  return [...names];
}

const SYSTEM_LABELS: Readonly<Record<string, string>> = {
  'http://www.nlm.nih.gov/research/umls/rxnorm': 'RxNorm',
  'http://www.whocc.no/atc': 'ATC',
  'http://hl7.org/fhir/sid/ndc': 'NDC',
};

/** A name a clinician can read, even when the EHR sent only a code: "oxycodone (RxNorm 7804)". */
function displayOf(display: string | undefined, concept: CodeableConcept | undefined, medication: Medication | undefined, ingredients: readonly string[]): string {
  if (display) {
    return display;
  }
  const text = concept?.text ?? medication?.code?.text;
  if (text) {
    return text;
  }
  const coding = concept?.coding?.[0] ?? medication?.code?.coding?.[0];
  const code = coding?.code ? `${own(SYSTEM_LABELS, coding.system ?? '') ?? 'code'} ${coding.code}` : undefined;
  if (ingredients.length > 0) {
    return code ? `${ingredients.join(' / ')} (${code})` : ingredients.join(' / ');
  }
  return code ? `medication with ${code}` : 'unnamed medication';
}

/**
 * Statuses that mean the drug is not (or no longer) in use. Anything else counts as in use: `active`,
 * `on-hold` (paused, the patient may still hold a supply), `unknown`, and a missing or unrecognised value.
 * The safe side is to check the drug: a warning can be overridden, a missed one cannot be seen.
 */
const INACTIVE_REQUEST_STATUSES = new Set(['cancelled', 'completed', 'entered-in-error', 'stopped', 'draft']);
const INACTIVE_STATEMENT_STATUSES = new Set(['completed', 'entered-in-error', 'not-taken', 'stopped']);

const statusOf = (value: unknown): string => (typeof value === 'string' ? value.trim().toLowerCase() : '');

/** True when the resource shows the drug in use at `now`. */
export function isActiveAt(resource: Resource, now: Date): boolean {
  switch (resource.resourceType) {
    case 'MedicationRequest':
      return (
        !INACTIVE_REQUEST_STATUSES.has(statusOf(resource.status)) &&
        !INACTIVE_INTENTS.has(resource.intent) &&
        // doNotPerform (a FHIR modifier element): the order says the drug is NOT to be given ("do not give").
        resource.doNotPerform !== true &&
        !supplyEndedBefore(resource, now)
      );
    case 'MedicationStatement':
      return !INACTIVE_STATEMENT_STATUSES.has(statusOf(resource.status)) && !endedBefore(resource.effectivePeriod?.end, now);
    case 'MedicationAdministration': {
      const status = statusOf(resource.status);
      // Only these say nothing was given. Stopped (halted part-way: it was given), on-hold (paused), unknown and a
      // missing or unrecognised status were or may have been given: they count for the look-back like completed.
      if (status === 'not-done' || status === 'entered-in-error') {
        return false;
      }
      // Text only: Date.parse turns anything else into text first, and an object such as {"toString":1} threw there.
      const effective = str(resource.effectiveDateTime) ?? str(resource.effectivePeriod?.start);
      const start = Date.parse(effective ?? '');
      const end = endOf(resource.effectivePeriod?.end);
      if (status === 'in-progress' && !(end <= now.getTime())) {
        // Running now (an infusion, a PCA): in use however long ago it started, unless not started yet.
        return !(start > now.getTime());
      }
      // Given: counts for the look-back after its last moment (the end of its period, when that is past; for a
      // period left open, as a paused or halted infusion's may be, the record's last change: src/patient/recent-only.ts;
      // else its time, where a date without a time lasts the whole day: a dose given "yesterday" may be minutes old).
      const last = Number.isFinite(end)
        ? Math.min(end, now.getTime())
        : (openPeriodLastChange(resource, start, now) ?? (start > now.getTime() ? start : Math.min(endOf(effective), now.getTime())));
      return Number.isFinite(last) && last <= now.getTime() && now.getTime() - last <= ADMINISTRATION_LOOKBACK_MS;
    }
    default:
      return false;
  }
}

/**
 * The latest moment an administration whose `effectivePeriod` has a start and no end can have been given (a
 * paused or halted infusion whose end was never written): its record's last change (`meta.lastUpdated`), as a
 * record is written at or after the moments it records; no later than now. Undefined when there is no such open
 * period (the caller has found no readable end), or no readable last change at or after its start (a start still to come has none).
 */
function openPeriodLastChange(resource: MedicationAdministration, start: number, now: Date): number | undefined {
  if (str(resource.effectiveDateTime) !== undefined || str(resource.effectivePeriod?.start) === undefined) {
    return undefined;
  }
  const changed = Date.parse(str(resource.meta?.lastUpdated) ?? '');
  return Number.isFinite(changed) && changed >= start && start <= now.getTime() ? Math.min(changed, now.getTime()) : undefined;
}

/**
 * The first instant after a FHIR date or dateTime: a date without a time ("2026-11-21") lasts the whole
 * day, a month ("2026-11") the whole month, a year the whole year. NaN when unreadable.
 */
function endOf(value: unknown): number {
  if (typeof value !== 'string') {
    return Number.NaN;
  }
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(value);
  if (m) {
    const [year, month, day] = [Number(m[1]), m[2] ? Number(m[2]) : undefined, m[3] ? Number(m[3]) : undefined];
    if (day !== undefined) return Date.UTC(year, month! - 1, day + 1);
    if (month !== undefined) return Date.UTC(year, month, 1);
    return Date.UTC(year + 1, 0, 1);
  }
  return Date.parse(value);
}

/**
 * True when the request's fill window ended so long ago that even a supply filled on its last day is used up:
 * the window's end plus the expected supply duration, else the days its quantity lasts at its daily dose (at
 * no more than one dose a day for an order that is only as needed), else {@link DEFAULT_SUPPLY_MS}. A too-long guess is not harmless: an old order still counted makes a
 * restart look like a renewal (no new-start warning for methadone, no Beers card for a new lorazepam).
 */
function supplyEndedBefore(resource: MedicationRequest, now: Date): boolean {
  const windowEnd = endOf(resource.dispenseRequest?.validityPeriod?.end);
  if (!Number.isFinite(windowEnd)) return false;
  const supply = durationMs(resource.dispenseRequest?.expectedSupplyDuration) ?? supplyFromQuantity(resource) ?? DEFAULT_SUPPLY_MS;
  return windowEnd + supply <= now.getTime();
}

/**
 * Days a dispensed quantity lasts at the prescribed daily amount (same unit), in ms; undefined when unknown.
 * A dose or frequency range is read at its low end ("1-2 tablets three times a day" as 3 tablets a day, "every
 * 6-8 hours" as every 8): the daily amount the dose checks use is the range's high end, the shortest time the
 * supply can last, and an ended alprazolam order of 90 tablets at "1-2 tablets TID" fell out of the opioid check
 * after 15 days although it may last 30. An order that is only as needed is read at no more than one dose a day: its daily amount is the most the
 * patient may take (the PRN maximum), the shortest time the supply can last, and a patient who takes PRN
 * alprazolam a few times a week still holds most of 30 tablets long after 10 days (the benzodiazepine fell
 * out of the opioid check). One dose a day (30 tablets: 30 days) is the middle reading: a far longer one (the
 * 90-day default) would keep a supply long used up ("14 tablets at bedtime as needed", window ended 81 days
 * ago) and turn a restart into a renewal, which silences the new-start checks.
 */
function supplyFromQuantity(resource: MedicationRequest): number | undefined {
  const q = resource.dispenseRequest?.quantity;
  const unit = quantityUnit(q);
  if (typeof q?.value !== 'number' || !(q.value > 0) || unit === undefined) return undefined;
  const daily = dosesPerDay(resource.dosageInstruction);
  if (daily.perDay === null || !(daily.perDay > 0) || daily.unit !== canonicalUnit(unit)) return undefined;
  let perDay = daily.perDay;
  // A range ("1-2 tablets three times a day", "every 6-8 hours") may be taken at its low end: the supply may last that long.
  const fewest = atFewest(resource.dosageInstruction);
  const least = dosesPerDay(fewest);
  if (least.perDay !== null && least.perDay > 0 && least.unit === daily.unit) perDay = Math.min(perDay, least.perDay);
  if (isAsNeededOnly(resource)) {
    const once = dosesPerDay(onceADay(fewest));
    if (once.perDay !== null && once.perDay > 0 && once.unit === daily.unit) perDay = Math.min(perDay, once.perDay);
  }
  return (q.value / perDay) * 86_400_000;
}

/** The structured dosage instructions given once a day each, without their maximum per period. */
function onceADay(dosage: unknown): Dosage[] {
  if (!Array.isArray(dosage)) return [];
  return dosage.flatMap((d: unknown) => {
    if (typeof d !== 'object' || d === null || !isStructured(d as Record<string, unknown>)) return [];
    const { maxDosePerPeriod: _max, ...rest } = d as Dosage;
    return [{ ...rest, timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } } } as Dosage];
  });
}

/** A FHIR Duration in milliseconds (UCUM code, else unit word); undefined when unreadable or not positive. */
function durationMs(duration: unknown): number | undefined {
  if (typeof duration !== 'object' || duration === null) return undefined;
  const { value, code, unit } = duration as { value?: unknown; code?: unknown; unit?: unknown };
  const per = [code, unit].map((u) => (typeof u === 'string' ? own(DURATION_MS, u.trim().toLowerCase()) : undefined)).find((u) => u !== undefined);
  return typeof value === 'number' && Number.isFinite(value) && value > 0 && per !== undefined ? value * per : undefined;
}

function endedBefore(end: unknown, now: Date): boolean {
  const t = endOf(end);
  return Number.isFinite(t) && t <= now.getTime();
}

/** A string that is not blank (whitespace, non-breaking spaces and line breaks say nothing). */
function hasText(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function dateOf(resource: MedicationResource): string | undefined {
  switch (resource.resourceType) {
    case 'MedicationRequest':
      return str(resource.authoredOn);
    case 'MedicationStatement':
      return str(resource.effectiveDateTime) ?? str(resource.effectivePeriod?.start) ?? str(resource.dateAsserted);
    case 'MedicationAdministration':
      return str(resource.effectiveDateTime) ?? str(resource.effectivePeriod?.start);
  }
}

/**
 * When doses are (to be) taken ({@link MedicationFact.doseTimes}): every `timing.event` of every dosage
 * instruction of an order, in any order (an induction order may list each of its sessions; FHIR does not sort
 * them); the effective time of a statement or an administration.
 */
function doseTimesOf(resource: MedicationResource): string[] {
  const one = (value: unknown): string[] => (str(value) ? [value as string] : []);
  switch (resource.resourceType) {
    case 'MedicationRequest': {
      const dosage: unknown = resource.dosageInstruction;
      if (!Array.isArray(dosage)) return [];
      return dosage.flatMap((d: unknown) => {
        const events: unknown = typeof d === 'object' && d !== null ? (d as { timing?: { event?: unknown } }).timing?.event : undefined;
        return Array.isArray(events) ? events.flatMap(one) : [];
      });
    }
    case 'MedicationStatement':
      return one(resource.effectiveDateTime);
    case 'MedicationAdministration':
      return one(str(resource.effectiveDateTime) ?? str(resource.effectivePeriod?.start));
  }
}

function textsOf(value: unknown, key: string): string[] {
  if (!Array.isArray(value)) {
    return [];
  }
  return value.flatMap((item) => {
    const v = item && typeof item === 'object' ? (item as Record<string, unknown>)[key] : undefined;
    return typeof v === 'string' ? [v] : [];
  });
}

/**
 * True when the order says it is for opioid use disorder: a `reasonCode`, or a Condition named by
 * `reasonReference` (in the record, contained in the order, or only the reference's display), that the
 * condition classifier puts in the `opioid-use-disorder` group. That reads every wording and code the problem
 * list is read with ("opiate dependence", "heroin dependence", "opioid abuse", SNOMED CT and ICD-10-CM codes),
 * and leaves out what it leaves out: negated or uncertain text ("rule out OUD"), and ICD-10-CM F11.9 opioid use
 * without a use disorder. A referenced Condition that is refuted or entered in error does not count.
 */
function orderedForOud(resource: MedicationResource, record: Pick<PatientRecord, 'resources'>): boolean {
  return orderedFor(resource, record, (concept) => classifyConditionCode(sanitizeConcept(concept)).includes('opioid-use-disorder'));
}

/**
 * True when the order names pain as its reason: ICD-10-CM G89 "Pain, not elsewhere classified" (G89.0-G89.4) or
 * R52 "Pain, unspecified" (ICD-10-CM tabular list, CMS/NCHS), or a reason whose text or display says "pain".
 */
function orderedForPain(resource: MedicationResource, record: Pick<PatientRecord, 'resources'>): boolean {
  return orderedFor(resource, record, isPainReason);
}

const PAIN_CODE = /^(?:G89(?:\.?[0-4][0-9]?)?|R52)$/i;
const PAIN_WORD = /\bpain(?:ful)?\b/i;

function isPainReason(concept: unknown): boolean {
  const reason = sanitizeConcept(concept);
  const codings = reason?.coding ?? [];
  if (codings.some((c) => (c.system === ICD10CM_SYSTEM || c.system === ICD10_SYSTEM || c.system === undefined) && typeof c.code === 'string' && PAIN_CODE.test(c.code.trim()))) {
    return true;
  }
  return [reason?.text, ...codings.map((c) => c.display)].some((text) => typeof text === 'string' && PAIN_WORD.test(text));
}

/**
 * True when the order's reason is a condition `test` accepts: a `reasonCode`, or a reason its `reasonReference`
 * names ({@link referencedReasons}).
 */
function orderedFor(resource: MedicationResource, record: Pick<PatientRecord, 'resources'>, test: (concept: unknown) => boolean): boolean {
  const reasons: unknown = resource.reasonCode;
  return (Array.isArray(reasons) && reasons.some(test)) || referencedReasons(resource, record).some(test);
}

/**
 * The reasons an order's `reasonReference` names that can be read, as concepts: the code of a Condition in the
 * record or contained in the order, and the reference's display. A Condition refuted or entered in error is no
 * reason (nor its display); a reference that cannot be read says nothing, and the problem list decides as when no
 * reason is given.
 */
function referencedReasons(resource: MedicationResource, record: Pick<PatientRecord, 'resources'>): unknown[] {
  const references: unknown = resource.reasonReference;
  if (!Array.isArray(references)) return [];
  return references.flatMap((item: unknown) => {
    if (typeof item !== 'object' || item === null) return [];
    const { reference, display } = item as { reference?: unknown; display?: unknown };
    const condition = typeof reference === 'string' ? referencedCondition(reference, resource, record) : undefined;
    if (condition !== undefined && refutedOrInError(condition)) return [];
    return [...(condition === undefined ? [] : [condition.code]), ...(typeof display === 'string' && display.trim() !== '' ? [{ text: display }] : [])];
  });
}

function refutedOrInError(condition: Condition): boolean {
  const verification = sanitizeConcept(condition.verificationStatus);
  const status = [...(verification?.coding ?? []).map((c) => c.code), verification?.text].map((v) => (typeof v === 'string' ? v.trim().toLowerCase() : ''));
  return status.includes('refuted') || status.includes('entered-in-error');
}

/**
 * ICD-10-CM (FY2025 Tabular List) and WHO ICD-10 (2019) codes of a depressive episode of bipolar disorder:
 * F31.3 "Bipolar disorder, current episode depressed, mild or moderate severity", F31.4 "... depressed, severe,
 * without psychotic features", F31.5 "... depressed, severe, with psychotic features" (WHO: "Bipolar affective
 * disorder, current episode mild or moderate / severe depression ...").
 */
const BIPOLAR_DEPRESSION_CODE = /^F31\.?[345]/i;
const BIPOLAR_WORD = /\b(?:bipolar|manic)\b/gi;
/**
 * The adjective forms of a mood ("depressed mood", "depressive symptoms", bipolar "current episode depressed"), which
 * the classifier's depression wording does not read: read as "depression", so its negation and exclusions still
 * apply ("not depressed mood"). Only before a word of mood (or after "episode"): "depressed" also describes a skull
 * fracture, consciousness, breathing or a heart's ejection fraction, none of them depression.
 */
const DEPRESSION_ADJECTIVE =
  /\bdepress(?:ed|ive)(?= (?:mood|affect|feelings?|symptoms?|episodes?|states?|disorders?|illness|features|reaction|thoughts|thinking|phase)\b)|(?<=\bepisode,? (?:currently |most recent )?)depressed\b/gi;
/**
 * ICD-10-CM and WHO ICD-10 depressive episode (F32) and recurrent depressive disorder (F33) codes sent without a
 * system (the order's own coding, as the reason's regex read them before): the pattern is that of these chapters.
 */
const DEPRESSION_CODE = /^F3[23](?:\.?[0-9A-Z]{1,4})?$/i;

/**
 * A ketamine session's reason is depression as the condition classifier reads the problem list (ICD-10, SNOMED CT,
 * MDD, TRD; negated, uncertain and physiological "respiratory depression" left out), or a depressive episode of
 * bipolar disorder, which the classifier leaves out of its depression group but is what ketamine is given for
 * ("bipolar depression", "bipolar I disorder, current episode depressed", F31.3-F31.5). A bipolar wording is read
 * by the classifier with the bipolar words taken out, so its negation and exclusions still apply.
 */
function isDepressionReason(concept: unknown): boolean {
  const reason = sanitizeConcept(concept);
  if (classifyConditionCode(reason).includes('depression')) return true;
  const codings = reason?.coding ?? [];
  if (codings.some((c) => (c.system === ICD10CM_SYSTEM || c.system === ICD10_SYSTEM) && typeof c.code === 'string' && BIPOLAR_DEPRESSION_CODE.test(c.code.trim()))) {
    return true;
  }
  if (codings.some((c) => c.system === undefined && typeof c.code === 'string' && (DEPRESSION_CODE.test(c.code.trim()) || BIPOLAR_DEPRESSION_CODE.test(c.code.trim())))) {
    return true;
  }
  return [reason?.text, ...codings.map((c) => c.display)].some((text) => {
    if (typeof text !== 'string') return false;
    const rewritten = text.replace(BIPOLAR_WORD, ' ').replace(DEPRESSION_ADJECTIVE, 'depression');
    return rewritten !== text && classifyConditionCode({ text: rewritten }).includes('depression');
  });
}

/** The Condition a reference names: contained in the resource ("#id"), or in the record by "Condition/<id>" (also at the end of a URL). */
function referencedCondition(reference: string, resource: MedicationResource, record: Pick<PatientRecord, 'resources'>): Condition | undefined {
  if (reference.startsWith('#')) {
    const contained: unknown = resource.contained;
    return Array.isArray(contained) ? conditionsById(contained).get(reference.slice(1)) : undefined;
  }
  const match = /(?:^|\/)Condition\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]*)?$/.exec(reference);
  if (!match) return undefined;
  return conditionsById(record.resources.get('Condition') ?? []).get(match[1]!);
}

/**
 * The Conditions of a list (the record's, or those contained in an order) by id, the first of each id, built once
 * per list: a scan of the list for every reference took N x M time (50,000 references beside 50,000 Conditions, a
 * 4 MiB call, held the event loop for 40 s).
 */
const conditionIndexes = new WeakMap<readonly unknown[], ReadonlyMap<string, Condition>>();
function conditionsById(list: readonly unknown[]): ReadonlyMap<string, Condition> {
  let index = conditionIndexes.get(list);
  if (index === undefined) {
    const byId = new Map<string, Condition>();
    for (const c of list) {
      if (isCondition(c) && typeof c.id === 'string' && !byId.has(c.id)) byId.set(c.id, c);
    }
    index = byId;
    conditionIndexes.set(list, index);
  }
  return index;
}

function isCondition(value: unknown): value is Condition {
  return typeof value === 'object' && value !== null && (value as { resourceType?: unknown }).resourceType === 'Condition';
}

/**
 * SNOMED CT route concepts for injection into a vein or a muscle, from the FHIR R4 value set "SNOMED CT Route
 * Codes" (http://hl7.org/fhir/ValueSet/route-codes): 47625008 Intravenous route, 78421000 Intramuscular route.
 */
const VEIN_OR_MUSCLE_ROUTE_CODES = new Set(['47625008', '78421000']);
const VEIN_OR_MUSCLE_ROUTE_WORDS = /\b(?:intravenous(?:ly)?|intramuscular(?:ly)?|iv|ivp|im)\b/i;

/** True when a dosage instruction's route (code, display or text) is intravenous or intramuscular. */
function givenIntoVeinOrMuscle(resource: MedicationResource): boolean {
  const dosage: unknown =
    resource.resourceType === 'MedicationRequest' ? resource.dosageInstruction : resource.resourceType === 'MedicationStatement' ? resource.dosage : [resource.dosage];
  if (!Array.isArray(dosage)) return false;
  return dosage.some((d: unknown) => {
    const route = typeof d === 'object' && d !== null ? sanitizeConcept((d as { route?: unknown }).route) : undefined;
    if (route === undefined) return false;
    const codings = route.coding ?? [];
    if (codings.some((c) => typeof c.code === 'string' && VEIN_OR_MUSCLE_ROUTE_CODES.has(c.code.trim()))) return true;
    return [route.text, ...codings.map((c) => c.display)].some((t) => typeof t === 'string' && VEIN_OR_MUSCLE_ROUTE_WORDS.test(t));
  });
}

function reasonTextOf(resource: MedicationResource): string {
  const reasons = Array.isArray(resource.reasonCode) ? resource.reasonCode : [];
  const parts: string[] = [];
  for (const reason of reasons) {
    const concept = sanitizeConcept(reason);
    parts.push(concept?.text ?? '', ...(concept?.coding ?? []).flatMap((c) => [c.code ?? '', c.display ?? '']));
  }
  return parts.join(' ').trim().toLowerCase();
}

/** True when the resource's structured dosage instructions are all as needed (PRN), and there is one at least. */
function isAsNeededOnly(resource: MedicationResource): boolean {
  const dosage: unknown = resource.resourceType === 'MedicationRequest' ? resource.dosageInstruction : resource.resourceType === 'MedicationStatement' ? resource.dosage : undefined;
  if (!Array.isArray(dosage)) return false;
  // Text-only entries (patient instructions) say nothing about PRN: ignored, as the dose calculation ignores
  // them; PRN read as the dose calculation reads it (asNeededBoolean, asNeededCodeableConcept, asNeededFor).
  const structured = dosage.filter((d: unknown): d is Record<string, unknown> => typeof d === 'object' && d !== null && isStructured(d as Record<string, unknown>));
  return structured.length > 0 && structured.every(isAsNeeded);
}

/** The shortest expected supply that reads as ongoing use rather than a dose or two for one session. */
const ONGOING_SUPPLY_MS = 7 * 86_400_000;

/**
 * Refills, or a supply of a week or more ({@link MedicationFact.ongoingSupply}): the expected supply duration,
 * else the days the dispensed quantity lasts at the daily dose (60 tablets at one twice a day: 30 days). Many
 * EHRs send a new prescription with a quantity and no duration; read by the duration alone, 30 days of
 * clonazepam signed beside Spravato was taken for the session's pre-medication and lost the safety warning.
 */
function suppliesOngoingUse(resource: MedicationRequest): boolean {
  const repeats = resource.dispenseRequest?.numberOfRepeatsAllowed;
  if (typeof repeats === 'number' && repeats >= 1) return true;
  const supply = durationMs(resource.dispenseRequest?.expectedSupplyDuration) ?? supplyFromQuantity(resource);
  return supply !== undefined && supply >= ONGOING_SUPPLY_MS;
}

function hintTextOf(resource: MedicationResource, reasonText: string): string {
  const dosage = resource.resourceType === 'MedicationAdministration' ? [] : textsOf(resource.resourceType === 'MedicationRequest' ? resource.dosageInstruction : resource.dosage, 'text');
  return [...dosage, ...textsOf(resource.note, 'text'), reasonText].join(' ').toLowerCase();
}
