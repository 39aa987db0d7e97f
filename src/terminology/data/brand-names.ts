/**
 * US brand names and the ingredients they stand for.
 *
 * Source: this file holds NAMES only, no codes. Brand names are US trade names of FDA-approved
 * products (current or discontinued, as found on FDA labels/DailyMed), written from the
 * maintainers' knowledge; only brands whose ingredients we are sure of are listed. A brand whose
 * name is also an everyday word is avoided unless it is unambiguous in a medication context. Brands of opioid
 * and barbiturate products named in the published value sets (../shared/terminology) that were missing are
 * listed in their own section below, each with the value set it is named in.
 *
 * `hint` carries product knowledge the ingredient list alone does not give:
 * - oud: buprenorphine product used to treat opioid use disorder
 * - pain: buprenorphine product used for pain
 * - antitussive: opioid cough product
 * - methadone-oud-form: methadone form used only in opioid treatment programmes
 * - methadose: Methadose, whose 10 mg/mL concentrate is OUD-only but whose tablets are not
 *
 * Multi-word brands are matched as a phrase ("ms contin", "robitussin ac").
 */
export type BrandHint = 'oud' | 'pain' | 'antitussive' | 'methadone-oud-form' | 'methadose';

export interface BrandName {
  readonly brand: string;
  readonly ingredients: readonly string[];
  readonly hint?: BrandHint;
}

