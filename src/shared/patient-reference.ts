/**
 * Reads the patient id out of a FHIR reference, so that records of another patient can be told apart
 * whatever form the EHR writes the reference in (FHIR R4 "Reference.reference": relative, absolute or
 * version-specific).
 */

/** "Patient/<id>", optionally after a server base and before "/_history/<version>", at the end of the reference. */
const PATIENT_REFERENCE = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/**
 * @param reference - A reference string, e.g. "Patient/123", "Patient/123/_history/2" or
 *   "https://ehr.example/fhir/Patient/123".
 * @returns The patient id, or undefined when the reference names no patient this way (a "urn:uuid:",
 *   a contained "#id", another resource type, or not a string).
 */
export function patientIdOf(reference: unknown): string | undefined {
  if (typeof reference !== 'string') {
    return undefined;
  }
  return PATIENT_REFERENCE.exec(reference)?.[1];
}

/**
 * True only when the reference clearly names a patient other than `patientId`; a reference this service
 * cannot read (a "urn:uuid:", a contained resource, an identifier only) is not taken for another patient.
 * @param reference - The resource's `subject.reference` or `patient.reference`.
 * @param patientId - The patient of the hook call (`context.patientId`).
 */
export function namesOtherPatient(reference: unknown, patientId: string): boolean {
  if (typeof reference === 'string' && reference.length === patientId.length + 8 && reference === `Patient/${patientId}`) {
    return false; // the usual form, without the pattern
  }
  const id = patientIdOf(reference);
  return id !== undefined && id !== patientId;
}
