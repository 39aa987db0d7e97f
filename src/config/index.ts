export { loadConfig, testConfig } from './config.ts';
export type { AdminConfig, AdminOidcConfig, AuthConfig, Config, ConfigResult, FhirFallbackConfig, MetricsAccess, RulesWatchConfig, StoreConfig } from './config.ts';
export { parseTrustProxy, trustProxyWarning } from './trust-proxy.ts';
export { SETTING_NAMES, unknownSettingWarnings } from './setting-names.ts';
export type { TrustProxy } from './trust-proxy.ts';
