/**
 * The `fetch` the FHIR reader gives MedplumClient: it reads each answer whole, up to a size limit, and
 * remembers each call's HTTP status.
 *
 * - **Size.** An EHR's FHIR server (or anything answering at its address) could send a body of any size,
 *   which would be held in memory whole: four 160 MB Bundles took a worker to 750 MB. A body larger than
 *   the limit, announced or streamed, fails the call (`FhirResponseTooLargeError`).
 * - **Body read here.** A body that stalls halfway then fails by the call's own timeout here, and a body
 *   that is not JSON fails as `FhirResponseNotJsonError`, not as a stack trace MedplumClient prints.
 * - **Depth.** JSON nested deeper than request bodies may be (`MAX_JSON_DEPTH`) fails the call
 *   (`FhirResponseTooDeepError`), as a body that is not JSON does: code that walks a record (a deep
 *   comparison of two copies of one record) overflowed the stack on a record nested 2,000 deep, and the
 *   call got a 500 instead of a 412 or a "check incomplete" card.
 * - **All answers of one call together.** The reader is made per hook call; its answers share one byte budget
 *   (the same limit), so pages, keys and Medication reads cannot add up to hundreds of MB for one order.
 * - **No redirects.** A redirect is not followed (`redirect: 'manual'`): the allowlist and the https rule
 *   are checked against the server the EHR named, and a redirect could lead elsewhere (another host, an
 *   internal address, or another path of the same host, which would get the access token).
 * - **Status.** MedplumClient turns an error answer into an OperationOutcome built from its body; a 503
 *   with an HTML page becomes a generic "bad request". The reader needs the real status to tell a sick
 *   server (5xx, 429) from a refusal (4xx): `statusOf(signal)` gives it, keyed by the call's own
 *   AbortSignal (one per call, so parallel calls never mix).
 */
import { jsonDepthExceeds } from '../shared/index.ts';
import type { FetchLike } from './fhir-reader.ts';

/** Default largest FHIR answer read, bytes (a page of a patient's medications is far below it). */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** Default deepest JSON nesting of a FHIR answer: that of request bodies (`MAX_JSON_DEPTH`'s default). */
export const DEFAULT_MAX_JSON_DEPTH = 64;

export class FhirResponseTooLargeError extends Error {
  /** True when this answer alone was not too large, but the call's answers together were. */
  readonly together: boolean;
  constructor(limit: number, together = false) {
    super(together ? `the answers for this check were larger than ${limit} bytes together` : `the answer was larger than ${limit} bytes`);
    this.name = 'FhirResponseTooLargeError';
    this.together = together;
  }
}

export class FhirRedirectError extends Error {
  constructor() {
    super('the answer was a redirect, which is not followed');
    this.name = 'FhirRedirectError';
  }
}

export class FhirResponseNotJsonError extends Error {
  constructor() {
    super('the answer was not JSON');
    this.name = 'FhirResponseNotJsonError';
  }
}

/** The request was refused before it was sent (a header value HTTP cannot carry): the server was never asked. */
export class FhirRequestNotSentError extends Error {
  constructor() {
    super('the request could not be sent (a header value is not valid in HTTP)');
    this.name = 'FhirRequestNotSentError';
  }
}

export class FhirResponseTooDeepError extends Error {
  constructor(limit: number) {
    super(`the answer was JSON nested more than ${limit} levels deep`);
    this.name = 'FhirResponseTooDeepError';
  }
}

export interface GuardedFetch {
  readonly fetch: FetchLike;
  /** The HTTP status of the call made with `signal`, once its headers arrived. */
  statusOf(signal: AbortSignal): number | undefined;
}

async function readCapped(body: ReadableStream<Uint8Array>, limit: number, tooLarge: () => FhirResponseTooLargeError): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * @param inner - The fetch that makes the call (globalThis.fetch, or a test's).
 * @param maxBytes - Largest body read, and largest total of all bodies read through this fetch.
 * @param maxDepth - Deepest JSON nesting of a body.
 */
export function createGuardedFetch(inner: FetchLike, maxBytes: number = DEFAULT_MAX_RESPONSE_BYTES, maxDepth: number = DEFAULT_MAX_JSON_DEPTH): GuardedFetch {
  const statuses = new WeakMap<AbortSignal, number>();
  let used = 0;
  const guarded: FetchLike = async (input, init) => {
    // Headers are checked as fetch would check them (no line breaks, nothing beyond Latin-1): a value fetch refuses
    // fails here, named, instead of reaching the caller as a TypeError indistinguishable from a failed connection
    // (which counts against the server's circuit breaker: a client's bad token would cut the server off for all).
    try {
      new Headers(init?.headers);
    } catch {
      throw new FhirRequestNotSentError();
    }
    const response = await inner(input, { ...init, redirect: 'manual' });
    if (init?.signal) {
      statuses.set(init.signal, response.status);
    }
    if (response.status >= 300 && response.status < 400 && response.status !== 304) {
      await response.body?.cancel().catch(() => undefined);
      throw new FhirRedirectError();
    }
    const left = maxBytes - used;
    const tooLarge = (): FhirResponseTooLargeError => new FhirResponseTooLargeError(maxBytes, left < maxBytes);
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > left) {
      await response.body?.cancel().catch(() => undefined);
      throw tooLarge();
    }
    const bytes = response.body ? await readCapped(response.body, left, tooLarge) : new Uint8Array(0);
    used += bytes.byteLength;
    if (bytes.byteLength > 0 && /json/i.test(response.headers.get('content-type') ?? 'json')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        throw new FhirResponseNotJsonError();
      }
      if (jsonDepthExceeds(parsed, maxDepth)) {
        throw new FhirResponseTooDeepError(maxDepth);
      }
    }
    const headers = new Headers(response.headers);
    // The body is handed on decoded and whole: the original length and encoding no longer describe it.
    headers.delete('content-encoding');
    headers.set('content-length', String(bytes.byteLength));
    const noBody = response.status === 204 || response.status === 304;
    return new Response(noBody ? null : bytes, { status: response.status, statusText: response.statusText, headers });
  };
  return { fetch: guarded, statusOf: (signal) => statuses.get(signal) };
}
