export { evaluateOrder } from './evaluate.ts';
export { buildRuleSet, listJsonFiles, loadRuleSet, MAX_RULE_FILE_BYTES, readRuleSources, VALUE_SETS_DIR } from './load-rules.ts';
export type { JsonFiles, RuleSetResult, RuleSourceFile, RuleSources } from './load-rules.ts';
export { validateRule, DETAIL_PLACEHOLDERS, RULE_SCHEMA_PATH } from './validate-rule.ts';
export { compileRules } from './compile-rules.ts';
export { factsReadByActiveRules, gapsForActiveRules } from './facts-read.ts';
export type { MaterialChange, RuleOverrideReason, RuleTestCase, EngineRule, Evaluation, Indicator, RuleDefinition, RuleFailure, RuleHit, RuleParameter, RuleSet, RuleSuggestion } from './types.ts';
