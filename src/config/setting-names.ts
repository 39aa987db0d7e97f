/**
 * The environment variables the service reads (README "Settings" and "Administering rules"), and the start-up
 * warning for a variable that looks like one of them but is not: a misspelt name (`WORKRS=2`) was silently
 * ignored and the service ran with the default.
 *
 * Warned about, never refused, in production too: the defaults of every setting are the safe side (auth on,
 * no FHIR server without an allowlist in production, secrets required in production), while refusing would
 * make every replica fail to start over a harmless extra variable: a Kubernetes service link
 * (`CDS_PORT_8080_TCP_ADDR` for a Service named `cds`), an environment file shared with other containers, or a
 * setting of another version of the service during a rollout or a rollback. A crash loop there would stop
 * every safety check; a warning names the variable and the setting it is closest to.
 */

/** Every variable the service or its start (src/start.ts, the cluster) reads. Keep in step with the README. */
export const SETTING_NAMES: readonly string[] = [
  'PORT',
  'HOST',
  'PUBLIC_BASE_URL',
  'RULES_DIR',
  'SERVICES_DIR',
  'LOG_LEVEL',
  'MAX_BODY_BYTES',
  'MAX_JSON_DEPTH',
  'FHIR_BUDGET_MS',
  'FHIR_TIMEOUT_MS',
  'FHIR_MAX_PAGES',
  'FHIR_SERVER_ALLOWLIST',
  'FHIR_BREAKER_FAILURES',
  'FHIR_BREAKER_COOLDOWN_MS',
  'NODE_ENV',
  'CDS_AUTH',
  'CDS_TRUSTED_CLIENTS_FILE',
  'CDS_TRUSTED_CLIENTS_JSON',
  'CDS_TRUST_DEV_ISSUER',
  'DEV_KEYS_DIR',
  'JWT_CLOCK_SKEW_SECONDS',
  'JWT_MAX_LIFETIME_SECONDS',
  'JWKS_TIMEOUT_MS',
  'DATABASE_URL',
  'PGPASSWORD',
  'DATA_DIR',
  'AUDIT_KEY_SECRET',
  'AUDIT_RETENTION_DAYS',
  'AUDIT_FLUSH_INTERVAL_MS',
  'RULE_SYNC_POLL_MS',
  'WORKER_WATCHDOG_MS',
  'STORE_WATCHDOG_MS',
  'WORKERS',
  'ADMIN_DEV_TOKEN_FILE',
  'MALLOC_ARENA_MAX',
  'NODE_COMPILE_CACHE',
  'NODE_DISABLE_COMPILE_CACHE',
  'AUTH_FAILURE_LIMIT_PER_MINUTE',
  'TRUST_PROXY',
  'METRICS_TOKEN',
  'RATE_LIMIT_PER_MINUTE',
  'ADMIN_AUTH',
  'ADMIN_TOKENS_FILE',
  'ADMIN_OIDC_ISSUER',
  'ADMIN_OIDC_AUDIENCE',
  'ADMIN_OIDC_JWKS_URL',
  'ADMIN_OIDC_JWKS_FILE',
  'ADMIN_OIDC_ROLES_CLAIM',
  'RULES_WATCH',
  'RULES_POLL_MS',
  'RULES_DEBOUNCE_MS',
  'FIXTURES_DIR',
];

const KNOWN = new Set(SETTING_NAMES);

/** Prefixes only this service's settings use: an unknown name with one is taken for a mistake. */
const OWN_PREFIXES = /^(CDS|FHIR|AUDIT|ADMIN|RULES?|WORKERS?|STORE|METRICS|JWTS?|JWKS|AUTH_FAILURE|RATE_LIMIT|TRUST_PROXY|PUBLIC_BASE|DEV_KEYS|MAX_BODY|MAX_JSON)(_|$)/;

/**
 * Variables Kubernetes (and Docker's legacy links) set for a service named like ours (`cds`, `fhir`):
 * `CDS_SERVICE_HOST`, `CDS_SERVICE_PORT_HTTP`, `CDS_PORT`, `CDS_PORT_8080_TCP_ADDR`, ...
 */
const SERVICE_LINK = /_SERVICE_(HOST|PORT)(_[A-Z0-9_]+)?$|_PORT(_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?$/;

/** Optimal string alignment distance (Levenshtein with a swap of two neighbours counted as one edit). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = rows[i]!;
      const above = rows[i - 1]!;
      row[j] = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1);
      }
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The setting a name is a near miss of: one edit for short names (HOST, PORT), two for longer ones, or, under
 * the service's own prefixes, a setting's name with a part left off or added (FHIR_TIMEOUT, RULES_WATCH_MS).
 */
function nearest(name: string): string | undefined {
  const upper = name.toUpperCase();
  const part = OWN_PREFIXES.test(upper) ? SETTING_NAMES.find((known) => known.startsWith(`${upper}_`) || upper.startsWith(`${known}_`)) : undefined;
  if (part !== undefined) {
    return part;
  }
  let best: { name: string; distance: number } | undefined;
  for (const known of SETTING_NAMES) {
    const distance = editDistance(upper, known);
    const allowed = Math.min(upper.length, known.length) <= 5 ? 1 : 2;
    if (distance <= allowed && (best === undefined || distance < best.distance)) {
      best = { name: known, distance };
    }
  }
  return best?.name;
}

/**
 * Warnings for variables in `env` that look like settings but are not read: a near miss of a setting's name
 * (with the name meant), or an unknown name under one of the service's own prefixes.
 * @param env - The environment, usually process.env.
 */
export function unknownSettingWarnings(env: Readonly<Record<string, string | undefined>>): string[] {
  const warnings: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (KNOWN.has(name) || env[name] === undefined || SERVICE_LINK.test(name)) {
      continue;
    }
    const meant = nearest(name);
    if (meant !== undefined) {
      warnings.push(`${name} is not a setting of this service and is ignored: did you mean ${meant}? (${meant} keeps ${env[meant] === undefined ? 'its default' : 'its own value'})`);
    } else if (OWN_PREFIXES.test(name)) {
      warnings.push(`${name} is not a setting of this service and is ignored (README "Settings" lists them)`);
    }
  }
  return warnings;
}
