/**
 * Morphine milligram equivalents per day for each opioid ingredient of an order, per the CDC 2022
 * Clinical Practice Guideline (MMWR Recomm Rep 2022;71(RR-3)): "multiply each opioid's daily dose by its
 * conversion factor, then sum". Buprenorphine is excluded (CDC 2022: partial agonist, ceiling effect);
 * an opioid without a factor, or whose dose cannot be read, is unknown (null with a reason), never 0.
 */
import type { Medication, MedicationAdministration, MedicationRequest, MedicationStatement } from '@medplum/fhirtypes';
import type { DrugClassification } from '../../terminology/index.ts';
import { MME_CONVERSION_FACTORS, MME_EXCLUDED_INGREDIENTS, type MmeConversionFactor } from '../../terminology/data/mme-conversion-factors.ts';
import { dailyMg, patchMcgPerHour, type DailyResult } from './daily-amount.ts';
import { isOpioidIngredient } from './ingredient-roles.ts';
import { isTransdermal } from './product-form.ts';
import { obj, positive, round } from './safe.ts';
import { ingredientStrength, partnerStrengths, readProduct, type Product } from './strength.ts';
import type { StrengthResult } from './strength-types.ts';
import { quantityUnit } from './units.ts';
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
 * The opioid ingredients whose MME counts (buprenorphine excluded), or the entries to give instead: none when the
 * product is not an opioid, one unknown `opioid` when it is one whose ingredient cannot be named.
 */
function countedOpioids(classification: DrugClassification): { readonly counted: string[] } | { readonly entries: OpioidMme[] } {
  try {
    if (!Array.isArray(classification?.classes) || !Array.isArray(classification.ingredients)) return { entries: [] };
    if (!classification.classes.some((c) => OPIOID_PRODUCT_CLASSES.has(c))) return { entries: [] };
    const opioids = classification.ingredients.filter(isOpioidIngredient);
    if (opioids.length === 0) {
      // The class came from an ATC group or a site value set: an opioid whose ingredient we cannot name.
      const painOrCough = classification.classes.some((c) => c === 'opioid-analgesic' || c === 'opioid-antitussive');
      return { entries: painOrCough ? [unknown('opioid', 'opioid ingredient not identified')] : [] };
    }
    return { counted: opioids.filter((i) => !EXCLUDED.has(i)) };
  } catch {
    return { entries: [unknown('opioid', 'could not read the medication')] };
  }
}

/**
 * A MedicationAdministration in progress (a running infusion or PCA, or a patch in place) is daily dosing too:
 * one entry per opioid ingredient, as for an order, so the total is marked incomplete rather than silently lower.
 * - **A fentanyl patch in place** is computed as a patch order is: the product's strength in mcg/hr (its name or
 *   its Medication, as for orders) times the patches applied (`dosage.dose` in patches, or a dose or rate written
 *   in mcg/h, read as mcg/hr; no dose at all is one patch; a dose that cannot be read is unknown), times the CDC
 *   2022 transdermal factor 2.4. A patch is recognised only by a transdermal word or code (name, form, route), not
 *   by a per-hour strength alone as for orders: an infusion too is labelled per hour. Another opioid in a patch has
 *   no CDC 2022 factor for that form (buprenorphine, the only other one, is excluded).
 * - **Any other administration** (an infusion, a PCA) has an unknown MME: CDC 2022 gives its factors for oral doses
 *   (and transdermal fentanyl per mcg/hr), none for a parenteral dose, and an oral factor would understate one (IV
 *   hydromorphone is more potent than oral). The amount is given when it is unambiguous: a single-ingredient
 *   product (no partner in its name) with a rate in mass per time (`rateQuantity` "0.5 mg/h", or `rateRatio`
 *   0.5 mg / 1 h), times 24 h. That is the set (basal) rate only: PCA demand doses and boluses are not in it.
 * Anything else (a completed dose, another status) gives [].
 */
