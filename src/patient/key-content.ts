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
 * - A resource whose `id` is there but not text (a number, an object; null is read as no id) cannot be
 *   read as a record: it is left out of a search result and counted (the clinician is told), and a read
 *   giving one has failed. Ids are written into keys ("MedicationRequest/<id>"): an object id such as
 *   `{"toString":1}` threw there, and the call got a 500 with no card.
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

/**
 * True when a resource's `id` is there but is not text: no key can be made of it, so it is no readable record.
 * A null id is read as none, as null is for other fields (the record is kept and checked, with no key).
 */
export function hasUnreadableId(resource: object): boolean {
  const id: unknown = (resource as { id?: unknown }).id;
  return id !== undefined && id !== null && typeof id !== 'string';
}

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
    if (hasUnreadableId(resource)) {
      // Left out of search results by `bundleResources` (and counted by `unreadableEntries`); as what a
      // read gave, it is no answer to the read.
      if (expected?.kind === 'read') {
        return { resources: [], problem: 'its id was not text, so it could not be read as a FHIR record', otherPatient };
      }
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

/**
 * Entries of a search result that cannot be read as resources, counted so that they are never taken for
 * "nothing found": an `entry` that is not a list (counted as one), an entry that is not an object or has no
 * `resource`, a resource without a `resourceType` or whose `id` is not text (`hasUnreadableId`), and one whose
 * type is the searched type (or an included Medication) spelled in another case ("Medicationrequest": a record
 * of the kind asked for, that no code reads as one). Other types beside the matches are not counted here
 * (`keepExpected` judges them).
 * @param bundle - A search result (prefetch, or a page from the FHIR server).
 * @param searchedType - The type the template searches, when known.
 */
export function unreadableEntries(bundle: Bundle, searchedType?: string): number {
  const entries: unknown = bundle.entry;
  if (entries === undefined) {
    return 0;
  }
  if (!Array.isArray(entries)) {
    return 1;
  }
  const wanted = searchedType === undefined ? [] : [searchedType, ...INCLUDED_TYPES];
  let count = 0;
  for (const entry of entries as unknown[]) {
    const resource = entry !== null && typeof entry === 'object' ? (entry as { resource?: unknown }).resource : undefined;
    const type = resource !== null && typeof resource === 'object' ? (resource as { resourceType?: unknown }).resourceType : undefined;
    if (typeof type !== 'string' || hasUnreadableId(resource as object) || (!wanted.includes(type) && wanted.some((w) => w.toLowerCase() === type.toLowerCase()))) {
      count += 1;
    }
  }
  return count;
}

/**
 * How many matches a one-page search result says it has beyond those it carries: `total` above its
 * matches (entries of the searched type, or marked `search.mode` "match") with no link to a next page.
 * Undefined when it carries them all, says no total, or links to more.
 */
export function matchesNotSent(bundle: Bundle, searchedType: string): { total: number; sent: number } | undefined {
  const total: unknown = bundle.total;
  if (typeof total !== 'number' || !Number.isFinite(total)) {
    return undefined;
  }
  if (Array.isArray(bundle.link) && bundle.link.some((l) => l !== null && typeof l === 'object' && l.relation === 'next')) {
    return undefined;
  }
  let sent = 0;
  for (const entry of Array.isArray(bundle.entry) ? bundle.entry : []) {
    const resource = entry !== null && typeof entry === 'object' ? entry.resource : undefined;
    const mode = entry !== null && typeof entry === 'object' ? entry.search?.mode : undefined;
    if (mode === 'match' || (mode === undefined && resource?.resourceType === searchedType)) {
      sent += 1;
    }
  }
  return total > sent ? { total, sent } : undefined;
}
