/**
 * Explains a CDS Hooks request: for every draft order evaluated, the facts the rules saw, which
 * rules fired (and whether their card was shown or replaced by a more specific rule), and for every
 * rule the condition tree with each condition's fact value and whether it held.
 *
 * It follows the same pipeline as handleOrderHook (request -> record -> facts -> rules) and uses
 * json-rules-engine's own rule results (`RuleResult.toJSON(false)`: each fact condition's
 * `factResult` and `result`), so what it shows is what the engine decided. Boolean nodes (all, any,
 * not) are not serialised with a result by json-rules-engine, so theirs is derived from their
 * children with the engine's semantics.
 *
 * Not exported from engine/index.ts on purpose: it depends on the protocol and patient modules,
 * which themselves depend on the engine.
 */
import { Engine } from 'json-rules-engine';
import type { RuleResult } from 'json-rules-engine';
import { deriveFacts, engineFactsFor, selectDraftOrders } from '../facts/index.ts';
import type { EngineFacts } from '../facts/index.ts';
import { replacedRules } from '../cards/replaced-rules.ts';
import { loadPatientRecord } from '../patient/index.ts';
import type { DataGap, FetchLike, LoadOptions } from '../patient/index.ts';
import { checkDataGaps } from '../protocol/check-gaps.ts';
import { parseOrderHookRequest } from '../protocol/parse-order-hook-request.ts';
import { recordRequestFor } from '../protocol/record-request.ts';
import type { ServiceDefinition } from '../protocol/service-definitions.ts';
import { evaluateOrder } from './evaluate.ts';
import { CUSTOM_OPERATORS } from './operators.ts';
import type { EngineRule, Indicator, RuleSet } from './types.ts';

/** One node of a rule's condition tree after evaluation. `result` null: the engine did not evaluate it. */
export type ConditionExplanation =
  | { readonly kind: 'all' | 'any'; readonly result: boolean | null; readonly children: readonly ConditionExplanation[] }
  | { readonly kind: 'not'; readonly result: boolean | null; readonly child: ConditionExplanation }
  | {
      readonly kind: 'fact';
      readonly fact: string;
      readonly operator: string;
      /** The value compared with (parameters already substituted). */
      readonly value: unknown;
      /** The fact's value for this order; absent when the engine did not evaluate the condition. */
      readonly factResult?: unknown;
      readonly result: boolean | null;
    }
  | { readonly kind: 'reference'; readonly condition: string; readonly result: boolean | null };

/** One json-rules-engine rule (a rule's base conditions, or base plus one escalation). */
export interface EngineRuleExplanation {
  readonly ruleId: string;
  /** Engine rule name: the rule id, or `<id>#escalation-<n>`. */
  readonly name: string;
  readonly indicator: Indicator;
  /** Disabled rules are explained too, but never fire. */
  readonly active: boolean;
  readonly result: boolean;
  readonly conditions: ConditionExplanation;
  /** Set when the rule threw (for example an operator given the wrong kind of value). */
  readonly error?: string;
}

export interface FiredRule {
  readonly ruleId: string;
  readonly indicator: Indicator;
  /** False when a more specific rule that also fired replaces this one on this order. */
  readonly shown: boolean;
  readonly replacedBy?: readonly string[];
}

export interface OrderExplanation {
  /** "MedicationRequest/<id>" of the draft order. */
  readonly orderRef: string;
  readonly display: string;
  readonly facts: EngineFacts;
  readonly fired: readonly FiredRule[];
  readonly failures: readonly { readonly ruleId: string; readonly message: string }[];
  readonly rules: readonly EngineRuleExplanation[];
}

export interface RequestExplanation {
  readonly hook: string;
  readonly hookInstance: string;
  readonly ruleSetVersion: string;
  readonly at: string;
  readonly orders: readonly OrderExplanation[];
  /**
   * Data that could not be obtained, and what the facts could not establish that an active rule reads: the lines
   * of the "check incomplete" card the CDS endpoint would add (besides rules that could not run, see `failures`).
   */
  readonly gaps: readonly DataGap[];
}

export interface ExplainDeps {
  readonly ruleSet: RuleSet;
  readonly fhir: Omit<LoadOptions, 'fetch'>;
  readonly fetch?: FetchLike;
  readonly now?: Date;
}

/**
 * Explains one order-sign / order-select request.
 * @param service - The service the request is for.
 * @param body - The request body (validated like the CDS endpoint does).
 * @param deps - Rule set, FHIR fallback settings, fetch, time.
 * @returns Per order: facts, rules fired, every rule's evaluated condition tree.
 * @throws OperationOutcomeError for a malformed request or missing required data (as the endpoint would).
 */
