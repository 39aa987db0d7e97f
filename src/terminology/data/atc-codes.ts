/**
 * ATC codes (system http://www.whocc.no/atc) that assign a class.
 *
 * Source: WHO ATC/DDD Index 2025, as scraped in vanhungtran/atcddd
 * WHO_ATC_codes_2025-08-19.csv at commit 3036cac3a274e8bacad08ff22353ea6b29875b19.
 * Every code or group below appears in that file with the name given in the comment.
 *
 * `prefix` entries cover a whole ATC group whose every member belongs to the class
 * (e.g. N05BA "Benzodiazepine derivatives"). Where a group mixes classes (R05DA "Opium alkaloids
 * and derivatives" holds dextromethorphan and noscapine, which are not opioids) only exact codes
 * are listed. Codes retired before 2025 (e.g. the pre-2023 gabapentinoid codes under N03AX) are
 * not listed; admins can add them with a local ValueSet.
 */
import type { DrugClass } from '../drug-class.ts';

export interface AtcEntry {
  readonly code: string;
  readonly match: 'prefix' | 'exact';
  readonly classes: readonly DrugClass[];
  /** Canonical ingredient names the code stands for (exact codes only). */
  readonly ingredients?: readonly string[];
  /** Methadone is flagged so the facts layer can reclassify it (see README). */
  readonly methadone?: boolean;
}

