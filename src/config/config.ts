/**
 * Typed, read-only service configuration. Loaded once in main.ts from the environment,
 * with defaults that start the service with no external server.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { unknownSettingWarnings } from './setting-names.ts';
import { parseTrustProxy, trustProxyWarning } from './trust-proxy.ts';
import type { TrustProxy } from './trust-proxy.ts';

export interface FhirFallbackConfig {
  /** Whole-request budget for FHIR-server fallback, in ms. Every fetch of one request shares it. */
  readonly budgetMs: number;
  /** Timeout of one HTTP call to the EHR's FHIR server, in ms (capped by what is left of the budget). */
  readonly requestTimeoutMs: number;
  /** How many `next` pages of a search result we follow before we stop (and say so). */
  readonly maxPages: number;
  /**
   * URL prefixes of FHIR servers the service may call. Empty means any http(s) server the
   * EHR names in `fhirServer` (https only in production). Production refuses to start with an
   * unset FHIR_SERVER_ALLOWLIST: otherwise any CDS client could make the service call any host
   * (cloud metadata, internal services) and read what is there from the 412 texts.
   */
  readonly allowedServers: readonly string[];
  /**
   * FHIR_SERVER_ALLOWLIST=`*`: the explicit opt-in to any server (allowedServers is then empty;
   * `*` is never a URL prefix). Announced with a warning at start-up.
   */
  readonly allowAnyServer: boolean;
  /** Consecutive failures of one FHIR server that open its circuit breaker. */
  readonly breakerFailures: number;
  /** How long an open breaker fails calls fast before letting a trial call through, in ms. */
  readonly breakerCoolDownMs: number;
  /** Only https FHIR servers are called (the EHR's access token goes with every call). On in production. */
  readonly requireHttps?: boolean;
  /** Deepest JSON nesting of a FHIR server's answer: that of request bodies (`MAX_JSON_DEPTH`). */
  readonly maxJsonDepth?: number;
}

export interface AuthConfig {
  /** 'required' (default): every CDS Hooks call needs a valid client JWT. 'off': development only, refused in production. */
  readonly mode: 'required' | 'off';
  /** JSON file of trusted CDS clients (issuer + JWKS source); see README "Security". */
  readonly trustedClientsFile?: string;
  /** The same as inline JSON. */
  readonly trustedClientsJson?: string;
  /** Trust the local development issuer whose key `node scripts/mint-token.ts` uses. Never in production. */
  readonly trustDevIssuer: boolean;
  readonly devKeysDir?: string;
  readonly clockSkewSeconds: number;
  readonly maxLifetimeSeconds: number;
  readonly jwksTimeoutMs: number;
}

/** Rule administration API (docs/admin-api.md). */
export interface AdminConfig {
  /** 'on' (default): every admin call needs a token. 'off': development only, refused in production. */
  readonly auth: 'on' | 'off';
  /** JSON file of static API tokens: [{ name, role: "viewer"|"editor", sha256: "<hex of token>" }]. */
  readonly tokensFile?: string;
  /** OIDC-style JWTs from one issuer, verified against its JWKS. */
  readonly oidc?: AdminOidcConfig;
  /**
   * Where the development editor token is kept (created once, mode 0600). Set only on embedded
   * defaults: not production, auth on, and neither a tokens file nor OIDC configured.
   */
  readonly devTokenFile?: string;
  /** CDS Hooks request fixtures used by rule tests and dry runs. */
  readonly fixturesDir: string;
}

export interface AdminOidcConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl?: string;
  readonly jwksFile?: string;
  /** Claim holding the roles (dotted path allowed, e.g. realm_access.roles). Values: cds-viewer, cds-editor. */
  readonly rolesClaim: string;
}

/** Hot reload of rules/ (src/engine/watch-rules.ts). */
export interface RulesWatchConfig {
  readonly enabled: boolean;
  /** Poll interval in ms (0: fs.watch only). */
  readonly pollMs: number;
  readonly debounceMs: number;
}

