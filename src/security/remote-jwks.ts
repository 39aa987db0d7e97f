/**
 * Keys of a client's allowlisted JWKS URL, with our own cache around jose's remote key set.
 *
 * jose's `createRemoteJWKSet` counts its cooldown and cache age only from the last successful download:
 * while the URL fails, every verification downloads again (forged tokens with random `kid`s included), and
 * once the cache age has passed a single failed refresh refuses every valid token. Here jose's set only
 * downloads (timeout, no redirects, the injected fetch); this cache decides when:
 *
 * - keys younger than the cache age are used as they are;
 * - a download is attempted at most once per cooldown, counted from the last attempt, failed or not (an
 *   unknown `kid` included: at most one refetch per cooldown; concurrent verifications share one download);
 * - when a refresh fails (or is not due yet), the last good keys are still used while they are younger than
 *   {@link JWKS_STALE_KEYS_MAX_AGE_MS}, so a short outage of the EHR's JWKS endpoint does not refuse every call.
 *
 * jose's own download reads the whole answer, whatever its size, and its timeout does not bound the reading
 * (a 400 MB answer was read and parsed: seconds past the timeout, the event loop blocked, gigabytes of
 * memory). Our fetch, given to jose as its `customFetch`, reads at most {@link JWKS_MAX_BYTES} and within the
 * timeout (headers and body); a larger or slower answer is a failed download like any other: the last good
 * keys are kept, with none the token is refused as `jwks-unavailable`. The error never holds the body.
 */
import { createLocalJWKSet, createRemoteJWKSet, customFetch, errors as joseErrors } from 'jose';
import type { FetchImplementation, JWTVerifyGetKey } from 'jose';
import type { CdsJwtVerifierOptions } from './types.ts';

/**
 * Longest time the last successfully downloaded keys of a JWKS URL are used while the URL cannot be fetched,
 * counted from that download: 24 hours. Past it, tokens of that client are refused (`jwks-unavailable`) until
 * a download succeeds. A key the EHR revoked stays usable for at most this long during such an outage.
 */
export const JWKS_STALE_KEYS_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * Largest JWKS answer read, bytes: 256 KiB. A JWKS with dozens of RSA-4096 keys is a few tens of KiB
 * (about 1 KiB a key), so a real key set fits many times over; anything larger is refused before it is
 * read whole (Content-Length when given, else counted while reading), so an allowlisted URL answering
 * hundreds of megabytes costs at most this much memory per download.
 */
export const JWKS_MAX_BYTES = 256 * 1024;

/** A JWKS answer larger than {@link JWKS_MAX_BYTES}. Holds sizes only, never the body. */
export class JwksTooLarge extends Error {
  constructor(limit: number, detail: string) {
    super(`JWKS answer larger than ${limit} bytes (${detail}); not read`);
    this.name = 'JwksTooLarge';
  }
}

/**
 * The fetch jose downloads with: `fetchImpl`, then the body read here, at most `maxBytes` of it, before
 * `init.signal` (jose's timeout, started before the request) fires. jose then parses the bytes read.
 * A non-200 answer is returned without its body (jose refuses it by its status).
 */
export function boundedJwksFetch(fetchImpl: () => typeof fetch, maxBytes: number = JWKS_MAX_BYTES): FetchImplementation {
  return async (url, init) => {
    const response = await fetchImpl()(url, init);
    const body = response.body;
    if (response.status !== 200 || body === null) {
      void body?.cancel().catch(() => undefined);
      return response;
    }
    const declared = response.headers.get('content-length');
    if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared.trim()) > maxBytes) {
      void body.cancel().catch(() => undefined);
      throw new JwksTooLarge(maxBytes, `Content-Length ${declared.trim()}`);
    }
    const reader = body.getReader();
    const { signal } = init;
    // A pending read() resolves (done) once the reader is cancelled: the timeout covers the body too.
    const onAbort = (): void => void reader.cancel(signal.reason).catch(() => undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    const chunks: Uint8Array[] = [];
    let length = 0;
    try {
      for (;;) {
        signal.throwIfAborted();
        const { done, value } = await reader.read();
        signal.throwIfAborted();
        if (done) {
          break;
        }
        length += value.byteLength;
        if (length > maxBytes) {
          throw new JwksTooLarge(maxBytes, 'counted while reading');
        }
        chunks.push(value);
      }
    } catch (err) {
      void reader.cancel().catch(() => undefined); // closes the connection: the rest is never read
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    const bytes = new Uint8Array(length);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return new Response(bytes, { status: 200, headers: { 'content-type': response.headers.get('content-type') ?? 'application/json' } });
  };
}

