/**
 * Checks that what came for a prefetch key (from the EHR's prefetch or its FHIR server) is what the
 * key's template asked for, and about this patient. CDS Hooks 2.0 ("Prefetch Template"): the service
 * checks prefetched data against its template to see which requests were satisfied. Without this a
 * `Patient`, a Bundle of Observations or a transaction response sent for the medication list read as
 * "no active medications": no cards and no word that the check was incomplete.
 *
 * - A read template (`Patient/{{context.patientId}}`) must give that resource type, with the id asked
 *   for when the resource carries one.
 * - A search template (`MedicationRequest?patient=...`) must give a search result: a Bundle of type
 *   `searchset` (or `collection`, or none; some EHRs build prefetch Bundles by hand), whose entries are
 *   of the type searched for, or Medications (an `_include`). Other entries are left out; a Bundle whose
 *   entries are all of other types is not the answer to the search.
 * - A resource whose `subject` or `patient` names another patient is left out, and the clinician told.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { namesOtherPatient } from '../shared/index.ts';

export interface ExpectedContent {
  readonly kind: 'read' | 'search';
  /** The resource type the template reads or searches. */
  readonly resourceType: string;
}

const READ = /^([A-Z][A-Za-z]{1,63})\/[^/?]+$/;
const SEARCH = /^([A-Z][A-Za-z]{1,63})\?/;

/** Types an `_include` may bring beside a medication search's matches. */
const INCLUDED_TYPES: ReadonlySet<string> = new Set(['Medication']);

/** Bundle types a search result may have: `searchset`, or what EHRs use for hand-built prefetch Bundles. */
const SEARCH_BUNDLE_TYPES: ReadonlySet<string> = new Set(['searchset', 'collection']);

/**
 * What a prefetch template asks for.
 * @param template - e.g. "Patient/{{context.patientId}}" or "MedicationRequest?patient={{context.patientId}}".
 * @returns The kind and resource type, or undefined for a template of another shape (nothing is checked).
 */
export function expectedContent(template: string): ExpectedContent | undefined {
  const search = SEARCH.exec(template);
  if (search?.[1]) {
    return { kind: 'search', resourceType: search[1] };
  }
  const read = READ.exec(template);
  if (read?.[1]) {
    return { kind: 'read', resourceType: read[1] };
  }
  return undefined;
}

/**
 * Why a search answer is not a search result, or undefined when it is one.
 * @param value - The resource sent or fetched for a search template.
 */
export function searchResultProblem(value: Resource): string | undefined {
  if (value.resourceType !== 'Bundle') {
    return 'it was not a search result (a Bundle)';
  }
  const type = (value as Bundle).type;
  if (type !== undefined && !(typeof type === 'string' && SEARCH_BUNDLE_TYPES.has(type))) {
    return 'it was a Bundle of another kind than a search result';
  }
  return undefined;
}

export interface KeptContent {
  /** The resources to use. */
  readonly resources: Resource[];
  /** Why nothing usable came, when the answer was not what the template asked for (an error for the key). */
  readonly problem?: string;
  /** How many resources about another patient were left out. */
  readonly otherPatient: number;
}

/**
 * Keeps the resources a key's template asked for, about this patient.
 * @param expected - From `expectedContent`, or undefined (no type check).
 * @param resources - The resources that came for the key (a read's resource, or a search's entries).
 * @param patientId - The patient of the hook call.
 * @param readId - For a read, the id the filled template asked for.
 */
export function keepExpected(expected: ExpectedContent | undefined, resources: readonly Resource[], patientId: string, readId?: string): KeptContent {
  const kept: Resource[] = [];
  let expectedCount = 0;
  let otherType = 0;
  let otherPatient = 0;
  for (const resource of resources) {
    if (expected && resource.resourceType !== expected.resourceType && !(expected.kind === 'search' && INCLUDED_TYPES.has(resource.resourceType))) {
      otherType += 1;
      continue;
    }
    if (aboutOtherPatient(resource, patientId)) {
      otherPatient += 1;
      continue;
    }
    if (expected && resource.resourceType === expected.resourceType) {
      if (expected.kind === 'read' && readId !== undefined && typeof resource.id === 'string' && resource.id !== readId) {
        return { resources: [], problem: 'it was the record of another patient or resource than the one asked for', otherPatient };
      }
      expectedCount += 1;
    }
    kept.push(resource);
  }
  if (expected && otherType > 0 && expectedCount === 0 && otherPatient === 0) {
    return {
      resources: [],
      problem: expected.kind === 'read' ? `it was another kind of resource than a ${expected.resourceType}` : `its entries were other kinds of resources than ${expected.resourceType}`,
      otherPatient,
    };
  }
  return { resources: kept, otherPatient };
}

/** True when the resource's `subject` or `patient` clearly names another patient (a Patient's own id is checked by the caller). */
function aboutOtherPatient(resource: Resource, patientId: string): boolean {
  const r = resource as { subject?: { reference?: unknown }; patient?: { reference?: unknown } };
  const subject = r.subject && typeof r.subject === 'object' ? r.subject.reference : undefined;
  const patient = r.patient && typeof r.patient === 'object' ? r.patient.reference : undefined;
  return namesOtherPatient(subject, patientId) || namesOtherPatient(patient, patientId);
}