export async function explainRequest(service: ServiceDefinition, body: unknown, deps: ExplainDeps): Promise<RequestExplanation> {
  const request = parseOrderHookRequest(body, service);
  const now = deps.now ?? new Date();
  const drafts = selectDraftOrders(request.context.draftOrders, request.context.selections);
  const base = { hook: request.hook, hookInstance: request.hookInstance, ruleSetVersion: deps.ruleSet.version, at: now.toISOString() };
  if (!drafts.some((d) => d.evaluate)) {
    return { ...base, orders: [], gaps: [] };
  }
  const record = await loadPatientRecord(
    recordRequestFor(service, request),
    { ...deps.fhir, fetch: deps.fetch, now }
  );
  const facts = deriveFacts(record, drafts, deps.ruleSet.classifier, now);
  const orders: OrderExplanation[] = [];
  const checked: EngineFacts[] = [];
  for (const order of facts.orders) {
    const engineFacts = engineFactsFor(facts, order);
    checked.push(engineFacts);
    const evaluation = await evaluateOrder(deps.ruleSet, engineFacts);
    // The same decision as the cards': a rule is replaced only by one whose card names all its medicines.
    const replaced = replacedRules(deps.ruleSet.rules, evaluation.hits.map((h) => h.ruleId), order);
    const fired = evaluation.hits.map((hit): FiredRule => {
      const replacedBy = replaced.get(hit.ruleId) ?? [];
      return { ruleId: hit.ruleId, indicator: hit.indicator, shown: replacedBy.length === 0, ...(replacedBy.length > 0 ? { replacedBy } : {}) };
    });
    orders.push({
      orderRef: order.order.ref,
      display: order.order.display,
      facts: engineFacts,
      fired,
      failures: evaluation.failures,
      rules: await explainFacts(deps.ruleSet, engineFacts),
    });
  }
  return { ...base, orders, gaps: checkDataGaps(record.gaps, facts.gaps, deps.ruleSet, checked) };
}

/**
 * Runs every engine rule of the set (disabled ones too, flagged) against one order's facts.
 * @param ruleSet - The rule set.
 * @param facts - The named facts of one draft order.
 * @returns One explanation per engine rule, in rule-set order.
 */
export async function explainFacts(ruleSet: RuleSet, facts: EngineFacts): Promise<EngineRuleExplanation[]> {
  const rules = ruleSet.engineRules;
  try {
    const results = await runAll(rules, facts);
    return rules.map((rule) => toExplanation(rule, results.get(rule.name)));
  } catch {
    // One rule throws: explain each alone so the others still show their trees.
    const out: EngineRuleExplanation[] = [];
    for (const rule of rules) {
      try {
        out.push(toExplanation(rule, (await runAll([rule], facts)).get(rule.name)));
      } catch (err) {
        out.push({ ...header(rule), result: false, conditions: skeleton(rule.conditions), error: err instanceof Error ? err.message : String(err) });
      }
    }
    return out;
  }
}

async function runAll(rules: readonly EngineRule[], facts: EngineFacts): Promise<Map<string, RuleResult>> {
  // A fresh Engine per run, as in evaluate.ts (json-rules-engine keeps run state on the Engine).
  const engine = new Engine([], { allowUndefinedFacts: false, replaceFactsInEventParams: false });
  for (const op of CUSTOM_OPERATORS) {
    engine.addOperator(op);
  }
  for (const rule of rules) {
    engine.addRule({ name: rule.name, priority: rule.priority, conditions: rule.conditions, event: { type: rule.name } });
  }
  const { results, failureResults } = await engine.run({ ...facts });
  return new Map([...results, ...failureResults].map((r) => [r.name, r]));
}

function header(rule: EngineRule): Pick<EngineRuleExplanation, 'ruleId' | 'name' | 'indicator' | 'active'> {
  return { ruleId: rule.ruleId, name: rule.name, indicator: rule.indicator, active: rule.active };
}

function toExplanation(rule: EngineRule, result: RuleResult | undefined): EngineRuleExplanation {
  if (!result) {
    return { ...header(rule), result: false, conditions: skeleton(rule.conditions) };
  }
  const json = result.toJSON(false) as unknown as { conditions: unknown; result: unknown };
  return { ...header(rule), result: json.result === true, conditions: toNode(json.conditions) };
}

