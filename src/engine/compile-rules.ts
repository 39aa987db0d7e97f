/**
 * Compiles validated rule definitions into json-rules-engine rules once, when the set loads:
 * "$param:<name>" values are replaced by the rule's parameter values, and each escalation becomes
 * its own engine rule (base conditions AND escalation conditions), so evaluation does no work that
 * start-up could do.
 */
import type { TopLevelCondition } from 'json-rules-engine';
import type { EngineRule, RuleDefinition } from './types.ts';

export const PARAM_PREFIX = '$param:';

/** Whether the rule declares parameter `name` itself (not a name every object has, such as "constructor"). */
export function hasParameter(rule: RuleDefinition, name: string): boolean {
  return rule.parameters !== undefined && Object.hasOwn(rule.parameters, name);
}

/** Replaces "$param:x" strings anywhere in a condition tree; returns the names it could not find. */
export function substituteParameters(node: unknown, rule: RuleDefinition, missing: string[] = []): unknown {
  if (typeof node === 'string' && node.startsWith(PARAM_PREFIX)) {
    const name = node.slice(PARAM_PREFIX.length);
    const parameter = hasParameter(rule, name) ? rule.parameters![name] : undefined;
    if (!parameter) {
      missing.push(name);
      return node;
    }
    return parameter.value;
  }
  if (Array.isArray(node)) {
    return node.map((item) => substituteParameters(item, rule, missing));
  }
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, substituteParameters(v, rule, missing)]));
  }
  return node;
}

/**
 * @param rules - Validated rules.
 * @returns Engine rules: one per rule plus one per escalation.
 */
export function compileRules(rules: readonly RuleDefinition[]): EngineRule[] {
  const out: EngineRule[] = [];
  for (const rule of rules) {
    const base = substituteParameters(rule.conditions, rule) as TopLevelCondition;
    const priority = rule.priority ?? 50;
    const active = rule.status === 'active';
    out.push({ ruleId: rule.id, name: rule.id, priority, conditions: base, indicator: rule.indicator, active });
    (rule.escalations ?? []).forEach((escalation, i) => {
      const extra = substituteParameters(escalation.conditions, rule) as TopLevelCondition;
      out.push({
        ruleId: rule.id,
        name: `${rule.id}#escalation-${i}`,
        priority,
        conditions: { all: [base, extra] },
        indicator: escalation.indicator,
        ...(escalation.summary ? { summary: escalation.summary } : {}),
        active,
      });
    });
  }
  return out;
}
