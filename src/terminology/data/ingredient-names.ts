/**
 * Ingredient name catalogue: canonical lower-case ingredient name, its pharmacological role, and
 * the other names it is written under (INN vs USAN spellings, common abbreviations).
 *
 * Source: this file holds NAMES only, no codes. Generic names are USAN/INN names; the INN
 * spellings and the non-US benzodiazepines/barbiturates were checked against the WHO ATC index
 * 2025 (names as scraped in vanhungtran/atcddd WHO_ATC_codes_2025-08-19.csv at commit
 * 3036cac3a274e8bacad08ff22353ea6b29875b19). Salts and esters ("hydrochloride", "bitartrate",
 * "sulfate", ...) need no entry: names are matched as whole words, so the salt word is simply
 * ignored.
 *
 * Roles (the product rules in `product-rules.ts` turn roles into classes):
 * - opioid: opioid agonist or partial agonist acting in the CNS (class depends on the product)
 * - oud-opioid: opioid used only to treat opioid use disorder
 * - benzodiazepine, z-drug, barbiturate, gabapentinoid, muscle-relaxant, ketamine: class as named
 * - naloxone: rescue naloxone when it is the only opioid-receptor ingredient
 * - antagonist: opioid antagonist (naltrexone, nalmefene, samidorphan)
 * - cough-partner: antihistamine/decongestant/expectorant found in opioid cough products
 * - other: recognised so that `ingredients` is informative and negatives are explicit
 *   (peripheral opioids such as loperamide, antitussives such as benzonatate, stimulants)
 *
 * Decisions (see README):
 * - primidone is a barbiturate: it is a deoxybarbiturate metabolised to phenobarbital and sits
 *   in ATC N03AA "Barbiturates and derivatives".
 * - dantrolene is NOT a muscle relaxant here: it acts directly on skeletal muscle (ATC M03C),
 *   not centrally; the CNS-depressant muscle relaxants are the centrally acting ones (ATC M03B).
 * - meprobamate, oxybates, dexmedetomidine, propofol and other sedatives have no class of their
 *   own in this service; they are recognised as ingredients only.
 */
export type IngredientRole =
  | 'opioid'
  | 'oud-opioid'
  | 'benzodiazepine'
  | 'z-drug'
  | 'barbiturate'
  | 'gabapentinoid'
  | 'muscle-relaxant'
  | 'ketamine'
  | 'naloxone'
  | 'antagonist'
  | 'cough-partner'
  | 'other';

export interface IngredientName {
  readonly name: string;
  readonly role: IngredientRole;
  /** Other spellings; may be multi-word. Matched as whole words, case-insensitively. */
  readonly synonyms?: readonly string[];
}

