export { createLogger } from './logger.ts';
export type { Logger } from './logger.ts';
export * from './outcomes.ts';
export { createMetrics, mergeMetrics } from './metrics.ts';
export type { FhirCallOutcome, Metrics } from './metrics.ts';
export { jsonDepthExceeds } from './json-depth.ts';
export { requestPath } from './request-path.ts';
export { namesOtherPatient, patientIdOf } from './patient-reference.ts';
export { mapBounded } from './map-bounded.ts';