/** Condition tree as serialised by json-rules-engine -> explanation node. */
function toNode(raw: unknown): ConditionExplanation {
  const node = (raw ?? {}) as Record<string, unknown>;
  for (const kind of ['all', 'any'] as const) {
    if (Array.isArray(node[kind])) {
      const children = (node[kind] as unknown[]).map(toNode);
      return { kind, result: combine(kind, children.map((c) => c.result)), children };
    }
  }
  if (node.not !== undefined) {
    const child = toNode(node.not);
    return { kind: 'not', result: child.result === null ? null : !child.result, child };
  }
  if (typeof node.condition === 'string') {
    return { kind: 'reference', condition: node.condition, result: typeof node.result === 'boolean' ? node.result : null };
  }
  return {
    kind: 'fact',
    fact: String(node.fact),
    operator: String(node.operator),
    value: node.value,
    ...('factResult' in node ? { factResult: node.factResult } : {}),
    result: typeof node.result === 'boolean' ? node.result : null,
  };
}

function combine(kind: 'all' | 'any', results: readonly (boolean | null)[]): boolean | null {
  if (kind === 'all') {
    return results.includes(false) ? false : results.includes(null) ? null : true;
  }
  return results.includes(true) ? true : results.includes(null) ? null : false;
}

/** The tree of a rule that could not be evaluated: every node unevaluated. */
function skeleton(raw: unknown): ConditionExplanation {
  const node = (raw ?? {}) as Record<string, unknown>;
  for (const kind of ['all', 'any'] as const) {
    if (Array.isArray(node[kind])) {
      return { kind, result: null, children: (node[kind] as unknown[]).map(skeleton) };
    }
  }
  if (node.not !== undefined) {
    return { kind: 'not', result: null, child: skeleton(node.not) };
  }
  if (typeof node.condition === 'string') {
    return { kind: 'reference', condition: node.condition, result: null };
  }
  return { kind: 'fact', fact: String(node.fact), operator: String(node.operator), value: node.value, result: null };
}


const MARK = (result: boolean | null): string => (result === null ? '·' : result ? '✓' : '✗');

/**
 * Renders an explanation as an indented text tree for people (the rules CLI).
 * @param explanation - From {@link explainRequest}.
 * @param options - `onlyFired`: show condition trees only for rules that fired (and escalations of those).
 * @returns Lines of text.
 */
export function formatExplanation(explanation: RequestExplanation, options: { readonly onlyFired?: boolean } = {}): string {
  const lines: string[] = [
    `${explanation.hook} ${explanation.hookInstance}: rule set ${explanation.ruleSetVersion}, evaluated at ${explanation.at}`,
  ];
  if (explanation.orders.length === 0) {
    lines.push('No draft medication order to evaluate.');
  }
  for (const gap of explanation.gaps) {
    lines.push(`! ${gap.purpose} could not be checked: ${gap.reason}`);
  }
  for (const order of explanation.orders) {
    lines.push('', `Order ${order.orderRef} (${order.display})`, '  Facts:');
    for (const [name, value] of Object.entries(order.facts)) {
      lines.push(`    ${name} = ${JSON.stringify(value)}`);
    }
    lines.push(
      `  Fired: ${
        order.fired.length === 0
          ? 'none'
          : order.fired.map((f) => `${f.ruleId} (${f.indicator}${f.shown ? '' : `, replaced by ${(f.replacedBy ?? []).join(', ')}`})`).join('; ')
      }`
    );
    for (const failure of order.failures) {
      lines.push(`  Failed: ${failure.ruleId}: ${failure.message}`);
    }
    const firedIds = new Set(order.fired.map((f) => f.ruleId));
    for (const rule of order.rules) {
      if (options.onlyFired && !firedIds.has(rule.ruleId)) {
        continue;
      }
      const state = !rule.active ? 'disabled' : rule.result ? 'TRUE' : 'false';
      lines.push(`  ${MARK(rule.result)} ${rule.name} [${rule.indicator}] ${state}${rule.error ? ` (error: ${rule.error})` : ''}`);
      renderNode(rule.conditions, '      ', lines);
    }
  }
  return lines.join('\n');
}

function renderNode(node: ConditionExplanation, indent: string, lines: string[]): void {
  switch (node.kind) {
    case 'all':
    case 'any':
      lines.push(`${indent}${MARK(node.result)} ${node.kind}:`);
      for (const child of node.children) {
        renderNode(child, `${indent}  `, lines);
      }
      return;
    case 'not':
      lines.push(`${indent}${MARK(node.result)} not:`);
      renderNode(node.child, `${indent}  `, lines);
      return;
    case 'reference':
      lines.push(`${indent}${MARK(node.result)} condition "${node.condition}"`);
      return;
    case 'fact': {
      const seen = 'factResult' in node ? JSON.stringify(node.factResult) : 'not evaluated';
      lines.push(`${indent}${MARK(node.result)} ${node.fact} ${node.operator} ${JSON.stringify(node.value)}   (${node.fact} = ${seen})`);
      return;
    }
  }
}
