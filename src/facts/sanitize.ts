/**
 * EHRs send loosely typed JSON (the CDS Hooks Sandbox sends a single object where R4 wants an
 * array). Before anything classifies a medication, keep only well-typed parts of the concepts, so a
 * malformed field can lower what we recognise but can never crash the check.
 */
import type { CodeableConcept, Coding, Medication, MedicationIngredient } from '@medplum/fhirtypes';

/**
 * A string that says something: a blank one (" ", "\n", a non-breaking space, as EHR mappers send beside codes) is
 * absent. Kept, a blank text made a bare code "named", and an unrecognised code then gave no "check incomplete"
 * line (src/facts/derive-facts.ts factGaps).
 */
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim().length > 0 ? v : undefined);

function toArray(value: unknown): unknown[] {
  if (Array.isArray(value)) {
    return value;
  }
  return value && typeof value === 'object' ? [value] : [];
}

/** A CodeableConcept with only string-valued system/code/display and text, or undefined. */
export function sanitizeConcept(value: unknown): CodeableConcept | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return undefined;
  }
  const raw = value as Record<string, unknown>;
  const coding: Coding[] = [];
  for (const c of toArray(raw.coding)) {
    if (c && typeof c === 'object') {
      const r = c as Record<string, unknown>;
      const item: Coding = { system: str(r.system), code: str(r.code), display: str(r.display) };
      if (item.code || item.display) {
        coding.push(item);
      }
    }
  }
  const text = str(raw.text);
  if (coding.length === 0 && !text) {
    return undefined;
  }
  return { ...(coding.length > 0 ? { coding } : {}), ...(text ? { text } : {}) };
}

/**
 * Ingredients read of one Medication. Real products have a handful (the longest combination products in RxNorm
 * about a dozen); the classifier reads 64 concepts at most (MAX_MEDICATION_CONCEPTS). Without a bound, one
 * bundled Medication with 40,000 ingredients named by 1,500 orders cost minutes of CPU in one request.
 */
export const MAX_MEDICATION_INGREDIENTS = 64;

/**
 * Each Medication object of a request reduced once: every order naming it gets the same (frozen) result, not a
 * copy of its ingredients per order.
 */
const reduced = new WeakMap<object, Medication>();

/**
 * A Medication reduced to code, form and ingredient concepts (what classification reads).
 * @param value - The Medication.
 * @param contained - The resources contained beside it, against which its ingredients' "#id" references are
 *   resolved: the order's `contained` for a Medication contained in the order (FHIR contained resources are one
 *   flat list in their container), the Medication's own `contained` for one of the record. A Medication object
 *   sits in one container, so the reduction is still kept per object.
 */
export function sanitizeMedication(value: Medication | undefined, contained?: unknown): Medication | undefined {
  if (!value || typeof value !== 'object') {
    return undefined;
  }
  const known = reduced.get(value);
  if (known !== undefined) {
    return known;
  }
  const result = Object.freeze(reduceMedication(value, Array.isArray(contained) ? contained : []));
  reduced.set(value, result);
  return result;
}

/**
 * The code of the contained Medication or Substance an ingredient's `itemReference` names by "#id" (a compounded
 * product, an IV push syringe or a PCA mixture names its drugs that way; FHIR R4 allows Substance | Medication).
 * One level only: the referenced Medication's own ingredients are not followed, so no chain or cycle of references
 * is walked, and a reference to the Medication itself is ignored.
 */
function referencedCode(reference: unknown, outer: Medication, contained: readonly unknown[]): CodeableConcept | undefined {
  if (typeof reference !== 'string' || !reference.startsWith('#') || reference.length < 2) return undefined;
  const id = reference.slice(1);
  for (const candidate of contained) {
    if (candidate === outer || typeof candidate !== 'object' || candidate === null) continue;
    const { resourceType, id: candidateId, code } = candidate as { resourceType?: unknown; id?: unknown; code?: unknown };
    if ((resourceType === 'Medication' || resourceType === 'Substance') && candidateId === id) {
      return sanitizeConcept(code);
    }
  }
  return undefined;
}

function reduceMedication(value: Medication, contained: readonly unknown[]): Medication {
  const ingredient: MedicationIngredient[] = [];
  // A reference to the Medication itself ("#" + its own id) names nothing new.
  const own = typeof value.id === 'string' ? `#${value.id}` : undefined;
  for (const i of toArray(value.ingredient).slice(0, MAX_MEDICATION_INGREDIENTS)) {
    const raw = i as Record<string, unknown> | null;
    // An ingredient given as a reference (itemReference to a Substance or Medication) is read by the code of the
    // contained resource it names, and by its display: dropped, a lorazepam ingredient went unrecognised.
    const referenced = raw?.itemReference as { reference?: unknown; display?: unknown } | null | undefined;
    const display = typeof referenced?.display === 'string' && referenced.display.trim() ? referenced.display : undefined;
    const code = referenced?.reference === own ? undefined : referencedCode(referenced?.reference, value, contained);
    const item =
      sanitizeConcept(raw?.itemCodeableConcept) ??
      (code !== undefined ? (display !== undefined && code.text === undefined ? { ...code, text: display } : code) : display !== undefined ? sanitizeConcept({ text: display }) : undefined);
    if (item) {
      ingredient.push({ itemCodeableConcept: item, ...(strengthOf(i) ? { strength: strengthOf(i) } : {}) });
    }
  }
  const code = sanitizeConcept(value.code);
  const form = sanitizeConcept(value.form);
  return {
    resourceType: 'Medication',
    ...(typeof value.id === 'string' ? { id: value.id } : {}),
    ...(code ? { code } : {}),
    ...(form ? { form } : {}),
    ...(ingredient.length > 0 ? { ingredient } : {}),
  };
}

function strengthOf(i: unknown): MedicationIngredient['strength'] | undefined {
  const s = (i as Record<string, unknown> | null)?.strength;
  return s && typeof s === 'object' && !Array.isArray(s) ? (s as MedicationIngredient['strength']) : undefined;
}
