/**
 * Acting on feedback: an override reason can snooze a rule for a patient (periods set per reason in
 * the rule JSON). A snoozed rule stays quiet for that patient until the period ends, unless the
 * situation changes in a way the rule marks as material: a drug class the patient did not have, or
 * a higher MME band. The state is recorded with every card so a later call can compare.
 */
import type { MaterialChange, RuleDefinition } from '../engine/index.ts';
import type { OrderFacts } from '../facts/index.ts';

export const DEFAULT_MATERIAL: readonly MaterialChange[] = ['drug-classes', 'mme-band'];

interface MaterialState {
  readonly classes: readonly string[];
  readonly mmeBand: number;
}

/** MME bands the CDC 2022 guideline uses as markers: below 50, 50 to 89, 90 and above. */
export function mmeBand(totalMme: number): number {
  return totalMme >= 90 ? 90 : totalMme >= 50 ? 50 : 0;
}

/**
 * @param order - The order's facts.
 * @returns A compact JSON string of what a snooze compares against.
 */
export function materialStateOf(order: OrderFacts): string {
  const classes = [...new Set([...order.order.classes, ...order.concurrent.flatMap((m) => m.classes)])].sort();
  const state: MaterialState = { classes, mmeBand: mmeBand(order.mme.totalKnown) };
  return JSON.stringify(state);
}

function parse(state: string | undefined): MaterialState | undefined {
  if (!state) {
    return undefined;
  }
  try {
    const value = JSON.parse(state) as Partial<MaterialState>;
    return Array.isArray(value.classes) && typeof value.mmeBand === 'number' ? { classes: value.classes, mmeBand: value.mmeBand } : undefined;
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
  const material = rule.snooze?.material ?? DEFAULT_MATERIAL;
  if (material.includes('drug-classes') && now.classes.some((c) => !then.classes.includes(c))) {
    return true;
  }
  return material.includes('mme-band') && now.mmeBand > then.mmeBand;
}

/** Whether a rule can be snoozed at all (one of its override reasons carries a period). */
export function isSnoozable(rule: RuleDefinition): boolean {
  return (rule.card.overrideReasons ?? []).some((r) => r.snoozeDays !== undefined);
}
