/**
 * Who may call the rule administration API, and with which role.
 *
 * `Authorization: Bearer <token>`, where the token is either
 * - a static API token configured by the operator: the file lists `{ name, role, sha256 }`, the
 *   SHA-256 of the token in hex, never the token itself. The presented token is hashed and compared
 *   with every configured hash in constant time (no early exit, so timing says nothing about which
 *   entry, if any, matched); or
 * - an OIDC-style JWT from the configured issuer, verified with jose against the issuer's JWKS
 *   (asymmetric algorithms only), with `iss`, `aud` and `exp` checked; the role comes from a claim
 *   (`roles` by default) holding `cds-viewer` and/or `cds-editor`. A JWKS URL goes through the same
 *   cache as the CDS clients' (src/security/remote-jwks.ts): at most one download per cooldown counted
 *   from the last attempt, failed or not, and the last good keys kept through an outage for up to 24 h.
 *
 * Roles: viewer (read, validate, test, dry-run) < editor (also write). With `ADMIN_AUTH=off`
 * (development only; refused in production by the config) every caller is an editor.
 *
 * On embedded defaults (not production, nothing configured) a random development editor token is
 * created once under the data directory (mode 0600); only its path is ever logged.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import type { JSONWebKeySet, JWTPayload, JWTVerifyGetKey } from 'jose';
import type { AdminConfig } from '../config/index.ts';
import { KeySourceUnavailable, remoteKeyResolver } from '../security/remote-jwks.ts';
import type { ReplayStore } from '../security/index.ts';

export type AdminRole = 'viewer' | 'editor';

export interface AdminPrincipal {
  /** Token name, or the JWT `sub`: recorded as the author of rule changes. */
  readonly name: string;
  readonly role: AdminRole;
  readonly via: 'token' | 'oidc' | 'auth-off';
}

export type AdminAuthResult =
  | { readonly ok: true; readonly principal: AdminPrincipal }
  /** 401: no or bad credentials. 403: valid credentials without an admin role. `reason` is for the log only. */
  | { readonly ok: false; readonly status: 401 | 403; readonly reason: string };

export interface AdminAuthenticator {
  readonly mode: 'on' | 'off';
  authenticate(authorizationHeader: string | undefined): Promise<AdminAuthResult>;
}

/** One entry of ADMIN_TOKENS_FILE. */
export interface StaticTokenEntry {
  readonly name: string;
  readonly role: AdminRole;
  /** Lower-case hex SHA-256 of the token. */
  readonly sha256: string;
}

export interface OidcOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly rolesClaim: string;
  readonly getKey: JWTVerifyGetKey;
  readonly clockToleranceSeconds?: number;
}

export const ROLE_VALUES: Readonly<Record<string, AdminRole>> = { 'cds-viewer': 'viewer', 'cds-editor': 'editor' };
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const BEARER = /^Bearer +(\S+) *$/i;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const HEX64 = /^[0-9a-f]{64}$/;
const MAX_TOKEN_LENGTH = 8192;
/** remoteKeyResolver takes the CDS verifier's options; admin JWTs have no jti check, so this is never called. */
const NO_REPLAY_STORE: ReplayStore = { remember: () => Promise.reject(new Error('admin OIDC keys use no replay store')) };

/** SHA-256 of a token as lower-case hex: what the tokens file stores. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Parses and checks the tokens file content.
 * @param json - Parsed JSON.
 * @param label - File name for messages.
 * @returns The entries, or every problem found.
 */
