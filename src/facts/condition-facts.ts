/**
 * Which of the patient's Conditions count, honouring clinical and verification status.
 * - Refuted and entered-in-error conditions never count.
 * - Groups that soften or silence a warning (cancer, palliative care, hospice, sickle cell) count only
 *   when confirmed or when no verification status is given: a provisional, differential or unconfirmed
 *   diagnosis must not switch a warning off. Nor does one whose onset is in the future, or a visit
 *   diagnosis (category encounter-diagnosis, not on the problem list) recorded over a year ago. Risk groups
 *   count whatever the verification status (the safe side for them is to warn).
 * - History groups (overdose, opioid, alcohol and other substance use disorder) count even when resolved or
 *   in remission: a past overdose or OUD still raises overdose risk (CDC 2022 Recommendation 8).
 * - Chronic groups (COPD, sleep apnea, sickle cell, depression) count while active, in remission or
 *   inactive (terminology/conditions/README.md: the disease and its risk remain); not once resolved.
 * - Every other group counts only while active (clinicalStatus active, recurrence or relapse, or
 *   absent, and no abatement in the past): resolved COPD is not COPD.
 * The clinical and verification status are read from their HL7 code system's coding when there is one
 * (a local coding listed first must not hide it).
 */
import type { Condition } from '@medplum/fhirtypes';
import { classifyConditionCode, conditionGroupLabel } from '../terminology/index.ts';
import type { ConditionGroup } from '../terminology/index.ts';
import { sanitizeConcept } from './sanitize.ts';
import type { ConditionFact } from './types.ts';

const HISTORY_GROUPS: ReadonlySet<ConditionGroup> = new Set(['overdose-history', 'opioid-use-disorder', 'substance-use-disorder', 'alcohol-use-disorder']);
const CHRONIC_GROUPS: ReadonlySet<ConditionGroup> = new Set(['copd', 'sleep-apnea', 'sickle-cell', 'depression']);
const EXEMPTION_GROUPS: ReadonlySet<ConditionGroup> = new Set(['cancer', 'palliative-care', 'hospice', 'sickle-cell']);
const ACTIVE_STATUSES = new Set(['active', 'recurrence', 'relapse']);
const CHRONIC_STATUSES = new Set([...ACTIVE_STATUSES, 'remission', 'inactive']);
const EXCLUDED_VERIFICATION = new Set(['refuted', 'entered-in-error']);
const CONFIRMED_VERIFICATION = new Set(['confirmed']);
const CLINICAL_SYSTEM = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const VERIFICATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';

function statusCode(value: unknown, system: string): string | undefined {
  const concept = sanitizeConcept(value);
  const codings = concept?.coding ?? [];
  const code = codings.find((c) => c.code && c.system === system)?.code ?? codings.find((c) => c.code)?.code;
  return (code ?? concept?.text)?.trim().toLowerCase();
}

/** End of a date given without a time (the whole day counts), else the instant itself. */
function abatementEnd(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN;
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(value) + 86_400_000 : Date.parse(value);
}

/** Category codes of the condition (condition-category: problem-list-item, encounter-diagnosis...), lower case. */
function categories(condition: Condition): Set<string> {
  const out = new Set<string>();
  for (const category of Array.isArray(condition.category) ? condition.category : []) {
    for (const coding of sanitizeConcept(category)?.coding ?? []) {
      if (typeof coding.code === 'string') out.add(coding.code.trim().toLowerCase());
    }
  }
  return out;
}

/** The instant a date or dateTime starts (NaN when unreadable). */
function startOf(value: unknown): number {
  return typeof value === 'string' ? Date.parse(value) : Number.NaN;
}

/**
 * How long a visit diagnosis that silences or softens a warning (cancer, palliative care, hospice, sickle
 * cell) is taken as current: a year from when it was recorded (or its onset). A visit diagnosis records that
 * visit, not the care the patient is in now; a 2021 cancer visit must not switch off a 2026 high-dose warning
 * for good. A problem-list entry is current while its status says so; a visit diagnosis with no date at all is
 * not taken as current. Sickle cell disease is lifelong: its visit diagnoses (often only from crisis visits)
 * do not age out. The year is this service's choice (the evidence names no window); the safe side of a
 * shorter one is a warning shown.
 */
const VISIT_DIAGNOSIS_MS = 365 * 86_400_000;

/** Whether an exemption condition describes the patient now: not starting in the future, not an old visit diagnosis. */
function currentExemption(condition: Condition, group: ConditionGroup, now: Date): boolean {
  const onset = startOf(condition.onsetDateTime) || startOf(condition.onsetPeriod?.start);
  if (Number.isFinite(onset) && onset > now.getTime()) return false;
  const kinds = categories(condition);
  // Sickle cell disease is lifelong: a visit diagnosis of it does not age out.
  if (group === 'sickle-cell' || !kinds.has('encounter-diagnosis') || kinds.has('problem-list-item')) return true;
  const recorded = [startOf(condition.recordedDate), startOf(condition.onsetDateTime), startOf(condition.onsetPeriod?.start)].find(Number.isFinite);
  return recorded !== undefined && now.getTime() - recorded <= VISIT_DIAGNOSIS_MS;
}

function counts(condition: Condition, group: ConditionGroup, now: Date): boolean {
  if (EXEMPTION_GROUPS.has(group)) {
    const verification = statusCode(condition.verificationStatus, VERIFICATION_SYSTEM);
    if (verification !== undefined && !CONFIRMED_VERIFICATION.has(verification)) {
      return false;
    }
    if (!currentExemption(condition, group, now)) {
      return false;
    }
  }
  if (HISTORY_GROUPS.has(group)) {
    return true;
  }
  const clinical = statusCode(condition.clinicalStatus, CLINICAL_SYSTEM);
  const statuses = CHRONIC_GROUPS.has(group) ? CHRONIC_STATUSES : ACTIVE_STATUSES;
  if (clinical !== undefined && !statuses.has(clinical)) {
    return false;
  }
  const abated = abatementEnd(condition.abatementDateTime);
  return !(Number.isFinite(abated) && abated <= now.getTime());
}

/**
 * @param conditions - The patient's Condition resources.
 * @param now - Time of the request.
 * @returns One fact per (condition, group) that counts.
 */
export function conditionFacts(conditions: readonly Condition[], now: Date): ConditionFact[] {
  const out: ConditionFact[] = [];
  for (const condition of conditions) {
    const verification = statusCode(condition.verificationStatus, VERIFICATION_SYSTEM);
    if (verification !== undefined && EXCLUDED_VERIFICATION.has(verification)) {
      continue;
    }
    const concept = sanitizeConcept(condition.code);
    for (const group of classifyConditionCode(concept)) {
      if (counts(condition, group, now)) {
        out.push({
          group,
          label: conditionGroupLabel(group),
          display: concept?.text ?? concept?.coding?.find((c) => c.display)?.display ?? conditionGroupLabel(group),
          ...(typeof condition.recordedDate === 'string' ? { recordedDate: condition.recordedDate } : {}),
        });
      }
    }
  }
  return out;
}