/** Thrown by a remote key resolver when the JWKS cannot be obtained (network, timeout, bad answer). */
export class KeySourceUnavailable extends Error {
  constructor(cause: unknown) {
    super('JWKS unavailable', { cause });
    this.name = 'KeySourceUnavailable';
  }
}

interface GoodKeys {
  readonly getKey: JWTVerifyGetKey;
  /** When they were downloaded (epoch ms). */
  readonly fetchedAt: number;
}

/**
 * @param url - The client's allowlisted JWKS URL (checked by the caller).
 * @param now - Clock, epoch ms.
 * @returns A key resolver for jwtVerify. Throws {@link KeySourceUnavailable} when no usable keys can be had,
 *   jose's JWKSNoMatchingKey / JWKSMultipleMatchingKeys for a `kid` the keys do not (uniquely) hold.
 */
export function remoteKeyResolver(url: string, options: CdsJwtVerifierOptions, now: () => number): JWTVerifyGetKey {
  const cooldownMs = options.jwksCooldownMs ?? 30_000;
  const cacheMaxAgeMs = options.jwksCacheMaxAgeMs ?? 600_000;
  const staleMaxAgeMs = Math.max(JWKS_STALE_KEYS_MAX_AGE_MS, cacheMaxAgeMs);
  // Used only to download: its own cache and cooldown are never consulted (it is never called as a resolver).
  const remote = createRemoteJWKSet(new URL(url), {
    timeoutDuration: options.jwksTimeoutMs ?? 2000,
    // The fetch is looked up at each download, as jose does without an injected one.
    [customFetch]: boundedJwksFetch(() => options.fetch ?? fetch),
  });
  let good: GoodKeys | undefined;
  let lastAttempt = Number.NEGATIVE_INFINITY;
  let lastError: unknown;
  let pending: Promise<boolean> | undefined;

  /** One download at a time; true when it brought keys. */
  function refresh(): Promise<boolean> {
    if (!pending) {
      lastAttempt = now();
      pending = remote
        .reload()
        .then(() => {
          const jwks = remote.jwks();
          if (!jwks) {
            throw new Error('the JWKS download brought no key set');
          }
          good = { getKey: createLocalJWKSet(jwks), fetchedAt: now() };
          return true;
        })
        .catch((err: unknown) => {
          lastError = err;
          return false;
        })
        .finally(() => {
          pending = undefined;
        });
    }
    return pending;
  }

  /** A download may start now (or one is under way, to be shared). */
  const mayFetch = (): boolean => pending !== undefined || now() - lastAttempt >= cooldownMs;
  const youngerThan = (keys: GoodKeys | undefined, maxAgeMs: number): keys is GoodKeys => keys !== undefined && now() - keys.fetchedAt < maxAgeMs;

  return async (header, token) => {
    if (!youngerThan(good, cacheMaxAgeMs) && mayFetch()) {
      await refresh(); // when it fails, the last good keys below, if not too old
    }
    const keys = good;
    if (!youngerThan(keys, staleMaxAgeMs)) {
      throw new KeySourceUnavailable(lastError);
    }
    try {
      return await keys.getKey(header, token);
    } catch (err) {
      if (!(err instanceof joseErrors.JWKSNoMatchingKey) || !mayFetch()) {
        throw err;
      }
    }
    // An unknown kid: the client may have rotated its keys. At most one download per cooldown.
    if (!(await refresh()) || good === undefined) {
      throw new KeySourceUnavailable(lastError);
    }
    return good.getKey(header, token);
  };
}
