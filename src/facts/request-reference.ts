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

/** The same for a MedicationDispense ("MedicationDispense/<id>"). */
const DISPENSE_REFERENCE = /(?:^|\/)(MedicationDispense\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]*)?$/;

/**
 * @param reference - A Reference.reference as sent.
 * @returns "MedicationDispense/<id>", or undefined when it names no MedicationDispense.
 */
export function medicationDispenseRef(reference: string): string | undefined {
  return DISPENSE_REFERENCE.exec(reference.trim())?.[1];
}
