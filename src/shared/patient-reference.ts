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
 * The id of a reference whose path ends in "Patient/<id>", read loosely: any characters but "/", trimmed;
 * case-insensitive "Patient". For references outside FHIR's id syntax
 * ("Patient/other_patient", "Patient/other/", an id longer than 64 characters), which {@link patientIdOf}
 * does not take but which still name a patient.
 */
function looseIdOf(reference: string): string | undefined {
  // Only the path: a conditional reference's query ("Patient?identifier=https://x/patient/mrn|1") names
  // no id, however its text reads.
  const path = reference.split(/[?#]/, 1)[0] ?? '';
  const id = LOOSE_PATIENT_TAIL.exec(path)?.[1]?.trim();
  return id === undefined || id === '' ? undefined : id;
}

/**
 * "Patient/<anything but />" at the end of the path (after a "/" or at the start), optionally followed by
 * "/_history/<version>" and a trailing "/": the reference's last resource is a Patient. A base path that only
 * contains "patient" ("https://ehr/patient/fhir/Group/1") is not taken for one.
 */
const LOOSE_PATIENT_TAIL = /(?:^|\/)patient\/([^/]*)(?:\/_history\/[^/]*)?\/?$/i;

function sameId(id: string, patientId: string): boolean {
  if (id === patientId) {
    return true;
  }
  try {
    return decodeURIComponent(id) === patientId;
  } catch {
    return false;
  }
}

/**
 * True only when the reference names a patient other than `patientId`; a reference that names no patient
 * by id (a "urn:uuid:", a contained resource, a conditional "Patient?identifier=…") is not taken for
 * another patient. Any other reference to a "Patient/<id>" whose id is not this patient's is, whether or
 * not the id keeps FHIR's id syntax: an id this service could not read was taken for this patient's, and
 * another patient's benzodiazepine gave this patient a warning.
 * @param reference - The resource's `subject.reference` or `patient.reference`.
 * @param patientId - The patient of the hook call (`context.patientId`).
 */
export function namesOtherPatient(reference: unknown, patientId: string): boolean {
  if (typeof reference !== 'string') {
    return false;
  }
  if (reference.length === patientId.length + 8 && reference === `Patient/${patientId}`) {
    return false; // the usual form, without the pattern
  }
  const id = patientIdOf(reference) ?? looseIdOf(reference);
  return id !== undefined && !sameId(id, patientId);
}
