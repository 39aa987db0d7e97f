/**
 * Resolves `medicationReference` the three ways an EHR can send it: contained in the resource
 * ("#id"), bundled beside it (draftOrders or a prefetch Bundle), or on the FHIR server.
 */
import type { Bundle, Medication, Reference, Resource } from '@medplum/fhirtypes';

type MedicationUser = Resource & { medicationReference?: Reference; contained?: Resource[] };

/** Index keys for a reference string: itself, and "Medication/id" when it is an absolute URL. */
export function referenceKeys(reference: string): string[] {
  const keys = [reference];
  const match = /(?:^|\/)(Medication\/[^/]+?)(?:\/_history\/[^/]+)?$/.exec(reference);
  if (match?.[1] && match[1] !== reference) {
    keys.push(match[1]);
  }
  return keys;
}

/**
 * Indexes Medication resources by "Medication/id" (and by fullUrl, via the entries' ids).
 * @param resources - Any resources; only Medications are kept.
 * @returns A mutable map the loader can add server reads to.
 */
export function indexMedications(resources: readonly Resource[]): Map<string, Medication> {
  const index = new Map<string, Medication>();
  for (const resource of resources) {
    if (resource.resourceType === 'Medication' && resource.id) {
      index.set(`Medication/${resource.id}`, resource);
    }
  }
  return index;
}

/** Adds bundled Medications under their entry fullUrl, so "urn:uuid:..." references resolve. */
export function indexBundleFullUrls(index: Map<string, Medication>, bundle: Bundle | undefined): void {
  for (const entry of Array.isArray(bundle?.entry) ? bundle.entry : []) {
    if (entry?.resource?.resourceType === 'Medication' && typeof entry.fullUrl === 'string') {
      index.set(entry.fullUrl, entry.resource);
    }
  }
}

/** Distinct non-contained medication references, used by the given resources, that the index cannot resolve. */
export function unresolvedMedicationReferences(resources: readonly Resource[], index: ReadonlyMap<string, Medication>): string[] {
  const refs = new Set<string>();
  for (const resource of resources as MedicationUser[]) {
    const ref = resource.medicationReference?.reference;
    if (typeof ref === 'string' && ref.length > 0 && !ref.startsWith('#')) {
      const keys = referenceKeys(ref);
      if (!keys.some((k) => index.has(k))) {
        refs.add(keys.at(-1) ?? ref);
      }
    }
  }
  return [...refs];
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
  for (const key of referenceKeys(ref)) {
    const found = index.get(key);
    if (found) {
      return found;
    }
  }
  return undefined;
}
