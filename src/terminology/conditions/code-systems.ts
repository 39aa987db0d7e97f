/**
 * Code system URIs a Condition.code coding may carry, including the HL7 OIDs that CDA-derived
 * feeds still send (with and without the `urn:oid:` prefix).
 */

import { withoutTrailingSlashes } from '../../shared/trailing-slashes.ts';

export const ICD10CM_SYSTEM = 'http://hl7.org/fhir/sid/icd-10-cm';
export const ICD10_SYSTEM = 'http://hl7.org/fhir/sid/icd-10';
export const SNOMED_SYSTEM = 'http://snomed.info/sct';

/** ICD-10 edition: the US clinical modification or the WHO base classification. */
export type IcdEdition = 'icd-10-cm' | 'icd-10';

export type ConditionCodeSystem = IcdEdition | 'snomed';

const SYSTEMS: ReadonlyMap<string, ConditionCodeSystem> = new Map([
  [ICD10CM_SYSTEM, 'icd-10-cm'],
  ['urn:oid:2.16.840.1.113883.6.90', 'icd-10-cm'],
  ['2.16.840.1.113883.6.90', 'icd-10-cm'],
  [ICD10_SYSTEM, 'icd-10'],
  ['urn:oid:2.16.840.1.113883.6.3', 'icd-10'],
  ['2.16.840.1.113883.6.3', 'icd-10'],
  [SNOMED_SYSTEM, 'snomed'],
  ['urn:oid:2.16.840.1.113883.6.96', 'snomed'],
  ['2.16.840.1.113883.6.96', 'snomed'],
]);

/**
 * Which known code system a coding's `system` names (trailing slash and case ignored, and `https://` read as the
 * `http://` of the canonical URI: some feeds "upgrade" every URL they hold, and the code is the same code).
 */
export function codeSystemOf(system: string): ConditionCodeSystem | undefined {
  // Linear in the text (the EHR chooses `system`, and this runs for every coding of every Condition).
  const trimmed = withoutTrailingSlashes(system.trim());
  const known = SYSTEMS.get(trimmed);
  if (known !== undefined) {
    return known;
  }
  const lower = trimmed.toLowerCase();
  return SYSTEMS.get(lower.startsWith('https://') ? `http://${lower.slice('https://'.length)}` : lower);
}
