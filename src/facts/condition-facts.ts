/**
 * Which of the patient's Conditions count, honouring clinical and verification status.
 * - Refuted and entered-in-error conditions never count.
 * - History groups (overdose, opioid and other substance use disorder) count even when resolved or
 *   in remission: a past overdose or OUD still raises overdose risk (CDC 2022 Recommendation 8).
 * - Every other group counts only while active (clinicalStatus active, recurrence or relapse, or
 *   absent, and no abatement in the past): resolved COPD is not COPD.
 */
import type { Condition } from '@medplum/fhirtypes';
import { classifyConditionCode, conditionGroupLabel } from '../terminology/index.ts';
import type { ConditionGroup } from '../terminology/index.ts';
import { sanitizeConcept } from './sanitize.ts';
import type { ConditionFact } from './types.ts';

const HISTORY_GROUPS: ReadonlySet<ConditionGroup> = new Set(['overdose-history', 'opioid-use-disorder', 'substance-use-disorder']);
const ACTIVE_STATUSES = new Set(['active', 'recurrence', 'relapse']);
const EXCLUDED_VERIFICATION = new Set(['refuted', 'entered-in-error']);

function statusCode(value: unknown): string | undefined {
  const concept = sanitizeConcept(value);
  return concept?.coding?.find((c) => c.code)?.code ?? concept?.text?.toLowerCase();
}

function isActive(condition: Condition, now: Date): boolean {
  const clinical = statusCode(condition.clinicalStatus);
  if (clinical !== undefined && !ACTIVE_STATUSES.has(clinical)) {
    return false;
  }
  const abated = typeof condition.abatementDateTime === 'string' ? Date.parse(condition.abatementDateTime) : Number.NaN;
  return !(Number.isFinite(abated) && abated < now.getTime());
}

/**
 * @param conditions - The patient's Condition resources.
 * @param now - Time of the request.
 * @returns One fact per (condition, group) that counts.
 */
export function conditionFacts(conditions: readonly Condition[], now: Date): ConditionFact[] {
  const out: ConditionFact[] = [];
  for (const condition of conditions) {
    const verification = statusCode(condition.verificationStatus);
    if (verification !== undefined && EXCLUDED_VERIFICATION.has(verification)) {
      continue;
    }
    const active = isActive(condition, now);
    const concept = sanitizeConcept(condition.code);
    for (const group of classifyConditionCode(concept)) {
      if (active || HISTORY_GROUPS.has(group)) {
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
