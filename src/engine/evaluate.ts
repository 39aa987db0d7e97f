/**
 * Runs the rule set against the facts of one draft order.
 *
 * Why a fresh Engine per evaluation: json-rules-engine 7.3.1 keeps its run status on the Engine,
 * so concurrent run()s on a shared Engine silently skip rules (see src/engine/README.md). A fresh
 * Engine costs about 0.1 ms for a dozen rules.
 */
import { Engine } from 'json-rules-engine';
import type { EngineFacts } from '../facts/index.ts';
import { CUSTOM_OPERATORS } from './operators.ts';
import { ruleGate } from './rule-gate.ts';
import type { GateFacts } from './rule-gate.ts';
import type { EngineRule, Evaluation, Indicator, RuleFailure, RuleHit, RuleSet } from './types.ts';

function newEngine(rules: readonly EngineRule[]): Engine {
  const engine = new Engine([], { allowUndefinedFacts: false, replaceFactsInEventParams: false });
  for (const op of CUSTOM_OPERATORS) {
    engine.addOperator(op);
  }
  for (const rule of rules) {
    engine.addRule({ name: rule.name, priority: rule.priority, conditions: rule.conditions, event: { type: rule.name } });
  }
  return engine;
}

async function run(rules: readonly EngineRule[], facts: EngineFacts): Promise<string[]> {
  const { events } = await newEngine(rules).run({ ...facts });
  return events.map((e) => e.type);
}

const RANK: Readonly<Record<Indicator, number>> = { info: 1, warning: 2, critical: 3 };

/** One hit per rule, at the highest indicator among its base rule and matching escalations. */
function toHits(fired: readonly string[], rules: readonly EngineRule[]): RuleHit[] {
  const byName = new Map(rules.map((r) => [r.name, r]));
  const best = new Map<string, EngineRule>();
  for (const name of fired) {
    const rule = byName.get(name);
    if (!rule) {
      continue;
    }
    const current = best.get(rule.ruleId);
    if (!current || RANK[rule.indicator] > RANK[current.indicator]) {
      best.set(rule.ruleId, rule);
    }
  }
  return [...best.values()].map((r) => ({ ruleId: r.ruleId, indicator: r.indicator, ...(r.summary ? { summary: r.summary } : {}) }));
}

/**
 * Evaluates every active rule for one order.
 * @param ruleSet - The rule set snapshot this request started with.
 * @param facts - Named facts for the order.
 * @returns Rules that fired and rules that failed. A failing rule never hides the others' results.
 */
export async function evaluateOrder(ruleSet: RuleSet, facts: EngineFacts): Promise<Evaluation> {
  // Rules that cannot fire given these facts are left out (rule-gate.ts: exact, three-valued); often no
  // rule is left and no engine is needed. Every rule that may fire is decided by json-rules-engine.
  const active = ruleSet.engineRules.filter((r) => r.active && ruleGate(r.conditions)(facts as unknown as GateFacts) !== false);
  if (active.length === 0) {
    return { hits: [], failures: [] };
  }
  try {
    return { hits: toHits(await run(active, facts), active), failures: [] };
  } catch {
    // Isolate the failure: run each engine rule alone (a rule's base and each escalation are separate
    // engine rules), so one broken rule cannot take the others down, and a broken escalation still
    // leaves its rule's base warning. A rule with any part that failed is reported once.
    const fired: string[] = [];
    const failures = new Map<string, RuleFailure>();
    for (const rule of active) {
      try {
        fired.push(...(await run([rule], facts)));
      } catch (err) {
        if (!failures.has(rule.ruleId)) {
          failures.set(rule.ruleId, { ruleId: rule.ruleId, message: err instanceof Error ? err.message : String(err) });
        }
      }
    }
    return { hits: toHits(fired, active), failures: [...failures.values()] };
  }
}
