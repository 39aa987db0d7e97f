/**
 * Runs the rule set against the facts of one draft order.
 *
 * Why a fresh Engine per evaluation: json-rules-engine 7.3.1 keeps its run status on the Engine,
 * so concurrent run()s on a shared Engine silently skip rules (see src/engine/README.md). A fresh
 * Engine costs about 0.1 ms for a dozen rules.
 */
import { Engine } from 'json-rules-engine';
import type { RuleProperties } from 'json-rules-engine';
import type { EngineFacts } from '../facts/index.ts';
import { CUSTOM_OPERATORS } from './operators.ts';
import type { Evaluation, RuleDefinition, RuleFailure, RuleSet } from './types.ts';

function toEngineRule(rule: RuleDefinition): RuleProperties {
  return { name: rule.id, priority: rule.priority ?? 50, conditions: rule.conditions, event: { type: rule.id } };
}

function newEngine(rules: readonly RuleDefinition[]): Engine {
  const engine = new Engine([], { allowUndefinedFacts: false, replaceFactsInEventParams: false });
  for (const op of CUSTOM_OPERATORS) {
    engine.addOperator(op);
  }
  for (const rule of rules) {
    engine.addRule(toEngineRule(rule));
  }
  return engine;
}

async function run(rules: readonly RuleDefinition[], facts: EngineFacts): Promise<string[]> {
  const { events } = await newEngine(rules).run({ ...facts });
  return events.map((e) => e.type);
}

/**
 * Evaluates every active rule for one order.
 * @param ruleSet - The rule set snapshot this request started with.
 * @param facts - Named facts for the order.
 * @returns Rules that fired and rules that failed. A failing rule never hides the others' results.
 */
export async function evaluateOrder(ruleSet: RuleSet, facts: EngineFacts): Promise<Evaluation> {
  const active = ruleSet.rules.filter((r) => r.status === 'active');
  try {
    const fired = await run(active, facts);
    return { hits: fired.map((ruleId) => ({ ruleId })), failures: [] };
  } catch {
    // Isolate the failing rule(s): run each alone so one broken rule cannot take the others down.
    const hits: { ruleId: string }[] = [];
    const failures: RuleFailure[] = [];
    for (const rule of active) {
      try {
        const fired = await run([rule], facts);
        hits.push(...fired.map((ruleId) => ({ ruleId })));
      } catch (err) {
        failures.push({ ruleId: rule.id, message: err instanceof Error ? err.message : String(err) });
      }
    }
    return { hits, failures };
  }
}
