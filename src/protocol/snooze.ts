/**
 * Acting on feedback: an override reason can snooze a rule for a patient (periods set per reason in
 * the rule JSON). A snoozed rule stays quiet for that patient until the period ends, unless the
 * situation changes in a way the rule marks as material: a drug class the patient did not have, or
 * a higher MME band (or more opioids whose dose cannot be computed, which may hide one). The state is
 * recorded with every card so a later call can compare.
 */
import type { MaterialChange, RuleDefinition } from '../engine/index.ts';
import type { OrderFacts } from '../facts/index.ts';
import { RISK_CONDITION_GROUPS } from '../terminology/index.ts';

export const DEFAULT_MATERIAL: readonly MaterialChange[] = ['drug-classes', 'mme-band'];

interface MaterialState {
  readonly classes: readonly string[];
  /** The band of the daily MME that could be computed (a lower bound when `mmeUnknown` > 0). */
  readonly mmeBand: number;
  /**
   * Opioids whose daily MME could not be computed. More of them than when snoozed may hide a higher band
   * (absent in states recorded before it was: read as 0).
   */
  readonly mmeUnknown?: number;
  /** Risk condition groups present (a new one is always material). */
  readonly conditions?: readonly string[];
  /** The card's indicator rank (info 1, warning 2, critical 3): a more severe card is always material. */
  readonly severity?: number;
}

/** Conditions that raise overdose or respiratory risk: a new one always ends a snooze. */
const RISK_CONDITIONS: ReadonlySet<string> = new Set(RISK_CONDITION_GROUPS);
const SEVERITY: Readonly<Record<string, number>> = { info: 1, warning: 2, critical: 3 };

/** MME bands the CDC 2022 guideline uses as markers: below 50, 50 to 89, 90 and above. */
export function mmeBand(totalMme: number): number {
  return totalMme >= 90 ? 90 : totalMme >= 50 ? 50 : 0;
}

/**
 * @param order - The order's facts.
 * @param conditionGroups - The patient's condition groups that count.
 * @param indicator - The card's indicator.
 * @returns A compact JSON string of what a snooze compares against.
 */
export function materialStateOf(order: OrderFacts, conditionGroups: readonly string[], indicator: string): string {
  const classes = [...new Set([...order.order.classes, ...order.concurrent.flatMap((m) => m.classes)])].sort();
  const conditions = [...new Set(conditionGroups.filter((g) => RISK_CONDITIONS.has(g)))].sort();
  const state: MaterialState = { classes, mmeBand: mmeBand(order.mme.totalKnown), mmeUnknown: order.mme.unknownCount, conditions, severity: SEVERITY[indicator] ?? 2 };
  return JSON.stringify(state);
}

function parse(state: string | undefined): MaterialState | undefined {
  if (!state) {
    return undefined;
  }
  try {
    const value = JSON.parse(state) as Partial<MaterialState>;
    if (!Array.isArray(value.classes) || typeof value.mmeBand !== 'number') {
      return undefined;
    }
    return {
      classes: value.classes,
      mmeBand: value.mmeBand,
      ...(typeof value.mmeUnknown === 'number' ? { mmeUnknown: value.mmeUnknown } : {}),
      ...(Array.isArray(value.conditions) ? { conditions: value.conditions } : {}),
      ...(typeof value.severity === 'number' ? { severity: value.severity } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * True when the snooze must not hold any more because something material changed.
 * @param rule - The rule (its `snooze.material` list; both kinds by default).
 * @param current - Material state now.
 * @param snoozed - Material state when the snooze was created (unknown means we cannot prove nothing changed: not material).
 */
export function materiallyChanged(rule: RuleDefinition, current: string, snoozed: string | undefined): boolean {
  const now = parse(current);
  const then = parse(snoozed);
  if (!now || !then) {
    return false;
  }
  // Always material, whatever the rule says: a more severe card, or a new risk condition.
  if ((now.severity ?? 0) > (then.severity ?? now.severity ?? 0)) {
    return true;
  }
  if ((now.conditions ?? []).some((c) => !(then.conditions ?? []).includes(c))) {
    return true;
  }
  const material = rule.snooze?.material ?? DEFAULT_MATERIAL;
  if (material.includes('drug-classes') && now.classes.some((c) => !then.classes.includes(c))) {
    return true;
  }
  if (!material.includes('mme-band')) {
    return false;
  }
  // An opioid whose dose cannot be computed now, and could not be then, may put the total in a higher band:
  // the snooze cannot show that nothing changed, so the card is shown (the top band cannot rise).
  const moreUnknown = (now.mmeUnknown ?? 0) > (then.mmeUnknown ?? 0) && now.mmeBand < mmeBand(Number.POSITIVE_INFINITY);
  return now.mmeBand > then.mmeBand || moreUnknown;
}

/** Whether a rule can be snoozed at all (one of its override reasons carries a period). */
export function isSnoozable(rule: RuleDefinition): boolean {
  return (rule.card.overrideReasons ?? []).some((r) => r.snoozeDays !== undefined);
}
