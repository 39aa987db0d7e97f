/**
 * Words and phrases that put a condition's display or free text in a group. These are names, not
 * codes: they come from the ICD-10-CM and SNOMED CT naming conventions (titles such as "Opioid
 * dependence, in remission", "Obstructive sleep apnea syndrome (disorder)"), clinical usage
 * (COPD, OSA, MDD) and drug names (USAN/INN). None was copied from the CDC IG value sets.
 *
 * Patterns are regular-expression sources run over normalised text (see `condition-text.ts`):
 * lower-case ASCII words separated by single spaces, one clause at a time. `{NAME}` expands to the
 * vocabulary alternation of the same name below. Every match is then checked against the negation,
 * uncertainty, family and (for context groups) history triggers in `match-context.ts`.
 */
import type { ConditionGroup } from '../condition-group.ts';

/**
 * How a group treats qualifiers around a match (all contexts reject negation, uncertainty and
 * other persons, e.g. "no", "rule out", "family history of"):
 * - `risk`: a past or remitted condition still counts ("history of opioid overdose",
 *   "opioid dependence in remission");
 * - `current`: history, remission and in-situ qualifiers cancel the match (cancer: only active
 *   malignancy can soften a warning);
 * - `strict`: `current` plus referral, discussion, eligibility, request and refusal qualifiers
 *   (hospice and palliative care: only care being received counts).
 */
export type MatchContext = 'risk' | 'current' | 'strict';

export interface TextRule {
  /** Short id, unique, used in tests and when debugging. */
  readonly id: string;
  readonly groups: readonly ConditionGroup[];
  readonly pattern: string;
  readonly context: MatchContext;
  /** Regex source: cancels a match when found among the six words before it. */
  readonly notAfter?: string;
  /** Regex source, anchored at the words right after the match: cancels it there. */
  readonly notBefore?: string;
  /** Regex source: cancels every match of this rule in a clause that contains it. */
  readonly clauseVeto?: string;
}

const OPIOID_NAMES = [
  'opioids?',
  'opiates?',
  'opioid receptor agonists?',
  'heroin',
  'diamorphine',
  'fentanyls?',
  'carfentanil',
  'sufentanil',
  'alfentanil',
  'remifentanil',
  'morphine',
  'morphinan',
  'methadone',
  'codeine',
  'dihydrocodeine',
  'oxycodone',
  'hydrocodone',
  'hydromorphone',
  'oxymorphone',
  'tramadol',
  'tapentadol',
  'buprenorphine',
  'pentazocine',
  'pethidine',
  'meperidine',
  'phenazocine',
  'dextromoramide',
  'dextropropoxyphene',
  'propoxyphene',
  'dipipanone',
  'nalbuphine',
  'butorphanol',
  'levorphanol',
  'meptazinol',
  'phenoperidine',
  'opium',
  'narcotics?',
  'phenanthrene derivatives?',
];

const BENZODIAZEPINE_NAMES = [
  'benzodiazepines?',
  'alprazolam',
  'bromazepam',
  'chlordiazepoxide',
  'clobazam',
  'clonazepam',
  'clorazepate',
  'diazepam',
  'estazolam',
  'etizolam',
  'flunitrazepam',
  'flurazepam',
  'lorazepam',
  'midazolam',
  'nitrazepam',
  'oxazepam',
  'quazepam',
  'remimazolam',
  'temazepam',
  'triazolam',
];

/** Psychoactive substances other than opioids and alcohol (ICD-10-CM F12-F16, F18, F19). */
const OTHER_SUBSTANCES = [
  'cocaine',
  'crack',
  'cannabis',
  'cannabinoids?',
  'marijuana',
  'marihuana',
  'hashish',
  'amphetamines?',
  'methamphetamines?',
  'methylamphetamine',
  'psychostimulants?',
  'stimulants?',
  'sedatives?',
  'hypnotics?',
  'anxiolytics?',
  ...BENZODIAZEPINE_NAMES,
  'barbiturates?',
  'hallucinogens?',
  'lsd',
  'lysergic acid diethylamide',
  'mescaline',
  'psilocybin',
  'phencyclidine',
  'pcp',
  'ketamine',
  'inhalants?',
  'solvents?',
  'glue',
  'cathinones?',
  'ecstasy',
  'mdma',
  'caffeine',
  'methanol',
  'polysubstance',
  'polydrugs?',
  'poly drugs?',
];

