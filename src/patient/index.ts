export { loadPatientRecord } from './load-patient-record.ts';
export type { LoadOptions } from './load-patient-record.ts';
export { fillPrefetchTemplate, unsupportedTokens, PREFETCH_TOKENS_2_0 } from './prefetch-template.ts';
export { resolveMedication } from './medication-index.ts';
export { bundleResources } from './fhir-reader.ts';
export type { FetchLike } from './fhir-reader.ts';
export type { DataGap, PatientRecord, PatientRecordRequest, PrefetchKeyPolicy } from './types.ts';
export { createCircuitBreakers } from './circuit-breaker.ts';
export type { CircuitBreakers, CircuitBreakerOptions } from './circuit-breaker.ts';
