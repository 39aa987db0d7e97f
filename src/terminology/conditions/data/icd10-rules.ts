/**
 * ICD-10-CM and WHO ICD-10 code rules: which code prefixes put a condition in which groups.
 *
 * Sources (the category and subcategory titles are quoted in each `note`):
 * - ICD-10-CM FY2025 Tabular List of Diseases and Injuries (CDC/NCHS), chapter and category
 *   structure, incl. the 6th-character intent axis of T36-T50 (1 accidental, 2 intentional
 *   self-harm, 3 assault, 4 undetermined, 5 adverse effect, 6 underdosing) and the 5th-character
 *   remission axis of C90-C95 (0 not having achieved remission, 1 in remission, 2 in relapse).
 * - WHO ICD-10 2019 edition, chapter V fourth characters of F10-F19 (.0 acute intoxication,
 *   .1 harmful use, .2 dependence syndrome, .3-.9 withdrawal and induced disorders).
 * Codes are matched by prefix on the code without its dot, so "J44.9", "J449" and "J44" all match
 * `J44`. The longest matching prefix wins, which is how exceptions (C44, F32.81, D57.3, F11.9) are
 * carved out of a category. A prefix with no groups documents a deliberate exclusion.
 * No code here comes from the CDC IG value sets in ../shared/terminology (those are check data).
 */
import type { IcdEdition } from '../code-systems.ts';
import type { ConditionGroup } from '../condition-group.ts';

export interface IcdRule {
  /** Upper-case code prefix without the dot, e.g. 'F11', 'F119', 'T402'. */
  readonly prefix: string;
  readonly groups: readonly ConditionGroup[];
  /** Editions the rule applies to; both when omitted. */
  readonly editions?: readonly IcdEdition[];
  /**
   * T36-T50 poisoning codes. ICD-10-CM: counts only when the 6th character is a poisoning intent
   * (1-4); adverse effect (5), underdosing (6) and codes too short to carry the intent do not.
   * WHO ICD-10 has no intent axis (T36-T50 are poisonings only), so the category counts.
   */
  readonly poisoningIntent?: true;
  /** ICD-10-CM C90-C95: a 5th character '1' ("in remission") takes the code out of the group. */
  readonly remissionFifthCharacter?: true;
  readonly note: string;
}

/** A run of numbered categories sharing a letter, e.g. C00-C97 (expanded when rules are compiled). */
export interface IcdCategoryRange {
  readonly letter: string;
  readonly from: number;
  readonly to: number;
  readonly groups: readonly ConditionGroup[];
  readonly note: string;
}

const OUD: readonly ConditionGroup[] = ['opioid-use-disorder', 'substance-use-disorder'];
const AUD: readonly ConditionGroup[] = ['alcohol-use-disorder', 'substance-use-disorder'];
const SUD: readonly ConditionGroup[] = ['substance-use-disorder'];
const NONE: readonly ConditionGroup[] = [];

export const ICD10_CATEGORY_RANGES: readonly IcdCategoryRange[] = [
  {
    letter: 'C',
    from: 0,
    to: 97,
    groups: ['cancer'],
    note: 'C00-C96 Malignant neoplasms (chapter 2); C97 (WHO only) malignant neoplasms of independent multiple sites',
  },
];

