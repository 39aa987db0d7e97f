/**
 * RxNorm ingredient (IN) RXCUIs we recognise by code alone, each with where it came from.
 *
 * Only ingredient-level codes are listed. Clinical drug (SCD) and branded drug (SBD) codes are
 * NOT listed: we have no independent, citable source for them that is not itself one of the
 * published opioid/benzodiazepine value sets used to measure this classifier. Products sent as
 * SCD/SBD codes are recognised from their display text, from a Medication's ingredient codes,
 * or from an admin-loaded local ValueSet.
 *
 * An ingredient with no citable RXCUI (e.g. alprazolam, zolpidem, gabapentin) is deliberately
 * left out and recognised by name and ATC code instead. Never add a code without a source.
 */
export interface RxNormSource {
  readonly id: string;
  readonly citation: string;
}

export const RXNORM_SOURCES: readonly RxNormSource[] = [
  {
    id: 'omtk-mk2020',
    citation:
      'cqframework/opioid-cds-r4 input/cql/OMTKLogicMK2020.cql (GetConversionFactor ingredient ' +
      'codes with their ingredient-name comments), commit 76bcd3bb0c012e0fab33f077c7f4dc179ed10479',
  },
  {
    id: 'evidence-1.3',
    citation:
      'shared/research/clinical-evidence.md section 1.3 "RxNorm ingredient codes [V]" ' +
      '(OMTKData.cql / ConversionFactors.cql, cqframework/opioid-mme-r4 commit 1357f454)',
  },
  {
    id: 'cpic-drug',
    citation:
      'cpicpgx/cpic-schema drug.sql (drugId RxNorm:<rxcui> with drug name), ' +
      'commit 05f9b09c5fcdf674efe3289411994b54f979aedb',
  },
];

export interface RxNormIngredientCode {
  readonly code: string;
  /** Canonical ingredient name as in `ingredient-names.ts`. */
  readonly name: string;
  /** Ids from `RXNORM_SOURCES`. */
  readonly sources: readonly string[];
}

export const RXNORM_INGREDIENT_CODES: readonly RxNormIngredientCode[] = [
  // Opioids
  { code: '2670', name: 'codeine', sources: ['omtk-mk2020', 'evidence-1.3', 'cpic-drug'] },
  { code: '4337', name: 'fentanyl', sources: ['omtk-mk2020', 'evidence-1.3', 'cpic-drug'] },
  { code: '5489', name: 'hydrocodone', sources: ['omtk-mk2020', 'evidence-1.3'] },
  { code: '3423', name: 'hydromorphone', sources: ['omtk-mk2020', 'evidence-1.3'] },
  { code: '6813', name: 'methadone', sources: ['omtk-mk2020', 'evidence-1.3', 'cpic-drug'] },
  { code: '7052', name: 'morphine', sources: ['omtk-mk2020', 'evidence-1.3', 'cpic-drug'] },
  { code: '7804', name: 'oxycodone', sources: ['omtk-mk2020', 'evidence-1.3', 'cpic-drug'] },
  { code: '7814', name: 'oxymorphone', sources: ['omtk-mk2020', 'evidence-1.3'] },
  { code: '10689', name: 'tramadol', sources: ['omtk-mk2020', 'evidence-1.3', 'cpic-drug'] },
  { code: '787390', name: 'tapentadol', sources: ['omtk-mk2020', 'evidence-1.3'] },
  { code: '6754', name: 'meperidine', sources: ['omtk-mk2020', 'evidence-1.3'] },
  { code: '1819', name: 'buprenorphine', sources: ['omtk-mk2020', 'evidence-1.3'] },
  { code: '1841', name: 'butorphanol', sources: ['omtk-mk2020'] },
  { code: '6378', name: 'levorphanol', sources: ['omtk-mk2020'] },
  { code: '8001', name: 'pentazocine', sources: ['omtk-mk2020'] },
  { code: '23088', name: 'dihydrocodeine', sources: ['omtk-mk2020'] },
  { code: '237005', name: 'levomethadyl', sources: ['omtk-mk2020'] },
  { code: '480', name: 'alfentanil', sources: ['cpic-drug'] },
  // Opioid antagonists
  { code: '7242', name: 'naloxone', sources: ['omtk-mk2020', 'cpic-drug'] },
  { code: '7243', name: 'naltrexone', sources: ['omtk-mk2020', 'cpic-drug'] },
  // Benzodiazepines
  { code: '3322', name: 'diazepam', sources: ['cpic-drug'] },
  { code: '6960', name: 'midazolam', sources: ['cpic-drug'] },
  { code: '7781', name: 'oxazepam', sources: ['cpic-drug'] },
  { code: '21241', name: 'clobazam', sources: ['cpic-drug'] },
  // Barbiturates and muscle relaxants
  { code: '19860', name: 'butalbital', sources: ['omtk-mk2020'] },
  { code: '2101', name: 'carisoprodol', sources: ['omtk-mk2020', 'cpic-drug'] },
  // Partners in combination products (no class of their own)
  { code: '161', name: 'acetaminophen', sources: ['omtk-mk2020'] },
  { code: '1191', name: 'aspirin', sources: ['omtk-mk2020', 'cpic-drug'] },
  { code: '1886', name: 'caffeine', sources: ['omtk-mk2020', 'cpic-drug'] },
  { code: '5640', name: 'ibuprofen', sources: ['omtk-mk2020'] },
  { code: '1223', name: 'atropine', sources: ['omtk-mk2020'] },
  { code: '704', name: 'amitriptyline', sources: ['cpic-drug'] },
  { code: '42347', name: 'bupropion', sources: ['cpic-drug'] },
  { code: '3289', name: 'dextromethorphan', sources: ['cpic-drug'] },
  // Partners in opioid cough and cold products
  { code: '8745', name: 'promethazine', sources: ['omtk-mk2020'] },
  { code: '5032', name: 'guaifenesin', sources: ['omtk-mk2020'] },
  { code: '2400', name: 'chlorpheniramine', sources: ['omtk-mk2020'] },
  { code: '22697', name: 'dexchlorpheniramine', sources: ['omtk-mk2020'] },
  { code: '27084', name: 'homatropine', sources: ['omtk-mk2020'] },
  { code: '8896', name: 'pseudoephedrine', sources: ['omtk-mk2020'] },
  { code: '8163', name: 'phenylephrine', sources: ['omtk-mk2020'] },
  { code: '8175', name: 'phenylpropanolamine', sources: ['omtk-mk2020'] },
  { code: '1767', name: 'brompheniramine', sources: ['omtk-mk2020'] },
  { code: '22696', name: 'dexbrompheniramine', sources: ['omtk-mk2020'] },
  { code: '19759', name: 'bromodiphenhydramine', sources: ['omtk-mk2020'] },
  { code: '10849', name: 'triprolidine', sources: ['omtk-mk2020'] },
  { code: '9009', name: 'pyrilamine', sources: ['omtk-mk2020'] },
  { code: '2354', name: 'chlorcyclizine', sources: ['omtk-mk2020'] },
  { code: '3498', name: 'diphenhydramine', sources: ['omtk-mk2020'] },
  { code: '636827', name: 'guaiacolsulfonate', sources: ['omtk-mk2020'] },
];
