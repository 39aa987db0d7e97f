import type { DrugClass } from '../terminology/index.ts';

export type MedicationSourceKind = 'draft-order' | 'medication-request' | 'medication-statement' | 'medication-administration';

/** One medication the patient has or is about to get, classified once. */
export interface MedicationFact {
  /** FHIR reference, e.g. "MedicationRequest/123" (or "MedicationRequest/#2" for a draft without id). */
  readonly ref: string;
  /** The draft order's id when it has one (suggestions that delete the draft need it). */
  readonly id?: string;
  readonly kind: MedicationSourceKind;
  /** Best human-readable name ("unnamed medication" when the EHR sent none). */
  readonly display: string;
  readonly classes: readonly DrugClass[];
  /** authoredOn, effective start or administration time (ISO 8601), when known. */
  readonly date?: string;
  readonly status?: string;
}

/**
 * Facts for evaluating one draft order: the order itself and everything it could interact with
 * (the patient's active medications and the other draft orders of the session).
 */
export interface OrderFacts {
  readonly order: MedicationFact;
  readonly concurrent: readonly MedicationFact[];
}

export interface PatientFacts {
  /** Age in whole years at the time of the request, or null when the birth date is unknown. */
  readonly ageYears: number | null;
}

export interface Facts {
  readonly patient: PatientFacts;
  /** One entry per draft medication order under evaluation (the selections, for order-select). */
  readonly orders: readonly OrderFacts[];
}

/**
 * The named facts rules may read. Values are plain JSON so rule conditions stay simple and the
 * engine never does I/O. Adding a fact means adding it here and to FACT_NAMES.
 */
export interface EngineFacts {
  /** Drug classes of the draft order under evaluation. */
  readonly orderClasses: readonly DrugClass[];
  /** Drug classes of the patient's active medications and the other draft orders. */
  readonly concurrentClasses: readonly DrugClass[];
  /** Patient age in years at the time of the request; null when unknown. */
  readonly patientAgeYears: number | null;
}

export const FACT_NAMES: readonly (keyof EngineFacts)[] = ['orderClasses', 'concurrentClasses', 'patientAgeYears'];