export const ICD10_RULES: readonly IcdRule[] = [
  // --- COPD (chapter 10, J40-J47 Chronic lower respiratory diseases) ---
  { prefix: 'J41', groups: ['copd'], note: 'J41 Simple and mucopurulent chronic bronchitis (decision: chronic bronchitis is COPD)' },
  { prefix: 'J42', groups: ['copd'], note: 'J42 Unspecified chronic bronchitis (decision: chronic bronchitis is COPD)' },
  { prefix: 'J43', groups: ['copd'], note: 'J43 Emphysema' },
  { prefix: 'J44', groups: ['copd'], note: 'J44 Other chronic obstructive pulmonary disease' },

  // --- Sleep-disordered breathing ---
  { prefix: 'G473', groups: ['sleep-apnea'], note: 'G47.3 Sleep apnea (G47.30-G47.39: obstructive, central, hypoventilation)' },
  { prefix: 'E662', groups: ['sleep-apnea'], note: 'E66.2 Morbid (severe) obesity with alveolar hypoventilation (obesity hypoventilation)' },
  { prefix: 'P283', groups: ['sleep-apnea'], note: 'P28.3 Primary sleep apnea of newborn' },

  // --- Substance use (chapter 5, F10-F19 Mental and behavioral disorders due to psychoactive substance use) ---
  { prefix: 'F10', groups: AUD, note: 'F10 Alcohol related disorders' },
  { prefix: 'F109', groups: SUD, editions: ['icd-10-cm'], note: 'F10.9 Alcohol use, unspecified (no use disorder; DSM-5-TR codes alcohol-induced disorders without use disorder here)' },
  { prefix: 'F100', groups: SUD, editions: ['icd-10'], note: 'WHO F10.0 Acute intoxication (alone, not a use disorder)' },
  { prefix: 'F11', groups: OUD, note: 'F11 Opioid related disorders (F11.1 abuse, F11.2 dependence, incl. in remission)' },
  { prefix: 'F119', groups: SUD, editions: ['icd-10-cm'], note: 'F11.9 Opioid use, unspecified (no use disorder; DSM-5-TR codes opioid-induced disorders without use disorder here)' },
  { prefix: 'F110', groups: SUD, editions: ['icd-10'], note: 'WHO F11.0 Acute intoxication (alone, not a use disorder)' },
  { prefix: 'F12', groups: SUD, note: 'F12 Cannabis related disorders' },
  { prefix: 'F13', groups: SUD, note: 'F13 Sedative, hypnotic, or anxiolytic related disorders' },
  { prefix: 'F14', groups: SUD, note: 'F14 Cocaine related disorders' },
  { prefix: 'F15', groups: SUD, note: 'F15 Other stimulant related disorders (incl. caffeine)' },
  { prefix: 'F16', groups: SUD, note: 'F16 Hallucinogen related disorders' },
  { prefix: 'F17', groups: NONE, note: 'F17 Nicotine dependence: not a substance use disorder for these rules' },
  { prefix: 'F18', groups: SUD, note: 'F18 Inhalant related disorders' },
  { prefix: 'F19', groups: SUD, note: 'F19 Other psychoactive substance related disorders' },
  { prefix: 'F55', groups: NONE, note: 'F55 Abuse of non-psychoactive substances (antacids, laxatives, steroids, vitamins): not a CNS risk' },
  { prefix: 'Z7141', groups: AUD, editions: ['icd-10-cm'], note: 'Z71.41 Alcohol abuse counseling and surveillance of alcoholic' },
  { prefix: 'Z7142', groups: NONE, editions: ['icd-10-cm'], note: 'Z71.42 Counseling for family member of alcoholic (the patient is the relative)' },
  { prefix: 'Z7151', groups: SUD, editions: ['icd-10-cm'], note: 'Z71.51 Drug abuse counseling and surveillance of drug abuser' },
  { prefix: 'Z7152', groups: NONE, editions: ['icd-10-cm'], note: 'Z71.52 Counseling for family member of drug abuser (the patient is the relative)' },
  { prefix: 'Z81', groups: NONE, note: 'Z81 Family history of mental and behavioral disorders (Z81.1 alcohol, Z81.3 other psychoactive substance)' },

  // Organ damage named as caused by alcohol: WHO defines harmful use (F1x.1) as use that damages
  // physical health, so these document alcohol use disorder (decision, see README).
  { prefix: 'K70', groups: AUD, note: 'K70 Alcoholic liver disease' },
  { prefix: 'K852', groups: AUD, note: 'K85.2 Alcohol induced acute pancreatitis' },
  { prefix: 'K860', groups: AUD, note: 'K86.0 Alcohol-induced chronic pancreatitis' },
  { prefix: 'K292', groups: AUD, note: 'K29.2 Alcoholic gastritis' },
  { prefix: 'I426', groups: AUD, note: 'I42.6 Alcoholic cardiomyopathy' },
  { prefix: 'G621', groups: AUD, note: 'G62.1 Alcoholic polyneuropathy' },
  { prefix: 'G312', groups: AUD, note: 'G31.2 Degeneration of nervous system due to alcohol' },
  { prefix: 'G721', groups: AUD, note: 'G72.1 Alcoholic myopathy' },
  { prefix: 'E244', groups: AUD, note: "E24.4 Alcohol-induced pseudo-Cushing's syndrome" },

  // --- Overdose history (chapter 19, T36-T50 Poisoning by drugs) ---
  { prefix: 'T400', groups: ['overdose-history'], poisoningIntent: true, note: 'T40.0 Poisoning by opium' },
  { prefix: 'T401', groups: ['overdose-history'], poisoningIntent: true, note: 'T40.1 Poisoning by heroin' },
  { prefix: 'T402', groups: ['overdose-history'], poisoningIntent: true, note: 'T40.2 Poisoning by other opioids' },
  { prefix: 'T403', groups: ['overdose-history'], poisoningIntent: true, note: 'T40.3 Poisoning by methadone' },
  {
    prefix: 'T404',
    groups: ['overdose-history'],
    poisoningIntent: true,
    note: 'T40.4 Poisoning by other synthetic narcotics (T40.41 fentanyl or fentanyl analogs, T40.42 tramadol, T40.49 other)',
  },
  { prefix: 'T406', groups: ['overdose-history'], poisoningIntent: true, note: 'T40.6 Poisoning by other and unspecified narcotics' },
  { prefix: 'T424', groups: ['overdose-history'], poisoningIntent: true, note: 'T42.4 Poisoning by benzodiazepines' },

  // --- Cancer (chapter 2) ---
  { prefix: 'C4A', groups: ['cancer'], editions: ['icd-10-cm'], note: 'C4A Merkel cell carcinoma' },
  { prefix: 'C7A', groups: ['cancer'], editions: ['icd-10-cm'], note: 'C7A Malignant neuroendocrine tumors' },
  { prefix: 'C7B', groups: ['cancer'], editions: ['icd-10-cm'], note: 'C7B Secondary neuroendocrine tumors' },
  { prefix: 'C44', groups: NONE, note: 'C44 Other and unspecified malignant neoplasm of skin (basal and squamous cell): excluded (decision)' },
  ...['C90', 'C91', 'C92', 'C93', 'C94', 'C95'].map(
    (prefix): IcdRule => ({
      prefix,
      groups: ['cancer'],
      remissionFifthCharacter: true,
      note: `${prefix} (myeloma and leukemias): 5th character 1 "in remission" is not active cancer`,
    }),
  ),
  { prefix: 'G893', groups: ['cancer'], editions: ['icd-10-cm'], note: 'G89.3 Neoplasm related pain (acute) (chronic)' },
  { prefix: 'Z80', groups: NONE, note: 'Z80 Family history of primary malignant neoplasm' },
  { prefix: 'Z85', groups: NONE, note: 'Z85 Personal history of malignant neoplasm (not active cancer)' },

  // --- Palliative care ---
  { prefix: 'Z515', groups: ['palliative-care'], note: 'Z51.5 Encounter for palliative care' },

  // --- Sickle cell disease (chapter 3) ---
  { prefix: 'D57', groups: ['sickle-cell'], note: 'D57 Sickle-cell disorders' },
  { prefix: 'D573', groups: NONE, note: 'D57.3 Sickle-cell trait: a carrier state, not sickle cell disease' },

  // --- Depression (chapter 5) ---
  { prefix: 'F32', groups: ['depression'], note: 'F32 Major depressive disorder, single episode (incl. F32.A depression, unspecified)' },
  { prefix: 'F3281', groups: NONE, editions: ['icd-10-cm'], note: 'F32.81 Premenstrual dysphoric disorder: not a depressive episode' },
  { prefix: 'F33', groups: ['depression'], note: 'F33 Major depressive disorder, recurrent' },
  { prefix: 'F530', groups: ['depression'], note: 'F53.0 Postpartum depression (WHO: puerperal mental disorders NEC incl. postnatal depression)' },
];
