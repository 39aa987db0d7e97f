/**
 * Where a medication is used, from its `category`: an order or statement for use during a hospital stay only.
 *
 * Codes from HL7's FHIR R4 code systems MedicationRequest Category
 * (http://terminology.hl7.org/CodeSystem/medicationrequest-category: inpatient, outpatient, community, discharge)
 * and Medication usage category (http://terminology.hl7.org/CodeSystem/medication-statement-category: inpatient,
 * outpatient, community, patientspecified); MedicationAdministration's category (medication-admin-category) uses
 * the same words for inpatient, outpatient and community, and MedicationDispense Category Codes (inpatient,
 * outpatient, community, discharge) those of the order: its FHIR R4 system is
 * http://terminology.hl7.org/fhir/CodeSystem/medicationdispense-category, R4B's and R5's
 * http://terminology.hl7.org/CodeSystem/medicationdispense-category (both read).
 */
import { sanitizeConcept } from './sanitize.ts';

const CATEGORY_SYSTEMS: ReadonlySet<string> = new Set([
  'http://terminology.hl7.org/CodeSystem/medicationrequest-category',
  'http://terminology.hl7.org/CodeSystem/medication-statement-category',
  'http://terminology.hl7.org/CodeSystem/medication-admin-category',
  'http://terminology.hl7.org/fhir/CodeSystem/medicationdispense-category',
  'http://terminology.hl7.org/CodeSystem/medicationdispense-category',
]);

/** Categories that put the drug in the patient's hands outside the hospital. */
const OUTSIDE_HOSPITAL: ReadonlySet<string> = new Set(['outpatient', 'community', 'discharge', 'patientspecified']);

/**
 * Whether a medication resource is categorised for inpatient use and nothing else: its supply stays on the ward
 * (a ward's naloxone fill is no rescue supply the patient takes home).
 * Uncategorised resources, and those also categorised for outpatient, community or discharge use, are not.
 * @param category - The resource's `category` (an array on MedicationRequest, one concept on the others).
 */
export function isInpatientOnly(category: unknown): boolean {
  const concepts = Array.isArray(category) ? category : [category];
  let inpatient = false;
  for (const value of concepts.slice(0, 20)) {
    for (const coding of sanitizeConcept(value)?.coding ?? []) {
      if (typeof coding.system !== 'string' || !CATEGORY_SYSTEMS.has(coding.system.trim()) || typeof coding.code !== 'string') {
        continue;
      }
      const code = coding.code.trim().toLowerCase();
      if (OUTSIDE_HOSPITAL.has(code)) {
        return false;
      }
      if (code === 'inpatient') {
        inpatient = true;
      }
    }
  }
  return inpatient;
}