/** Generic words that name "a substance" rather than one (vetoed next to non-psychoactive ones). */
const GENERIC_SUBSTANCES = ['drugs?', 'substances?', 'chemical'];

/** Words that make a substance mention a use disorder (DSM-5 mild to severe; ICD abuse/dependence). */
const DISORDER_WORDS = [
  'use disorders?',
  'abuse',
  'abusers?',
  'dependence',
  'dependency',
  'dependent',
  'addiction',
  'addicts?',
  'addicted',
  'harmful use',
  'harmful pattern of use',
];

/** Words that document misuse or its consequences without naming a use disorder. */
const MISUSE_WORDS = [
  'misuse',
  'misusers?',
  'misuses',
  'overuse',
  'withdrawal',
  'intoxication',
  'intoxicated',
  'detoxification',
  'detox',
  'use unspecified',
  'cravings?',
  'craves',
];

/** Disorders named as induced by a substance (ICD-10-CM F1x.x4-F1x.x8 "...-induced ... disorder"). */
const INDUCED_DISORDERS = [
  'disorders?',
  'psychosis',
  'psychoses',
  'delirium',
  'dementia',
  'sexual dysfunction',
  'insomnia',
  'hypersomnia',
  'parasomnia',
];

/** Non-psychoactive substances (ICD-10-CM F55 and the like): their "abuse" is not a CNS risk. */
const NON_PSYCHOACTIVE =
  '\\b(?:laxatives?|vitamins?|antacids?|diuretics?|steroids?|corticosteroids?|anabolic|hormones?|herbal|folk|' +
  'antidepressants?|nonpsychotropic|non psychotropic|aspirin|paracetamol|acetaminophen|nsaids?)\\b';

/** Dependence words, which name opioid use disorder unless the dependence is physiological. */
const DEPENDENCE_WORDS = ['dependence', 'dependency', 'dependent'];

export const VOCABULARY: Readonly<Record<string, readonly string[]>> = {
  OPIOID: OPIOID_NAMES,
  BENZODIAZEPINE: BENZODIAZEPINE_NAMES,
  OUDWORDS: DISORDER_WORDS.filter((word) => !DEPENDENCE_WORDS.includes(word)),
  DEPENDENCE: DEPENDENCE_WORDS,
  ALCOHOL: ['alcohol', 'ethanol', 'etoh', 'ethyl alcohol', 'absinthe'],
  OTHER: OTHER_SUBSTANCES,
  GENERIC: GENERIC_SUBSTANCES,
  DISORDER: DISORDER_WORDS,
  MISUSE: MISUSE_WORDS,
  INDUCED: INDUCED_DISORDERS,
};

// Building blocks. A gap is up to N words, matched lazily.
const GAP2 = '(?: [a-z0-9]+){0,2}?';
const GAP3 = '(?: [a-z0-9]+){0,3}?';
const GAP4 = '(?: [a-z0-9]+){0,4}?';
const GAP6 = '(?: [a-z0-9]+){0,6}?';
// "non-opioid", "excluding opioids": the substance is named only to be excluded.
const NOT_EXCLUDED = '(?<!\\b(?:non|excluding|except|other than|without) )';
const OPIOID = `${NOT_EXCLUDED}(?:{OPIOID})`;
const ALCOHOL = '(?<!\\bnon )(?:{ALCOHOL})';
const LINK = '(?:of|on|to|with|from|for|caused by|due to|involving)';
const OD_EVENT = '(?:overdoses?|overdosed|poisonings?|poisoned|toxicity)';
const OD_SUBSTANCE = `(?:${OPIOID}|{BENZODIAZEPINE})`;
// Dependence said to be physiological (tolerance and withdrawal on prescribed opioids), not a use disorder.
const PHYSIOLOGICAL = '\\b(?:physical|physically|physiological|physiologic|physiologically|iatrogenic|iatrogenically)\\b';
const NOT_PHYSIOLOGICAL = '(?<!\\b(?:physical|physically|physiological|physiologic|physiologically|iatrogenic|iatrogenically) )';