export function parseTokenEntries(json: unknown, label: string): { ok: true; value: StaticTokenEntry[] } | { ok: false; errors: string[] } {
  if (!Array.isArray(json)) {
    return { ok: false, errors: [`${label}: must be a JSON array of { "name", "role", "sha256" }`] };
  }
  const errors: string[] = [];
  const out: StaticTokenEntry[] = [];
  const names = new Set<string>();
  json.forEach((raw: unknown, i) => {
    const entry = (raw ?? {}) as Record<string, unknown>;
    const at = `${label}: /${i}`;
    const name = typeof entry.name === 'string' ? entry.name.trim() : '';
    const role = entry.role;
    const sha = typeof entry.sha256 === 'string' ? entry.sha256.trim().toLowerCase() : '';
    if (!name) {
      errors.push(`${at}/name: a non-empty name is required (it is recorded as the author of changes)`);
    } else if (names.has(name)) {
      errors.push(`${at}/name: duplicate name "${name}"`);
    }
    names.add(name);
    if (role !== 'viewer' && role !== 'editor') {
      errors.push(`${at}/role: must be "viewer" or "editor"`);
    }
    if (!HEX64.test(sha)) {
      errors.push(`${at}/sha256: must be the 64-character hex SHA-256 of the token (for example: printf %s "$TOKEN" | sha256sum)`);
    }
    for (const key of Object.keys(entry)) {
      if (!['name', 'role', 'sha256'].includes(key)) {
        errors.push(`${at}: unknown field "${key}"${key === 'token' ? ' (store the SHA-256 of the token, never the token)' : ''}`);
      }
    }
    if (name && (role === 'viewer' || role === 'editor') && HEX64.test(sha)) {
      out.push({ name, role, sha256: sha });
    }
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: out };
}

/**
 * Builds the authenticator.
 * @param options - Static tokens, OIDC verification, or auth off.
 * @returns An authenticator; with neither tokens nor OIDC every call is refused (401).
 */
export function createAdminAuthenticator(options: { readonly mode: 'on' | 'off'; readonly tokens?: readonly StaticTokenEntry[]; readonly oidc?: OidcOptions }): AdminAuthenticator {
  if (options.mode === 'off') {
    return { mode: 'off', authenticate: async () => ({ ok: true, principal: { name: 'development (ADMIN_AUTH=off)', role: 'editor', via: 'auth-off' } }) };
  }
  const tokens = (options.tokens ?? []).map((t) => ({ ...t, digest: Buffer.from(t.sha256, 'hex') }));
  const oidc = options.oidc;

  const matchStatic = (token: string): StaticTokenEntry | undefined => {
    const digest = createHash('sha256').update(token, 'utf8').digest();
    let found: StaticTokenEntry | undefined;
    for (const entry of tokens) {
      // Every entry is compared: the time taken does not depend on which one matches.
      if (timingSafeEqual(digest, entry.digest) && found === undefined) {
        found = entry;
      }
    }
    return found;
  };

  return {
    mode: 'on',
    authenticate: async (header) => {
      if (!header) {
        return { ok: false, status: 401, reason: 'missing-token' };
      }
      const match = BEARER.exec(header);
      const token = match?.[1];
      if (!token || token.length > MAX_TOKEN_LENGTH) {
        return { ok: false, status: 401, reason: 'not-bearer' };
      }
      const entry = matchStatic(token);
      if (entry) {
        return { ok: true, principal: { name: entry.name, role: entry.role, via: 'token' } };
      }
      if (!oidc || !COMPACT_JWS.test(token)) {
        return { ok: false, status: 401, reason: 'unknown-token' };
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, oidc.getKey, {
          issuer: oidc.issuer,
          audience: oidc.audience,
          algorithms: ALGORITHMS,
          clockTolerance: oidc.clockToleranceSeconds ?? 60,
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (err) {
        const reason = err instanceof KeySourceUnavailable ? 'jwks-unavailable' : err instanceof joseErrors.JOSEError ? `jwt-${err.code}` : 'jwt-verification-error';
        return { ok: false, status: 401, reason };
      }
      const role = roleFromClaim(claimAt(payload, oidc.rolesClaim));
      if (!role) {
        return { ok: false, status: 403, reason: `no cds-viewer or cds-editor in claim "${oidc.rolesClaim}"` };
      }
      return { ok: true, principal: { name: String(payload.sub), role, via: 'oidc' } };
    },
  };
}

function claimAt(payload: JWTPayload, claim: string): unknown {
  if (claim in payload) {
    return payload[claim];
  }
  let node: unknown = payload;
  for (const part of claim.split('.')) {
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  }
  return node;
}

/** Highest admin role named by a roles claim (array, or space/comma separated string). */
export function roleFromClaim(value: unknown): AdminRole | undefined {
  const values = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  const roles = values.map((v) => (Object.hasOwn(ROLE_VALUES, v) ? ROLE_VALUES[v] : undefined)).filter((r): r is AdminRole => r !== undefined);
  return roles.includes('editor') ? 'editor' : roles.includes('viewer') ? 'viewer' : undefined;
}

/** Whether a principal's role allows an operation needing `needed`. */
export function allows(role: AdminRole, needed: AdminRole): boolean {
  return needed === 'viewer' || role === 'editor';
}

/**
 * Reads the development editor token, creating it (random, mode 0600) when absent.
 * @param file - Usually `.data/admin-token`.
 * @returns The token.
 */
export async function loadOrCreateDevToken(file: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // Written in full to a private temp file, then linked into place: a concurrent reader (another
  // cluster worker starting at the same time) sees either no file or the whole token.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, `${randomBytes(32).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
  try {
    await link(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw err;
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  const token = (await readFile(file, 'utf8')).trim();
  if (token.length < 16) {
    throw new Error(`${file}: the development admin token is too short; delete the file to get a new one`);
  }
  return token;
}

export interface AdminAuthSetup {
  readonly authenticator: AdminAuthenticator;
  /** What to announce at start-up (never a token). */
  readonly notices: readonly string[];
  /** Set when the development token is in use: its file. */
  readonly devTokenFile?: string;
}

/**
 * Builds the admin authenticator from configuration: tokens file, OIDC JWKS, development token.
 * @param config - The admin section of the service configuration.
 * @returns The authenticator and start-up notices, or every configuration problem.
 */
export async function createAdminAuth(config: AdminConfig): Promise<{ ok: true; value: AdminAuthSetup } | { ok: false; errors: string[] }> {
  if (config.auth === 'off') {
    return {
      ok: true,
      value: {
        authenticator: createAdminAuthenticator({ mode: 'off' }),
        notices: ['RULE ADMINISTRATION AUTHENTICATION IS OFF (ADMIN_AUTH=off): anyone who can reach this port can change the rules. Development only.'],
      },
    };
  }
  const errors: string[] = [];
  const notices: string[] = [];
  let tokens: StaticTokenEntry[] = [];
  if (config.tokensFile) {
    try {
      const parsed = parseTokenEntries(JSON.parse(await readFile(config.tokensFile, 'utf8')) as unknown, config.tokensFile);
      if (parsed.ok) {
        tokens = parsed.value;
      } else {
        errors.push(...parsed.errors);
      }
    } catch (err) {
      errors.push(`ADMIN_TOKENS_FILE ${config.tokensFile}: ${(err as Error).message}`);
    }
  }
  let oidc: OidcOptions | undefined;
  if (config.oidc) {
    let getKey: JWTVerifyGetKey | undefined;
    if (config.oidc.jwksFile) {
      try {
        getKey = createLocalJWKSet(JSON.parse(await readFile(config.oidc.jwksFile, 'utf8')) as JSONWebKeySet);
      } catch (err) {
        errors.push(`ADMIN_OIDC_JWKS_FILE ${config.oidc.jwksFile}: ${(err as Error).message}`);
      }
    } else if (config.oidc.jwksUrl) {
      // Not jose's createRemoteJWKSet: it counts its cooldown and cache age from the last successful download
      // only, so a failing IdP was downloaded again for every token (forged ones too) and one failed refresh
      // after 10 min locked every admin out. Only the key download options are read; the replay store is not.
      getKey = remoteKeyResolver(
        config.oidc.jwksUrl,
        { clients: [], replayStore: NO_REPLAY_STORE, jwksTimeoutMs: 3000, jwksCooldownMs: 30_000, jwksCacheMaxAgeMs: 600_000 },
        () => Date.now()
      );
    }
    if (getKey) {
      oidc = { issuer: config.oidc.issuer, audience: config.oidc.audience, rolesClaim: config.oidc.rolesClaim, getKey };
    }
  }
  let devTokenFile: string | undefined;
  if (config.devTokenFile) {
    try {
      const token = await loadOrCreateDevToken(config.devTokenFile);
      tokens = [{ name: 'development', role: 'editor', sha256: tokenHash(token) }];
      devTokenFile = config.devTokenFile;
      notices.push(`rule administration: development editor token in ${config.devTokenFile} (configure ADMIN_TOKENS_FILE or ADMIN_OIDC_* for real users)`);
    } catch (err) {
      errors.push(`development admin token ${config.devTokenFile}: ${(err as Error).message}`);
    }
  }
  if (errors.length > 0) {
    return { ok: false, errors };
  }
  if (tokens.length === 0 && !oidc) {
    notices.push('rule administration: no credentials configured (ADMIN_TOKENS_FILE, ADMIN_OIDC_*); every admin API call will be refused');
  }
  return { ok: true, value: { authenticator: createAdminAuthenticator({ mode: 'on', tokens, ...(oidc ? { oidc } : {}) }), notices, ...(devTokenFile ? { devTokenFile } : {}) } };
}
