/**
 * Reads from the EHR's FHIR server with the `fhirAuthorization` bearer token, through
 * @medplum/core's MedplumClient. One client per request: the token is request-scoped and must
 * never outlive the call (CDS Hooks 2.0: the token "MUST be treated as a transient value").
 */
import { MedplumClient, OperationOutcomeError, isOperationOutcome } from '@medplum/core';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { FhirCallOutcome } from '../shared/index.ts';
import type { CallPermit, CircuitBreakers } from './circuit-breaker.ts';
import { hasUnreadableId, matchesNotSent, searchResultProblem, unreadableEntries } from './key-content.ts';
import { DEFAULT_MAX_JSON_DEPTH, DEFAULT_MAX_RESPONSE_BYTES, FhirRedirectError, FhirRequestNotSentError, FhirResponseNotJsonError, FhirResponseTooDeepError, FhirResponseTooLargeError, createGuardedFetch } from './guarded-fetch.ts';

export type FetchLike = typeof globalThis.fetch;

export interface FhirReaderOptions {
  readonly fhirServer: string;
  readonly accessToken?: string;
  /** Timeout of one HTTP call, in ms. */
  readonly requestTimeoutMs: number;
  readonly fetch?: FetchLike;
  /** Per-server circuit breakers shared across requests. */
  readonly breakers?: CircuitBreakers;
  /** Told about every HTTP call, once, after its answer was judged (for metrics). */
  readonly onCall?: (outcome: FhirCallOutcome, seconds: number) => void;
  /** Largest answer read, bytes. Default DEFAULT_MAX_RESPONSE_BYTES (guarded-fetch.ts). */
  readonly maxResponseBytes?: number;
  /** Deepest JSON nesting of an answer. Default DEFAULT_MAX_JSON_DEPTH (guarded-fetch.ts), that of request bodies. */
  readonly maxJsonDepth?: number;
  /**
   * Pause before the one retry of a call the server failed (5xx, 429, connection lost), ms. Default 100. A
   * longer Retry-After (up to `MAX_RETRY_AFTER_MS`) is waited instead; a Retry-After beyond it means no retry.
   */
  readonly retryDelayMs?: number;
}

/**
 * The longest Retry-After (of a 429 or 503) still retried, ms. The reader does not know how much of the
 * request's budget is left, only its AbortSignal; one second fits the default budget (2.5 s) after a first
 * call, and the pause ends anyway when the budget does. A server asking for more gets no second call from
 * this request: retrying sooner than it asked is the load it is shedding, for a call the budget would end.
 */
export const MAX_RETRY_AFTER_MS = 1000;

export interface SearchResult {
  readonly resources: Resource[];
  /** True when more pages existed than we were allowed to follow. */
  readonly truncated: boolean;
  /** Why a later page could not be read (the pages before it are in `resources`). */
  readonly pageFailure?: string;
  /**
   * Entries of the pages read from the server that were not readable resources (key-content.ts
   * `unreadableEntries`); left out of `resources`, never to be taken for "nothing found".
   */
  readonly unreadable: number;
  /** A one-page result whose `total` says it has more matches than it carries, with no next page. */
  readonly notSent?: { readonly total: number; readonly sent: number };
  /** The walk ended before the last page because `enough` said the pages read hold all that is used. */
  readonly restNotNeeded?: boolean;
}

/**
 * Says, after each page, whether the rest of the result is not needed (recent-only.ts): the walk then ends
 * there, complete for its use.
 * @param first - The result's first page.
 * @param resources - The resources of the pages read so far, in order.
 */
export type EnoughRead = (first: Bundle, resources: readonly Resource[]) => boolean;

export interface FhirReader {
  /** @param enough - When the pages read already hold all that is used (no more are read). */
  search(relativeUrl: string, signal: AbortSignal, maxPages: number, enough?: EnoughRead): Promise<SearchResult>;
  /**
   * Follows `next` links of a Bundle that came from elsewhere (a paginated prefetch). Its own unreadable
   * entries are the caller's to count: `unreadable` counts the pages read here.
   * @param searchedType - The type the search was for, when known (a mis-cased one is then unreadable).
   * @param enough - When the pages read already hold all that is used (no more are read).
   */
  followPages(bundle: Bundle, signal: AbortSignal, maxPages: number, searchedType?: string, enough?: EnoughRead): Promise<SearchResult>;
  /**
   * @param judge - Why the answer is not what the caller asked for (another resource type or id), or
   * nothing when it is: such an answer is a FhirReadError with that reason, counted as a failed call.
   */
  read(reference: string, signal: AbortSignal, judge?: (answer: Resource) => string | undefined): Promise<Resource>;
}

