// The FHIR reader against a real HTTP server that answers as sick EHR servers do: which failures
// count against the circuit breaker, which are retried once, what the clinician is told, and that an
// answer too large to hold is not read. No timings are asserted: every wait is bounded.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCircuitBreakers, serverKey } from '../../src/patient/circuit-breaker.ts';
import type { CircuitBreakers } from '../../src/patient/circuit-breaker.ts';
import { createFhirReader } from '../../src/patient/fhir-reader.ts';
import type { FhirCallOutcome } from '../../src/shared/index.ts';
import { createMetrics } from '../../src/shared/metrics.ts';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const PATIENT = JSON.stringify({ resourceType: 'Patient', id: '1' });
const fhirJson = { 'content-type': 'application/fhir+json' };
const ok: Handler = (_req, res) => {
  res.writeHead(200, fhirJson);
  res.end(PATIENT);
};

let handler: Handler = ok;
let calls = 0;
const server = http.createServer((req, res) => {
  calls++;
  handler(req, res);
});
let base = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

let breakers: CircuitBreakers;
let outcomes: FhirCallOutcome[];
beforeEach(() => {
  handler = ok;
  calls = 0;
  breakers = createCircuitBreakers({ failureThreshold: 3, coolDownMs: 60_000 });
  outcomes = [];
});

function reader(options: { requestTimeoutMs?: number; maxResponseBytes?: number } = {}) {
  return createFhirReader({
    fhirServer: base,
    accessToken: 'opaque',
    requestTimeoutMs: options.requestTimeoutMs ?? 2_000,
    breakers,
    onCall: (outcome) => outcomes.push(outcome),
    retryDelayMs: 10,
    ...(options.maxResponseBytes === undefined ? {} : { maxResponseBytes: options.maxResponseBytes }),
  });
}

/** The reader's answer to one read: the resource type, or the message the clinician would see. */
async function readOnce(r = reader(), signal = AbortSignal.timeout(10_000)): Promise<string> {
  try {
    return (await r.read('Patient/1', signal)).resourceType;
  } catch (err) {
    return (err as Error).message;
  }
}

const SERVER_FAILURES: [string, Handler][] = [
  ['503 with an HTML page', (_q, s) => {
    s.writeHead(503, { 'content-type': 'text/html' });
    s.end('<html><body>Service Unavailable</body></html>');
  }],
  ['502 with JSON that is not FHIR', (_q, s) => {
    s.writeHead(502, { 'content-type': 'application/json' });
    s.end('{"error":"bad gateway"}');
  }],
  ['500 with an OperationOutcome of code "processing"', (_q, s) => {
    s.writeHead(500, fhirJson);
    s.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing' }] }));
  }],
  ['429 too many requests', (_q, s) => {
    s.writeHead(429, { 'content-type': 'text/plain' });
    s.end('slow down');
  }],
];