export interface StoreConfig {
  /** postgres://... : PostgreSQL. Unset: embedded PGlite under dataDir. */
  readonly databaseUrl?: string;
  /** Data directory: PGlite files, development keys and tokens, the patient-key secret. */
  readonly dataDir: string;
  /** Secret of the keyed hash that pseudonymises patients in the audit (generated under dataDir when unset). */
  readonly auditKeySecret?: string;
  /** Audit rows older than this many days are purged daily; 0 keeps them. */
  readonly auditRetentionDays: number;
  readonly auditFlushIntervalMs: number;
  /** How often a replica polls the store's rule change feed (multi-replica rule propagation), in ms. */
  readonly ruleSyncPollMs: number;
  /** Embedded PGlite only: silence of its thread after which it is taken to be stuck and replaced, in ms. */
  readonly storeWatchdogMs: number;
}

/**
 * Who may read /metrics (METRICS_TOKEN). `token`: callers must send `Authorization: Bearer <token>`; only
 * the token's SHA-256 is kept, so a dump of the config never shows it. `open`: anyone who reaches the port;
 * `explicit` when METRICS_TOKEN=off said so (no start-up warning in production).
 */
export type MetricsAccess = { readonly mode: 'token'; readonly sha256: string } | { readonly mode: 'open'; readonly explicit: boolean };

export interface Config {
  readonly store: StoreConfig;
  /**
   * NODE_ENV=production (trimmed, any case): refuses development conveniences (auth off, development issuer,
   * no FHIR server allowlist, PUBLIC_BASE_URL unset or not https).
   */
  readonly production: boolean;
  readonly auth: AuthConfig;
  readonly host: string;
  readonly port: number;
  /** Public base URL of the service as EHRs see it (behind a proxy, the proxy's URL). No trailing slash. */
  readonly publicBaseUrl: string;
  readonly rulesDir: string;
  readonly servicesDir: string;
  readonly logLevel: string;
  /** Largest request body accepted, in bytes. Prefetch bundles can be large. */
  readonly maxBodyBytes: number;
  /** Deepest JSON nesting accepted (FHIR resources rarely pass 15). */
  readonly maxJsonDepth: number;
  /** Calls per minute per client issuer (or address) on /cds-services; 0 turns limiting off. */
  readonly rateLimitPerMinute: number;
  /**
   * Calls refused for their token (401) per client address per minute after which that address's calls
   * are refused (429) without verifying their token, until the minute ends; 0 turns it off.
   */
  readonly authFailureLimitPerMinute: number;
  /** Proxies trusted to report a caller's address (Express's `trust proxy`; trust-proxy.ts). */
  readonly trustProxy: TrustProxy;
  readonly fhir: FhirFallbackConfig;
  readonly admin: AdminConfig;
  readonly rulesWatch: RulesWatchConfig;
  /** WORKERS > 1: silence of a worker after which the primary kills and replaces it, in ms. */
  readonly workerWatchdogMs: number;
  readonly metrics: MetricsAccess;
}

/**
 * `warnings`: what start-up logs but does not refuse (a variable that looks like a setting but is not one, a
 * per-call FHIR timeout longer than the whole budget).
 */
export type ConfigResult = { readonly ok: true; readonly value: Config; readonly warnings: readonly string[] } | { readonly ok: false; readonly errors: string[] };

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Whether NODE_ENV names production, read like every other setting: trimmed, in any case
 * ("production", " Production ", "PRODUCTION"). Anything that decides by NODE_ENV should ask this.
 * @param env - The environment, usually process.env.
 */
export function isProductionEnv(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.NODE_ENV?.trim().toLowerCase() === 'production';
}

