/**
 * Which ingredients are opioids or benzodiazepines, and which ingredients a piece of text names. Both
 * questions are answered by the terminology classifier (no name list of our own): an ingredient's role is
 * the class the classifier gives the ingredient name on its own.
 */
import { createClassifier, OPIOID_FAMILY } from '../../terminology/index.ts';
import type { Classifier, DrugClass } from '../../terminology/index.ts';

let shared: Classifier | undefined;

/** A classifier without site value sets: only names are looked up here, never site codes. */
function classifier(): Classifier {
  shared ??= createClassifier();
  return shared;
}

/**
 * Canonical ingredients of a CodeableConcept-like value: its codes (e.g. an RxNorm ingredient code sent
 * without text) and its texts.
 */
export function ingredientsOfConcept(concept: unknown): readonly string[] {
  if (!concept || typeof concept !== 'object' || Array.isArray(concept)) {
    return [];
  }
  const raw = concept as Record<string, unknown>;
  const coding = (Array.isArray(raw.coding) ? raw.coding : []).flatMap((c: unknown) => {
    const r = c && typeof c === 'object' ? (c as Record<string, unknown>) : undefined;
    return r && typeof r.code === 'string' ? [{ system: typeof r.system === 'string' ? r.system : undefined, code: r.code, display: typeof r.display === 'string' ? r.display : undefined }] : [];
  });
  return classifier().classify({ coding, ...(typeof raw.text === 'string' ? { text: raw.text } : {}) }).ingredients;
}

/** Canonical ingredients named in a piece of text (a brand gives all of its ingredients). */
export function ingredientsNamedIn(text: string): readonly string[] {
  // Product names are read word by word (strength-from-name.ts): the same short words recur in every name, and
  // the classifier's own cache costs a key built from a CodeableConcept on each lookup.
  if (text.length <= WORD_MEMO_KEY_LENGTH) {
    const known = wordMemo.get(text);
    if (known !== undefined) return known;
  }
  const ingredients = classifier().classify({ text }).ingredients;
  if (text.length <= WORD_MEMO_KEY_LENGTH) {
    if (wordMemo.size >= WORD_MEMO_LIMIT) wordMemo.clear();
    wordMemo.set(text, ingredients);
  }
  return ingredients;
}

const WORD_MEMO_KEY_LENGTH = 64;
const WORD_MEMO_LIMIT = 20_000;
const wordMemo = new Map<string, readonly string[]>();

function classesOf(ingredient: string): readonly DrugClass[] {
  return classifier().classify({ text: ingredient }).classes;
}

/** True for an opioid-receptor agonist or partial agonist (incl. buprenorphine and levomethadyl). */
export function isOpioidIngredient(ingredient: string): boolean {
  return classesOf(ingredient).some((c) => OPIOID_FAMILY.includes(c));
}

/** True for a benzodiazepine or Z-drug. */
export function isBenzodiazepineIngredient(ingredient: string): boolean {
  return classesOf(ingredient).some((c) => c === 'benzodiazepine' || c === 'z-drug');
}