/** A FHIR call failed; the message is safe to show (no token, no response body). */
export class FhirReadError extends Error {}

/**
 * Creates a reader bound to one FHIR server and token.
 * @param options - Server, token and timeouts.
 * @returns The reader.
 */
export function createFhirReader(options: FhirReaderOptions): FhirReader {
  // Each answer's Retry-After, keyed by the call's own AbortSignal (as guarded-fetch.ts keeps its status).
  const retryAfters = new WeakMap<AbortSignal, string>();
  const inner = options.fetch ?? globalThis.fetch;
  const recordingRetryAfter: FetchLike = async (input, init) => {
    const response = await inner(input, init);
    const retryAfter = response.headers.get('retry-after');
    if (retryAfter !== null && init?.signal) {
      retryAfters.set(init.signal, retryAfter);
    }
    return response;
  };
  const guarded = createGuardedFetch(recordingRetryAfter, options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH);
  const client = new MedplumClient({
    baseUrl: options.fhirServer,
    fhirUrlPath: '',
    accessToken: options.accessToken,
    cacheTime: 0,
    // The one retry is made below, where the status and the request's budget are known.
    maxRetries: 0,
    fetch: guarded.fetch,
    onUnauthenticated: () => undefined,
  });
  const base = client.fhirUrl().toString().replace(/\/?$/, '/');
  const retryDelayMs = options.retryDelayMs ?? 100;

  const breakers = options.breakers;
  const report = options.onCall ?? (() => undefined);
  /**
   * One HTTP call. The breaker hears only about the server's own doing, never about this request's budget.
   * A failed call is reported here; an answer is not, as `get` judges it first (see there).
   */
  const call = async (url: string, signal: AbortSignal): Promise<{ body: unknown; seconds: number; permit: CallPermit } | { failure: CallFailure }> => {
    if (signal.aborted) {
      // No time left in this request's budget: no call is made, and nothing is counted.
      return { failure: { message: 'no time was left to ask the EHR FHIR server', retry: false, noCall: true } };
    }
    const permit: CallPermit | undefined = breakers ? breakers.allow(options.fhirServer) : {};
    if (!permit) {
      report('circuit-open', 0);
      return { failure: { message: 'the EHR FHIR server has been failing, so calls to it are paused for a short while', retry: false, noCall: true } };
    }
    const callSignal = AbortSignal.any([signal, AbortSignal.timeout(options.requestTimeoutMs)]);
    const started = performance.now();
    try {
      const body: unknown = await client.get(url, { signal: callSignal, cache: 'no-cache' });
      // The breaker hears of an answer once `get` has judged it: an HTTP 200 carrying an OperationOutcome or
      // something other than what was asked is a server not working, as a 500 is.
      return { body, seconds: (performance.now() - started) / 1000, permit };
    } catch (err) {
      const seconds = (performance.now() - started) / 1000;
      if (signal.aborted) {
        // This request's time budget ran out. A call started late, cut short, says nothing about the
        // server; one that had waited half its own timeout or more counts as a server that hangs (else a
        // per-call timeout as long as the budget would keep the breaker from ever opening).
        report('timeout', seconds);
        if (seconds * 1000 >= options.requestTimeoutMs / 2) {
          breakers?.failed(options.fhirServer);
        }
        return { failure: { message: 'the EHR FHIR server did not answer within the time this check allows', retry: false } };
      }
      const failure = withRetryAfter(classify(err, guarded.statusOf(callSignal), callSignal.aborted), retryAfters.get(callSignal));
      if (failure.serverFault) {
        breakers?.failed(options.fhirServer);
      } else {
        // The server answered, working: a refusal (401, 403: our token; 404) counts as "server up", so it
        // clears the failure count. 401/403 are kept here on purpose, not made neutral: the server answered
        // at once and in FHIR, so it is not the hanging or erroring server the breaker guards against (the
        // token's fault is the client's). Like any success, it closes an OPEN breaker only when this call
        // was let through as a half-open trial (the permit says so), never as a straggler that started
        // before the breaker opened.
        breakers?.succeeded(options.fhirServer, permit);
      }
      report(callSignal.aborted ? 'timeout' : 'error', seconds);
      return { failure };
    }
  };

  /**
   * One resource, from one call and at most one retry. `judge` says why an answer is not what the caller
   * asked for (a search result, a page of one), or nothing when it is.
   */
  const get = async (rawUrl: string, signal: AbortSignal, judge?: (answer: Resource) => string | undefined): Promise<Resource> => {
    const url = insideBase(rawUrl, base);
    if (url === undefined) {
      // Never send the token to another host, or to another path of the EHR's host, than the FHIR server named.
      throw new FhirReadError('a link pointed outside the EHR FHIR server');
    }
    let outcome = await call(url, signal);
    // One retry for these idempotent GETs, when the server failed in a way a second try can mend and
    // this request's budget still has time (it bounds the pause and the call).
    if ('failure' in outcome && outcome.failure.retry && !signal.aborted) {
      const waited = await pause(Math.max(retryDelayMs, outcome.failure.retryAfterMs ?? 0), signal);
      if (waited) {
        const second = await call(url, signal);
        // A retry refused before any call (the first failure opened the breaker, or the budget ended) says
        // nothing new: the clinician and the operator are told the first failure's real reason.
        if (!('failure' in second && second.failure.noCall)) {
          outcome = second;
        }
      }
    }
    if ('failure' in outcome) {
      throw new FhirReadError(outcome.failure.message);
    }
    const body = outcome.body;
    const problem = answerProblem(body) ?? judge?.(body as Resource);
    // The call is reported once its answer is judged: an HTTP 200 that carries an OperationOutcome, a
    // search that failed or something other than what was asked ends in a gap or a 412 like an HTTP error
    // does, so it is counted as one (as an answer that is not JSON is), never as 'ok'.
    report(problem === undefined ? 'ok' : 'error', outcome.seconds);
    if (problem !== undefined) {
      // Counted against the server's breaker too: a server answering every call with a 200 OperationOutcome
      // (or a Patient for a search) is failing, and was never paused.
      breakers?.failed(options.fhirServer);
      throw new FhirReadError(problem);
    }
    breakers?.succeeded(options.fhirServer, outcome.permit);
    return body as Resource;
  };

  /**
   * The resources of `first` and of its next pages. A later page that cannot be read (a failure, a link
   * outside the server, something other than a page of results) ends the walk: the pages before it are
   * kept and the failure is reported with them, so the caller can check what it has and say what is
   * missing (the same as when the EHR sent the first page as prefetch). When `enough` says the pages read
   * hold all that is used, the walk ends there, complete.
   */
  const collect = async (first: Bundle, signal: AbortSignal, maxPages: number, fetchedFirst: boolean, searchedType: string | undefined, enough: EnoughRead | undefined): Promise<SearchResult> => {
    const resources: Resource[] = bundleResources(first);
    let unreadable = fetchedFirst ? unreadableEntries(first, searchedType) : 0;
    let page: Bundle = first;
    let pages = 1;
    for (;;) {
      const next = Array.isArray(page.link) ? page.link.find((l) => l !== null && typeof l === 'object' && l.relation === 'next')?.url : undefined;
      if (typeof next !== 'string' || next.length === 0) {
        const notSent = pages === 1 && fetchedFirst && searchedType !== undefined ? matchesNotSent(first, searchedType) : undefined;
        if (notSent && enough?.(first, resources)) {
          // The matches not sent come after those read, in the order asked for: not needed either.
          return { resources, truncated: false, unreadable, restNotNeeded: true };
        }
        return { resources, truncated: false, unreadable, ...(notSent ? { notSent } : {}) };
      }
      if (enough?.(first, resources)) {
        return { resources, truncated: false, unreadable, restNotNeeded: true };
      }
      if (insideBase(next, base) === undefined) {
        // Never send the token to another host, or outside the FHIR server's path, than the EHR named: the
        // link is compared once resolved (`..`, `%2e%2e` and backslashes resolved as fetch would), not as text.
        return { resources, truncated: false, unreadable, pageFailure: 'a next-page link pointed outside the EHR FHIR server' };
      }
      if (pages >= maxPages) {
        return { resources, truncated: true, unreadable };
      }
      let result: Resource;
      try {
        result = await get(next, signal, pageProblem);
      } catch (err) {
        return { resources, truncated: false, unreadable, pageFailure: (err as Error).message };
      }
      page = result as Bundle;
      pages += 1;
      unreadable += unreadableEntries(page, searchedType);
      resources.push(...bundleResources(page));
    }
  };

  return {
    async search(relativeUrl, signal, maxPages, enough) {
      const first = await get(new URL(relativeUrl, base).toString(), signal, searchProblem);
      return collect(first as Bundle, signal, maxPages, true, /^([A-Z][A-Za-z]{1,63})\?/.exec(relativeUrl)?.[1], enough);
    },
    followPages(bundle, signal, maxPages, searchedType, enough) {
      return collect(bundle, signal, maxPages, false, searchedType, enough);
    },
    read(reference, signal, judge) {
      return get(new URL(reference, base).toString(), signal, judge);
    },
  };
}