describe('FHIR reader: failures of the EHR FHIR server', () => {
  for (const [label, failing] of SERVER_FAILURES) {
    it(`a ${label} is retried once, counts against the breaker by its HTTP status, and the breaker then stops the calls`, async () => {
      handler = failing;
      const r = reader();
      expect(await readOnce(r)).toMatch(/answered with an error \(HTTP (5\d\d|429)\)/);
      expect(calls).toBe(2); // the call and its one retry
      expect(breakers.isOpen(serverKey(base))).toBe(false); // 2 failures, threshold 3
      // The third failure opens the breaker, which refuses the retry: the message is still the server's answer.
      expect(await readOnce(r)).toMatch(/answered with an error \(HTTP (5\d\d|429)\)/);
      expect(calls).toBe(3);
      expect(breakers.isOpen(serverKey(base))).toBe(true);
      const before = calls;
      expect(await readOnce(r)).toMatch(/paused/);
      expect(calls).toBe(before);
    });
  }

  it("a 429 or 503 whose Retry-After asks for more than a second (seconds or an HTTP date) is not retried; one asking for no wait is", async () => {
    const inTwoMinutes = new Date(Date.now() + 120_000).toUTCString();
    for (const [status, retryAfter, expectedCalls] of [[429, '30', 1], [503, inTwoMinutes, 1], [503, ' 2 ', 1], [429, '0', 2], [503, 'soon', 2]] as const) {
      calls = 0;
      handler = (_q, s) => {
        s.writeHead(status, { 'content-type': 'text/html', 'retry-after': retryAfter });
        s.end('<html>busy</html>');
      };
      breakers = createCircuitBreakers({ failureThreshold: 3, coolDownMs: 60_000 });
      const message = await readOnce();
      expect(message, retryAfter).toMatch(new RegExp(`answered with an error \\(HTTP ${status}\\)`));
      expect(/asked to be called again in \d+ s/.test(message), message).toBe(expectedCalls === 1);
      expect(calls, `Retry-After: ${retryAfter}`).toBe(expectedCalls);
    }
  });

  it('a Retry-After of a second is waited for, so no second call is made when the budget ends sooner', async () => {
    handler = (_q, s) => {
      s.writeHead(503, { 'content-type': 'text/html', 'retry-after': '1' });
      s.end('<html>busy</html>');
    };
    expect(await readOnce(reader(), AbortSignal.timeout(500))).toMatch(/HTTP 503/);
    expect(calls).toBe(1);
  });

  it('a 503 followed by a good answer: the retry gets the resource', async () => {
    let n = 0;
    handler = (req, res) => (n++ === 0 ? SERVER_FAILURES[0]![1](req, res) : ok(req, res));
    expect(await readOnce()).toBe('Patient');
    expect(calls).toBe(2);
    expect(outcomes).toEqual(['error', 'ok']);
  });

  it('a connection dropped without an answer, then a good answer: the retry gets the resource', async () => {
    let n = 0;
    handler = (req, res) => (n++ === 0 ? req.socket.destroy() : ok(req, res));
    expect(await readOnce()).toBe('Patient');
    expect(calls).toBe(2);
  });

  it('a refusal (404, 403) is not retried and does not count against the breaker', async () => {
    for (const status of [404, 403, 404, 403]) {
      handler = (_q, s) => {
        s.writeHead(status, fhirJson);
        s.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: status === 404 ? 'not-found' : 'forbidden' }] }));
      };
      expect(await readOnce()).toMatch(status === 404 ? /did not find/ : /refused our access token/);
    }
    expect(calls).toBe(4);
    expect(breakers.isOpen(serverKey(base))).toBe(false);
  });

  it('a call that times out is not retried (the request budget would not cover a second wait) and counts against the breaker', async () => {
    handler = () => undefined; // never answers
    expect(await readOnce(reader({ requestTimeoutMs: 150 }))).toMatch(/did not answer in time/);
    expect(calls).toBe(1);
    expect(outcomes).toEqual(['timeout']);
  });

  it('a 200 that is not JSON says so, is not retried, and counts against the breaker (the server is not working)', async () => {
    handler = (_q, s) => {
      s.writeHead(200, { 'content-type': 'application/fhir+json' });
      s.end('{"resourceType": "Patient", "id": ');
    };
    for (let i = 0; i < 3; i++) expect(await readOnce()).toMatch(/not JSON/);
    expect(calls).toBe(3);
    expect(breakers.isOpen(serverKey(base))).toBe(true);
  });

  it('a 200 nested deeper than a request body may be is not read: like an answer that is not JSON, not retried, and counted against the breaker', async () => {
    handler = (_q, s) => {
      s.writeHead(200, { 'content-type': 'application/fhir+json' });
      s.end(`{"resourceType": "Patient", "id": "1", "_x": ${'['.repeat(3000)}${']'.repeat(3000)}}`);
    };
    for (let i = 0; i < 3; i++) expect(await readOnce()).toMatch(/could not be read \(the answer was JSON nested more than 64 levels deep\)/);
    expect(calls).toBe(3);
    expect(outcomes).toEqual(['error', 'error', 'error']);
    expect(breakers.isOpen(serverKey(base))).toBe(true);
  });

  it("a connection lost after a 200's headers, halfway through the body, is retried and counts against the breaker", async () => {
    let n = 0;
    handler = (req, res) => {
      if (n++ % 2 === 1) return ok(req, res);
      res.writeHead(200, { ...fhirJson, 'content-length': '1000' });
      res.write('{"resourceType":"Patient",');
      setTimeout(() => req.socket.destroy(), 10);
    };
    expect(await readOnce()).toBe('Patient');
    expect(calls).toBe(2);
    expect(outcomes).toEqual(['error', 'ok']);
    handler = (req, res) => {
      res.writeHead(200, fhirJson);
      res.write('{"resourceType":"Patient",');
      setTimeout(() => req.socket.destroy(), 10);
    };
    calls = 0;
    expect(await readOnce()).toMatch(/could not be reached/);
    expect(calls).toBe(2);
    await readOnce();
    expect(breakers.isOpen(serverKey(base))).toBe(true);
  });
});