/** Substance A then use-disorder word B within four words, or B "of/on/to ..." A. */
function substanceRule(substance: string, words: string): string {
  return `\\b${substance}${GAP4} (?:${words})\\b|\\b(?:${words}) ${LINK}${GAP2} ${substance}\\b`;
}

const OUD: readonly ConditionGroup[] = ['opioid-use-disorder', 'substance-use-disorder'];
const AUD: readonly ConditionGroup[] = ['alcohol-use-disorder', 'substance-use-disorder'];
const SUD: readonly ConditionGroup[] = ['substance-use-disorder'];

export const TEXT_RULES: readonly TextRule[] = [
  // ---- COPD ----
  { id: 'copd-abbreviation', groups: ['copd'], context: 'risk', pattern: '\\b(?:copd|coad|aecopd)\\b' },
  {
    id: 'copd-name',
    groups: ['copd'],
    context: 'risk',
    pattern:
      '\\bchronic obstructive (?:pulmonary|lung|airways?|respiratory|bronchopulmonary) (?:disease|disorder)\\b|' +
      '\\bchronic obstructive (?:bronchitis|airways?)\\b|\\bchronic (?:airways?|airflow) (?:obstruction|limitation)\\b',
  },
  {
    id: 'copd-chronic-bronchitis',
    groups: ['copd'],
    context: 'risk',
    pattern: `\\bchronic${GAP2} bronchitis\\b|\\bbronchitis chronic\\b`,
  },
  {
    id: 'copd-emphysema',
    groups: ['copd'],
    context: 'risk',
    // Air in tissue ("subcutaneous emphysema") and congenital lobar emphysema are not COPD.
    pattern:
      '(?<!\\b(?:subcutaneous|surgical|interstitial|mediastinal|orbital|traumatic|compensatory|lobar|cutaneous|tissue|vicarious) )\\bemphysema\\b',
  },

  // ---- Sleep-disordered breathing ----
  { id: 'sleep-apnea-name', groups: ['sleep-apnea'], context: 'risk', pattern: '\\bsleep (?:related )?apneas?\\b|\\bapneas?(?: obstructive| central| mixed)? sleep\\b' },
  { id: 'sleep-apnea-abbreviation', groups: ['sleep-apnea'], context: 'risk', pattern: '\\b(?:osa|osas|osahs)\\b' },
  {
    id: 'sleep-disordered-breathing',
    groups: ['sleep-apnea'],
    context: 'risk',
    pattern:
      '\\bsleep (?:related |disordered )?breathing(?: disorders?)?\\b|\\bbreathing related sleep disorders?\\b|' +
      '\\bsleep (?:related )?(?:hypoventilation|hypoxemia)\\b|\\bhypoventilation (?:during|in) sleep\\b|' +
      '\\b(?:alveolar|obesity|central) hypoventilation\\b|\\bpickwickian\\b|\\bondines? curse\\b|\\bhaddad syndrome\\b|' +
      '\\bhigh altitude periodic breathing\\b',
  },

  // ---- Opioid use disorder ----
  // Physiological dependence on opioids taken as prescribed is not a use disorder (DSM-5: tolerance and
  // withdrawal under medical supervision do not count toward opioid use disorder): "Physical dependence on
  // opioids", "Iatrogenic opioid dependency" are substance use only, like "opioid withdrawal" (README).
  { id: 'oud-name', groups: OUD, context: 'risk', pattern: substanceRule(OPIOID, '{OUDWORDS}') },
  {
    id: 'oud-dependence',
    groups: OUD,
    context: 'risk',
    pattern: substanceRule(OPIOID, `${NOT_PHYSIOLOGICAL}(?:{DEPENDENCE})`),
    notAfter: PHYSIOLOGICAL,
    notBefore: PHYSIOLOGICAL,
  },
  // Any opioid dependence, physiological or not, is substance use (as ICD-10-CM F11.9 and "opioid withdrawal").
  { id: 'opioid-dependence-any', groups: SUD, context: 'risk', pattern: substanceRule(OPIOID, '{DEPENDENCE}') },
  { id: 'oud-abbreviation', groups: OUD, context: 'risk', pattern: '\\boud\\b' },
  { id: 'opioid-misuse', groups: SUD, context: 'risk', pattern: substanceRule(OPIOID, '{MISUSE}') },

  // ---- Alcohol use disorder ----
  { id: 'aud-name', groups: AUD, context: 'risk', pattern: substanceRule(ALCOHOL, '{DISORDER}') },
  { id: 'aud-abbreviation', groups: AUD, context: 'risk', pattern: '\\baud\\b' },
  {
    id: 'aud-alcoholism',
    groups: AUD,
    context: 'risk',
    // "alcoholic" as a noun or for organ damage ("alcoholic cirrhosis"); not "non-alcoholic",
    // nor a drink ("alcoholic beverage").
    pattern: '\\balcoholism\\b|(?<!\\bnon )\\balcoholics?\\b(?! (?:beverages?|drinks?|content))',
  },
  {
    id: 'aud-alcohol-caused',
    groups: AUD,
    context: 'risk',
    // Harmful use (WHO F10.1: use that damages health) named by cause.
    pattern:
      `\\b${ALCOHOL} (?:induced|related|associated)\\b|\\b(?:caused by|due to)${GAP2} (?:alcohol|ethanol|alcoholism)\\b|` +
      '\\balcohol (?:hallucinosis|amnestic|amnesic|psychosis|paranoia|myopathy|dementia|coma|encephalopathy|' +
      'cardiomyopathy|ketoacidosis|blackouts?)\\b|\\bkorsako(?:ff|v)s?\\b|\\bzieves?\\b|\\bmorel laminar sclerosis\\b',
    notBefore: '(?:flushing|flush)\\b',
  },
  { id: 'aud-harmful-drinking', groups: AUD, context: 'risk', pattern: '\\bharmful (?:drinking|drinker)\\b' },
  { id: 'alcohol-misuse', groups: SUD, context: 'risk', pattern: substanceRule(ALCOHOL, '{MISUSE}') },
  {
    id: 'alcohol-hazardous-drinking',
    groups: SUD,
    context: 'risk',
    pattern:
      '\\b(?:problem|problematic|binge|heavy|hazardous|excessive|risky) (?:drinking|drinkers?|alcohol (?:use|consumption|intake))\\b',
  },

  // ---- Other substance use ----
  {
    id: 'sud-name',
    groups: SUD,
    context: 'risk',
    pattern: substanceRule('(?:{OTHER}|{GENERIC})', '{DISORDER}|{MISUSE}'),
    clauseVeto: NON_PSYCHOACTIVE,
  },
  {
    id: 'sud-induced',
    groups: SUD,
    context: 'risk',
    // "cocaine-induced psychotic disorder", "mood disorder caused by opioid"; generic "drug-induced"
    // disorders are usually adverse effects and do not count.
    pattern:
      `\\b(?:${OPIOID}|${ALCOHOL}|{OTHER}) induced${GAP3} (?:{INDUCED})\\b|` +
      `\\b(?:{INDUCED})${GAP6} (?:caused by|due to) (?:${OPIOID}|${ALCOHOL}|{OTHER})\\b|` +
      // ICD-10 block title "Mental and behavioral disorders due to psychoactive substance use".
      '\\bdue to psychoactive substance use\\b',
  },
  {
    id: 'sud-drug-use',
    groups: SUD,
    context: 'risk',
    pattern:
      '\\b(?:(?:illicit|illegal|recreational|street|intravenous|iv|injection|injecting|injectable) )?drugs? (?:use|user|users|usage|habit|seeking|seeker)\\b|' +
      '\\b(?:injects?|injecting|smokes|sniffs|snorts|misuses?) drugs\\b|\\b(?:injecting|injection) drug\\b|\\bdrug (?:injecting|injection)\\b|' +
      '\\b(?:needle|syringe|needle and syringe) exchange\\b|\\bshar(?:es?|ing)(?: of)? (?:needles|syringes|drug(?: injecting)? equipment)\\b|' +
      '\\bgroin injector\\b|\\bfrontloading\\b|\\b(?:obtains clean|cleans own) (?:needles|syringes)\\b|\\binhales drugs\\b|\\bdrug related (?:activities|routine|rituals)\\b|' +
      '\\b(?:ivdu|ivda|pwid|pwud)\\b|(?<!\\b(?:gambling|internet|gaming|sex|shopping|food|work|exercise|video game) )\\baddicts?\\b|' +
      `\\b(?:heroin|cocaine|crack|methamphetamine|lsd|pcp|phencyclidine|ecstasy|mdma|solvents?|inhalants?|glue)${GAP2} (?:use|user|users|usage|sniffer|sniffing)\\b`,
    notAfter: '\\b(?:prescription|prescribed|long term|therapeutic|medication|medications|current medication)$',
  },

  // ---- Overdose history (opioids and benzodiazepines) ----
  {
    id: 'overdose-named',
    groups: ['overdose-history'],
    context: 'risk',
    pattern: `\\b${OD_SUBSTANCE}${GAP3} ${OD_EVENT}\\b|\\b${OD_EVENT}${GAP4} ${OD_SUBSTANCE}\\b`,
    // ICD-10-CM titles name poisoning, adverse effect and underdosing together; the latter two are
    // not overdoses.
    clauseVeto: '\\b(?:adverse effects?|underdosing|underdosed|therapeutic)\\b',
  },
  {
    id: 'overdose-abbreviation',
    groups: ['overdose-history'],
    context: 'risk',
    // "OD" for overdose, only where it cannot be "right eye" (oculus dexter: "Cataract OD") or "once daily":
    // right after an opioid or benzodiazepine name ("heroin OD", "Fentanyl OD 2024"; not after "on", "taking":
    // "on methadone OD" is a dose), before "on/of" one ("OD on fentanyl"), or after history or overdose wording
    // ("h/o OD", "History of OD", "prior OD", "accidental OD", "drug OD"), unless eye words follow ("prior OD
    // cataract surgery").
    pattern:
      `(?<!\\b(?:on|taking|takes|take|using|uses|prescribed|started|starting|continue|continued|given|with) )\\b${OD_SUBSTANCE} ods?\\b|` +
      `\\bods? (?:on|of|from) ${OD_SUBSTANCE}\\b|` +
      '\\b(?:history|history of|previous|prior|past|recent|recurrent|repeated|multiple|accidental|intentional|unintentional|' +
      'deliberate|nonfatal|non fatal|fatal|drug|drugs|street drug) ods?\\b(?! (?:and os|os|ou|eye|cataract|lens|iol|surgery|' +
      'vision|visual|retina|retinal|glaucoma|laser|injections?|phaco|phacoemulsification|vitrectomy|ptosis))',
  },
  {
    id: 'overdose-generic',
    groups: ['overdose-history'],
    context: 'risk',
    // The whole clause is about an overdose of no named drug ("history of drug overdose").
    pattern:
      '^(?:(?:personal |past )?history (?:of )?)?(?:(?:accidental|intentional|unintentional|deliberate|nonfatal|non fatal|fatal|' +
      'prior|previous|recent|recurrent|repeated|multiple|drug|drugs) )*overdoses?(?: (?:disorder|event|episodes?|history))?$',
  },

  // ---- Cancer ----
  {
    id: 'cancer-name',
    groups: ['cancer'],
    context: 'current',
    pattern:
      '\\bcancers?\\b|\\b[a-z]*carcinomas?\\b|\\bcarcinomat(?:osis|ous)\\b|\\bmalignan(?:cy|cies)\\b|' +
      '(?<!\\b(?:non|pre|not|neuroleptic|potentially) )\\bmalignant\\b(?! (?:hypertension|hypertensive|hyperthermia|hyperpyrexia|' +
      'otitis|external otitis|arrhythmia|ventricular|catatonia|syndrome|nephrosclerosis))|' +
      '\\b(?!pseudo)[a-z]*(?:sarcoma|lymphoma|leukemia)s?\\b|\\bmyelomas?\\b|\\bplasmacytomas?\\b|\\bmelanomas?\\b|' +
      '\\bmesotheliomas?\\b|\\b(?:glio|neuro|retino|medullo|nephro|hepato|pancreato)blastomas?\\b|\\bwilms tumor\\b|' +
      '\\b[a-z]*gliomas?\\b|\\bastrocytomas?\\b|\\bependymomas?\\b|\\bseminomas?\\b|\\bhodgkins?\\b|\\bmycosis fungoides\\b|' +
      '\\bkrukenberg tumor\\b|\\b(?:neoplasm|tumor|cancer) (?:related|associated) pain\\b|' +
      '\\bmetasta(?:sis|ses|tic|sized|sised|sizing)\\b(?! (?:calcification|abscess|infection|endophthalmitis|pneumonia))',
    // Basal and squamous cell skin cancers are excluded (ICD-10-CM C44): see README.
    clauseVeto:
      '\\bbasal cell (?:carcinoma|cancer|epithelioma)|\\bnon ?melanoma|' +
      '^(?!.*\\b(?:melanoma|merkel|secondary|metasta[a-z]*|lymphoma|sarcoma|kaposi)\\b).*\\b(?:skin|cutaneous)\\b',
  },

  // ---- Palliative care and hospice ----
  {
    id: 'palliative',
    groups: ['palliative-care'],
    context: 'strict',
    pattern:
      '\\bpalliat(?:ive|ion)\\b|\\bend of life\\b|\\bcomfort (?:care|measures)\\b|\\bterminally ill\\b|' +
      '\\bterminal (?:care|illness|disease|phase|stage|condition|prognosis)\\b|\\bactively dying\\b',
  },
  { id: 'hospice', groups: ['hospice'], context: 'strict', pattern: '\\bhospice\\b' },

  // ---- Sickle cell disease ----
  {
    id: 'sickle-cell',
    groups: ['sickle-cell'],
    context: 'risk',
    pattern:
      '\\bsickle cell\\b(?! (?:trait|carrier|gene|screen|screening|test|testing|solubility|status))|\\bsickl(?:ing|e) disorders?\\b|' +
      '\\b(?:hb|hemoglobin) ?s[sc]\\b|\\b(?:hb|hemoglobin) s (?:beta|disease|sickling)\\b|\\bsickle beta\\b|\\bdrepanocytosis\\b',
    notAfter: '\\b(?:carrier|trait)(?: of)?$',
  },

  // ---- Depression (ketamine efficacy rule) ----
  {
    id: 'depression',
    groups: ['depression'],
    context: 'risk',
    pattern: '\\bdepressi(?:on|ons|ve disorders?|ve episodes?|ve illness)\\b|\\b(?:mdd|trd)\\b|\\bmelancholia\\b',
    // Physiological "depression" and depression that is not a depressive episode (bipolar,
    // substance- or condition-induced, post-schizophrenic).
    notAfter:
      '\\b(?:respiratory|ventilatory|breathing|cns|central nervous system|nervous system|st|segment|marrow|myocardial|' +
      'immune|immunological|skull|bipolar|manic|induced|schizophrenic|postschizophrenic|cardiac|circulatory)$',
    notBefore: '(?:of (?:st|the st|skull|the skull|consciousness|sensorium|respiration|breathing|ventilation|bone marrow|marrow|immune)|due to|caused by|scale|score|inventory|questionnaire|phq)\\b',
  },
];
