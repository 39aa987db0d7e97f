/**
 * The condition groups the CDS rules reason about. A condition can be in several groups
 * (F11.20 "Opioid dependence, uncomplicated" is both `opioid-use-disorder` and
 * `substance-use-disorder`).
 *
 * Risk groups (copd, sleep-apnea, opioid-use-disorder, substance-use-disorder,
 * alcohol-use-disorder, overdose-history) raise the level of a warning; context groups (cancer,
 * palliative-care, hospice, sickle-cell) can soften or suppress one, so they are matched more
 * strictly (see README "Decisions"). `depression` feeds the ketamine efficacy rule.
 */
export type ConditionGroup =
  | 'copd'
  | 'sleep-apnea'
  | 'opioid-use-disorder'
  | 'substance-use-disorder'
  | 'alcohol-use-disorder'
  | 'overdose-history'
  | 'cancer'
  | 'palliative-care'
  | 'hospice'
  | 'sickle-cell'
  | 'depression';

/** All group ids, in the canonical (alphabetical) order used for classification results. */
export const CONDITION_GROUPS: readonly ConditionGroup[] = Object.freeze([
  'alcohol-use-disorder',
  'cancer',
  'copd',
  'depression',
  'hospice',
  'opioid-use-disorder',
  'overdose-history',
  'palliative-care',
  'sickle-cell',
  'sleep-apnea',
  'substance-use-disorder',
] as const);

/**
 * Conditions that raise the risk of overdose or respiratory depression with CNS depressants: shown
 * as the patient's risk factors on cards, and a new one always ends a snooze.
 */
export const RISK_CONDITION_GROUPS: readonly ConditionGroup[] = Object.freeze([
  'alcohol-use-disorder',
  'copd',
  'opioid-use-disorder',
  'overdose-history',
  'sleep-apnea',
  'substance-use-disorder',
] as const);

const GROUP_SET: ReadonlySet<string> = new Set(CONDITION_GROUPS);

/** True when `value` is one of the group ids above. */
export function isConditionGroup(value: unknown): value is ConditionGroup {
  return typeof value === 'string' && GROUP_SET.has(value);
}

const LABELS: Readonly<Record<ConditionGroup, string>> = Object.freeze({
  'alcohol-use-disorder': 'alcohol use disorder',
  cancer: 'cancer',
  copd: 'COPD',
  depression: 'depression',
  hospice: 'hospice care',
  'opioid-use-disorder': 'opioid use disorder',
  'overdose-history': 'history of overdose',
  'palliative-care': 'palliative care',
  'sickle-cell': 'sickle cell disease',
  'sleep-apnea': 'sleep apnea',
  // The group also holds "use, unspecified" codes and misuse findings (see README), so the label
  // does not claim a diagnosed use disorder.
  'substance-use-disorder': 'substance use disorder or misuse',
});

/**
 * Words a clinician reads on a card for a group, e.g. 'COPD', 'sleep apnea', 'history of overdose'.
 * @param group a condition group id
 * @returns the label (lower case except abbreviations)
 */
export function conditionGroupLabel(group: ConditionGroup): string {
  return LABELS[group];
}

const ORDER: ReadonlyMap<ConditionGroup, number> = new Map(CONDITION_GROUPS.map((g, i) => [g, i]));

/** Sort and de-duplicate groups into the canonical order; returns a frozen array. */
export function sortGroups(groups: Iterable<ConditionGroup>): readonly ConditionGroup[] {
  return Object.freeze([...new Set(groups)].sort((a, b) => (ORDER.get(a) ?? 0) - (ORDER.get(b) ?? 0)));
}
