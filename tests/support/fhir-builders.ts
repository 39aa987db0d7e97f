/**
 * Building FHIR R4 test resources and patient records for the fact tests (tests/facts): the medication resources
 * of one patient ("Patient/p"), the quantities and dosage shapes they carry, the PatientRecord the facts are derived
 * from, and the call of deriveFacts on a session's drafts; and the searchset Bundle a hook test's prefetch key
 * holds. Each test used to write these again.
 *
 * The builders fill in only what makes a resource valid and tie it to the patient. What a test turns on (the
 * status, the dose, the dates, the supply) is an argument or an override at the call site, or a named default in
 * the test file's own wrapper, so a reader still sees a test's key input where the test is.
 */
import type { Bundle, CodeableConcept, Dosage, Medication, MedicationDispense, MedicationRequest, MedicationStatement, Quantity, Resource } from '@medplum/fhirtypes';
import { deriveFacts } from '../../src/facts/index.ts';
import type { Facts } from '../../src/facts/index.ts';
import type { PatientRecord } from '../../src/patient/index.ts';
import { createClassifier } from '../../src/terminology/index.ts';
import type { Classifier } from '../../src/terminology/index.ts';

/** The one patient of every built record; resources name it as their subject. */
export const PATIENT_ID = 'p';
const subject = () => ({ reference: `Patient/${PATIENT_ID}` });

const UCUM = 'http://unitsofmeasure.org';

/** A medication named by text alone, or a whole concept when a test needs its codes. */
type MedicationName = string | CodeableConcept;
const concept = (medication: MedicationName): CodeableConcept => (typeof medication === 'string' ? { text: medication } : medication);

/** A MedicationRequest (intent order) of `medication`; `fields` override or add to anything here. */
export function medicationRequest(id: string, status: MedicationRequest['status'], medication: MedicationName, fields: Partial<MedicationRequest> = {}): MedicationRequest {
  return { resourceType: 'MedicationRequest', id, status, intent: 'order', subject: subject(), medicationCodeableConcept: concept(medication), ...fields };
}

/** A MedicationDispense (a pharmacy fill) of `medication`; `fields` override or add to anything here. */
export function medicationDispense(id: string, status: MedicationDispense['status'], medication: MedicationName, fields: Partial<MedicationDispense> = {}): MedicationDispense {
  return { resourceType: 'MedicationDispense', id, status, subject: subject(), medicationCodeableConcept: concept(medication), ...fields };
}

/** A MedicationStatement (a medication-list entry) of `medication`; `fields` override or add to anything here. */
export function medicationStatement(id: string, status: MedicationStatement['status'], medication: MedicationName, fields: Partial<MedicationStatement> = {}): MedicationStatement {
  return { resourceType: 'MedicationStatement', id, status, subject: subject(), medicationCodeableConcept: concept(medication), ...fields };
}

/** `value` tablets with the UCUM code {tbl}, as a coded dose or supply is sent. */
export function tablets(value: number): Quantity {
  return { value, unit: 'tablet', system: UCUM, code: '{tbl}' };
}

/** `value` tablets named by the unit text alone (no UCUM code), as many EHRs send a dose. */
export function plainTablets(value: number): Quantity {
  return { value, unit: 'tablet' };
}

/** `value` days with the UCUM code d, as a days supply is sent. */
export function days(value: number): Quantity {
  return { value, unit: 'day', system: UCUM, code: 'd' };
}

/** `dose` taken `frequency` times a day ("twice a day": 2). */
export function timesADay(frequency: number, dose: Quantity): Dosage {
  return { timing: { repeat: { frequency, period: 1, periodUnit: 'd' } }, doseAndRate: [{ doseQuantity: dose }] };
}

/** `dose` taken once every `hours` hours ("every six hours": 6). */
export function everyHours(hours: number, dose: Quantity): Dosage {
  return { timing: { repeat: { frequency: 1, period: hours, periodUnit: 'h' } }, doseAndRate: [{ doseQuantity: dose }] };
}

/** A searchset Bundle of `resources`, as a prefetch key or a FHIR search answers them. */
export function searchset(resources: readonly Resource[]): Bundle {
  return { resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource })) };
}

/** What a record holds beside its resources. */
export interface RecordOptions {
  /** The patient's birth date; without it the record has no Patient resource, as when the EHR sent none. */
  readonly birthDate?: string;
  /** Medications of the record by reference ("Medication/x"). */
  readonly medications?: ReadonlyMap<string, Medication>;
}

/**
 * The PatientRecord of patient "p" holding `resources`, grouped by resourceType as the record reader groups
 * them: no data gaps, no sources.
 */
export function patientRecord(resources: readonly Resource[], options: RecordOptions = {}): PatientRecord {
  // Pushed in place, not copied per resource: a work test's record holds tens of thousands of resources.
  const byType = new Map<string, Resource[]>();
  for (const r of resources) {
    const list = byType.get(r.resourceType);
    if (list) list.push(r);
    else byType.set(r.resourceType, [r]);
  }
  return {
    patientId: PATIENT_ID,
    ...(options.birthDate === undefined ? {} : { patient: { resourceType: 'Patient', id: PATIENT_ID, birthDate: options.birthDate } }),
    resources: byType,
    medications: options.medications ?? new Map(),
    gaps: [],
    sources: {},
  };
}

let classifier: Classifier | undefined;
/** One classifier for every fact test of a file: made on first use (it builds the code and name tables). */
export function testClassifier(): Classifier {
  classifier ??= createClassifier();
  return classifier;
}

/**
 * The facts of the session's `drafts` beside `record` at `now`, every draft evaluated; draft i falls back to the
 * reference "MedicationRequest/#i", as a bundle entry without an id would.
 */
export function draftFacts(record: PatientRecord, drafts: MedicationRequest | readonly MedicationRequest[], now: Date): Facts {
  const list = Array.isArray(drafts) ? (drafts as readonly MedicationRequest[]) : [drafts as MedicationRequest];
  return deriveFacts(record, list.map((resource, i) => ({ resource, fallbackRef: `MedicationRequest/#${i}`, evaluate: true })), testClassifier(), now);
}
