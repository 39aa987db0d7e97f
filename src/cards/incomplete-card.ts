/**
 * The card that tells the clinician a safety check is incomplete. A safety check never fails
 * silently: missing optional data and rules that could not run both end up here.
 */
import { randomUUID } from 'node:crypto';
import type { RuleFailure } from '../engine/index.ts';
import type { DataGap } from '../patient/index.ts';
import type { Card } from '../protocol/types.ts';
import { INCOMPLETE_TOPIC_CODE, RULE_TOPIC_SYSTEM, SOURCE_LABEL } from './codes.ts';
import { clipText } from './card-view.ts';
import { escapeMarkdown } from './markdown.ts';

/**
 * Most lines the card lists; the rest are counted. Each gap quotes EHR text (names, reasons), cut by
 * `clipText`; a request with hundreds of drafts whose doses cannot be read would otherwise make one card of
 * megabytes, which no clinician reads to the end.
 */
export const MAX_INCOMPLETE_LINES = 25;

/**
 * @param gaps - Optional data that could not be obtained.
 * @param failures - Rules that could not be evaluated, with their titles.
 * @returns One info card, or undefined when nothing is missing.
 */
export function buildIncompleteCard(gaps: readonly DataGap[], failures: readonly (RuleFailure & { title: string })[]): Card | undefined {
  if (gaps.length === 0 && failures.length === 0) {
    return undefined;
  }
  const lines: string[] = [];
  // Rules that could not run first: a handful at most, each a whole check missing.
  for (const failure of new Map(failures.map((f) => [f.ruleId, f])).values()) {
    lines.push(`- The check "${escapeMarkdown(failure.title)}" could not run, so its warning (if any) is missing.`);
  }
  // One line per thing not checked: the patient's age the EHR did not send and the birth date the record then
  // lacks were two lines about one gap (the same line repeats too, once per order it concerns).
  const reasons = new Map<string, string[]>();
  for (const gap of gaps) {
    const known = reasons.get(gap.purpose);
    if (!known) {
      reasons.set(gap.purpose, [gap.reason]);
    } else if (!known.includes(gap.reason)) {
      known.push(gap.reason);
    }
  }
  for (const [purpose, why] of reasons) {
    lines.push(`- Could not check ${escapeMarkdown(clipText(purpose))}: ${why.map((r) => escapeMarkdown(clipText(r))).join('; ')}.`);
  }
  if (lines.length > MAX_INCOMPLETE_LINES) {
    const more = lines.length - (MAX_INCOMPLETE_LINES - 1);
    lines.splice(MAX_INCOMPLETE_LINES - 1, lines.length, `- … and ${more} more parts of the check that could not be done.`);
  }
  return {
    uuid: randomUUID(),
    summary: 'Medication safety check incomplete: review the medication list yourself before signing.',
    detail: [
      'This order was checked for dangerous combinations of opioids, benzodiazepines and other sedating medicines, but part of the check could not be done:',
      lines.join('\n'),
      'Absence of a warning does not mean the combination is safe. Check the full medication list and conditions before signing.',
    ].join('\n\n'),
    indicator: 'info',
    source: { label: SOURCE_LABEL, topic: { system: RULE_TOPIC_SYSTEM, code: INCOMPLETE_TOPIC_CODE, display: 'Safety check incomplete' } },
  };
}