describe('FHIR reader: only a trial call closes an open breaker', () => {
  for (const [label, status] of [['the resource', 200], ['a 401 (our token refused by a working server)', 401]] as const) {
    it(`a slow call that started before the breaker opened and answers after it with ${label} leaves the breaker open`, async () => {
      let release = (): void => undefined;
      const arrived = new Promise<void>((resolve) => {
        handler = (_q, s) => {
          release = () => {
            s.writeHead(status, fhirJson);
            s.end(status === 200 ? PATIENT : JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] }));
          };
          resolve();
        };
      });
      const slow = readOnce(reader({ requestTimeoutMs: 10_000 }));
      await arrived;
      handler = SERVER_FAILURES[0]![1];
      await readOnce(); // two failures (the call and its retry)
      await readOnce(); // the third: open
      expect(breakers.isOpen(base)).toBe(true);
      release();
      expect(await slow).toMatch(status === 200 ? /^Patient$/ : /refused our access token/);
      expect(breakers.isOpen(base)).toBe(true);
      const before = calls;
      expect(await readOnce()).toMatch(/paused/);
      expect(calls).toBe(before);
    });
  }
});

describe('FHIR reader: searches', () => {
  it('a search answered 200 with a Bundle that reports an error is a failure, not an empty result', async () => {
    handler = (_q, s) => {
      s.writeHead(200, fhirJson);
      s.end(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: [{ search: { mode: 'outcome' }, resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'too-costly' }] } }] }));
    };
    await expect(reader().search('MedicationRequest?patient=1', AbortSignal.timeout(10_000), 5)).rejects.toThrow(/reported an error in its search results/);
  });
});