/**
 * `url` resolved as fetch would resolve it, when it is on `base`'s origin and under its path (whole
 * segments: `base` ends with a slash) or is the base itself; undefined otherwise or when it is not a URL. A raw text comparison
 * let `https://ehr/fhir/../admin/x` through: it starts with `https://ehr/fhir/`, and is fetched as `/admin/x`.
 */
export function insideBase(url: string, base: string): string | undefined {
  try {
    const target = new URL(url);
    const root = new URL(base);
    if (target.origin !== root.origin || target.username !== '' || target.password !== '') {
      return undefined;
    }
    const prefix = root.pathname.endsWith('/') ? root.pathname : `${root.pathname}/`;
    // The base itself with a query is on the server too: HAPI's next links are `<base>?_getpages=…`.
    return target.pathname.startsWith(prefix) || `${target.pathname}/` === prefix ? target.href : undefined;
  } catch {
    return undefined;
  }
}

/** Why an answer is not a FHIR resource one can use, or undefined when it is one. */
function answerProblem(body: unknown): string | undefined {
  if (!body || typeof body !== 'object' || typeof (body as Resource).resourceType !== 'string') {
    return 'the FHIR server answered with something that is not a FHIR resource';
  }
  if (isOperationOutcome(body)) {
    return 'the FHIR server answered with an error (OperationOutcome)';
  }
  return undefined;
}

