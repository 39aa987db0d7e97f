/**
 * Which fired rules a more specific fired rule replaces on one order (one card per problem). A rule replaces
 * another (its `replaces` list) only when its card names every medicine the other card would name: one problem
 * is never hidden behind another (the opioid cough card on a sedative draft names the cough product, not an
 * oxycodone beside it, so the opioid-benzodiazepine card for that stays). Shared by the cards and the admin's
 * explain view, so what explain calls replaced is what the clinician does not see.
 */
import type { OrderFacts } from '../facts/index.ts';
import type { RuleDefinition } from '../engine/index.ts';
import { interactingMeds } from './card-view.ts';

/**
 * @param rules - The rule set's rules.
 * @param firedIds - Ids of the rules that fired on this order.
 * @param order - The order's facts.
 * @returns For each replaced rule id, the fired rules that replace it.
 */
export function replacedRules(rules: readonly RuleDefinition[], firedIds: readonly string[], order: OrderFacts): Map<string, string[]> {
  const byId = new Map(rules.map((r) => [r.id, r]));
  const named = (rule: RuleDefinition): string[] => interactingMeds(rule, order).map((m) => m.ref);
  const fired = new Set(firedIds);
  const out = new Map<string, string[]>();
  for (const id of fired) {
    const rule = byId.get(id);
    if (rule?.replaces === undefined) continue;
    const covered = new Set(named(rule));
    for (const other of rule.replaces) {
      const replaced = byId.get(other);
      if (other === id || !fired.has(other) || replaced === undefined || !named(replaced).every((ref) => covered.has(ref))) continue;
      out.set(other, [...(out.get(other) ?? []), id]);
    }
  }
  return out;
}
