/**
 * A reference to a MedicationRequest as the record's facts name it ("MedicationRequest/<id>"), from the forms FHIR
 * allows: relative, at the end of an absolute URL, or with a version ("/_history/<v>").
 */
const REQUEST_REFERENCE = /(?:^|\/)(MedicationRequest\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]*)?$/;

/**
 * @param reference - A Reference.reference as sent.
 * @returns "MedicationRequest/<id>", or undefined when it names no MedicationRequest.
 */
export function medicationRequestRef(reference: string): string | undefined {
  return REQUEST_REFERENCE.exec(reference.trim())?.[1];
}
