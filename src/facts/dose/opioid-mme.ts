/**
 * Morphine milligram equivalents per day for each opioid ingredient of an order, per the CDC 2022
 * Clinical Practice Guideline (MMWR Recomm Rep 2022;71(RR-3)): "multiply each opioid's daily dose by its
 * conversion factor, then sum". Buprenorphine is excluded (CDC 2022: partial agonist, ceiling effect);
 * an opioid without a factor, or whose dose cannot be read, is unknown (null with a reason), never 0.
 */
import type { Medication, MedicationRequest, MedicationStatement } from '@medplum/fhirtypes';
import type { DrugClassification } from '../../terminology/index.ts';
import { MME_CONVERSION_FACTORS, MME_EXCLUDED_INGREDIENTS, type MmeConversionFactor } from '../../terminology/data/mme-conversion-factors.ts';
import { dailyMg, patchMcgPerHour, type DailyResult } from './daily-amount.ts';
import { isOpioidIngredient } from './ingredient-roles.ts';
import { isTransdermal } from './product-form.ts';
import { round } from './safe.ts';
import { ingredientStrength, partnerStrengths, readProduct, type Product } from './strength.ts';
import type { StrengthResult } from './strength-types.ts';
import type { OpioidMme } from './types.ts';

const FACTORS: ReadonlyMap<string, MmeConversionFactor> = new Map(MME_CONVERSION_FACTORS.map((f) => [f.ingredient, f]));
const EXCLUDED: ReadonlySet<string> = new Set(MME_EXCLUDED_INGREDIENTS);
const OPIOID_PRODUCT_CLASSES = new Set<string>(['opioid-analgesic', 'opioid-antitussive', 'oud-treatment']);

function unknown(ingredient: string, reason: string, unit: OpioidMme['unit'] = 'mg/day'): OpioidMme {
  return { ingredient, mgPerDay: null, unit, reason, factor: null, mmePerDay: null };
}

function withFactor(ingredient: string, dose: DailyResult, unit: OpioidMme['unit'], f: MmeConversionFactor): OpioidMme {
  const base = { ingredient, unit, factor: f.factor, factorSource: f.source };
  if (dose.value === null) return { ...base, mgPerDay: null, mmePerDay: null, reason: dose.reason };
  if (!(dose.value > 0)) return { ...base, mgPerDay: null, mmePerDay: null, reason: 'daily dose is zero' };
  const mme = dose.value * f.factor;
  if (!Number.isFinite(mme)) return { ...base, mgPerDay: null, mmePerDay: null, reason: 'the dose is too large to be read as a dose' };
  return { ...base, mgPerDay: dose.value, mmePerDay: round(mme, 2) };
}

/**
 * Fentanyl patches are labelled by delivery rate, so "fentanyl 25 mcg patch" means 25 mcg/hr. An
 * RxNorm "... Transdermal System" name without "/HR" is the iontophoretic system (Ionsys), not a patch.
 */
function asPatchRate(strength: StrengthResult, product: Product): StrengthResult {
  const s = strength.strength;
  if (s === undefined || s.per !== 'unit' || s.perAmount !== 1) return strength;
  if (product.names.some((n) => /transdermal system/i.test(n))) return strength;
  return { strength: { ...s, per: 'h' } };
}

function mmeFor(ingredient: string, product: Product): OpioidMme {
  const isPrimary = isOpioidIngredient;
  const strength = ingredientStrength(product, ingredient, isPrimary);
  const factor = FACTORS.get(ingredient);
  if (factor?.onlyForm === 'transdermal') {
    if (isTransdermal(product, strength)) {
      return withFactor(ingredient, patchMcgPerHour(product.dosage, asPatchRate(strength, product)), 'mcg/hr', factor);
    }
    const dose = dailyMg(product.dosage, strength, partnerStrengths(product, ingredient, isPrimary));
    return {
      ...unknown(ingredient, `no CDC 2022 conversion factor for ${ingredient} other than transdermal`),
      mgPerDay: dose.value,
    };
  }
  const dose = dailyMg(product.dosage, strength, partnerStrengths(product, ingredient, isPrimary));
  if (factor === undefined) {
    return { ...unknown(ingredient, `no CDC 2022 conversion factor for ${ingredient}`), mgPerDay: dose.value };
  }
  return withFactor(ingredient, dose, 'mg/day', factor);
}

/**
 * One entry per opioid ingredient of the order (buprenorphine excluded); [] when the product is not an
 * opioid or its only opioid is buprenorphine. Never throws: unreadable input gives unknown entries.
 */
export function opioidMme(
  resource: MedicationRequest | MedicationStatement,
  medication: Medication | undefined,
  classification: DrugClassification
): OpioidMme[] {
  let opioids: string[];
  try {
    if (!Array.isArray(classification?.classes) || !Array.isArray(classification.ingredients)) return [];
    if (!classification.classes.some((c) => OPIOID_PRODUCT_CLASSES.has(c))) return [];
    opioids = classification.ingredients.filter(isOpioidIngredient);
    if (opioids.length === 0) {
      // The class came from an ATC group or a site value set: an opioid whose ingredient we cannot name.
      const painOrCough = classification.classes.some((c) => c === 'opioid-analgesic' || c === 'opioid-antitussive');
      return painOrCough ? [unknown('opioid', 'opioid ingredient not identified')] : [];
    }
  } catch {
    return [unknown('opioid', 'could not read the medication')];
  }
  const counted = opioids.filter((i) => !EXCLUDED.has(i));
  let product: Product | undefined;
  try {
    product = readProduct(resource, medication);
  } catch {
    product = undefined;
  }
  return counted.map((ingredient) => {
    try {
      return product === undefined ? unknown(ingredient, 'could not read the order') : mmeFor(ingredient, product);
    } catch {
      return unknown(ingredient, 'could not read the order');
    }
  });
}
