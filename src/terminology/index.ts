/**
 * Public surface of the medication terminology classifier. Other modules import only from here.
 */
export { CNS_DEPRESSANT_CLASSES, DRUG_CLASSES, isDrugClass, OPIOID_FAMILY } from './drug-class.ts';
export type { DrugClass } from './drug-class.ts';
export { createClassifier } from './classify-medication.ts';
export type { Classifier, ClassifierOptions, DrugClassification, MatchSource } from './classify-medication.ts';
export { DRUG_CLASS_SYSTEM, USAGE_CONTEXT_TYPE_SYSTEM, validateLocalValueSet } from './local-value-sets.ts';
export type { ValueSetValidation } from './local-value-sets.ts';
export { ATC_SYSTEM, RXNORM_SYSTEM } from './code-maps.ts';
export { roleOf as ingredientRole } from './product-rules.ts';
export type { IngredientRole } from './data/ingredient-names.ts';
export { CONDITION_GROUPS, RISK_CONDITION_GROUPS, ICD10_SYSTEM, ICD10CM_SYSTEM, SNOMED_SYSTEM, classifyConditionCode, conditionGroupLabel, explainConditionCode, isConditionGroup, type ConditionEvidence, type ConditionGroup } from './conditions/index.ts';
export { MAX_CACHED_KEY_LENGTH } from './bounded-cache.ts';
