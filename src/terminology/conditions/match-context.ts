/**
 * Decides whether a phrase found in a clause is asserted for this patient, now or in the past.
 * A small NegEx-style check: trigger words among the six words before the match, right after it,
 * or anywhere before it for other persons ("family history of ...", "mother with ...").
 */
import type { MatchContext } from './data/text-patterns.ts';

const WINDOW_WORDS = 6;
const POST_WORDS = 4;

// Negation and uncertainty before the phrase: "no COPD", "denies opioid use disorder",
// "rule out OSA", "screening for depression", "at risk of overdose", "likely lymphoma",
// "suspicious for malignancy", "presumed pancreatic cancer", "differential diagnosis includes COPD".
// "consistent with" and "compatible with" are not here: pathology reports use them for a confirmed diagnosis.
const NEGATED_BEFORE = new RegExp(
  '\\b(?:no|not|denies|denied|deny|denying|without|never|negative for|free of|absence of|absent|ruled out|rule out|rules out|' +
    'excluded|exclude|unlikely|neither|nor|suspected|suspect|suspicion of|possible|possibly|probable|probably|query|' +
    'questionable|evaluate for|evaluation for|evaluation of|assess for|assessment for|assessment of|screening for|screen for|' +
    'screening|test for|testing for|at risk|risk for|risk of|concern for|concerning for|versus|vs|fear of)\\b',
);

// Another person, or the fetus/newborn of the patient: anywhere earlier in the clause.
const OTHER_PERSON_BEFORE = new RegExp(
  '\\b(?:family history|family member|family members|relative|relatives|mother|father|parent|parents|sibling|siblings|' +
    'brother|sister|son|daughter|spouse|husband|wife|partner|grandmother|grandfather|grandparent|aunt|uncle|cousin|' +
    'child of|children of|fetal|fetus|neonatal|newborn|infant of|maternal|embryopathy|in utero|caregiver|carer)\\b',
);

// Right after the phrase (up to two words in between): "OSA ruled out", "depression screening",
// "overdose risk", "alcohol use disorders identification test", "alcoholism in family".
// "unknown" and "negative" only right after the phrase ("illicit drug use unknown"), so that
// "malignancy of unknown primary" still counts.
const NEGATED_AFTER = new RegExp(
  '^(?:unknown|negative)\\b|' +
    '^(?:[a-z0-9]+ ){0,2}?(?:ruled out|is ruled out|was ruled out|excluded|unlikely|not confirmed|not present|absent|' +
    'denied|screening|screen|test|testing|assessment|evaluation|monitoring|study|questionnaire|scale|score|risk|' +
    'suspected|query|clinic|in family|in relative|in relatives|in parent|in sibling|in first degree relative)\\b',
);

// Softer uncertainty before the phrase, for the groups that soften a warning only (cancer, palliative care, hospice,
// sickle cell: "likely lymphoma", "suspicious for malignancy", "presumed pancreatic cancer", "differential diagnosis
// includes lymphoma"). For the groups that warn (COPD, sleep apnea, OUD, overdose...), "likely OSA" is still a
// reason to warn, and these words reach six words back over commas: "Lung nodule likely benign, history of heroin
// overdose" lost the overdose, and with it the naloxone card.
const UNCERTAIN_BEFORE = new RegExp(
  '\\b(?:suspicious|likely|presumed|presumptive|presumably|worrisome|suggestive|suggests|suggesting|equivocal|indeterminate|' +
    'doubtful|tentative|provisional|unconfirmed|differential diagnosis|differential includes|ddx)\\b',
);

/** Groups whose diagnosis switches a warning off (rules exempt them): uncertain wording must not count for them. */
const SOFTENING_GROUPS: ReadonlySet<string> = new Set(['cancer', 'palliative-care', 'hospice', 'sickle-cell']);

function softensWarnings(options: ContextOptions): boolean {
  return options.context !== 'risk' || (options.groups ?? []).some((group) => SOFTENING_GROUPS.has(group));
}

// Read against the whole rest of the clause, so only where the clause ends:
// - an uncertainty word ("lymphoma, likely", "cancer presumed"), or a diagnosis awaiting its confirming test
//   ("cancer pending biopsy", "lung cancer, biopsy pending"); not "cancer, likely metastatic" (the cancer is
//   certain) nor "OUD, awaiting treatment" (the disorder is);
// - a form's answer ("Hospice: no", "OSA - none", "Hospice care (denies)", "Malignant neoplasm of breast: no",
//   "n/a", "not at this time"); not "COPD, no exacerbation" (the "no" is about something else).
const TEST_WORDS =
  '(?:biopsy|biopsies|pathology|histology|histopathology|cytology|confirmation|tissue diagnosis|tissue|results|result|' +
  'workup|work up|diagnosis|imaging|scan|scans)';
const UNCERTAIN_AT_END = new RegExp(
  '^(?:likely|probable|possible|presumed|presumptive|suspected|suspicious|equivocal|indeterminate|unconfirmed|provisional|' +
    'tentative|doubtful|questionable|pending|awaiting|not excluded)$|' +
    `^(?:${TEST_WORDS} )?(?:pending|awaiting|to be confirmed|for confirmation)` +
    `(?: (?:further|confirmatory|tissue|ct|mri|pet|core|needle|excisional|repeat))?(?: ${TEST_WORDS})?$`,
);
const ANSWER_NO =
  '(?:no|none|nil|neg|negative|denies|denied|not present|not applicable|n a|false|unknown|not known|unsure|' +
  'not at this time|not currently|not yet)$';
