/**
 * Daily benzodiazepine / Z-drug dose and its diazepam equivalent, using the Ashton Manual equivalents
 * (ASAM 2025 benzodiazepine tapering guideline, Table 7): diazepam-eq mg/day = mg/day × 10 / equivalent.
 * Equivalents are for thresholds only, never to recommend a dose.
 */
import type { Medication, MedicationRequest, MedicationStatement } from '@medplum/fhirtypes';
import type { DrugClassification } from '../../terminology/index.ts';
import { BENZODIAZEPINE_EQUIVALENTS, DIAZEPAM_REFERENCE_MG } from '../../terminology/data/benzodiazepine-equivalents.ts';
import { dailyMg } from './daily-amount.ts';
import { isBenzodiazepineIngredient } from './ingredient-roles.ts';
import { round } from './safe.ts';
import { ingredientStrength, partnerStrengths, readProduct, type Product } from './strength.ts';
import type { BenzoDose } from './types.ts';

const ASHTON: ReadonlyMap<string, number> = new Map(BENZODIAZEPINE_EQUIVALENTS.map((e) => [e.ingredient, e.ashtonMg]));

function unknown(ingredient: string, reason: string): BenzoDose {
  return { ingredient, mgPerDay: null, unit: 'mg/day', reason, diazepamEqMgPerDay: null, equivalenceSource: 'ashton' };
}

function doseFor(ingredient: string, product: Product): BenzoDose {
  const strength = ingredientStrength(product, ingredient, isBenzodiazepineIngredient);
  const dose = dailyMg(product.dosage, strength, partnerStrengths(product, ingredient, isBenzodiazepineIngredient));
  if (dose.value === null) return unknown(ingredient, dose.reason);
  if (!(dose.value > 0)) return unknown(ingredient, 'daily dose is zero');
  const equivalent = ASHTON.get(ingredient);
  const base = { ingredient, mgPerDay: dose.value, unit: 'mg/day' as const, equivalenceSource: 'ashton' as const };
  if (equivalent === undefined) return { ...base, diazepamEqMgPerDay: null, reason: `no Ashton diazepam equivalent for ${ingredient}` };
  const diazepamEq = (dose.value * DIAZEPAM_REFERENCE_MG) / equivalent;
  if (!Number.isFinite(diazepamEq)) return unknown(ingredient, 'the dose is too large to be read as a dose');
  return { ...base, diazepamEqMgPerDay: round(diazepamEq, 2) };
}

/** One entry per benzodiazepine or Z-drug ingredient of the order; [] for other products. Never throws. */
export function benzodiazepineDose(
  resource: MedicationRequest | MedicationStatement,
  medication: Medication | undefined,
  classification: DrugClassification
): BenzoDose[] {
  let benzos: string[];
  try {
    if (!Array.isArray(classification?.classes) || !Array.isArray(classification.ingredients)) return [];
    if (!classification.classes.some((c) => c === 'benzodiazepine' || c === 'z-drug')) return [];
    benzos = classification.ingredients.filter(isBenzodiazepineIngredient);
    if (benzos.length === 0) return [unknown('benzodiazepine', 'benzodiazepine ingredient not identified')];
  } catch {
    return [unknown('benzodiazepine', 'could not read the medication')];
  }
  let product: Product | undefined;
  try {
    product = readProduct(resource, medication);
  } catch {
    product = undefined;
  }
  return benzos.map((ingredient) => {
    try {
      return product === undefined ? unknown(ingredient, 'could not read the order') : doseFor(ingredient, product);
    } catch {
      return unknown(ingredient, 'could not read the order');
    }
  });
}