/** Why the answer to a search is not its result, or undefined when it is. */
function searchProblem(answer: Resource): string | undefined {
  const shape = searchResultProblem(answer);
  if (shape || answer.resourceType !== 'Bundle') {
    // Never "nothing found": a Patient or a transaction response given for the medication search is
    // not an answer to it.
    return `the EHR FHIR server's answer to a search was not a search result (${shape ?? 'not a Bundle'})`;
  }
  if (bundleReportsError(answer)) {
    return 'the EHR FHIR server reported an error in its search results';
  }
  return undefined;
}

/** Why the answer to a next-page link is not a page of search results, or undefined when it is. */
function pageProblem(answer: Resource): string | undefined {
  if (answer.resourceType !== 'Bundle' || searchResultProblem(answer)) {
    return 'a next-page link did not return a page of search results';
  }
  if (bundleReportsError(answer)) {
    return 'the EHR FHIR server reported an error in its search results';
  }
  return undefined;
}

/**
 * Whether a Bundle says its search failed: an OperationOutcome entry with an issue of severity error or
 * fatal (a server reports "too costly", a timeout or a partial failure this way, inside a 200). Such a
 * Bundle's entries are not the patient's data and must not be read as "nothing found".
 */
export function bundleReportsError(bundle: Bundle): boolean {
  for (const entry of Array.isArray(bundle.entry) ? bundle.entry : []) {
    const resource = entry?.resource;
    if (resource && typeof resource === 'object' && resource.resourceType === 'OperationOutcome') {
      const issues = Array.isArray(resource.issue) ? resource.issue : [];
      if (issues.some((issue) => issue !== null && typeof issue === 'object' && (issue.severity === 'error' || issue.severity === 'fatal'))) {
        return true;
      }
    }
  }
  return false;
}

/**
 * Resources of a Bundle's entries, leaving out search-outcome OperationOutcomes and resources that cannot be
 * read as records (an `id` that is not text: key-content.ts `hasUnreadableId`, and `unreadableEntries`
 * counts them).
 */
export function bundleResources(bundle: Bundle): Resource[] {
  const out: Resource[] = [];
  for (const entry of Array.isArray(bundle.entry) ? bundle.entry : []) {
    const resource = entry?.resource;
    if (resource && typeof resource === 'object' && typeof resource.resourceType === 'string' && resource.resourceType !== 'OperationOutcome' && !hasUnreadableId(resource)) {
      out.push(resource);
    }
  }
  return out;
}

