export { loadConfig, testConfig } from './config.ts';
export type { Config, ConfigResult, FhirFallbackConfig } from './config.ts';
