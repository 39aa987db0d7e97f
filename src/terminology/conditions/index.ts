/**
 * Public surface of the condition classifier (re-exported by ../index.ts).
 */
export { CONDITION_GROUPS, RISK_CONDITION_GROUPS, conditionGroupLabel, isConditionGroup } from './condition-group.ts';
export type { ConditionGroup } from './condition-group.ts';
export { classifyConditionCode, explainConditionCode } from './classify-condition.ts';
export type { ConditionEvidence } from './classify-condition.ts';
export { ICD10_SYSTEM, ICD10CM_SYSTEM, SNOMED_SYSTEM } from './code-systems.ts';