export const ATC_ENTRIES: readonly AtcEntry[] = [
  // N02A OPIOIDS (all analgesic opioids, incl. N02AE01 buprenorphine and N02AD51 pentazocine and naloxone)
  { code: 'N02A', match: 'prefix', classes: ['opioid-analgesic'] },
  // N01AH Opioid anesthetics (fentanyl, alfentanil, sufentanil, remifentanil, ...)
  { code: 'N01AH', match: 'prefix', classes: ['opioid-analgesic'] },
  // A07DA02 opium; A07DA52 morphine, combinations (antipropulsives that are CNS opioids)
  { code: 'A07DA02', match: 'exact', classes: ['opioid-analgesic'], ingredients: ['opium'] },
  { code: 'A07DA52', match: 'exact', classes: ['opioid-analgesic'], ingredients: ['morphine'] },
  // A07DA01 diphenoxylate, A07DA03 loperamide, A07DA04 difenoxin, A07DA06 eluxadoline: no class
  { code: 'A07DA01', match: 'exact', classes: [], ingredients: ['diphenoxylate'] },
  { code: 'A07DA03', match: 'exact', classes: [], ingredients: ['loperamide'] },
  { code: 'A07DA04', match: 'exact', classes: [], ingredients: ['difenoxin'] },
  { code: 'A07DA05', match: 'exact', classes: [], ingredients: ['loperamide'] },
  { code: 'A07DA06', match: 'exact', classes: [], ingredients: ['eluxadoline'] },
  // R05DA Opium alkaloids and derivatives (cough suppressants): opioid members only
  { code: 'R05DA01', match: 'exact', classes: ['opioid-antitussive'] }, // ethylmorphine
  { code: 'R05DA03', match: 'exact', classes: ['opioid-antitussive'], ingredients: ['hydrocodone'] },
  { code: 'R05DA04', match: 'exact', classes: ['opioid-antitussive'], ingredients: ['codeine'] },
  { code: 'R05DA05', match: 'exact', classes: ['opioid-antitussive'], ingredients: ['opium'] }, // opium alkaloids with morphine
  { code: 'R05DA06', match: 'exact', classes: ['opioid-antitussive'] }, // normethadone
  { code: 'R05DA08', match: 'exact', classes: ['opioid-antitussive'] }, // pholcodine
  { code: 'R05DA10', match: 'exact', classes: ['opioid-antitussive'] }, // thebacon
  { code: 'R05DA12', match: 'exact', classes: ['opioid-antitussive'] }, // acetyldihydrocodeine
  { code: 'R05DA09', match: 'exact', classes: [], ingredients: ['dextromethorphan'] },
  { code: 'R05DA07', match: 'exact', classes: [], ingredients: ['noscapine'] },
  { code: 'R05DB01', match: 'exact', classes: [], ingredients: ['benzonatate'] },
  // R05FA Opium derivatives and expectorants / mucolytics
  { code: 'R05FA', match: 'prefix', classes: ['opioid-antitussive'] },
  // N07BC Drugs used in opioid dependence
  { code: 'N07BC01', match: 'exact', classes: ['oud-treatment'], ingredients: ['buprenorphine'] },
  { code: 'N07BC51', match: 'exact', classes: ['oud-treatment'], ingredients: ['buprenorphine'] }, // buprenorphine, combinations
  { code: 'N07BC02', match: 'exact', classes: ['opioid-analgesic'], ingredients: ['methadone'], methadone: true },
  { code: 'N07BC03', match: 'exact', classes: ['oud-treatment'], ingredients: ['levomethadyl'] }, // levacetylmethadol
  { code: 'N07BC05', match: 'exact', classes: ['oud-treatment'] }, // levomethadone
  { code: 'N07BC06', match: 'exact', classes: ['oud-treatment'] }, // diamorphine
  { code: 'N07BC04', match: 'exact', classes: [], ingredients: ['lofexidine'] },
  // Benzodiazepines: N05BA and N05CD "Benzodiazepine derivatives", N03AE (clonazepam),
  // M03BX07 tetrazepam (also a muscle relaxant through M03B)
  { code: 'N05BA', match: 'prefix', classes: ['benzodiazepine'] },
  { code: 'N05CD', match: 'prefix', classes: ['benzodiazepine'] },
  { code: 'N03AE', match: 'prefix', classes: ['benzodiazepine'] },
  { code: 'M03BX07', match: 'exact', classes: ['benzodiazepine'], ingredients: ['tetrazepam'] },
  // N05CF Benzodiazepine related drugs (zopiclone, zolpidem, zaleplon, eszopiclone)
  { code: 'N05CF', match: 'prefix', classes: ['z-drug'] },
  // Barbiturates: N05CA plain, N05CB combinations, N03AA (incl. primidone), N01AF, N01AG
  { code: 'N05CA', match: 'prefix', classes: ['barbiturate'] },
  { code: 'N05CB', match: 'prefix', classes: ['barbiturate'] },
  { code: 'N03AA', match: 'prefix', classes: ['barbiturate'] },
  { code: 'N01AF', match: 'prefix', classes: ['barbiturate'] },
  { code: 'N01AG', match: 'prefix', classes: ['barbiturate'] },
  // N02BF Gabapentinoids (gabapentin, pregabalin, mirogabalin)
  { code: 'N02BF', match: 'prefix', classes: ['gabapentinoid'] },
  // M03B MUSCLE RELAXANTS, CENTRALLY ACTING AGENTS (M03C dantrolene deliberately not listed)
  { code: 'M03B', match: 'prefix', classes: ['muscle-relaxant'] },
  // Ketamine and esketamine
  { code: 'N01AX03', match: 'exact', classes: ['ketamine'], ingredients: ['ketamine'] },
  { code: 'N01AX14', match: 'exact', classes: ['ketamine'], ingredients: ['esketamine'] },
  { code: 'N06AX27', match: 'exact', classes: ['ketamine'], ingredients: ['esketamine'] },
  // V03AB15 naloxone (antidote). A06AH04 (peripheral oral naloxone) is not rescue naloxone.
  { code: 'V03AB15', match: 'exact', classes: ['naloxone-rescue'], ingredients: ['naloxone'] },
  // Opioid antagonists: N07BB04 naltrexone, N07BB05 nalmefene, A08AA62 bupropion and naltrexone
  { code: 'N07BB04', match: 'exact', classes: ['opioid-antagonist'], ingredients: ['naltrexone'] },
  { code: 'N07BB05', match: 'exact', classes: ['opioid-antagonist'], ingredients: ['nalmefene'] },
  { code: 'A08AA62', match: 'exact', classes: ['opioid-antagonist'], ingredients: ['bupropion', 'naltrexone'] },
  // A06AH Peripheral opioid receptor antagonists: no class
  { code: 'A06AH01', match: 'exact', classes: [], ingredients: ['methylnaltrexone'] },
  { code: 'A06AH03', match: 'exact', classes: [], ingredients: ['naloxegol'] },
  { code: 'A06AH05', match: 'exact', classes: [], ingredients: ['naldemedine'] },
];