/**
 * Reads configuration from environment variables (see README "Settings").
 * @param env - The environment, usually process.env.
 * @returns The config, or readable errors naming each bad variable.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const errors: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') {
      return fallback;
    }
    // Plain digits only: Number() also reads "0x1f90", "8e3", "8080.0" and "0b1", which no operator means.
    const text = raw.trim();
    const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isInteger(value) || value < min || value > max) {
      errors.push(`${name} must be a whole number between ${min} and ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const production = isProductionEnv(env);
  const port = int('PORT', 8080, 0, 65535);
  const publicBaseUrlSet = (env.PUBLIC_BASE_URL?.trim() ?? '') !== '';
  const publicBaseUrl = (env.PUBLIC_BASE_URL?.trim() || `http://localhost:${port}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(publicBaseUrl)) {
    errors.push(`PUBLIC_BASE_URL must be an absolute http(s) URL (got "${publicBaseUrl}")`);
  } else if (production && (!publicBaseUrlSet || !publicBaseUrl.startsWith('https://'))) {
    // Every CDS client token's aud must be this URL + path: unset (http://localhost:<port>), no real
    // token is accepted and nothing says why; http, EHRs send their tokens over plain http.
    errors.push(
      `In production (NODE_ENV=production) set PUBLIC_BASE_URL to the absolute https URL EHRs call the service at ` +
        `(behind a proxy, the proxy's URL; e.g. https://cds.hospital.example): ${publicBaseUrlSet ? 'it is not https' : 'it is unset'}, ` +
        `and every CDS client token's aud must name it`
    );
  }
  const allowlistEntries = (env.FHIR_SERVER_ALLOWLIST ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  // `*` alone: any server, explicitly. Never a prefix, and never mixed with URLs (which would it mean?).
  const allowAnyServer = allowlistEntries.includes('*');
  if (allowAnyServer && allowlistEntries.length > 1) {
    errors.push('FHIR_SERVER_ALLOWLIST is either * alone (any server) or comma-separated FHIR base URLs, not both');
  }
  const allowedServers = allowAnyServer ? [] : allowlistEntries;
  for (const prefix of allowedServers) {
    if (!/^https?:\/\//.test(prefix)) {
      errors.push(`FHIR_SERVER_ALLOWLIST entries must start with http:// or https:// (got "${prefix}")`);
    } else if (prefix.includes('*')) {
      errors.push(`FHIR_SERVER_ALLOWLIST entries are URL prefixes without wildcards; * alone allows any server (got "${prefix}")`);
    }
  }
  const logLevel = (env.LOG_LEVEL?.trim() || 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) {
    errors.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  }
  if (production) {
    for (const prefix of allowedServers.filter((p) => p.startsWith('http://'))) {
      errors.push(`FHIR_SERVER_ALLOWLIST entries must use https in production (NODE_ENV=production): the EHR's access token goes with every call (got "${prefix}")`);
    }
    if (allowlistEntries.length === 0) {
      errors.push(
        'In production (NODE_ENV=production) set FHIR_SERVER_ALLOWLIST: the https base URLs of your EHRs\' FHIR servers, comma-separated ' +
          '(e.g. https://ehr.hospital.example/fhir), or * to let any CDS client make the service call any https server (not recommended)'
      );
    }
  }
  const authMode = (env.CDS_AUTH?.trim() || 'required').toLowerCase();
  if (authMode !== 'required' && authMode !== 'off') {
    errors.push(`CDS_AUTH must be "required" or "off" (got "${authMode}")`);
  }
  if (production && authMode === 'off') {
    errors.push('CDS_AUTH=off is refused in production (NODE_ENV=production): CDS clients must authenticate');
  }
  const trustedClientsFile = env.CDS_TRUSTED_CLIENTS_FILE?.trim() || undefined;
  const trustedClientsJson = env.CDS_TRUSTED_CLIENTS_JSON?.trim() || undefined;
  const devFlag = env.CDS_TRUST_DEV_ISSUER?.trim().toLowerCase();
  if (devFlag !== undefined && devFlag !== '' && devFlag !== 'true' && devFlag !== 'false') {
    errors.push(`CDS_TRUST_DEV_ISSUER must be "true" or "false" (got "${devFlag}")`);
  }
  const trustDevIssuer = devFlag === 'true' || (devFlag !== 'false' && !production && !trustedClientsFile && !trustedClientsJson);
  if (production && trustDevIssuer) {
    errors.push('CDS_TRUST_DEV_ISSUER=true is refused in production (NODE_ENV=production)');
  }
  if (production && authMode === 'required' && !trustedClientsFile && !trustedClientsJson) {
    errors.push('In production set CDS_TRUSTED_CLIENTS_FILE or CDS_TRUSTED_CLIENTS_JSON: no CDS client would be trusted');
  }
  const admin = adminConfig(env, production, errors);
  const watchFlag = (env.RULES_WATCH?.trim() || 'on').toLowerCase();
  if (watchFlag !== 'on' && watchFlag !== 'off') {
    errors.push(`RULES_WATCH must be "on" or "off" (got "${watchFlag}")`);
  }
  const trustProxy = parseTrustProxy(env.TRUST_PROXY);
  if (!trustProxy.ok) {
    errors.push(trustProxy.error);
  }
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    errors.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
  } else if (databaseUrl) {
    // Never echoed: it may hold the password. A Unix-socket URL has no host ("postgres://u:pw@/db?host=/cloudsql/x",
    // which node-postgres reads): it is read with a stand-in host.
    const parsed = URL.parse(databaseUrl) ?? URL.parse(databaseUrl.replace(/^(postgres(?:ql)?:\/\/[^/?#]*@)\//, '$1localhost/'));
    if (parsed === null) {
      errors.push('DATABASE_URL is not a valid URL: a password with "/", "#", "?" or "@" must be percent-encoded, or given as PGPASSWORD instead');
    } else if (production && [parsed.password, parsed.searchParams.get('password') ?? ''].some((p) => isPlaceholder(safeDecode(p)))) {
      errors.push('DATABASE_URL holds the placeholder password of deploy/env.example: set a random one (for example: openssl rand -hex 32)');
    }
  }
  if (production && isPlaceholder(env.PGPASSWORD ?? '')) {
    errors.push('PGPASSWORD is the placeholder of deploy/env.example: set a random one (for example: openssl rand -hex 32)');
  }
  const auditKeySecret = env.AUDIT_KEY_SECRET?.trim() || undefined;
  if (auditKeySecret !== undefined && auditKeySecret.length < 32) {
    errors.push('AUDIT_KEY_SECRET must be at least 32 characters');
  } else if (production && auditKeySecret !== undefined && isPlaceholder(auditKeySecret)) {
    errors.push('AUDIT_KEY_SECRET is the placeholder of deploy/env.example: anyone with the repository could re-identify patients in the audit; set a random one (for example: openssl rand -hex 32)');
  }
  if (production && databaseUrl && !auditKeySecret) {
    errors.push('In production with DATABASE_URL set AUDIT_KEY_SECRET: every replica must pseudonymise patients with the same key');
  }
  const metrics = metricsAccess(env.METRICS_TOKEN, errors);
  if (production && metrics.mode === 'token' && isPlaceholder(env.METRICS_TOKEN ?? '')) {
    errors.push('METRICS_TOKEN is the placeholder of deploy/env.example: set a random one (for example: openssl rand -hex 32)');
  }
  const maxJsonDepth = int('MAX_JSON_DEPTH', 64, 8, 1000);
  const config: Config = {
    store: {
      ...(databaseUrl ? { databaseUrl } : {}),
      dataDir: path.resolve(env.DATA_DIR?.trim() || path.join(PROJECT_ROOT, '.data')),
      ...(auditKeySecret ? { auditKeySecret } : {}),
      auditRetentionDays: int('AUDIT_RETENTION_DAYS', 365, 0, 36_500),
      auditFlushIntervalMs: int('AUDIT_FLUSH_INTERVAL_MS', 50, 10, 60_000),
      ruleSyncPollMs: int('RULE_SYNC_POLL_MS', 500, 100, 60_000),
      storeWatchdogMs: int('STORE_WATCHDOG_MS', 30_000, 2_000, 3_600_000),
    },
    production,
    auth: {
      mode: authMode === 'off' ? 'off' : 'required',
      ...(trustedClientsFile ? { trustedClientsFile: path.resolve(trustedClientsFile) } : {}),
      ...(trustedClientsJson ? { trustedClientsJson } : {}),
      trustDevIssuer,
      ...(env.DEV_KEYS_DIR?.trim() ? { devKeysDir: path.resolve(env.DEV_KEYS_DIR.trim()) } : {}),
      clockSkewSeconds: int('JWT_CLOCK_SKEW_SECONDS', 60, 0, 600),
      maxLifetimeSeconds: int('JWT_MAX_LIFETIME_SECONDS', 3600, 60, 86_400),
      jwksTimeoutMs: int('JWKS_TIMEOUT_MS', 2000, 100, 30_000),
    },
    host: env.HOST?.trim() || '127.0.0.1',
    port,
    publicBaseUrl,
    rulesDir: path.resolve(env.RULES_DIR?.trim() || path.join(PROJECT_ROOT, 'rules')),
    servicesDir: path.resolve(env.SERVICES_DIR?.trim() || path.join(PROJECT_ROOT, 'cds-hooks')),
    logLevel,
    maxBodyBytes: int('MAX_BODY_BYTES', 5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    maxJsonDepth,
    rateLimitPerMinute: int('RATE_LIMIT_PER_MINUTE', 60_000, 0, 100_000_000),
    authFailureLimitPerMinute: int('AUTH_FAILURE_LIMIT_PER_MINUTE', 600, 0, 100_000_000),
    trustProxy: trustProxy.ok ? trustProxy.value : false,
    fhir: {
      budgetMs: int('FHIR_BUDGET_MS', 2500, 50, 60_000),
      requestTimeoutMs: int('FHIR_TIMEOUT_MS', 1500, 50, 60_000),
      maxPages: int('FHIR_MAX_PAGES', 5, 1, 100),
      allowedServers,
      allowAnyServer,
      breakerFailures: int('FHIR_BREAKER_FAILURES', 5, 1, 1000),
      breakerCoolDownMs: int('FHIR_BREAKER_COOLDOWN_MS', 10_000, 100, 600_000),
      requireHttps: production,
      maxJsonDepth,
    },
    admin,
    rulesWatch: {
      enabled: watchFlag !== 'off',
      pollMs: int('RULES_POLL_MS', 500, 0, 60_000),
      debounceMs: int('RULES_DEBOUNCE_MS', 150, 0, 10_000),
    },
    workerWatchdogMs: int('WORKER_WATCHDOG_MS', 30_000, 2_000, 3_600_000),
    metrics,
  };
  if (errors.length > 0) {
    return { ok: false, errors };
  }
  const warnings = unknownSettingWarnings(env);
  if (config.fhir.requestTimeoutMs > config.fhir.budgetMs) {
    warnings.push(
      `FHIR_TIMEOUT_MS (${config.fhir.requestTimeoutMs}) is longer than FHIR_BUDGET_MS (${config.fhir.budgetMs}): every FHIR-server call is cut off by the request's budget first, so the timeout has no effect; set it at most the budget`
    );
  }
  const proxyWarning = trustProxyWarning(config.trustProxy);
  if (proxyWarning !== undefined) {
    warnings.push(proxyWarning);
  }
  return { ok: true, value: config, warnings };
}

/** Shortest METRICS_TOKEN accepted: a guessable token would be no guard. */
export const METRICS_TOKEN_MIN_LENGTH = 16;
const METRICS_TOKEN_MAX_LENGTH = 4096;

