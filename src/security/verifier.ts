/**
 * Verifies the JWT a CDS client sends as `Authorization: Bearer <jwt>` (CDS Hooks 2.0 "Trusting CDS
 * Clients"), in this order:
 *
 * 1. header: Bearer scheme, compact JWS, `alg` neither `none` nor HS*, `typ` (if present) `JWT`, `kid` present;
 * 2. issuer: the (not yet verified) `iss` is a configured client and `alg` is one it may use;
 * 3. keys: from the client's configured source only. A `jku` header must equal the client's `jwksUrl`
 *    (a different `jku` is refused and never fetched); for clients with out-of-band keys it is ignored;
 * 4. signature, then claims: `aud` contains the endpoint URL, `exp`/`iat`/`nbf` within the clock skew,
 *    `exp - iat` within the maximum lifetime, `jti` present, `tenant` allowlisted;
 * 5. replay: `${iss}|${jti}` must not have been seen; it is recorded only now, after everything passed.
 *
 * The result carries a short reason for the log; it never contains the token.
 */
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyGetKey, ProtectedHeaderParameters } from 'jose';
import { effectiveAlgorithms, isForbiddenAlgorithm } from './algorithms.ts';
import { checkJwks, checkJwksUrl, sameUrl } from './jwks.ts';
import { KeySourceUnavailable, remoteKeyResolver } from './remote-jwks.ts';
import type { CdsJwtVerifier, CdsJwtVerifierOptions, JSONWebKeySet, TrustedClient, VerifyFailureReason, VerifyResult } from './types.ts';

const MAX_HEADER_LENGTH = 16 * 1024;
const MAX_JTI_LENGTH = 256;
const MAX_LOGGED_ISS_LENGTH = 200;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const BEARER = /^Bearer +(\S+) *$/i;

interface ClientEntry {
  readonly iss: string;
  readonly algorithms: readonly string[];
  readonly tenants?: ReadonlySet<string>;
  readonly jwksUrl?: string;
  readonly getKey: JWTVerifyGetKey;
}

function fail(reason: VerifyFailureReason, iss?: string): VerifyResult {
  return iss === undefined ? { ok: false, reason } : { ok: false, reason, iss: iss.slice(0, MAX_LOGGED_ISS_LENGTH) };
}

/** Keys of a JWKS URL (cached, the last good ones kept through an outage: remote-jwks.ts); errors as reasons. */
function remoteKeys(url: string, options: CdsJwtVerifierOptions): JWTVerifyGetKey {
  const remote = remoteKeyResolver(url, options, options.now ?? Date.now);
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      if (err instanceof KeySourceUnavailable || err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys) {
        throw err;
      }
      throw new KeySourceUnavailable(err);
    }
  };
}

function buildClient(client: TrustedClient, options: CdsJwtVerifierOptions, problems: string[]): ClientEntry | undefined {
  const name = `client "${client.iss}"`;
  const sources = [client.jwks, client.jwksFile, client.jwksUrl].filter((s) => s !== undefined);
  if (sources.length !== 1) {
    problems.push(`${name}: needs exactly one of jwks, jwksFile, jwksUrl`);
    return undefined;
  }
  let getKey: JWTVerifyGetKey;
  if (client.jwksUrl !== undefined) {
    const problem = checkJwksUrl(client.jwksUrl);
    if (problem) {
      problems.push(`${name}: jwksUrl ${problem}`);
      return undefined;
    }
    getKey = remoteKeys(client.jwksUrl, options);
  } else {
    let jwks: unknown = client.jwks;
    if (client.jwksFile !== undefined) {
      try {
        jwks = JSON.parse(readFileSync(client.jwksFile, 'utf8'));
      } catch (err) {
        problems.push(`${name}: cannot read jwksFile ${client.jwksFile} (${err instanceof Error ? err.message : String(err)})`);
        return undefined;
      }
    }
    const jwksProblems = checkJwks(jwks, `${name}: jwks`);
    if (jwksProblems.length > 0) {
      problems.push(...jwksProblems);
      return undefined;
    }
    getKey = createLocalJWKSet(jwks as JSONWebKeySet);
  }
  return {
    iss: client.iss,
    algorithms: effectiveAlgorithms(client.algorithms),
    ...(client.tenants ? { tenants: new Set(client.tenants) } : {}),
    ...(client.jwksUrl !== undefined ? { jwksUrl: client.jwksUrl } : {}),
    getKey,
  };
}

