/**
 * Strength of one ingredient in the ordered product: first from `Medication.ingredient[].strength`
 * (a Ratio, e.g. 5 mg / 1 tablet, 1 mg / 1 mL, 25 mcg / 1 h), then from the product names (Medication
 * code, the order's medication concept, the ingredient items), in that order.
 */
import { ingredientsNamedIn, ingredientsOfConcept } from './ingredient-roles.ts';
import { arr, conceptTexts, obj, positive, str } from './safe.ts';
import { strengthsFromName } from './strength-from-name.ts';
import type { Strength, StrengthBasis, StrengthResult } from './strength-types.ts';
import { quantityUnit } from './units.ts';

/** What the dose calculators read from an order. */
export interface Product {
  /** Product names, most specific first. */
  readonly names: readonly string[];
  /** `Medication.ingredient[]` entries (plain objects). */
  readonly ingredientItems: readonly Record<string, unknown>[];
  /** `dosageInstruction` / `dosage`. */
  readonly dosage: unknown;
  /** Form words from Medication.form, dosage route and site (lower-case text and codes). */
  readonly formText: string;
}

/** Read the parts of a MedicationRequest / MedicationStatement (+ resolved Medication) the dose code uses. */
export function readProduct(resource: unknown, medication: unknown): Product {
  const r = obj(resource) ?? {};
  const med = obj(medication);
  const concept = r.medicationCodeableConcept ?? obj(r.medication)?.concept;
  const ingredientItems = arr(med?.ingredient).flatMap((i) => {
    const o = obj(i);
    return o === undefined ? [] : [o];
  });
  const itemNames = ingredientItems.flatMap((i) => [...conceptTexts(itemConcept(i)), ...[str(obj(i.itemReference)?.display)].filter((d) => d !== undefined)]);
  const names = [...new Set([...conceptTexts(med?.code), ...conceptTexts(concept), ...itemNames])];
  const dosage = r.resourceType === 'MedicationStatement' ? r.dosage : (r.dosageInstruction ?? r.dosage);
  const formParts = [...conceptTexts(med?.form), ...codesOf(med?.form)];
  for (const d of arr(dosage)) {
    const o = obj(d);
    formParts.push(...conceptTexts(o?.route), ...codesOf(o?.route), ...conceptTexts(o?.site), ...conceptTexts(o?.method));
  }
  return { names, ingredientItems, dosage, formText: formParts.join(' ; ').toLowerCase() };
}

function codesOf(concept: unknown): string[] {
  return arr(obj(concept)?.coding).flatMap((c) => {
    const code = str(obj(c)?.code);
    return code === undefined ? [] : [code];
  });
}

/** The concept of a Medication.ingredient item (R4 itemCodeableConcept, R5 item.concept). */
function itemConcept(item: Record<string, unknown>): unknown {
  return item.itemCodeableConcept ?? obj(item.item)?.concept;
}

function basisOfDenominator(denominator: unknown): { per: StrengthBasis; perAmount: number } | undefined {
  const d = obj(denominator);
  if (d === undefined) return { per: 'unit', perAmount: 1 };
  const amount = positive(d.value) ?? 1;
  const unit = quantityUnit(d);
  if (unit === undefined) return str(d.unit) === undefined && str(d.code) === undefined ? { per: 'unit', perAmount: amount } : undefined;
  switch (unit.kind) {
    case 'volume':
      return { per: 'mL', perAmount: amount * unit.ml };
    case 'time':
      return { per: 'h', perAmount: amount * unit.days * 24 };
    case 'count':
      return { per: unit.name === 'actuation' ? 'actuation' : 'unit', perAmount: amount };
    default:
      return undefined;
  }
}

/** Strength from one Medication.ingredient entry's Ratio. */
function ratioStrength(item: Record<string, unknown>): Strength | undefined {
  const ratio = obj(item.strength) ?? obj(item.strengthRatio);
  const numerator = obj(ratio?.numerator);
  const value = positive(numerator?.value);
  const unit = quantityUnit(numerator);
  if (value === undefined || unit === undefined) return undefined;
  if (unit.kind === 'rate') return { mg: (value * unit.mcgPerHour) / 1000, perAmount: 1, per: 'h', source: 'medication' };
  if (unit.kind !== 'mass') return undefined;
  const basis = basisOfDenominator(ratio?.denominator);
  return basis === undefined ? undefined : { mg: value * unit.mg, ...basis, source: 'medication' };
}

function itemIngredients(item: Record<string, unknown>): readonly string[] {
  // Codes first: an ingredient sent as an RxNorm code with an explicit strength must still count.
  const coded = ingredientsOfConcept(itemConcept(item));
  if (coded.length > 0) {
    return coded;
  }
  const names = [...conceptTexts(itemConcept(item)), str(obj(item.itemReference)?.display) ?? ''].join(' ; ');
  return names.trim() === '' ? [] : ingredientsNamedIn(names);
}

/**
 * Strength of `ingredient` in the product, or why it is unknown.
 * @param isPrimary - Which ingredients a brand shorthand lists first (e.g. the opioid in "Percocet 5/325").
 */
export function ingredientStrength(product: Product, ingredient: string, isPrimary: (ingredient: string) => boolean): StrengthResult {
  for (const item of product.ingredientItems) {
    const names = itemIngredients(item);
    if (names.length !== 1 || names[0] !== ingredient) continue;
    const strength = ratioStrength(item);
    if (strength !== undefined) return { strength };
  }
  for (const name of product.names) {
    const strength = strengthsFromName(name, isPrimary).get(ingredient);
    if (strength !== undefined) return { strength };
  }
  return { strength: undefined, reason: product.names.length === 0 ? 'no product name to read the strength from' : 'strength not found in product name' };
}

/** Strengths per unit (mg) of the product's other ingredients, from the same names (for mass-dose checks). */
export function partnerStrengths(product: Product, ingredient: string, isPrimary: (ingredient: string) => boolean): number[] {
  for (const name of product.names) {
    const all = strengthsFromName(name, isPrimary);
    if (!all.has(ingredient)) continue;
    return [...all].filter(([other, s]) => other !== ingredient && s.per === 'unit').map(([, s]) => s.mg / s.perAmount);
  }
  return [];
}