interface CallFailure {
  /** Safe to show: no token, no response body. */
  readonly message: string;
  /** A second try may succeed (5xx, 429, the connection lost); timeouts are not retried (the budget would not cover one). */
  readonly retry: boolean;
  /** Counts against the server's circuit breaker. */
  readonly serverFault?: boolean;
  /** No call was made (the breaker was open, or no time was left). */
  readonly noCall?: boolean;
  /** How long the server asked us to wait (its Retry-After), ms, when it asked. */
  readonly retryAfterMs?: number;
}

/**
 * A Retry-After, delta-seconds or HTTP-date (RFC 9110 10.2.3), in ms from now; undefined when absent or not
 * a valid value (which the RFC says to ignore).
 */
export function retryAfterMs(value: string | undefined, now: number = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) {
    return undefined;
  }
  if (/^\d+$/.test(text)) {
    return Number(text) * 1000;
  }
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** A retryable failure whose server asked for longer than `MAX_RETRY_AFTER_MS` is not retried, and says why. */
function withRetryAfter(failure: CallFailure, header: string | undefined): CallFailure {
  const asked = retryAfterMs(header);
  if (!failure.retry || asked === undefined) {
    return failure;
  }
  if (asked > MAX_RETRY_AFTER_MS) {
    return { ...failure, retry: false, message: `${failure.message}; it asked to be called again in ${Math.ceil(asked / 1000)} s` };
  }
  return { ...failure, retryAfterMs: asked };
}

/** The HTTP statuses that say the server, not the request, is at fault: 5xx and 429 (too many requests). */
function isServerStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

/**
 * What a failed call means, from the real HTTP status when an answer came (guarded-fetch.ts), else
 * from how it failed.
 */
function classify(err: unknown, status: number | undefined, timedOut: boolean): CallFailure {
  if (timedOut) {
    return { message: 'the EHR FHIR server did not answer in time', retry: false, serverFault: true };
  }
  if (err instanceof FhirResponseTooLargeError) {
    // One answer over the limit is a server not working as a FHIR server should; answers that only add up
    // to it are this patient's large record, which says nothing about the server.
    return { message: `the EHR FHIR server's answer was too large to read (${err.message})`, retry: false, serverFault: !err.together };
  }
  if (err instanceof FhirRequestNotSentError) {
    // Nothing was sent: says nothing about the server, and the same request would fail the same way again.
    return { message: 'the request to the EHR FHIR server could not be made (the access token or another header value is not valid in HTTP)', retry: false, serverFault: false };
  }
  if (err instanceof FhirRedirectError) {
    return { message: 'the EHR FHIR server answered with a redirect, which this service does not follow', retry: false, serverFault: false };
  }
  if (status !== undefined && isServerStatus(status)) {
    return { message: `the EHR FHIR server answered with an error (HTTP ${status})`, retry: true, serverFault: true };
  }
  if (err instanceof FhirResponseNotJsonError) {
    // A server answering garbage is not working, whatever its status said.
    return { message: 'the EHR FHIR server answered with something that is not JSON', retry: false, serverFault: true };
  }
  if (err instanceof FhirResponseTooDeepError) {
    // No FHIR record nests that deep: garbage too, and not read (as a request body that deep is not).
    return { message: `the EHR FHIR server's answer could not be read (${err.message})`, retry: false, serverFault: true };
  }
  if (err instanceof OperationOutcomeError) {
    // An answer from a working server that refused or did not find what was asked.
    if (status === 404) {
      return { message: 'the EHR FHIR server did not find the data (404)', retry: false, serverFault: false };
    }
    if (status === 401 || status === 403) {
      return { message: 'the EHR FHIR server refused our access token', retry: false, serverFault: false };
    }
    return { message: status === undefined ? 'the EHR FHIR server answered with an error' : `the EHR FHIR server answered with an error (HTTP ${status})`, retry: false, serverFault: false };
  }
  // No answer, or not all of it: the connection was refused, reset, or lost before the body was complete
  // (after a 200's headers too).
  return { message: 'the EHR FHIR server could not be reached', retry: true, serverFault: true };
}

/** Waits `ms`, or less if `signal` aborts first; true when the whole pause passed. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve(false);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
