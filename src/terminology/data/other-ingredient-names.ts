/**
 * Names of common ingredients that are in none of this service's drug classes (no opioid, benzodiazepine, z-drug,
 * barbiturate, gabapentinoid, centrally acting muscle relaxant or ketamine), used ONLY to tell that a short or
 * truncated word is ambiguous: "levo" is the start of levodopa as well as of levorphanol, "phenazo" of
 * phenazopyridine as well as of phenazocine, "bup" of bupivacaine as well as of buprenorphine (unread-names.ts).
 * They classify nothing: a medication is not recognised by them, and no class is given or taken away.
 *
 * Source: this file holds NAMES only, no codes. Each is an RxNorm ingredient name (term type IN) as published by
 * the US National Library of Medicine, written in lower case; those that are also in `cpicpgx/cpic-schema`
 * `drug.sql` (commit 05f9b09c5fcdf674efe3289411994b54f979aedb, RxNorm ingredients with their RXCUIs; e.g.
 * phenazopyridine, levofloxacin, hydrochlorothiazide, metformin) were checked there. Chosen: common outpatient
 * drugs whose name starts like a CNS name of the dictionary (levo-, hydro-, oxy-, pre-, meth-, clo-, cyclo-, ...)
 * and those the review of 2026-11 found read as a CNS drug (carbidopa/levodopa "CARB/LEVO", phenazopyridine
 * "PHENAZO", "Pre-Pen"). Names the main dictionary already holds (bupropion, naltrexone, promethazine, ...) need no
 * entry here: they are read from data/ingredient-names.ts.
 */
export const OTHER_INGREDIENT_NAMES: readonly string[] = [
  // levo-: Parkinson's disease, thyroid, antibiotics, antihistamine, antiepileptic, contraception
  'carbidopa', 'levodopa', 'entacapone', 'levothyroxine', 'liothyronine', 'levofloxacin', 'levocetirizine', 'levetiracetam', 'levonorgestrel', 'levocarnitine',
  // phenazo-, phen-
  'phenazopyridine', 'phenytoin',
  // bup-
  'bupivacaine',
  // hydro-
  'hydrocortisone', 'hydrochlorothiazide', 'hydralazine', 'hydroxychloroquine', 'hydroquinone', 'hydroxyurea',
  // oxy-, ox-
  'oxybutynin', 'oxymetazoline', 'oxytocin', 'oxcarbazepine', 'oxaprozin', 'oxandrolone',
  // pre-, pr-
  'prednisone', 'prednisolone', 'pravastatin', 'prazosin', 'pramipexole', 'probenecid', 'prochlorperazine', 'progesterone', 'propranolol', 'propylthiouracil',
  // meth-, met-, me-
  'methotrexate', 'methimazole', 'methylprednisolone', 'methyldopa', 'metformin', 'metoprolol', 'metoclopramide', 'metronidazole', 'metolazone', 'meloxicam',
  'mesalamine', 'memantine', 'meclizine',
  // clo-, cl-
  'clonidine', 'clopidogrel', 'clotrimazole', 'clobetasol', 'clindamycin', 'clarithromycin',
  // di-
  'diazoxide', 'diclofenac', 'dicyclomine', 'digoxin', 'diltiazem',
  // lo-, la-, li-
  'loratadine', 'losartan', 'lovastatin', 'lisinopril', 'lidocaine', 'lamotrigine', 'lansoprazole',
  // cyclo-
  'cyclosporine', 'cyclophosphamide', 'cyclopentolate',
  // t-
  'tamsulosin', 'tacrolimus', 'temozolomide', 'terbinafine', 'testosterone', 'tinidazole', 'timolol', 'tobramycin', 'trazodone', 'triamcinolone', 'trimethoprim',
  'trandolapril',
  // f-
  'fenofibrate', 'fenoprofen', 'famotidine', 'finasteride', 'fluconazole', 'fluoxetine', 'fluticasone', 'furosemide',
  // others that start like a CNS name (b-, c-, e-, k-, m-, n-, p-, s-, z-)
  'budesonide', 'bumetanide', 'buspirone', 'carbamazepine', 'carvedilol', 'estradiol', 'ketorolac', 'ketoconazole', 'ketotifen', 'mirtazapine', 'midodrine',
  'nitrofurantoin', 'nifedipine', 'pantoprazole', 'pentoxifylline', 'permethrin', 'sertraline', 'simvastatin', 'sumatriptan', 'zolmitriptan',
];
