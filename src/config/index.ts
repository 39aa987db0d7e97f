export { loadConfig, testConfig } from './config.ts';
export type { AuthConfig, Config, ConfigResult, FhirFallbackConfig } from './config.ts';