// cds_fhir_fallback_duration_seconds is observed with the outcome `onCall` is given: an answer that ends
// in a gap or a 412 must be counted as a failure there, not as 'ok' (review finding F4).
describe("FHIR reader: a call's outcome is that of its judged answer", () => {
  const answering = (body: unknown): Handler => (_q, s) => {
    s.writeHead(200, fhirJson);
    s.end(JSON.stringify(body));
  };
  const searchset = (entry: unknown[], link: unknown[] = []) => ({ resourceType: 'Bundle', type: 'searchset', link, entry });
  const errorOutcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'too-costly' }] };
  const search = (r = reader()) => r.search('MedicationRequest?patient=1', AbortSignal.timeout(10_000), 5);

  it('a read answered HTTP 200 with an OperationOutcome is one error, not ok', async () => {
    handler = answering(errorOutcome);
    expect(await readOnce()).toMatch(/answered with an error \(OperationOutcome\)/);
    expect(calls).toBe(1);
    expect(outcomes).toEqual(['error']);
  });

  it('a read answered HTTP 200 with JSON that is not a FHIR resource is one error', async () => {
    handler = answering({ status: 'fine' });
    expect(await readOnce()).toMatch(/not a FHIR resource/);
    expect(outcomes).toEqual(['error']);
  });

  it('a search answered with a searchset whose OperationOutcome entry has severity error is one error', async () => {
    handler = answering(searchset([{ search: { mode: 'outcome' }, resource: errorOutcome }]));
    await expect(search()).rejects.toThrow(/reported an error in its search results/);
    expect(calls).toBe(1);
    expect(outcomes).toEqual(['error']);
  });

  it('a search answered with something that is not a search result (a Patient, a transaction response) is one error', async () => {
    for (const body of [{ resourceType: 'Patient', id: '1' }, { resourceType: 'Bundle', type: 'transaction-response', entry: [] }]) {
      handler = answering(body);
      outcomes = [];
      await expect(search()).rejects.toThrow(/was not a search result/);
      expect(outcomes, JSON.stringify(body)).toEqual(['error']);
    }
  });

  it('a next page that reports an error, or is not a page, is one error; the pages before it are ok and kept', async () => {
    const medication = { resourceType: 'MedicationRequest', id: 'm1' };
    for (const [page2, failure] of [
      [searchset([{ resource: errorOutcome }]), /reported an error in its search results/],
      [{ resourceType: 'Patient', id: '1' }, /did not return a page of search results/],
      [errorOutcome, /answered with an error \(OperationOutcome\)/],
    ] as const) {
      handler = (req, res) => answering(req.url?.includes('page=2') ? page2 : searchset([{ resource: medication }], [{ relation: 'next', url: `${base}/MedicationRequest?patient=1&page=2` }]))(req, res);
      outcomes = [];
      const result = await search();
      expect(result.resources).toEqual([medication]);
      expect(result.pageFailure).toMatch(failure);
      expect(outcomes).toEqual(['ok', 'error']);
    }
  });

  it('a good read and a good search (both of its pages) are ok, once per call', async () => {
    expect(await readOnce()).toBe('Patient');
    expect(outcomes).toEqual(['ok']);
    outcomes = [];
    handler = (req, res) =>
      answering(req.url?.includes('page=2') ? searchset([]) : searchset([{ search: { mode: 'outcome' }, resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational' }] } }], [{ relation: 'next', url: `${base}/MedicationRequest?patient=1&page=2` }]))(req, res);
    expect(await search()).toEqual({ resources: [], truncated: false, unreadable: 0 });
    expect(outcomes).toEqual(['ok', 'ok']);
  });

  it('in cds_fhir_fallback_duration_seconds: the OperationOutcome and the failed search are errors, the good read is ok', async () => {
    const metrics = createMetrics(() => 'v1');
    const r = createFhirReader({ fhirServer: base, accessToken: 'opaque', requestTimeoutMs: 2_000, onCall: metrics.observeFhirCall, retryDelayMs: 10 });
    handler = answering(errorOutcome);
    expect(await readOnce(r)).toMatch(/OperationOutcome/);
    handler = answering(searchset([{ search: { mode: 'outcome' }, resource: errorOutcome }]));
    await expect(search(r)).rejects.toThrow(/reported an error/);
    handler = ok;
    expect(await readOnce(r)).toBe('Patient');
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^cds_fhir_fallback_duration_seconds_count\{outcome="error"\} 2$/m);
    expect(text).toMatch(/^cds_fhir_fallback_duration_seconds_count\{outcome="ok"\} 1$/m);
  });
});

describe('FHIR reader: answers too large to hold', () => {
  const LIMIT = 64 * 1024;
  const big = JSON.stringify({ resourceType: 'Patient', id: '1', text: { status: 'generated', div: `<div>${'x'.repeat(LIMIT)}</div>` } });

  it('refuses an answer whose announced length is over the limit', async () => {
    handler = (_q, s) => {
      s.writeHead(200, { ...fhirJson, 'content-length': String(Buffer.byteLength(big)) });
      s.end(big);
    };
    expect(await readOnce(reader({ maxResponseBytes: LIMIT }))).toMatch(/too large to read/);
  });

  it('stops reading a streamed answer once it passes the limit', async () => {
    let written = 0;
    handler = (_q, s) => {
      s.writeHead(200, fhirJson); // chunked: no length announced
      s.write('{"resourceType":"Patient","id":"1","text":{"div":"');
      // Streams far more than the limit unless the reader stops it.
      const timer = setInterval(() => {
        if (s.destroyed || written > 64 * LIMIT) {
          clearInterval(timer);
          s.end();
          return;
        }
        written += 8 * 1024;
        s.write('x'.repeat(8 * 1024));
      }, 1);
    };
    expect(await readOnce(reader({ maxResponseBytes: LIMIT }))).toMatch(/too large to read/);
    expect(written).toBeLessThan(64 * LIMIT);
  });

  it('reads an answer under the limit', async () => {
    handler = (_q, s) => {
      s.writeHead(200, fhirJson);
      s.end(big);
    };
    expect(await readOnce(reader({ maxResponseBytes: 2 * LIMIT }))).toBe('Patient');
  });
});

describe("FHIR reader: the request's own time budget", () => {
  it('makes no call, and counts nothing, once the budget has run out', async () => {
    const spent = AbortSignal.abort();
    for (let i = 0; i < 5; i++) expect(await readOnce(reader(), spent)).toMatch(/no time was left/);
    expect(calls).toBe(0);
    expect(outcomes).toEqual([]);
    expect(breakers.allow(base)).toBeDefined();
  });

  it('a call cut off early by the budget (started late) does not count against the breaker', async () => {
    handler = () => undefined; // never answers; the budget ends long before the call's own timeout
    const r = reader({ requestTimeoutMs: 10_000 });
    for (let i = 0; i < 4; i++) {
      expect(await readOnce(r, AbortSignal.timeout(50))).toMatch(/within the time this check allows/);
    }
    expect(breakers.isOpen(serverKey(base))).toBe(false);
    expect(breakers.allow(base)).toBeDefined();
  });

  it('a call that waited at least half its own timeout when the budget ended counts (a per-call timeout as long as the budget still opens the breaker)', async () => {
    handler = () => undefined;
    const r = reader({ requestTimeoutMs: 200 });
    for (let i = 0; i < 3; i++) {
      expect(await readOnce(r, AbortSignal.timeout(150))).toMatch(/within the time this check allows/);
    }
    expect(breakers.isOpen(serverKey(base))).toBe(true);
  });
});

describe('FHIR reader: redirects are not followed', () => {
  it('a redirect to another host is not followed: that host gets no call, the token goes nowhere, and the breaker is not counted', async () => {
    const seen: string[] = [];
    const other = http.createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization ?? '-'}`);
      ok(req, res);
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const target = `http://127.0.0.1:${(other.address() as AddressInfo).port}/elsewhere/Patient/1`;
      handler = (_q, s) => {
        s.writeHead(302, { location: target });
        s.end();
      };
      expect(await readOnce()).toMatch(/redirect, which this service does not follow/);
      expect(calls).toBe(1); // not retried
      expect(seen).toEqual([]);
      expect(breakers.isOpen(serverKey(base))).toBe(false);
    } finally {
      other.closeAllConnections();
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('a redirect to another path of the same server is not followed either (the token would go outside the FHIR base)', async () => {
    const urls: string[] = [];
    handler = (req, res) => {
      urls.push(req.url ?? '');
      if (req.url?.startsWith('/fhir/')) {
        res.writeHead(307, { location: '/internal-admin/Patient/1' });
        res.end();
      } else {
        ok(req, res);
      }
    };
    expect(await readOnce()).toMatch(/redirect/);
    expect(urls).toEqual(['/fhir/Patient/1']);
  });
});

describe("FHIR reader: one byte budget for all of a check's answers", () => {
  it('answers each under the limit but over it together: the last one fails, and it does not count against the breaker', async () => {
    const LIMIT = 64 * 1024;
    const body = JSON.stringify({ resourceType: 'Patient', id: '1', text: { status: 'generated', div: `<div>${'x'.repeat(LIMIT / 4)}</div>` } });
    handler = (_q, s) => {
      s.writeHead(200, fhirJson);
      s.end(body);
    };
    const r = reader({ maxResponseBytes: LIMIT });
    expect(await readOnce(r)).toBe('Patient');
    expect(await readOnce(r)).toBe('Patient');
    expect(await readOnce(r)).toBe('Patient');
    expect(await readOnce(r)).toMatch(/larger than 65536 bytes together/);
    expect(await readOnce(r)).toMatch(/together/);
    expect(await readOnce(r)).toMatch(/together/);
    expect(breakers.isOpen(serverKey(base))).toBe(false);
    // A new check (a new reader) has its own budget.
    expect(await readOnce(reader({ maxResponseBytes: LIMIT }))).toBe('Patient');
  });
});

describe('FHIR reader: links stay on the FHIR server named', () => {
  const page = (next: string) => ({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'MedicationRequest', id: 'a', status: 'active' } }], link: [{ relation: 'next', url: next }] });
  const paths: string[] = [];
  beforeEach(() => {
    paths.length = 0;
    handler = (req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(200, fhirJson);
      res.end(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: [] }));
    };
  });

  it('does not follow a next-page link that climbs out of the server\'s path, however it is spelled: the token goes nowhere else on the host', async () => {
    for (const next of [`${base}/../admin/x`, `${base}/%2e%2e/admin/x`, `${base}/%2E%2E/%2e%2E/admin/x`, `${base}\\..\\admin\\x`, `${base}/./../admin/x`, `${base}x/y`]) {
      paths.length = 0;
      const result = await reader().followPages(page(next) as never, AbortSignal.timeout(10_000), 5);
      expect(result.pageFailure, next).toMatch(/pointed outside the EHR FHIR server/);
      expect(result.resources.map((r) => r.id), next).toEqual(['a']);
      expect(paths, next).toEqual([]);
    }
  });

  it('follows a next-page link that is the server\'s base with a query (HAPI: <base>?_getpages=…)', async () => {
    const result = await reader().followPages(page(`${base}?_getpages=abc&_getpagesoffset=1&_count=1&_bundletype=searchset`) as never, AbortSignal.timeout(10_000), 5);
    expect(result.pageFailure).toBeUndefined();
    expect(paths).toEqual(['/fhir?_getpages=abc&_getpagesoffset=1&_count=1&_bundletype=searchset']);
  });

  it('follows a next-page link under the server\'s path, sending the resolved URL', async () => {
    const result = await reader().followPages(page(`${base}/a/../MedicationRequest?page=2`) as never, AbortSignal.timeout(10_000), 5);
    expect(result.pageFailure).toBeUndefined();
    expect(paths).toEqual(['/fhir/MedicationRequest?page=2']);
  });
});