/**
 * METRICS_TOKEN: unset (open), `off` in any case (open, said explicitly), or a token of 16 to 4096
 * visible ASCII characters (it travels in an HTTP header). An error names the variable, never the value.
 */
/**
 * A secret left as an example file's placeholder ("change-me..."): it passes every length check, and anyone with
 * the repository knows it. Refused in production, named by its setting, never echoed.
 */
function isPlaceholder(secret: string): boolean {
  return /change-?me|replace-?me|changeit/i.test(secret);
}

/** A percent-encoded URL part decoded, or as it is when its encoding is broken. */
function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function metricsAccess(raw: string | undefined, errors: string[]): MetricsAccess {
  const value = raw?.trim() ?? '';
  if (value === '') {
    return { mode: 'open', explicit: false };
  }
  if (value.toLowerCase() === 'off') {
    return { mode: 'open', explicit: true };
  }
  if (value.length < METRICS_TOKEN_MIN_LENGTH || value.length > METRICS_TOKEN_MAX_LENGTH || !/^[\x21-\x7e]+$/.test(value)) {
    errors.push(
      `METRICS_TOKEN must be at least ${METRICS_TOKEN_MIN_LENGTH} (at most ${METRICS_TOKEN_MAX_LENGTH}) visible ASCII characters without spaces ` +
        '(for example: openssl rand -hex 32), or "off"'
    );
    return { mode: 'open', explicit: false };
  }
  return { mode: 'token', sha256: createHash('sha256').update(value, 'utf8').digest('hex') };
}