/** Maps an error from jose (or our key resolver) to a log reason. */
function reasonFor(err: unknown): VerifyFailureReason {
  if (err instanceof KeySourceUnavailable) {
    return 'jwks-unavailable';
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey) {
    return 'unknown-kid';
  }
  if (err instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return 'ambiguous-kid';
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return 'bad-signature';
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JOSENotSupported) {
    return 'algorithm-not-allowed';
  }
  if (err instanceof joseErrors.JWTExpired) {
    return 'expired';
  }
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') {
      switch (err.claim) {
        case 'aud':
          return 'missing-aud';
        case 'exp':
          return 'missing-exp';
        case 'iat':
          return 'missing-iat';
        case 'jti':
          return 'missing-jti';
        case 'iss':
          return 'missing-issuer';
        default:
          return 'invalid-claims';
      }
    }
    if (err.reason === 'check_failed') {
      switch (err.claim) {
        case 'aud':
          return 'audience-mismatch';
        case 'nbf':
          return 'not-yet-valid';
        case 'iat':
          return 'issued-in-future';
        case 'iss':
          return 'unknown-issuer';
        default:
          return 'invalid-claims';
      }
    }
    return 'invalid-claims';
  }
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) {
    return 'malformed-token';
  }
  return 'verification-error';
}

/**
 * Creates a verifier. Reads every `jwksFile` now, once; remote JWKS are fetched on first use.
 * @throws Error listing every configuration problem (duplicate issuer, missing or double key source,
 *   unusable JWKS or URL). `algorithms` entries that are not asymmetric are dropped, never honoured.
 */