export const INGREDIENT_NAMES: readonly IngredientName[] = [
  // Opioid agonists and partial agonists
  // "MSO4" = morphine sulfate: ISMP List of Error-Prone Abbreviations ("MS, MSO4: morphine sulfate, mistaken as
  // magnesium sulfate"). "MS" alone is left out (also multiple sclerosis, and magnesium sulfate); "MgSO4" is
  // another word and is not read.
  { name: 'morphine', role: 'opioid', synonyms: ['mso4'] },
  { name: 'codeine', role: 'opioid' },
  { name: 'hydrocodone', role: 'opioid' },
  { name: 'benzhydrocodone', role: 'opioid' },
  { name: 'oxycodone', role: 'opioid' },
  { name: 'hydromorphone', role: 'opioid', synonyms: ['dihydromorphinone'] },
  { name: 'oxymorphone', role: 'opioid' },
  { name: 'fentanyl', role: 'opioid' },
  { name: 'sufentanil', role: 'opioid' },
  { name: 'alfentanil', role: 'opioid' },
  { name: 'remifentanil', role: 'opioid' },
  { name: 'meperidine', role: 'opioid', synonyms: ['pethidine'] },
  { name: 'methadone', role: 'opioid' },
  { name: 'levorphanol', role: 'opioid' },
  { name: 'tapentadol', role: 'opioid' },
  { name: 'tramadol', role: 'opioid' },
  { name: 'pentazocine', role: 'opioid' },
  { name: 'butorphanol', role: 'opioid' },
  { name: 'nalbuphine', role: 'opioid' },
  { name: 'dihydrocodeine', role: 'opioid' },
  { name: 'opium', role: 'opioid', synonyms: ['paregoric'] },
  { name: 'buprenorphine', role: 'opioid' },
  { name: 'propoxyphene', role: 'opioid', synonyms: ['dextropropoxyphene'] },
  { name: 'oliceridine', role: 'opioid' },
  { name: 'dezocine', role: 'opioid' },
  { name: 'tilidine', role: 'opioid' },
  { name: 'levomethadyl', role: 'oud-opioid', synonyms: ['levacetylmethadol'] },
  // Opioids marketed outside the US (names as in ATC N02A/N01AH/N07BC); older EHR data carries them
  { name: 'diamorphine', role: 'opioid', synonyms: ['heroin'] },
  { name: 'dextromoramide', role: 'opioid' },
  { name: 'dipipanone', role: 'opioid' },
  { name: 'meptazinol', role: 'opioid' },
  { name: 'papaveretum', role: 'opioid' },
  { name: 'ketobemidone', role: 'opioid' },
  { name: 'piritramide', role: 'opioid' },
  { name: 'bezitramide', role: 'opioid' },
  { name: 'phenazocine', role: 'opioid' },
  { name: 'nicomorphine', role: 'opioid' },
  { name: 'phenoperidine', role: 'opioid' },
  { name: 'anileridine', role: 'opioid' },
  // Opioids used only as cough suppressants (ATC R05DA): always opioid-antitussive
  { name: 'pholcodine', role: 'opioid' },
  { name: 'ethylmorphine', role: 'opioid' },
  { name: 'normethadone', role: 'opioid' },
  { name: 'thebacon', role: 'opioid' },

  // Benzodiazepines (US products first, then others listed in ATC N05BA/N05CD/N03AE/M03BX)
  { name: 'alprazolam', role: 'benzodiazepine' },
  { name: 'chlordiazepoxide', role: 'benzodiazepine' },
  { name: 'clobazam', role: 'benzodiazepine' },
  { name: 'clonazepam', role: 'benzodiazepine' },
  { name: 'clorazepate', role: 'benzodiazepine', synonyms: ['potassium clorazepate'] },
  { name: 'diazepam', role: 'benzodiazepine' },
  { name: 'estazolam', role: 'benzodiazepine' },
  { name: 'flurazepam', role: 'benzodiazepine' },
  { name: 'lorazepam', role: 'benzodiazepine' },
  { name: 'midazolam', role: 'benzodiazepine' },
  { name: 'oxazepam', role: 'benzodiazepine' },
  { name: 'quazepam', role: 'benzodiazepine' },
  { name: 'temazepam', role: 'benzodiazepine' },
  { name: 'triazolam', role: 'benzodiazepine' },
  { name: 'remimazolam', role: 'benzodiazepine' },
  { name: 'halazepam', role: 'benzodiazepine' },
  { name: 'prazepam', role: 'benzodiazepine' },
  { name: 'bromazepam', role: 'benzodiazepine' },
  { name: 'nitrazepam', role: 'benzodiazepine' },
  { name: 'flunitrazepam', role: 'benzodiazepine' },
  { name: 'lormetazepam', role: 'benzodiazepine' },
  { name: 'brotizolam', role: 'benzodiazepine' },
  { name: 'etizolam', role: 'benzodiazepine' },
  { name: 'tetrazepam', role: 'benzodiazepine' },
  { name: 'ketazolam', role: 'benzodiazepine' },
  { name: 'medazepam', role: 'benzodiazepine' },
  { name: 'nordazepam', role: 'benzodiazepine' },
  { name: 'clotiazepam', role: 'benzodiazepine' },
  { name: 'cloxazolam', role: 'benzodiazepine' },
  { name: 'loprazolam', role: 'benzodiazepine' },
  { name: 'cinolazepam', role: 'benzodiazepine' },
  { name: 'mexazolam', role: 'benzodiazepine' },
  { name: 'pinazepam', role: 'benzodiazepine' },
  { name: 'camazepam', role: 'benzodiazepine' },
  { name: 'fludiazepam', role: 'benzodiazepine' },
  { name: 'doxefazepam', role: 'benzodiazepine' },
  { name: 'nimetazepam', role: 'benzodiazepine' },
  { name: 'adinazolam', role: 'benzodiazepine' },

  // Z-drugs (ATC N05CF "benzodiazepine related drugs")
  { name: 'zolpidem', role: 'z-drug' },
  { name: 'zaleplon', role: 'z-drug' },
  { name: 'eszopiclone', role: 'z-drug' },
  { name: 'zopiclone', role: 'z-drug' },

  // Barbiturates
  { name: 'butalbital', role: 'barbiturate' },
  { name: 'phenobarbital', role: 'barbiturate', synonyms: ['phenobarbitone'] },
  { name: 'secobarbital', role: 'barbiturate' },
  { name: 'pentobarbital', role: 'barbiturate' },
  { name: 'amobarbital', role: 'barbiturate' },
  { name: 'butabarbital', role: 'barbiturate', synonyms: ['secbutabarbital'] },
  { name: 'butobarbital', role: 'barbiturate', synonyms: ['butethal'] },
  { name: 'mephobarbital', role: 'barbiturate', synonyms: ['methylphenobarbital'] },
  { name: 'methohexital', role: 'barbiturate' },
  { name: 'thiopental', role: 'barbiturate', synonyms: ['thiopentone'] },
  { name: 'aprobarbital', role: 'barbiturate' },
  { name: 'talbutal', role: 'barbiturate' },
  { name: 'barbital', role: 'barbiturate' },
  { name: 'hexobarbital', role: 'barbiturate' },
  { name: 'primidone', role: 'barbiturate' },

  // Gabapentinoids (ATC N02BF)
  { name: 'gabapentin', role: 'gabapentinoid' },
  { name: 'gabapentin enacarbil', role: 'gabapentinoid' },
  { name: 'pregabalin', role: 'gabapentinoid' },
  { name: 'mirogabalin', role: 'gabapentinoid' },

  // Centrally acting muscle relaxants (ATC M03B, plus metaxalone which has no ATC code)
  { name: 'carisoprodol', role: 'muscle-relaxant' },
  { name: 'cyclobenzaprine', role: 'muscle-relaxant' },
  { name: 'methocarbamol', role: 'muscle-relaxant' },
  { name: 'metaxalone', role: 'muscle-relaxant' },
  { name: 'baclofen', role: 'muscle-relaxant' },
  { name: 'tizanidine', role: 'muscle-relaxant' },
  { name: 'chlorzoxazone', role: 'muscle-relaxant' },
  { name: 'orphenadrine', role: 'muscle-relaxant' },
  { name: 'chlormezanone', role: 'muscle-relaxant' },
  { name: 'tolperisone', role: 'muscle-relaxant' },
  { name: 'dantrolene', role: 'other' },

  // Ketamine
  { name: 'ketamine', role: 'ketamine' },
  { name: 'esketamine', role: 'ketamine' },

  // Opioid antagonists
  { name: 'naloxone', role: 'naloxone' },
  { name: 'naltrexone', role: 'antagonist' },
  { name: 'nalmefene', role: 'antagonist' },
  { name: 'samidorphan', role: 'antagonist' },

  // Partners in opioid cough and cold products
  { name: 'promethazine', role: 'cough-partner' },
  { name: 'guaifenesin', role: 'cough-partner' },
  { name: 'chlorpheniramine', role: 'cough-partner', synonyms: ['chlorphenamine'] },
  { name: 'dexchlorpheniramine', role: 'cough-partner' },
  { name: 'homatropine', role: 'cough-partner' },
  { name: 'pseudoephedrine', role: 'cough-partner' },
  { name: 'phenylephrine', role: 'cough-partner' },
  { name: 'phenylpropanolamine', role: 'cough-partner' },
  { name: 'brompheniramine', role: 'cough-partner' },
  { name: 'dexbrompheniramine', role: 'cough-partner' },
  { name: 'bromodiphenhydramine', role: 'cough-partner' },
  { name: 'triprolidine', role: 'cough-partner' },
  { name: 'pyrilamine', role: 'cough-partner', synonyms: ['mepyramine'] },
  { name: 'chlorcyclizine', role: 'cough-partner' },
  { name: 'carbinoxamine', role: 'cough-partner' },
  { name: 'guaiacolsulfonate', role: 'cough-partner' },
  { name: 'diphenhydramine', role: 'cough-partner' },

  // Recognised, no class: analgesic partners and other combination partners
  { name: 'acetaminophen', role: 'other', synonyms: ['apap', 'paracetamol'] },
  { name: 'aspirin', role: 'other', synonyms: ['asa', 'acetylsalicylic acid'] },
  { name: 'ibuprofen', role: 'other' },
  { name: 'naproxen', role: 'other' },
  { name: 'celecoxib', role: 'other' },
  { name: 'caffeine', role: 'other' },
  { name: 'belladonna', role: 'other' },
  { name: 'atropine', role: 'other' },
  { name: 'clidinium', role: 'other' },
  { name: 'amitriptyline', role: 'other' },
  { name: 'bupropion', role: 'other' },
  { name: 'olanzapine', role: 'other' },
  { name: 'topiramate', role: 'other' },
  { name: 'meprobamate', role: 'other' },

  // Recognised, no class: peripheral or non-CNS opioid-receptor drugs and antitussives
  { name: 'loperamide', role: 'other' },
  { name: 'diphenoxylate', role: 'other' },
  { name: 'difenoxin', role: 'other' },
  { name: 'eluxadoline', role: 'other' },
  { name: 'methylnaltrexone', role: 'other' },
  { name: 'naloxegol', role: 'other' },
  { name: 'naldemedine', role: 'other' },
  { name: 'alvimopan', role: 'other' },
  { name: 'dextromethorphan', role: 'other' },
  { name: 'benzonatate', role: 'other' },
  { name: 'noscapine', role: 'other' },
  { name: 'lofexidine', role: 'other' },
  { name: 'flumazenil', role: 'other' },

  // Recognised, no class: stimulants and anorectics (must never count as depressants)
  { name: 'phentermine', role: 'other' },
  { name: 'methamphetamine', role: 'other', synonyms: ['metamfetamine'] },
  { name: 'amphetamine', role: 'other', synonyms: ['amfetamine'] },
  { name: 'dextroamphetamine', role: 'other', synonyms: ['dexamfetamine'] },
  { name: 'lisdexamfetamine', role: 'other' },
  { name: 'diethylpropion', role: 'other', synonyms: ['amfepramone'] },
  { name: 'phendimetrazine', role: 'other' },
  { name: 'benzphetamine', role: 'other' },
  { name: 'methylphenidate', role: 'other' },
];