function adminConfig(env: Readonly<Record<string, string | undefined>>, production: boolean, errors: string[]): AdminConfig {
  const mode = (env.ADMIN_AUTH?.trim() || 'on').toLowerCase();
  if (mode !== 'on' && mode !== 'off' && mode !== 'required') {
    errors.push(`ADMIN_AUTH must be "on" (or "required") or "off" (got "${mode}")`);
  }
  if (production && mode === 'off') {
    errors.push('ADMIN_AUTH=off is refused in production (NODE_ENV=production): rule administrators must authenticate');
  }
  const tokensFile = env.ADMIN_TOKENS_FILE?.trim() || undefined;
  const issuer = env.ADMIN_OIDC_ISSUER?.trim() || undefined;
  const audience = env.ADMIN_OIDC_AUDIENCE?.trim() || undefined;
  const jwksUrl = env.ADMIN_OIDC_JWKS_URL?.trim() || undefined;
  const jwksFile = env.ADMIN_OIDC_JWKS_FILE?.trim() || undefined;
  const rolesClaim = env.ADMIN_OIDC_ROLES_CLAIM?.trim() || 'roles';
  let oidc: AdminOidcConfig | undefined;
  if (issuer || audience || jwksUrl || jwksFile) {
    if (!issuer || !audience) {
      errors.push('ADMIN_OIDC_ISSUER and ADMIN_OIDC_AUDIENCE must be set together (with ADMIN_OIDC_JWKS_URL or ADMIN_OIDC_JWKS_FILE)');
    }
    if ((jwksUrl ? 1 : 0) + (jwksFile ? 1 : 0) !== 1) {
      errors.push('Set exactly one of ADMIN_OIDC_JWKS_URL and ADMIN_OIDC_JWKS_FILE');
    }
    if (jwksUrl && !jwksUrl.startsWith('https://') && !(!production && /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\//.test(jwksUrl))) {
      errors.push(`ADMIN_OIDC_JWKS_URL must be an https URL (got "${jwksUrl}")`);
    }
    if (issuer && audience) {
      oidc = {
        issuer,
        audience,
        ...(jwksUrl ? { jwksUrl } : {}),
        ...(jwksFile ? { jwksFile: path.resolve(jwksFile) } : {}),
        rolesClaim,
      };
    }
  }
  const dataDir = path.resolve(env.DATA_DIR?.trim() || path.join(PROJECT_ROOT, '.data'));
  const embeddedDefaults = !production && mode !== 'off' && !tokensFile && !oidc;
  return {
    auth: mode === 'off' ? 'off' : 'on',
    ...(tokensFile ? { tokensFile: path.resolve(tokensFile) } : {}),
    ...(oidc ? { oidc } : {}),
    ...(embeddedDefaults ? { devTokenFile: path.resolve(env.ADMIN_DEV_TOKEN_FILE?.trim() || path.join(dataDir, 'admin-token')) } : {}),
    fixturesDir: path.resolve(env.FIXTURES_DIR?.trim() || path.join(PROJECT_ROOT, 'fixtures')),
  };
}

/** Config for tests: defaults, quiet logs, auth off (auth has its own tests), overrides applied on top. */
/** pino's levels, and "silent". */
const LOG_LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function testConfig(overrides: Partial<Omit<Config, 'fhir'>> & { fhir?: Partial<FhirFallbackConfig> } = {}): Config {
  const result = loadConfig({ LOG_LEVEL: 'silent', CDS_AUTH: 'off' });
  if (!result.ok) {
    throw new Error(result.errors.join('; '));
  }
  return { ...result.value, ...overrides, fhir: { ...result.value.fhir, ...overrides.fhir } };
}