export const BRAND_NAMES: readonly BrandName[] = [
  // Oxycodone
  { brand: 'oxycontin', ingredients: ['oxycodone'] },
  { brand: 'roxicodone', ingredients: ['oxycodone'] },
  { brand: 'oxaydo', ingredients: ['oxycodone'] },
  { brand: 'roxybond', ingredients: ['oxycodone'] },
  { brand: 'xtampza', ingredients: ['oxycodone'] },
  { brand: 'oxecta', ingredients: ['oxycodone'] },
  { brand: 'oxyir', ingredients: ['oxycodone'] },
  { brand: 'oxyfast', ingredients: ['oxycodone'] },
  { brand: 'percocet', ingredients: ['oxycodone', 'acetaminophen'] },
  { brand: 'endocet', ingredients: ['oxycodone', 'acetaminophen'] },
  { brand: 'roxicet', ingredients: ['oxycodone', 'acetaminophen'] },
  { brand: 'tylox', ingredients: ['oxycodone', 'acetaminophen'] },
  { brand: 'primlev', ingredients: ['oxycodone', 'acetaminophen'] },
  { brand: 'nalocet', ingredients: ['oxycodone', 'acetaminophen'] },
  { brand: 'prolate', ingredients: ['oxycodone', 'acetaminophen'] },
  { brand: 'xartemis', ingredients: ['oxycodone', 'acetaminophen'] },
  { brand: 'percodan', ingredients: ['oxycodone', 'aspirin'] },
  { brand: 'endodan', ingredients: ['oxycodone', 'aspirin'] },
  { brand: 'combunox', ingredients: ['oxycodone', 'ibuprofen'] },
  { brand: 'targiniq', ingredients: ['oxycodone', 'naloxone'] },
  { brand: 'troxyca', ingredients: ['oxycodone', 'naltrexone'] },
  // Hydrocodone
  { brand: 'vicodin', ingredients: ['hydrocodone', 'acetaminophen'] },
  { brand: 'norco', ingredients: ['hydrocodone', 'acetaminophen'] },
  { brand: 'lortab', ingredients: ['hydrocodone', 'acetaminophen'] },
  { brand: 'lorcet', ingredients: ['hydrocodone', 'acetaminophen'] },
  { brand: 'xodol', ingredients: ['hydrocodone', 'acetaminophen'] },
  { brand: 'zydone', ingredients: ['hydrocodone', 'acetaminophen'] },
  { brand: 'verdrocet', ingredients: ['hydrocodone', 'acetaminophen'] },
  { brand: 'anexsia', ingredients: ['hydrocodone', 'acetaminophen'] },
  { brand: 'hycet', ingredients: ['hydrocodone', 'acetaminophen'] },
  { brand: 'zamicet', ingredients: ['hydrocodone', 'acetaminophen'] },
  { brand: 'maxidone', ingredients: ['hydrocodone', 'acetaminophen'] },
  { brand: 'co gesic', ingredients: ['hydrocodone', 'acetaminophen'] },
  { brand: 'vicoprofen', ingredients: ['hydrocodone', 'ibuprofen'] },
  { brand: 'reprexain', ingredients: ['hydrocodone', 'ibuprofen'] },
  { brand: 'ibudone', ingredients: ['hydrocodone', 'ibuprofen'] },
  { brand: 'xylon', ingredients: ['hydrocodone', 'ibuprofen'] },
  { brand: 'hysingla', ingredients: ['hydrocodone'] },
  { brand: 'zohydro', ingredients: ['hydrocodone'] },
  { brand: 'apadaz', ingredients: ['benzhydrocodone', 'acetaminophen'] },
  // Opioid cough products
  { brand: 'tussionex', ingredients: ['hydrocodone', 'chlorpheniramine'], hint: 'antitussive' },
  { brand: 'tussicaps', ingredients: ['hydrocodone', 'chlorpheniramine'], hint: 'antitussive' },
  { brand: 'vituz', ingredients: ['hydrocodone', 'chlorpheniramine'], hint: 'antitussive' },
  { brand: 'zutripro', ingredients: ['hydrocodone', 'chlorpheniramine', 'pseudoephedrine'], hint: 'antitussive' },
  { brand: 'rezira', ingredients: ['hydrocodone', 'pseudoephedrine'], hint: 'antitussive' },
  { brand: 'hycodan', ingredients: ['hydrocodone', 'homatropine'], hint: 'antitussive' },
  { brand: 'tussigon', ingredients: ['hydrocodone', 'homatropine'], hint: 'antitussive' },
  { brand: 'hydromet', ingredients: ['hydrocodone', 'homatropine'], hint: 'antitussive' },
  { brand: 'obredon', ingredients: ['hydrocodone', 'guaifenesin'], hint: 'antitussive' },
  { brand: 'flowtuss', ingredients: ['hydrocodone', 'guaifenesin'], hint: 'antitussive' },
  { brand: 'tuzistra', ingredients: ['codeine', 'chlorpheniramine'], hint: 'antitussive' },
  { brand: 'tuxarin', ingredients: ['codeine', 'chlorpheniramine'], hint: 'antitussive' },
  { brand: 'cheratussin ac', ingredients: ['codeine', 'guaifenesin'], hint: 'antitussive' },
  { brand: 'robitussin ac', ingredients: ['codeine', 'guaifenesin'], hint: 'antitussive' },
  // Morphine
  { brand: 'ms contin', ingredients: ['morphine'] },
  // The same brand written without its space, as order entry does ("MSContin 30 mg"); "[MS Contin]" in the
  // published value sets (cdc-opioid-cds-r4 opioid-analgesics-with-ambulatory-misuse-potential).
  { brand: 'mscontin', ingredients: ['morphine'] },
  // MSIR: Purdue Frederick's immediate-release morphine sulfate tablets, capsules and oral solution (product
  // label "MSIR Oral Tablets / Oral Solution Concentrate"; discontinued, still written for immediate-release
  // morphine).
  { brand: 'msir', ingredients: ['morphine'] },
  { brand: 'kadian', ingredients: ['morphine'] },
  { brand: 'avinza', ingredients: ['morphine'] },
  { brand: 'arymo', ingredients: ['morphine'] },
  { brand: 'morphabond', ingredients: ['morphine'] },
  { brand: 'oramorph', ingredients: ['morphine'] },
  { brand: 'roxanol', ingredients: ['morphine'] },
  { brand: 'duramorph', ingredients: ['morphine'] },
  { brand: 'infumorph', ingredients: ['morphine'] },
  { brand: 'astramorph', ingredients: ['morphine'] },
  { brand: 'mitigo', ingredients: ['morphine'] },
  { brand: 'depodur', ingredients: ['morphine'] },
  { brand: 'embeda', ingredients: ['morphine', 'naltrexone'] },
  // Other opioid analgesics
  { brand: 'dilaudid', ingredients: ['hydromorphone'] },
  { brand: 'exalgo', ingredients: ['hydromorphone'] },
  { brand: 'palladone', ingredients: ['hydromorphone'] },
  { brand: 'opana', ingredients: ['oxymorphone'] },
  { brand: 'numorphan', ingredients: ['oxymorphone'] },
  { brand: 'duragesic', ingredients: ['fentanyl'] },
  { brand: 'actiq', ingredients: ['fentanyl'] },
  { brand: 'fentora', ingredients: ['fentanyl'] },
  { brand: 'abstral', ingredients: ['fentanyl'] },
  { brand: 'onsolis', ingredients: ['fentanyl'] },
  { brand: 'subsys', ingredients: ['fentanyl'] },
  { brand: 'lazanda', ingredients: ['fentanyl'] },
  { brand: 'ionsys', ingredients: ['fentanyl'] },
  { brand: 'sublimaze', ingredients: ['fentanyl'] },
  { brand: 'sufenta', ingredients: ['sufentanil'] },
  { brand: 'dsuvia', ingredients: ['sufentanil'] },
  { brand: 'alfenta', ingredients: ['alfentanil'] },
  { brand: 'ultiva', ingredients: ['remifentanil'] },
  { brand: 'demerol', ingredients: ['meperidine'] },
  { brand: 'meperitab', ingredients: ['meperidine'] },
  { brand: 'levo dromoran', ingredients: ['levorphanol'] },
  { brand: 'nucynta', ingredients: ['tapentadol'] },
  { brand: 'ultram', ingredients: ['tramadol'] },
  { brand: 'conzip', ingredients: ['tramadol'] },
  { brand: 'ryzolt', ingredients: ['tramadol'] },
  { brand: 'rybix', ingredients: ['tramadol'] },
  { brand: 'qdolo', ingredients: ['tramadol'] },
  { brand: 'ultracet', ingredients: ['tramadol', 'acetaminophen'] },
  { brand: 'seglentis', ingredients: ['tramadol', 'celecoxib'] },
  { brand: 'talwin', ingredients: ['pentazocine'] },
  { brand: 'talwin nx', ingredients: ['pentazocine', 'naloxone'] },
  { brand: 'stadol', ingredients: ['butorphanol'] },
  { brand: 'nubain', ingredients: ['nalbuphine'] },
  { brand: 'synalgos', ingredients: ['dihydrocodeine', 'aspirin', 'caffeine'] },
  { brand: 'trezix', ingredients: ['dihydrocodeine', 'acetaminophen', 'caffeine'] },
  { brand: 'darvon', ingredients: ['propoxyphene'] },
  { brand: 'darvocet', ingredients: ['propoxyphene', 'acetaminophen'] },
  { brand: 'olinvyk', ingredients: ['oliceridine'] },
  // Methadone
  { brand: 'dolophine', ingredients: ['methadone'] },
  { brand: 'methadose', ingredients: ['methadone'], hint: 'methadose' },
  { brand: 'diskets', ingredients: ['methadone'], hint: 'methadone-oud-form' },
  // Buprenorphine
  { brand: 'suboxone', ingredients: ['buprenorphine', 'naloxone'], hint: 'oud' },
  { brand: 'zubsolv', ingredients: ['buprenorphine', 'naloxone'], hint: 'oud' },
  { brand: 'bunavail', ingredients: ['buprenorphine', 'naloxone'], hint: 'oud' },
  { brand: 'cassipa', ingredients: ['buprenorphine', 'naloxone'], hint: 'oud' },
  { brand: 'subutex', ingredients: ['buprenorphine'], hint: 'oud' },
  { brand: 'sublocade', ingredients: ['buprenorphine'], hint: 'oud' },
  { brand: 'brixadi', ingredients: ['buprenorphine'], hint: 'oud' },
  // Brixadi's name outside the US (the same product); listed as EHRs abroad and imported records name it.
  { brand: 'buvidal', ingredients: ['buprenorphine'], hint: 'oud' },
  { brand: 'probuphine', ingredients: ['buprenorphine'], hint: 'oud' },
  { brand: 'butrans', ingredients: ['buprenorphine'], hint: 'pain' },
  { brand: 'belbuca', ingredients: ['buprenorphine'], hint: 'pain' },
  { brand: 'buprenex', ingredients: ['buprenorphine'], hint: 'pain' },
  // Benzodiazepines
  { brand: 'xanax', ingredients: ['alprazolam'] },
  { brand: 'niravam', ingredients: ['alprazolam'] },
  { brand: 'librium', ingredients: ['chlordiazepoxide'] },
  { brand: 'librax', ingredients: ['chlordiazepoxide', 'clidinium'] },
  { brand: 'limbitrol', ingredients: ['chlordiazepoxide', 'amitriptyline'] },
  { brand: 'onfi', ingredients: ['clobazam'] },
  { brand: 'sympazan', ingredients: ['clobazam'] },
  { brand: 'klonopin', ingredients: ['clonazepam'] },
  { brand: 'tranxene', ingredients: ['clorazepate'] },
  { brand: 'valium', ingredients: ['diazepam'] },
  { brand: 'diastat', ingredients: ['diazepam'] },
  { brand: 'valtoco', ingredients: ['diazepam'] },
  { brand: 'libervant', ingredients: ['diazepam'] },
  { brand: 'prosom', ingredients: ['estazolam'] },
  { brand: 'dalmane', ingredients: ['flurazepam'] },
  { brand: 'ativan', ingredients: ['lorazepam'] },
  { brand: 'loreev', ingredients: ['lorazepam'] },
  { brand: 'versed', ingredients: ['midazolam'] },
  { brand: 'nayzilam', ingredients: ['midazolam'] },
  { brand: 'seizalam', ingredients: ['midazolam'] },
  { brand: 'serax', ingredients: ['oxazepam'] },
  { brand: 'doral', ingredients: ['quazepam'] },
  { brand: 'restoril', ingredients: ['temazepam'] },
  { brand: 'halcion', ingredients: ['triazolam'] },
  { brand: 'byfavo', ingredients: ['remimazolam'] },
  { brand: 'paxipam', ingredients: ['halazepam'] },
  // Z-drugs
  { brand: 'ambien', ingredients: ['zolpidem'] },
  { brand: 'edluar', ingredients: ['zolpidem'] },
  { brand: 'intermezzo', ingredients: ['zolpidem'] },
  { brand: 'zolpimist', ingredients: ['zolpidem'] },
  { brand: 'sonata', ingredients: ['zaleplon'] },
  { brand: 'lunesta', ingredients: ['eszopiclone'] },
  // Barbiturates
  { brand: 'fioricet', ingredients: ['butalbital', 'acetaminophen', 'caffeine'] },
  { brand: 'fiorinal', ingredients: ['butalbital', 'aspirin', 'caffeine'] },
  // "[Ascomp]" is the codeine product in the CDC barbiturate value set (aspirin 325 / butalbital 50 / caffeine 40 /
  // codeine phosphate 30 mg capsule): Ascomp with Codeine.
  { brand: 'ascomp', ingredients: ['butalbital', 'aspirin', 'caffeine', 'codeine'] },
  { brand: 'esgic', ingredients: ['butalbital', 'acetaminophen', 'caffeine'] },
  { brand: 'bupap', ingredients: ['butalbital', 'acetaminophen'] },
  { brand: 'allzital', ingredients: ['butalbital', 'acetaminophen'] },
  { brand: 'phrenilin', ingredients: ['butalbital', 'acetaminophen'] },
  { brand: 'seconal', ingredients: ['secobarbital'] },
  { brand: 'nembutal', ingredients: ['pentobarbital'] },
  { brand: 'amytal', ingredients: ['amobarbital'] },
  { brand: 'butisol', ingredients: ['butabarbital'] },
  { brand: 'mebaral', ingredients: ['mephobarbital'] },
  { brand: 'brevital', ingredients: ['methohexital'] },
  { brand: 'pentothal', ingredients: ['thiopental'] },
  { brand: 'sezaby', ingredients: ['phenobarbital'] },
  { brand: 'donnatal', ingredients: ['phenobarbital', 'belladonna'] },
  { brand: 'mysoline', ingredients: ['primidone'] },
  // Gabapentinoids
  { brand: 'neurontin', ingredients: ['gabapentin'] },
  { brand: 'gralise', ingredients: ['gabapentin'] },
  { brand: 'horizant', ingredients: ['gabapentin enacarbil'] },
  { brand: 'lyrica', ingredients: ['pregabalin'] },
  // Muscle relaxants
  { brand: 'soma', ingredients: ['carisoprodol'] },
  { brand: 'flexeril', ingredients: ['cyclobenzaprine'] },
  { brand: 'amrix', ingredients: ['cyclobenzaprine'] },
  { brand: 'fexmid', ingredients: ['cyclobenzaprine'] },
  { brand: 'robaxin', ingredients: ['methocarbamol'] },
  { brand: 'skelaxin', ingredients: ['metaxalone'] },
  { brand: 'lioresal', ingredients: ['baclofen'] },
  { brand: 'gablofen', ingredients: ['baclofen'] },
  { brand: 'ozobax', ingredients: ['baclofen'] },
  { brand: 'lyvispah', ingredients: ['baclofen'] },
  { brand: 'fleqsuvy', ingredients: ['baclofen'] },
  { brand: 'zanaflex', ingredients: ['tizanidine'] },
  { brand: 'parafon', ingredients: ['chlorzoxazone'] },
  { brand: 'lorzone', ingredients: ['chlorzoxazone'] },
  { brand: 'norflex', ingredients: ['orphenadrine'] },
  { brand: 'norgesic', ingredients: ['orphenadrine', 'aspirin', 'caffeine'] },
  { brand: 'dantrium', ingredients: ['dantrolene'] },
  // Ketamine
  { brand: 'ketalar', ingredients: ['ketamine'] },
  { brand: 'spravato', ingredients: ['esketamine'] },
  // Brands named in the published value sets under ../shared/terminology (check data) that were not read:
  // the brand in "[brackets]" of a product display, with the ingredients that display names. Only products
  // with an opioid or a barbiturate are listed (veterinary products such as Simbadol, Torbugesic or Euthasol
  // are left out). Source of each, in the comment:
  // - cdc-barb: cdc-opioid-cds-r4/barbiturate-medications.json (CDC Opioid Prescribing Guideline IG)
  // - cdc-opioid: cdc-opioid-cds-r4/opioid-analgesics-with-ambulatory-misuse-potential.json
  // - omtk: mme/omtk-2020-drug-ingredients.json (cqframework/opioid-cds-r4 input/cql/OMTKData2020.cql)
  // - kgrid: other-sources/kgrid__opioid-rxcuis.json (KGrid opioid collection)
  // - cumulus: other-sources/cumulus-opioid__rx_opioid.json (SMART Cumulus opioid library)
  // Opioid analgesics
  { brand: 'codrix', ingredients: ['acetaminophen', 'codeine'] }, // omtk
  { brand: 'dvorah', ingredients: ['acetaminophen', 'caffeine', 'dihydrocodeine'] }, // cdc-opioid
  { brand: 'hy-phen', ingredients: ['acetaminophen', 'hydrocodone'] }, // omtk
  { brand: 'panlor', ingredients: ['acetaminophen', 'caffeine', 'dihydrocodeine'] }, // cumulus
  { brand: 'talacen', ingredients: ['acetaminophen', 'pentazocine'] }, // omtk
  { brand: 'xolox', ingredients: ['acetaminophen', 'oxycodone'] }, // kgrid
  // Barbiturate combinations
  { brand: 'capacet', ingredients: ['acetaminophen', 'butalbital', 'caffeine'] }, // cdc-barb
  { brand: 'marten-tab', ingredients: ['acetaminophen', 'butalbital'] }, // cdc-barb
  { brand: 'phenohytro', ingredients: ['atropine', 'phenobarbital'] }, // cdc-barb
  { brand: 'repan', ingredients: ['acetaminophen', 'butalbital', 'caffeine'] }, // cdc-barb
  { brand: 'tencon', ingredients: ['acetaminophen', 'butalbital'] }, // cdc-barb
  { brand: 'vanatol', ingredients: ['acetaminophen', 'butalbital', 'caffeine'] }, // cdc-barb
  { brand: 'vtol', ingredients: ['acetaminophen', 'butalbital', 'caffeine'] }, // cdc-barb
  { brand: 'zebutal', ingredients: ['acetaminophen', 'butalbital', 'caffeine'] }, // cdc-barb
  // Opioid cough and cold products
  { brand: 'ala-hist ac', ingredients: ['codeine', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'allfen cd', ingredients: ['codeine', 'guaifenesin'], hint: 'antitussive' }, // omtk
  { brand: 'allfen cdx', ingredients: ['codeine', 'guaifenesin'], hint: 'antitussive' }, // kgrid
  { brand: 'ambifed cd', ingredients: ['codeine', 'guaifenesin', 'pseudoephedrine'], hint: 'antitussive' }, // kgrid
  { brand: 'ambifed-g cd', ingredients: ['codeine', 'guaifenesin', 'pseudoephedrine'], hint: 'antitussive' }, // kgrid
  { brand: 'b-tuss', ingredients: ['chlorpheniramine', 'hydrocodone', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'biotussin', ingredients: ['codeine', 'guaifenesin', 'pseudoephedrine'], hint: 'antitussive' }, // kgrid
  { brand: 'bromplex hd', ingredients: ['brompheniramine', 'hydrocodone', 'pseudoephedrine'], hint: 'antitussive' }, // omtk
  { brand: 'brontex', ingredients: ['codeine', 'guaifenesin'], hint: 'antitussive' }, // kgrid
  { brand: 'brovex cb', ingredients: ['brompheniramine', 'codeine'], hint: 'antitussive' }, // kgrid
  { brand: 'brovex pbc', ingredients: ['brompheniramine', 'codeine', 'phenylephrine'], hint: 'antitussive' }, // kgrid
  { brand: 'cheracol with codeine', ingredients: ['codeine', 'guaifenesin'], hint: 'antitussive' }, // kgrid
  { brand: 'cheratussin dac', ingredients: ['codeine', 'guaifenesin', 'pseudoephedrine'], hint: 'antitussive' }, // omtk
  { brand: 'cheratussin', ingredients: ['codeine', 'guaifenesin'], hint: 'antitussive' }, // kgrid
  { brand: 'codar ar', ingredients: ['chlorpheniramine', 'codeine'], hint: 'antitussive' }, // omtk
  { brand: 'codar d', ingredients: ['codeine', 'pseudoephedrine'], hint: 'antitussive' }, // omtk
  { brand: 'codar gf', ingredients: ['codeine', 'guaifenesin'], hint: 'antitussive' }, // omtk
  { brand: 'coldcough pd', ingredients: ['chlorpheniramine', 'dihydrocodeine', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'colrex', ingredients: ['acetaminophen', 'chlorpheniramine', 'codeine', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'cotab a', ingredients: ['chlorpheniramine', 'codeine'], hint: 'antitussive' }, // omtk
  { brand: 'cotab ax', ingredients: ['chlorpheniramine', 'codeine'], hint: 'antitussive' }, // omtk
  { brand: 'de-chlor g', ingredients: ['guaifenesin', 'hydrocodone', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'de-chlor hc', ingredients: ['chlorpheniramine', 'hydrocodone', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'de-chlor mr', ingredients: ['hydrocodone', 'phenylephrine', 'pyrilamine'], hint: 'antitussive' }, // omtk
  { brand: 'de-chlor nx', ingredients: ['guaiacolsulfonate', 'hydrocodone'], hint: 'antitussive' }, // omtk
  { brand: 'drituss hd', ingredients: ['guaifenesin', 'hydrocodone', 'pseudoephedrine'], hint: 'antitussive' }, // omtk
  { brand: 'drotuss cp', ingredients: ['chlorpheniramine', 'hydrocodone', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'dytan-hc', ingredients: ['diphenhydramine', 'hydrocodone', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'entuss-d', ingredients: ['hydrocodone', 'pseudoephedrine'], hint: 'antitussive' }, // omtk
  { brand: 'exetuss hc', ingredients: ['guaifenesin', 'hydrocodone', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'guiatuss ac', ingredients: ['codeine', 'guaifenesin'], hint: 'antitussive' }, // omtk
  { brand: 'histex ac', ingredients: ['codeine', 'phenylephrine', 'triprolidine'], hint: 'antitussive' }, // omtk
  { brand: 'hy-kxp', ingredients: ['guaiacolsulfonate', 'hydrocodone'], hint: 'antitussive' }, // omtk
  { brand: 'hycofenix', ingredients: ['guaifenesin', 'hydrocodone', 'pseudoephedrine'], hint: 'antitussive' }, // cumulus
  { brand: 'hydro gp', ingredients: ['guaifenesin', 'hydrocodone', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'hydro-pc ii', ingredients: ['chlorpheniramine', 'hydrocodone', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'hydrofed', ingredients: ['guaifenesin', 'hydrocodone', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'hydron cp', ingredients: ['chlorpheniramine', 'hydrocodone', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'hydron ex', ingredients: ['guaiacolsulfonate', 'hydrocodone'], hint: 'antitussive' }, // omtk
  { brand: 'hydron kgs', ingredients: ['guaiacolsulfonate', 'hydrocodone'], hint: 'antitussive' }, // omtk
  { brand: 'hyphed', ingredients: ['chlorpheniramine', 'hydrocodone', 'pseudoephedrine'], hint: 'antitussive' }, // omtk
  { brand: 'kgs hc', ingredients: ['guaiacolsulfonate', 'hydrocodone'], hint: 'antitussive' }, // omtk
  { brand: 'lortuss ex', ingredients: ['codeine', 'guaifenesin', 'pseudoephedrine'], hint: 'antitussive' }, // kgrid
  { brand: 'm-clear wc', ingredients: ['codeine', 'guaifenesin'], hint: 'antitussive' }, // kgrid
  { brand: 'm-end max d', ingredients: ['codeine', 'dexbrompheniramine', 'pseudoephedrine'], hint: 'antitussive' }, // kgrid
  { brand: 'm-end pe', ingredients: ['brompheniramine', 'codeine', 'phenylephrine'], hint: 'antitussive' }, // kgrid
  { brand: 'mar-cof bp', ingredients: ['brompheniramine', 'codeine', 'pseudoephedrine'], hint: 'antitussive' }, // cumulus
  { brand: 'mar-cof cg', ingredients: ['codeine', 'guaifenesin'], hint: 'antitussive' }, // kgrid
  { brand: 'maxifed cd', ingredients: ['codeine', 'guaifenesin', 'pseudoephedrine'], hint: 'antitussive' }, // omtk
  { brand: 'maxifed-g cd', ingredients: ['codeine', 'guaifenesin', 'pseudoephedrine'], hint: 'antitussive' }, // omtk
  { brand: 'maxiphen cd', ingredients: ['codeine', 'guaifenesin', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'maxiphen cdx', ingredients: ['codeine', 'guaifenesin', 'phenylephrine'], hint: 'antitussive' }, // kgrid
  { brand: 'mytussin ac', ingredients: ['codeine', 'guaifenesin'], hint: 'antitussive' }, // omtk
  { brand: 'nalex ac', ingredients: ['brompheniramine', 'codeine'], hint: 'antitussive' }, // omtk
  { brand: 'nalex expectorant', ingredients: ['guaifenesin', 'hydrocodone', 'pseudoephedrine'], hint: 'antitussive' }, // omtk
  { brand: 'nariz hc', ingredients: ['guaifenesin', 'hydrocodone', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'nazarin hc', ingredients: ['guaifenesin', 'hydrocodone', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'ninjacof xg', ingredients: ['codeine', 'guaifenesin'], hint: 'antitussive' }, // kgrid
  { brand: 'notuss pe', ingredients: ['codeine', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'notuss-nx', ingredients: ['chlorcyclizine', 'codeine'], hint: 'antitussive' }, // omtk
  { brand: 'notuss-nxd', ingredients: ['chlorcyclizine', 'codeine', 'pseudoephedrine'], hint: 'antitussive' }, // omtk
  { brand: 'nucofed expectorant', ingredients: ['codeine', 'guaifenesin', 'pseudoephedrine'], hint: 'antitussive' }, // omtk
  { brand: 'nucofed', ingredients: ['codeine', 'pseudoephedrine'], hint: 'antitussive' }, // omtk
  { brand: 'p-v-tussin', ingredients: ['chlorpheniramine', 'hydrocodone', 'pseudoephedrine'], hint: 'antitussive' }, // cumulus
  { brand: 'phenylhistine dh', ingredients: ['chlorpheniramine', 'codeine', 'pseudoephedrine'], hint: 'antitussive' }, // omtk
  { brand: 'phenylhistine expectorant', ingredients: ['codeine', 'guaifenesin', 'pseudoephedrine'], hint: 'antitussive' }, // omtk
  { brand: 'poly hist nc', ingredients: ['codeine', 'pseudoephedrine', 'triprolidine'], hint: 'antitussive' }, // omtk
  { brand: 'poly tussin ex', ingredients: ['dihydrocodeine', 'guaifenesin', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'poly-tussin', ingredients: ['chlorpheniramine', 'hydrocodone', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'prolex dh', ingredients: ['guaiacolsulfonate', 'hydrocodone'], hint: 'antitussive' }, // omtk
  { brand: 'pseudodine c', ingredients: ['codeine', 'pseudoephedrine', 'triprolidine'], hint: 'antitussive' }, // omtk
  { brand: 'relasin hc', ingredients: ['chlorpheniramine', 'hydrocodone', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'relcof c', ingredients: ['codeine', 'guaifenesin'], hint: 'antitussive' }, // omtk
  { brand: 'robafen ac', ingredients: ['codeine', 'guaifenesin'], hint: 'antitussive' }, // omtk
  { brand: 's-t forte 2', ingredients: ['chlorpheniramine', 'hydrocodone'], hint: 'antitussive' }, // omtk
  { brand: 'simuc-hd', ingredients: ['guaifenesin', 'hydrocodone', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'statuss green', ingredients: ['chlorcyclizine', 'codeine', 'pseudoephedrine'], hint: 'antitussive' }, // kgrid
  { brand: 'su-tuss hd', ingredients: ['guaifenesin', 'hydrocodone', 'pseudoephedrine'], hint: 'antitussive' }, // omtk
  { brand: 'triacin c', ingredients: ['codeine', 'pseudoephedrine', 'triprolidine'], hint: 'antitussive' }, // omtk
  { brand: 'triant-hc', ingredients: ['chlorpheniramine', 'hydrocodone', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'tusnel c', ingredients: ['codeine', 'guaifenesin', 'pseudoephedrine'], hint: 'antitussive' }, // omtk
  { brand: 'vanacon', ingredients: ['guaifenesin', 'hydrocodone', 'pseudoephedrine'], hint: 'antitussive' }, // omtk
  { brand: 'z tuss ac', ingredients: ['chlorpheniramine', 'codeine'], hint: 'antitussive' }, // kgrid
  { brand: 'z-cof hc', ingredients: ['chlorpheniramine', 'hydrocodone', 'phenylephrine'], hint: 'antitussive' }, // omtk
  { brand: 'zodryl ac', ingredients: ['chlorpheniramine', 'codeine'], hint: 'antitussive' }, // kgrid
  { brand: 'zodryl dac', ingredients: ['chlorpheniramine', 'codeine', 'pseudoephedrine'], hint: 'antitussive' }, // kgrid
  { brand: 'zodryl dec', ingredients: ['codeine', 'guaifenesin', 'pseudoephedrine'], hint: 'antitussive' }, // kgrid
  { brand: 'zotex c', ingredients: ['codeine', 'phenylephrine', 'pyrilamine'], hint: 'antitussive' }, // kgrid
  { brand: 'zotex hc', ingredients: ['dexchlorpheniramine', 'hydrocodone', 'phenylephrine'], hint: 'antitussive' }, // omtk
  // Naloxone and antagonists
  { brand: 'narcan', ingredients: ['naloxone'] },
  { brand: 'kloxxado', ingredients: ['naloxone'] },
  { brand: 'zimhi', ingredients: ['naloxone'] },
  { brand: 'evzio', ingredients: ['naloxone'] },
  // RiVive: naloxone hydrochloride nasal spray 3 mg (Harm Reduction Therapeutics), approved by FDA for
  // nonprescription (OTC) use in July 2023 (FDA news release of 28 Jul 2023; Drugs@FDA).
  { brand: 'rivive', ingredients: ['naloxone'] },
  // Rextovy: naloxone hydrochloride nasal spray 4 mg/0.25 mL (Amphastar; labeler International Medication
  // Systems), NDA approved by FDA in March 2023 (Drugs@FDA), brand name as listed in the FDA NDC Directory
  // and in the CDC Opioid Prescribing Guideline IG value set naloxone-medications ("... Nasal Spray [Rextovy]").
  { brand: 'rextovy', ingredients: ['naloxone'] },
  { brand: 'vivitrol', ingredients: ['naltrexone'] },
  { brand: 'revia', ingredients: ['naltrexone'] },
  { brand: 'depade', ingredients: ['naltrexone'] },
  { brand: 'contrave', ingredients: ['naltrexone', 'bupropion'] },
  { brand: 'opvee', ingredients: ['nalmefene'] },
  { brand: 'zurnai', ingredients: ['nalmefene'] },
  { brand: 'revex', ingredients: ['nalmefene'] },
  { brand: 'lybalvi', ingredients: ['olanzapine', 'samidorphan'] },
  // Recognised negatives and partners
  { brand: 'relistor', ingredients: ['methylnaltrexone'] },
  { brand: 'movantik', ingredients: ['naloxegol'] },
  { brand: 'symproic', ingredients: ['naldemedine'] },
  { brand: 'imodium', ingredients: ['loperamide'] },
  { brand: 'lomotil', ingredients: ['diphenoxylate', 'atropine'] },
  { brand: 'motofen', ingredients: ['difenoxin', 'atropine'] },
  { brand: 'viberzi', ingredients: ['eluxadoline'] },
  { brand: 'tessalon', ingredients: ['benzonatate'] },
  { brand: 'delsym', ingredients: ['dextromethorphan'] },
  { brand: 'lucemyra', ingredients: ['lofexidine'] },
  { brand: 'adipex', ingredients: ['phentermine'] },
  { brand: 'lomaira', ingredients: ['phentermine'] },
  { brand: 'qsymia', ingredients: ['phentermine', 'topiramate'] },
  { brand: 'desoxyn', ingredients: ['methamphetamine'] },
  { brand: 'bontril', ingredients: ['phendimetrazine'] },
  { brand: 'didrex', ingredients: ['benzphetamine'] },
  // "Tylenol #3" / "Tylenol No. 3" (Tylenol with Codeine) is read by data/pattern-names.ts: whether the number
  // is the product's or a count ("Tylenol 2 tabs") depends on the "#" and on what follows.
  { brand: 'tylenol', ingredients: ['acetaminophen'] },
  { brand: 'phenergan', ingredients: ['promethazine'] },
];
