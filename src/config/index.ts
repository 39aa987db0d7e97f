export { loadConfig, testConfig } from './config.ts';
export type { AdminConfig, AdminOidcConfig, AuthConfig, Config, ConfigResult, FhirFallbackConfig, RulesWatchConfig } from './config.ts';
