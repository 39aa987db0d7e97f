export { evaluateOrder } from './evaluate.ts';
export { loadRuleSet, VALUE_SETS_DIR } from './load-rules.ts';
export type { RuleSetResult } from './load-rules.ts';
export { validateRule, DETAIL_PLACEHOLDERS, RULE_SCHEMA_PATH } from './validate-rule.ts';
export { compileRules } from './compile-rules.ts';
export type { EngineRule, Evaluation, Indicator, RuleDefinition, RuleFailure, RuleHit, RuleParameter, RuleSet, RuleSuggestion } from './types.ts';
