/** Builders for the dose tests. */
import type { Dosage, Medication, MedicationRequest, MedicationStatement } from '@medplum/fhirtypes';
import { createClassifier, RXNORM_SYSTEM } from '../../../src/terminology/index.ts';
import type { DrugClassification } from '../../../src/terminology/index.ts';
import { benzodiazepineDose, opioidMme } from '../../../src/facts/dose/index.ts';
import type { BenzoDose, OpioidMme } from '../../../src/facts/dose/index.ts';

export const classifier = createClassifier();

const GTS = 'http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation';

/** A MedicationRequest for a product named `display`, with the given dosage instructions. */
export function order(display: string, dosage: Dosage[] | unknown, code?: string): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/1' },
    medicationCodeableConcept: code === undefined ? { text: display } : { coding: [{ system: RXNORM_SYSTEM, code, display }] },
    dosageInstruction: dosage as Dosage[],
  };
}

export function statement(display: string, dosage: Dosage[]): MedicationStatement {
  return {
    resourceType: 'MedicationStatement',
    status: 'active',
    subject: { reference: 'Patient/1' },
    medicationCodeableConcept: { text: display },
    dosage,
  };
}

/** `value unit` every `period periodUnit` (frequency times). */
export function every(value: number, unit: string, frequency: number, period = 1, periodUnit: 'h' | 'd' | 'wk' = 'd'): Dosage {
  return {
    timing: { repeat: { frequency, period, periodUnit } },
    doseAndRate: [{ doseQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit } }],
  };
}

/** `value unit` with a v3-GTSAbbreviation timing code. */
export function coded(value: number, unit: string, code: string): Dosage {
  return {
    timing: { code: { coding: [{ system: GTS, code }] } },
    doseAndRate: [{ doseQuantity: { value, unit } }],
  };
}

export function classify(resource: MedicationRequest | MedicationStatement, medication?: Medication): DrugClassification {
  return classifier.classify(resource.medicationCodeableConcept, medication);
}

export function mmeOf(resource: MedicationRequest | MedicationStatement, medication?: Medication): OpioidMme[] {
  return opioidMme(resource, medication, classify(resource, medication));
}

export function benzoOf(resource: MedicationRequest | MedicationStatement, medication?: Medication): BenzoDose[] {
  return benzodiazepineDose(resource, medication, classify(resource, medication));
}
