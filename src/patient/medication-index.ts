/**
 * Resolves `medicationReference` the three ways an EHR can send it: contained in the resource
 * ("#id"), bundled beside it (draftOrders or a prefetch Bundle), or on the FHIR server.
 */
import type { Bundle, Medication, Reference, Resource } from '@medplum/fhirtypes';
import { withoutTrailingSlashes } from '../shared/trailing-slashes.ts';
import { contentFingerprint } from './content-fingerprint.ts';

type MedicationUser = Resource & { medicationReference?: Reference; contained?: Resource[] };

/** "Medication/<id>" at the end of a reference, after any server base and before any "/_history/<version>". */
const MEDICATION_KEY = /(?:^|\/)(Medication\/[^/]+?)(?:\/_history\/[^/]+)?$/;

/** A reference with a scheme ("https://...", "urn:uuid:..."), as opposed to a relative "Medication/id". */
function isAbsolute(reference: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(reference);
}

/**
 * Index keys for a reference string: itself, and "Medication/id" when it is relative and version-specific,
 * or absolute on the EHR's own FHIR server (`fhirServer`; any server when the call named none). An absolute
 * reference to another server (a formulary's "https://other.example/fhir/Medication/123") never stands for the
 * EHR's Medication/123, which may be another drug.
 */
export function referenceKeys(reference: string, fhirServer?: string): string[] {
  const keys = [reference];
  const short = MEDICATION_KEY.exec(reference)?.[1];
  if (short && short !== reference && (!isAbsolute(reference) || onServer(reference, fhirServer))) {
    keys.push(short);
  }
  return keys;
}

/** True when an absolute reference is on the given server base, or when no server is known. */
function onServer(reference: string, fhirServer: string | undefined): boolean {
  if (fhirServer === undefined) {
    return true;
  }
  return reference.startsWith(`${withoutTrailingSlashes(fhirServer)}/`);
}

/**
 * Indexes Medication resources by "Medication/id" (and by fullUrl, via the entries' ids).
 * @param resources - Any resources; only Medications are kept. Of two with one id the later is kept.
 * @param conflicts - Told the keys of ids that came with two different Medications (a reference to one of
 *   them may mean the other drug: the caller tells the clinician).
 * @returns A mutable map the loader can add server reads to.
 */
export function indexMedications(resources: readonly Resource[], conflicts?: Set<string>): Map<string, Medication> {
  const index = new Map<string, Medication>();
  for (const resource of resources) {
    // An id that is not text names no "Medication/<id>" (and an object one threw in the template string).
    if (resource.resourceType === 'Medication' && typeof resource.id === 'string' && resource.id !== '') {
      const key = `Medication/${resource.id}`;
      const earlier = index.get(key);
      if (earlier !== undefined && !sameDrug(earlier, resource)) {
        conflicts?.add(key);
      }
      index.set(key, resource);
    }
  }
  return index;
}

/**
 * Whether two Medications with one id describe the same drug: the same code, form, ingredients and amount,
 * whatever else differs (`meta`, narrative, batch, status: the same Medication sent in the prefetch and in
 * the draft orders' Bundle often differs only there, and is no clash to tell the clinician about). Compared by
 * fingerprint, which walks without recursion: a deep comparison overflowed the stack on a Medication nested
 * thousands deep. Each Medication is compared with the one last kept under its id only, so this stays linear.
 */
function sameDrug(a: Medication, b: Medication): boolean {
  return contentFingerprint([a.code, a.form, a.ingredient, a.amount]) === contentFingerprint([b.code, b.form, b.ingredient, b.amount]);
}

/** Adds bundled Medications under their entry fullUrl, so "urn:uuid:..." references resolve. */
export function indexBundleFullUrls(index: Map<string, Medication>, bundle: Bundle | undefined): void {
  for (const entry of Array.isArray(bundle?.entry) ? bundle.entry : []) {
    if (entry?.resource?.resourceType === 'Medication' && typeof entry.fullUrl === 'string') {
      index.set(entry.fullUrl, entry.resource);
    }
  }
}

export interface UnresolvedReferences {
  /** "Medication/id" references to read from the EHR's FHIR server. */
  readonly toRead: string[];
  /** Absolute references to another server than the EHR's: never read (the token is for the EHR only). */
  readonly elsewhere: string[];
}

/** Distinct non-contained medication references, used by the given resources, that the index cannot resolve. */
export function unresolvedMedicationReferences(resources: readonly Resource[], index: ReadonlyMap<string, Medication>, fhirServer?: string): UnresolvedReferences {
  const toRead = new Set<string>();
  const elsewhere = new Set<string>();
  for (const resource of resources as MedicationUser[]) {
    const ref = resource.medicationReference?.reference;
    if (typeof ref === 'string' && ref.length > 0 && !ref.startsWith('#')) {
      const keys = referenceKeys(ref, fhirServer);
      if (!keys.some((k) => index.has(k))) {
        if (keys.length === 1 && isAbsolute(ref) && MEDICATION_KEY.test(ref) && !ref.startsWith('urn:')) {
          elsewhere.add(ref);
        } else {
          toRead.add(keys.at(-1) ?? ref);
        }
      }
    }
  }
  return { toRead: [...toRead], elsewhere: [...elsewhere] };
}

/**
 * Adds every absolute reference the resources use on the EHR's own server to the index, under the
 * Medication it names, so that `resolveMedication` (which knows no server) finds it by the exact string.
 */
export function indexAbsoluteReferences(resources: readonly Resource[], index: Map<string, Medication>, fhirServer?: string): void {
  for (const resource of resources as MedicationUser[]) {
    const ref = resource.medicationReference?.reference;
    if (typeof ref === 'string' && isAbsolute(ref) && !index.has(ref)) {
      const short = referenceKeys(ref, fhirServer)[1];
      const found = short === undefined ? undefined : index.get(short);
      if (found) {
        index.set(ref, found);
      }
    }
  }
}

/**
 * Finds the Medication a resource points at.
 * @param resource - A MedicationRequest, MedicationStatement or MedicationAdministration.
 * @param index - Bundled and fetched Medications.
 * @returns The Medication, or undefined when the resource has no reference or it cannot be resolved.
 */
export function resolveMedication(resource: Resource, index: ReadonlyMap<string, Medication>): Medication | undefined {
  const user = resource as MedicationUser;
  const ref = user.medicationReference?.reference;
  if (typeof ref !== 'string' || ref.length === 0) {
    return undefined;
  }
  if (ref.startsWith('#')) {
    const id = ref.slice(1);
    const found = Array.isArray(user.contained) ? user.contained.find((c) => c?.resourceType === 'Medication' && c.id === id) : undefined;
    return found as Medication | undefined;
  }
  // Absolute references were indexed under their exact string by the loader, when they are on the EHR's server.
  const found = index.get(ref);
  if (found || isAbsolute(ref)) {
    return found;
  }
  const short = referenceKeys(ref)[1];
  return short === undefined ? undefined : index.get(short);
}