// Which words may stand between the phrase and the answer. For a group that warns (COPD, OSA, OUD, ...) only
// words that continue the label ("Hospice care: no", "Malignant neoplasm of breast: no", "OSA diagnosis: no"),
// so that "Sleep apnea, CPAP: no" still counts as sleep apnea; for a group that softens a warning (cancer,
// palliative care, hospice) any three words ("Cancer, metastatic to liver: no" does not count): the safe side
// of each is the warning shown.
const LABEL_WORDS =
  '(?:care|services?|programm?e?|enrolled|enrollment|enrolment|history|hx|diagnosis|dx|diagnosed|syndrome|disease|' +
  'disorders?|neoplasm|status|present|current|currently|known|documented|of [a-z0-9]+)';
const ANSWER_AFTER_LABEL = new RegExp(`^(?:${LABEL_WORDS} ){0,3}?${ANSWER_NO}`);
const ANSWER_AFTER_ANY = new RegExp(`^(?:[a-z0-9]+ ){0,3}?${ANSWER_NO}`);

// Past or treated: not active (context groups).
const HISTORY_BEFORE = new RegExp(
  '\\b(?:history|previous|previously|prior|past|former|formerly|resolved|treated|status post|survivor|cured)\\b',
);
const HISTORY_AFTER = new RegExp('^(?:[a-z0-9]+ ){0,3}?(?:survivor|history|resolved|treated|cured|in situ)\\b');
const REMISSION_OR_IN_SITU = /\b(?:in|into) (?:[a-z]+ )?remission\b|\bremission\b|\bin situ\b/;

// A disease said to be gone, anywhere in the text (any statement): "Breast cancer, no evidence of disease",
// "Breast cancer. NED", "Lymphoma: in remission", "Colon cancer - disease free since 2019". Context groups only:
// a past disease does not soften a warning; "in remission" still counts for the risk groups.
// Not "no evidence of disease progression" (stable cancer) nor "no evidence of metastatic disease" (local cancer).
const NOT_ACTIVE_ANYWHERE =
  /\bno evidence of (?:active |residual |recurrent )?(?:disease|recurrence)\b(?! (?:progression|progressing|in|at|on|within))|\bned\b|\b(?:disease|cancer|tumor|recurrence|relapse) free\b|\bremission\b/;

/**
 * True when some statement of the text says the disease is gone (no evidence of disease, NED, disease free, in
 * remission); a match of a context group (cancer, palliative care, hospice) anywhere in the text then does not count.
 * @param clauses the normalised clauses of one text
 */
export function saysNotActive(clauses: readonly string[]): boolean {
  return clauses.some((clause) => NOT_ACTIVE_ANYWHERE.test(clause));
}

// Care that is discussed, offered, requested or refused is not care being received.
const STRICT_BEFORE = new RegExp(
  '\\b(?:referral|referred|refer|candidate|eligible|eligibility|discuss|discussed|discussion|consider|considered|considering|' +
    'offer|offered|education|information|declined|declines|refused|refuses|discharged from|discharge from|revoked|revocation|' +
    'request|requested|planning|plan for|appropriate for|goals)\\b',
);
const STRICT_AFTER = new RegExp(
  '^(?:[a-z0-9]+ ){0,3}?(?:referral|referred|declined|refused|discussed|discussion|offered|not indicated|not appropriate|' +
    'not clinically indicated|not wanted|requested|ordered|pending|eligibility|eligible|assessment|evaluation|revoked|' +
    'discharge|discharged|education|information)\\b',
);

function lastWords(text: string, count: number): string {
  const words = text.trim().split(' ');
  return words.slice(Math.max(0, words.length - count)).join(' ');
}

function firstWords(text: string, count: number): string {
  return text.trim().split(' ').slice(0, count).join(' ');
}

export interface ContextOptions {
  readonly context: MatchContext;
  /** The groups the phrase stands for: the softer uncertainty words count only for the groups that soften a warning. */
  readonly groups?: readonly string[];
  readonly notAfter?: RegExp;
  readonly notBefore?: RegExp;
}

/**
 * True when the phrase at clause[start, end) is asserted for the patient under the group's context.
 * @param clause normalised clause
 * @param start index of the first character of the match
 * @param end index after the last character of the match
 * @param options the rule's context and extra triggers
 * @param notActiveText whether the whole text says the disease is gone (`saysNotActive`)
 */
export function isAsserted(clause: string, start: number, end: number, options: ContextOptions, notActiveText = false): boolean {
  const before = clause.slice(0, start);
  const window = lastWords(before, WINDOW_WORDS);
  const rest = clause.slice(end).trim();
  const after = firstWords(rest, POST_WORDS);
  if (window.length > 0 && NEGATED_BEFORE.test(window)) return false;
  if (before.length > 0 && OTHER_PERSON_BEFORE.test(before)) return false;
  if (after.length > 0 && NEGATED_AFTER.test(after)) return false;
  if (softensWarnings(options) && ((window.length > 0 && UNCERTAIN_BEFORE.test(window)) || (after.length > 0 && UNCERTAIN_AT_END.test(rest)))) return false;
  if (after.length > 0 && (options.context === 'risk' ? ANSWER_AFTER_LABEL : ANSWER_AFTER_ANY).test(rest)) return false;
  if (options.notAfter !== undefined && options.notAfter.test(lastWords(before, WINDOW_WORDS))) return false;
  if (options.notBefore !== undefined && options.notBefore.test(after)) return false;
  if (options.context === 'risk') return true;
  if (notActiveText || HISTORY_BEFORE.test(window) || HISTORY_AFTER.test(after) || REMISSION_OR_IN_SITU.test(clause)) return false;
  if (options.context === 'strict' && (STRICT_BEFORE.test(window) || STRICT_AFTER.test(after))) return false;
  return true;
}
