export { deriveFacts, engineFactsFor } from './derive-facts.ts';
export type { DraftOrderInput } from './derive-facts.ts';
export { FACT_NAMES } from './types.ts';
export type { EngineFacts, Facts, MedicationFact, OrderFacts, PatientFacts } from './types.ts';
