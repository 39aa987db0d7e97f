/**
 * Which of a rule's conditions made it fire for this order: what the {{triggers}} placeholder names on the card
 * ("Why, for this patient"). The shared risk-factor list ({{riskFactors}}: age, COPD, MME...) is the wrong answer
 * for a rule that fires on something else: the naloxone card listed age and COPD, or "none recorded", or for an
 * opioid use disorder treatment order no reason at all, while what fired it was a sedative on file, the order
 * being OUD treatment or a past overdose. Reading the rule's own conditions keeps the card right when an admin
 * changes them, and needs no rule id in code.
 *
 * A rule's conditions are read with the engine's meaning (all / any / not), each condition decided as the rule
 * gate decides it (engine/rule-gate.ts, exact for the plain values validated rules use). The conditions that hold
 * within the branches that hold are the reasons. When some of them sit under an `any`, those alone are the
 * reasons: the alternatives that made the rule fire ("a sedative, or 50 MME/day or more, or a past overdose"),
 * not the scope every firing shares ("an opioid order not for the ward only, with no naloxone on file"), which
 * the card's text already states. A `not` is never a reason, nor an escalation (which only raises the level).
 */
import type { TopLevelCondition } from 'json-rules-engine';
import { engineFactsFor } from '../facts/index.ts';
import type { OrderFacts, PatientFacts } from '../facts/index.ts';
import type { RuleDefinition } from '../engine/index.ts';
import { substituteParameters } from '../engine/compile-rules.ts';
import { ruleGate } from '../engine/rule-gate.ts';
import type { GateFacts, RuleGate } from '../engine/rule-gate.ts';

/** One condition of a rule that holds for the order: its fact, operator and value (parameters in place). */
export interface Trigger {
  readonly fact: string;
  readonly operator: string;
  readonly value: unknown;
}

/** A rule's condition tree, each node with the gate that decides it. */
type Node =
  | { readonly kind: 'all' | 'any'; readonly gate: RuleGate; readonly children: readonly Node[] }
  | { readonly kind: 'leaf'; readonly gate: RuleGate; readonly trigger: Trigger }
  | { readonly kind: 'other' };

/** The decided tree of each rule (built once per rule definition: rule sets are immutable snapshots). */
const trees = new WeakMap<RuleDefinition, Node>();

function toNode(condition: unknown): Node {
  const c = condition as Record<string, unknown>;
  for (const kind of ['all', 'any'] as const) {
    if (Array.isArray(c[kind])) {
      return { kind, gate: ruleGate(c as unknown as TopLevelCondition), children: (c[kind] as unknown[]).map(toNode) };
    }
  }
  if (typeof c.fact === 'string' && typeof c.operator === 'string') {
    // The gate decides a whole tree, never a bare condition: one condition is the tree "all of it".
    return { kind: 'leaf', gate: ruleGate({ all: [c] } as unknown as TopLevelCondition), trigger: { fact: c.fact, operator: c.operator, value: c.value } };
  }
  return { kind: 'other' }; // a `not` or a condition reference: never a reason
}

function treeOf(rule: RuleDefinition): Node {
  let tree = trees.get(rule);
  if (!tree) {
    tree = toNode(substituteParameters(rule.conditions, rule));
    trees.set(rule, tree);
  }
  return tree;
}

/** The conditions that hold in the branches that hold, each marked whether it is an alternative (under an `any`). */
function holding(node: Node, facts: GateFacts, underAny: boolean, out: { trigger: Trigger; underAny: boolean }[]): void {
  if (node.kind === 'other' || node.gate(facts) !== true) {
    return;
  }
  if (node.kind === 'leaf') {
    out.push({ trigger: node.trigger, underAny });
    return;
  }
  for (const child of node.children) {
    holding(child, facts, underAny || node.kind === 'any', out);
  }
}

/**
 * @param rule - The rule that fired.
 * @param order - The order's facts.
 * @param patient - Patient facts.
 * @returns The rule's conditions that made it fire for this order, in the rule's order (empty when none can be
 *   decided here).
 */
export function ruleTriggers(rule: RuleDefinition, order: OrderFacts, patient: PatientFacts): Trigger[] {
  const facts = engineFactsFor({ patient, orders: [order], gaps: [] }, order) as unknown as GateFacts;
  const found: { trigger: Trigger; underAny: boolean }[] = [];
  holding(treeOf(rule), facts, false, found);
  const alternatives = found.filter((f) => f.underAny);
  return (alternatives.length > 0 ? alternatives : found).map((f) => f.trigger);
}
