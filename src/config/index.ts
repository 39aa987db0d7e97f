export { loadConfig, testConfig } from './config.ts';
export type { AdminConfig, AdminOidcConfig, AuthConfig, Config, ConfigResult, FhirFallbackConfig, RulesWatchConfig, StoreConfig } from './config.ts';
