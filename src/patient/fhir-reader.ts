/**
 * Reads from the EHR's FHIR server with the `fhirAuthorization` bearer token, through
 * @medplum/core's MedplumClient. One client per request: the token is request-scoped and must
 * never outlive the call (CDS Hooks 2.0: the token "MUST be treated as a transient value").
 */
import { MedplumClient, OperationOutcomeError, isOperationOutcome } from '@medplum/core';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { FhirCallOutcome } from '../shared/index.ts';
import type { CircuitBreakers } from './circuit-breaker.ts';

export type FetchLike = typeof globalThis.fetch;

export interface FhirReaderOptions {
  readonly fhirServer: string;
  readonly accessToken?: string;
  /** Timeout of one HTTP call, in ms. */
  readonly requestTimeoutMs: number;
  readonly fetch?: FetchLike;
  /** Per-server circuit breakers shared across requests. */
  readonly breakers?: CircuitBreakers;
  /** Told about every call (for metrics). */
  readonly onCall?: (outcome: FhirCallOutcome, seconds: number) => void;
}

export interface SearchResult {
  readonly resources: Resource[];
  /** True when more pages existed than we were allowed to follow. */
  readonly truncated: boolean;
}

export interface FhirReader {
  search(relativeUrl: string, signal: AbortSignal, maxPages: number): Promise<SearchResult>;
  /** Follows `next` links of a Bundle that came from elsewhere (a paginated prefetch). */
  followPages(bundle: Bundle, signal: AbortSignal, maxPages: number): Promise<SearchResult>;
  read(reference: string, signal: AbortSignal): Promise<Resource>;
}

/** A FHIR call failed; the message is safe to show (no token, no response body). */
export class FhirReadError extends Error {}

/**
 * Creates a reader bound to one FHIR server and token.
 * @param options - Server, token and timeouts.
 * @returns The reader.
 */
export function createFhirReader(options: FhirReaderOptions): FhirReader {
  const client = new MedplumClient({
    baseUrl: options.fhirServer,
    fhirUrlPath: '',
    accessToken: options.accessToken,
    cacheTime: 0,
    // One retry for idempotent GETs on 429/5xx; the request budget bounds the total.
    maxRetries: 1,
    maxRetryTime: 200,
    fetch: options.fetch ?? globalThis.fetch,
    onUnauthenticated: () => undefined,
  });
  const base = client.fhirUrl().toString().replace(/\/?$/, '/');

  const breakers = options.breakers;
  const report = options.onCall ?? (() => undefined);
  const get = async (url: string, signal: AbortSignal): Promise<Resource> => {
    if (breakers && !breakers.allow(options.fhirServer)) {
      report('circuit-open', 0);
      throw new FhirReadError('the EHR FHIR server has been failing, so calls to it are paused for a short while');
    }
    const callSignal = AbortSignal.any([signal, AbortSignal.timeout(options.requestTimeoutMs)]);
    const started = performance.now();
    let body: unknown;
    try {
      body = await client.get(url, { signal: callSignal, cache: 'no-cache' });
    } catch (err) {
      const seconds = (performance.now() - started) / 1000;
      const serverFault = callSignal.aborted || !(err instanceof OperationOutcomeError) || isServerError(err);
      if (serverFault) {
        breakers?.failed(options.fhirServer);
      } else {
        breakers?.succeeded(options.fhirServer);
      }
      report(callSignal.aborted ? 'timeout' : 'error', seconds);
      throw new FhirReadError(describeFailure(err, callSignal));
    }
    breakers?.succeeded(options.fhirServer);
    report('ok', (performance.now() - started) / 1000);
    if (!body || typeof body !== 'object' || typeof (body as Resource).resourceType !== 'string') {
      throw new FhirReadError('the FHIR server answered with something that is not a FHIR resource');
    }
    if (isOperationOutcome(body)) {
      throw new FhirReadError('the FHIR server answered with an error (OperationOutcome)');
    }
    return body as Resource;
  };

  const collect = async (first: Bundle, signal: AbortSignal, maxPages: number, pagesSoFar: number): Promise<SearchResult> => {
    const resources: Resource[] = bundleResources(first);
    let page: Bundle = first;
    let pages = pagesSoFar;
    for (;;) {
      const next = Array.isArray(page.link) ? page.link.find((l) => l !== null && typeof l === 'object' && l.relation === 'next')?.url : undefined;
      if (typeof next !== 'string' || next.length === 0) {
        return { resources, truncated: false };
      }
      if (!next.startsWith(base)) {
        // Never send the token to another host than the one the EHR named.
        throw new FhirReadError('a next-page link pointed outside the EHR FHIR server');
      }
      if (pages >= maxPages) {
        return { resources, truncated: true };
      }
      const result = await get(next, signal);
      if (result.resourceType !== 'Bundle') {
        throw new FhirReadError('a next-page link did not return a Bundle');
      }
      page = result;
      pages += 1;
      resources.push(...bundleResources(page));
    }
  };

  return {
    async search(relativeUrl, signal, maxPages) {
      const first = await get(new URL(relativeUrl, base).toString(), signal);
      if (first.resourceType !== 'Bundle') {
        return { resources: [first], truncated: false };
      }
      return collect(first, signal, maxPages, 1);
    },
    followPages(bundle, signal, maxPages) {
      return collect(bundle, signal, maxPages, 1);
    },
    read(reference, signal) {
      return get(new URL(reference, base).toString(), signal);
    },
  };
}

/** Resources of a Bundle's entries, leaving out search-outcome OperationOutcomes. */
export function bundleResources(bundle: Bundle): Resource[] {
  const out: Resource[] = [];
  for (const entry of Array.isArray(bundle.entry) ? bundle.entry : []) {
    const resource = entry?.resource;
    if (resource && typeof resource === 'object' && typeof resource.resourceType === 'string' && resource.resourceType !== 'OperationOutcome') {
      out.push(resource);
    }
  }
  return out;
}

/** 5xx and 429 answers count against the server's breaker; 4xx answers (not found, forbidden) do not. */
function isServerError(err: OperationOutcomeError): boolean {
  const code = err.outcome.issue?.[0]?.code;
  return code === 'exception' || code === 'transient' || code === 'throttled' || code === 'timeout';
}

function describeFailure(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) {
    return 'the EHR FHIR server did not answer in time';
  }
  if (err instanceof OperationOutcomeError) {
    const code = err.outcome.issue?.[0]?.code;
    if (code === 'not-found') {
      return 'the EHR FHIR server did not find the data (404)';
    }
    if (code === 'login' || code === 'security' || code === 'forbidden') {
      return 'the EHR FHIR server refused our access token';
    }
    return 'the EHR FHIR server answered with an error';
  }
  return 'the EHR FHIR server could not be reached';
}