describe('FHIR reader: answers that are not what was asked count against the breaker', () => {
  const answering = (body: unknown): Handler => (_req, res) => {
    res.writeHead(200, fhirJson);
    res.end(JSON.stringify(body));
  };

  it.each([
    ['a read answered 200 with an OperationOutcome', answering({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] }), (r: ReturnType<typeof reader>) => r.read('Patient/1', AbortSignal.timeout(10_000))],
    ['a search answered 200 with an error in its Bundle', answering({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'fatal', code: 'too-costly' }] }, search: { mode: 'outcome' } }] }), (r: ReturnType<typeof reader>) => r.search('MedicationRequest?patient=1', AbortSignal.timeout(10_000), 5)],
    ['a search answered with a Patient', answering({ resourceType: 'Patient', id: '1' }), (r: ReturnType<typeof reader>) => r.search('MedicationRequest?patient=1', AbortSignal.timeout(10_000), 5)],
  ])('%s: after the threshold the breaker opens and no further call is made', async (_label, answer, ask) => {
    handler = answer;
    for (let i = 0; i < 3; i++) await expect(ask(reader())).rejects.toThrow();
    expect(breakers.isOpen(serverKey(base))).toBe(true);
    const before = calls;
    await expect(ask(reader())).rejects.toThrow(/paused/);
    expect(calls).toBe(before);
  });

  it('a good answer after such failures clears the count', async () => {
    handler = answering({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] });
    for (let i = 0; i < 2; i++) expect(await readOnce()).toMatch(/OperationOutcome/);
    handler = ok;
    expect(await readOnce()).toBe('Patient');
    handler = answering({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] });
    for (let i = 0; i < 2; i++) expect(await readOnce()).toMatch(/OperationOutcome/);
    expect(breakers.isOpen(serverKey(base))).toBe(false);
  });
});

describe('FHIR reader: a request that cannot be sent', () => {
  it('an access token HTTP cannot carry fails before any call, says so, is not retried and never opens the breaker', async () => {
    for (const accessToken of ['tok\nen', 'tok\r\nX-Injected: 1', 'tok€en']) {
      const r = createFhirReader({ fhirServer: base, accessToken, requestTimeoutMs: 2_000, breakers, onCall: (outcome) => outcomes.push(outcome), retryDelayMs: 10 });
      for (let i = 0; i < 5; i++) {
        expect(await readOnce(r)).toMatch(/could not be made \(the access token or another header value is not valid in HTTP\)/);
      }
    }
    // The server was never asked, and other clients' calls to it still go through.
    expect(calls).toBe(0);
    expect(breakers.isOpen(serverKey(base))).toBe(false);
    expect(await readOnce()).toBe('Patient');
  });
});
