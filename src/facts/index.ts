export { deriveFacts, engineFactsFor, hasRescueNaloxone } from './derive-facts.ts';
export type { DraftOrderInput } from './derive-facts.ts';
export { FACT_CATALOGUE, FACT_KINDS, FACT_NAMES } from './types.ts';
export type { FactKind } from './types.ts';
export type { ConditionFact, EngineFacts, FactGap, Facts, MedicationFact, OrderFacts, PatientFacts } from './types.ts';
export type { MmeSummary, OpioidMme, BenzoDose } from './dose/index.ts';
export { selectDraftOrders } from './draft-orders.ts';