export async function createCdsJwtVerifier(options: CdsJwtVerifierOptions): Promise<CdsJwtVerifier> {
  const skew = options.clockSkewSeconds ?? 60;
  const replayTimeoutMs = options.replayTimeoutMs ?? 1000;
  const maxLifetime = options.maxLifetimeSeconds ?? 3600;
  const now = options.now ?? Date.now;
  if (!(Number.isFinite(skew) && skew >= 0) || !(Number.isFinite(maxLifetime) && maxLifetime > 0)) {
    throw new RangeError('clockSkewSeconds must be >= 0 and maxLifetimeSeconds > 0');
  }
  const problems: string[] = [];
  const clients = new Map<string, ClientEntry>();
  for (const client of options.clients) {
    if (typeof client.iss !== 'string' || client.iss === '') {
      problems.push('a trusted client has no iss');
      continue;
    }
    if (clients.has(client.iss)) {
      problems.push(`client "${client.iss}": listed more than once`);
      continue;
    }
    const entry = buildClient(client, options, problems);
    if (entry) {
      clients.set(client.iss, entry);
    }
  }
  if (problems.length > 0) {
    throw new Error(`Invalid trusted-client configuration:\n- ${problems.join('\n- ')}`);
  }

  async function verify(authorizationHeader: string | undefined, audience: string): Promise<VerifyResult> {
    if (authorizationHeader === undefined || authorizationHeader.trim() === '') {
      return fail('missing-token');
    }
    if (authorizationHeader.length > MAX_HEADER_LENGTH) {
      return fail('malformed-token');
    }
    const match = BEARER.exec(authorizationHeader.trim());
    if (!match) {
      return fail(/^Bearer\s*$/i.test(authorizationHeader.trim()) ? 'missing-token' : 'not-bearer');
    }
    const token = match[1] ?? '';
    if (!COMPACT_JWS.test(token)) {
      return fail('malformed-token');
    }

    let header: ProtectedHeaderParameters;
    let unverified: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      unverified = decodeJwt(token);
    } catch {
      return fail('malformed-token');
    }
    if (typeof header.alg !== 'string' || isForbiddenAlgorithm(header.alg)) {
      return fail('algorithm-not-allowed');
    }
    if (header.typ !== undefined && (typeof header.typ !== 'string' || header.typ.toLowerCase() !== 'jwt')) {
      return fail('bad-typ');
    }
    if (typeof header.kid !== 'string' || header.kid === '') {
      return fail('missing-kid');
    }
    const claimedIss = unverified.iss;
    if (typeof claimedIss !== 'string' || claimedIss === '') {
      return fail('missing-issuer');
    }
    const client = clients.get(claimedIss);
    if (!client) {
      return fail('unknown-issuer', claimedIss);
    }
    if (!client.algorithms.includes(header.alg)) {
      return fail('algorithm-not-allowed', claimedIss);
    }
    if (header.jku !== undefined && client.jwksUrl !== undefined && !(typeof header.jku === 'string' && sameUrl(header.jku, client.jwksUrl))) {
      return fail('jku-not-allowed', claimedIss);
    }
    if (typeof audience !== 'string' || audience === '') {
      return fail('audience-mismatch', claimedIss);
    }

    const nowMs = now();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, client.getKey, {
        algorithms: [...client.algorithms],
        issuer: client.iss,
        audience,
        clockTolerance: skew,
        currentDate: new Date(nowMs),
        maxTokenAge: maxLifetime,
        requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti'],
      }));
    } catch (err) {
      return fail(reasonFor(err), claimedIss);
    }

    // Signature and standard claims verified. jose checked exp/iat/nbf are numbers when present.
    const exp = payload.exp as number;
    const iat = payload.iat as number;
    if (exp - iat > maxLifetime) {
      return fail('lifetime-too-long', client.iss);
    }
    const jti = payload.jti;
    if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) {
      return fail('invalid-jti', client.iss);
    }
    const tenant = payload.tenant;
    if (tenant !== undefined && typeof tenant !== 'string') {
      return fail('invalid-claims', client.iss);
    }
    if (client.tenants) {
      if (tenant === undefined) {
        return fail('missing-tenant', client.iss);
      }
      if (!client.tenants.has(tenant)) {
        return fail('tenant-not-allowed', client.iss);
      }
    }

    let firstUse: boolean;
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    try {
      firstUse = await Promise.race([
        options.replayStore.remember(`${client.iss}|${jti}`, (exp + skew) * 1000),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            timedOut = true;
            reject(new Error(`the replay store did not answer within ${replayTimeoutMs} ms`));
          }, replayTimeoutMs);
        }),
      ]);
    } catch (error) {
      // The store's own error (a full disk: ENOSPC) goes to whoever watches the store (replay-health.ts logs
      // it and /readyz reports it); the call's refusal names only the reason.
      options.onReplayStoreOutcome?.({ ok: false, timedOut, error });
      return fail('replay-store-unavailable', client.iss);
    } finally {
      clearTimeout(timer);
    }
    options.onReplayStoreOutcome?.({ ok: true });
    if (!firstUse) {
      return fail('replayed', client.iss);
    }
    const sub = typeof payload.sub === 'string' ? payload.sub : undefined;
    return {
      ok: true,
      iss: client.iss,
      jti,
      ...(tenant !== undefined ? { tenant } : {}),
      ...(sub !== undefined ? { sub } : {}),
    };
  }

  return {
    async verify(authorizationHeader, audience) {
      try {
        return await verify(authorizationHeader, audience);
      } catch (err) {
        return fail(reasonFor(err));
      }
    },
  };
}