export function runningAdministrationMme(resource: MedicationAdministration, medication: Medication | undefined, classification: DrugClassification): OpioidMme[] {
  const status: unknown = obj(resource)?.status;
  if (typeof status !== 'string' || status.trim().toLowerCase() !== 'in-progress') return [];
  const opioids = countedOpioids(classification);
  if (!('counted' in opioids)) return opioids.entries;
  let product: Product | undefined;
  let patch = false;
  try {
    product = readProduct(resource, medication);
    patch = isTransdermal(product, { strength: undefined, reason: '' });
  } catch {
    product = undefined;
  }
  if (product !== undefined && patch) {
    const applied = product;
    return opioids.counted.map((ingredient) => {
      try {
        return patchInPlaceMme(ingredient, applied, obj(resource)?.dosage);
      } catch {
        return unknown(ingredient, 'a patch in place: could not read the administration');
      }
    });
  }
  let perDay: number | undefined;
  try {
    const only = opioids.counted.length === 1 && classification.ingredients.length === 1 ? opioids.counted[0] : undefined;
    const mixture = product === undefined || product.names.some((name) => MIXTURE.test(name));
    perDay = only !== undefined && !mixture ? rateMgPerDay(obj(resource)?.dosage) : undefined;
  } catch {
    perDay = undefined;
  }
  const noFactor = 'CDC 2022 has no MME factor for a parenteral dose';
  return opioids.counted.map((ingredient) =>
    perDay === undefined
      ? unknown(ingredient, `in progress (a running infusion or PCA): its daily dose is not read from an administration, and ${noFactor}`)
      : { ...unknown(ingredient, `running at ${round(perDay, 2)} mg/day of ${ingredient} (its set rate, without demand or bolus doses); ${noFactor}`), mgPerDay: perDay }
  );
}

/**
 * The MME of one opioid of a patch in place: as for a patch order (mmeFor), with the administration's one
 * `dosage` read as a dosage instruction whose dose is `dosage.dose`, or else its `rateQuantity` (a rate in mcg/h
 * is read as the patch's mcg/hr, as a patch order's dose "25 mcg/h" is).
 */
function patchInPlaceMme(ingredient: string, product: Product, dosage: unknown): OpioidMme {
  const factor = FACTORS.get(ingredient);
  if (factor?.onlyForm !== 'transdermal') {
    return unknown(ingredient, `a patch in place: no CDC 2022 conversion factor for transdermal ${ingredient}`);
  }
  const d = obj(dosage);
  const dose = d?.dose ?? d?.rateQuantity;
  const instruction = dose === undefined ? [] : [{ doseAndRate: [{ doseQuantity: dose }] }];
  const strength = asPatchRate(ingredientStrength(product, ingredient, isOpioidIngredient), product);
  return withFactor(ingredient, patchMcgPerHour(instruction, strength), 'mcg/hr', factor);
}

/**
 * A product name that joins the drug with another ("fentanyl 2 mcg/mL in bupivacaine 0.1%", "... / ...", "with",
 * "+"): a mass rate may then be the partner's (a local anaesthetic dosed in mg/h), so no figure is given.
 */
const MIXTURE = /\s(?:in|with|and|plus|\/|\+|&)\s/i;

/** mg a day from an administration's rate in mass per time (rateQuantity, or rateRatio mass / time); undefined otherwise. */
function rateMgPerDay(dosage: unknown): number | undefined {
  const d = obj(dosage);
  const quantity = obj(d?.rateQuantity);
  const ratio = obj(d?.rateRatio);
  let perDay: number | undefined;
  if (quantity !== undefined) {
    const value = positive(quantity.value);
    const unit = quantityUnit(quantity);
    if (value !== undefined && unit?.kind === 'rate') perDay = (value * unit.mcgPerHour * 24) / 1000;
  } else if (ratio !== undefined) {
    const amount = positive(obj(ratio.numerator)?.value);
    const mass = quantityUnit(ratio.numerator);
    const per = quantityUnit(ratio.denominator);
    if (amount !== undefined && mass?.kind === 'mass' && per?.kind === 'time') perDay = (amount * mass.mg) / ((positive(obj(ratio.denominator)?.value) ?? 1) * per.days);
  }
  return perDay !== undefined && Number.isFinite(perDay) && perDay > 0 ? perDay : undefined;
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
  const opioids = countedOpioids(classification);
  if (!('counted' in opioids)) return opioids.entries;
  const counted = opioids.counted;
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
