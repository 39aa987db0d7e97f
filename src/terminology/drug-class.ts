/**
 * The drug classes the CDS rules reason about. A medication can carry several
 * (e.g. butalbital/acetaminophen/caffeine/codeine is both an opioid analgesic and a barbiturate).
 */
export type DrugClass =
  | 'opioid-analgesic'
  | 'opioid-antitussive'
  | 'oud-treatment'
  | 'benzodiazepine'
  | 'z-drug'
  | 'barbiturate'
  | 'gabapentinoid'
  | 'muscle-relaxant'
  | 'ketamine'
  | 'naloxone-rescue'
  | 'opioid-antagonist';

/** All class ids, in the canonical (sorted) order used for `DrugClassification.classes`. */
export const DRUG_CLASSES: readonly DrugClass[] = Object.freeze([
  'barbiturate',
  'benzodiazepine',
  'gabapentinoid',
  'ketamine',
  'muscle-relaxant',
  'naloxone-rescue',
  'opioid-analgesic',
  'opioid-antagonist',
  'opioid-antitussive',
  'oud-treatment',
  'z-drug',
] as const);

const CLASS_SET: ReadonlySet<string> = new Set(DRUG_CLASSES);

/** True when `value` is one of the class ids above (used to validate admin value sets). */
export function isDrugClass(value: unknown): value is DrugClass {
  return typeof value === 'string' && CLASS_SET.has(value);
}

/** Classes whose members contain an opioid agonist (what "opioid family" means in checks and rules). */
export const OPIOID_FAMILY: readonly DrugClass[] = Object.freeze([
  'opioid-analgesic',
  'opioid-antitussive',
  'oud-treatment',
] as const);

/** Classes that depress the central nervous system (antagonists and naloxone are not). */
export const CNS_DEPRESSANT_CLASSES: readonly DrugClass[] = Object.freeze([
  'opioid-analgesic',
  'opioid-antitussive',
  'oud-treatment',
  'benzodiazepine',
  'z-drug',
  'barbiturate',
  'gabapentinoid',
  'muscle-relaxant',
  'ketamine',
] as const);
