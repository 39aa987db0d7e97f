/**
 * Load generation: autocannon (programmatic API) for saturation and for a fixed offered rate, plus a
 * small open-loop pacer that sends at evenly spaced instants and times each request from the moment it
 * was due (no coordinated omission).
 *
 * Latency percentiles are computed here from every response (autocannon's own histogram has no p95 and,
 * with a rate set, adds synthetic samples for its coordinated-omission correction).
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import type { CorpusEntry } from './corpus.ts';
import { machineCpuSeconds, round, treeCpuSeconds } from './proc.ts';

interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  setupRequest?: (req: AutocannonRequest, context: unknown) => AutocannonRequest | null;
}

interface AutocannonOptions {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  overallRate?: number;
  timeout?: number;
  requests: AutocannonRequest[];
}

interface AutocannonResult {
  requests: { average: number; total: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  duration: number;
  statusCodeStats: Record<string, { count: number }>;
}

interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void;
  then: Promise<AutocannonResult>['then'];
}

const autocannon = createRequire(import.meta.url)('autocannon') as (opts: AutocannonOptions) => AutocannonInstance;

export interface LoadResult {
  readonly label: string;
  readonly connections: number;
  readonly offeredRate?: number;
  readonly durationS: number;
  readonly requests: number;
  readonly rps: number;
  readonly ok2xx: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly statusCodes: Record<string, number>;
  readonly latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  /** Seconds at the start whose requests are sent and counted but left out of `latencyMs` (connections opening). */
  readonly leadInS?: number;
  /** Requests whose latency is in `latencyMs` (all of them without a lead-in). */
  readonly timedRequests?: number;
  /** CPU seconds used by the server's process tree during the run. */
  readonly serverCpuS?: number;
  /** Server CPU time per completed request, ms. */
  readonly cpuMsPerRequest?: number;
  /** CPU seconds the load generator (this process) used during the run. */
  readonly loadGenCpuS: number;
  /** CPU seconds the rest of the machine (other processes, other users) used during the run. */
  readonly otherCpuS?: number;
}

function othersSince(before: { busy: number }, serverCpu: number | undefined, loadGen: number): number | undefined {
  if (serverCpu === undefined) return undefined;
  return round(Math.max(0, machineCpuSeconds().busy - before.busy - serverCpu - loadGen), 2);
}

function ownCpuS(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return round((u.user + u.system) / 1e6, 2);
}

export function percentiles(samples: Float64Array | number[], n = samples.length): LoadResult['latencyMs'] {
  const sorted = Float64Array.from(samples.slice(0, n)).sort();
  const at = (p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    p50: round(at(50), 2),
    p95: round(at(95), 2),
    p99: round(at(99), 2),
    max: round(sorted.length ? sorted[sorted.length - 1]! : 0, 2),
    mean: round(sorted.length ? sum / sorted.length : 0, 2),
  };
}

export interface LoadOptions {
  readonly label: string;
  readonly baseUrl: string;
  readonly corpus: readonly CorpusEntry[];
  readonly connections: number;
  readonly durationS?: number;
  /** Stop after this many requests instead of a duration. */
  readonly amount?: number;
  /** autocannon overallRate: requests per second for all connections together. */
  readonly overallRate?: number;
  /** Server process to charge CPU to. */
  readonly serverPid?: number;
  /** Per-request extra headers (e.g. a fresh JWT); when set, every request is built on the fly. */
  readonly headersFor?: (entry: CorpusEntry, seq: number) => Record<string, string> | undefined;
  /** Called about every 100 ms with seconds since the start (for mid-run actions). */
  readonly onTick?: (elapsedS: number) => void;
  /**
   * Runs this many seconds longer, first, and leaves the answers received in them out of the latency
   * figures (they are in the request count and the CPU per request): autocannon opens its connections
   * then, and the steady state is what is measured. With `amount`, the count includes the lead-in.
   */
  readonly leadInS?: number;
}

/** One autocannon run cycling through the corpus. */
export async function runAutocannon(options: LoadOptions): Promise<LoadResult> {
  const base = { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' } };
  let seq = 0;
  let requests: AutocannonRequest[];
  if (options.headersFor) {
    const headersFor = options.headersFor;
    const bodies = options.corpus.map((e) => Buffer.from(e.body));
    requests = [
      {
        setupRequest: (req) => {
          const i = seq++;
          const entry = options.corpus[i % options.corpus.length]!;
          const extra = headersFor(entry, i);
          if (!extra) return null;
          return { ...req, ...base, path: entry.path, headers: { ...base.headers, ...extra }, body: bodies[i % bodies.length]! };
        },
      },
    ];
  } else {
    requests = options.corpus.map((e) => ({ ...base, path: e.path, body: e.body }));
  }
  const samples: number[] = [];
  // A run bounded by a count can have a lead-in too (the JWT run at a rate): its first seconds are sent, not timed.
  const leadInS = options.leadInS ?? 0;
  let completed = 0;
  const cpuBefore = options.serverPid ? treeCpuSeconds(options.serverPid) : 0;
  const ownBefore = process.cpuUsage();
  const machineBefore = machineCpuSeconds();
  const started = performance.now();
  const timedFrom = started + leadInS * 1000;
  const instance = autocannon({
    url: options.baseUrl,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: leadInS + (options.durationS ?? 10) }),
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    timeout: 10,
    requests,
  });
  let lastResponseAt = started;
  instance.on('response', (_client, _status, _bytes, responseTime) => {
    completed++;
    lastResponseAt = performance.now();
    if (leadInS === 0 || performance.now() >= timedFrom) samples.push(responseTime);
  });
  const ticker = options.onTick
    ? setInterval(() => options.onTick!((performance.now() - started) / 1000), 100)
    : undefined;
  const result = await instance;
  if (ticker) clearInterval(ticker);
  const elapsedS = (performance.now() - started) / 1000;
  const cpu = options.serverPid ? treeCpuSeconds(options.serverPid) - cpuBefore : undefined;
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = count;
  return {
    label: options.label,
    connections: options.connections,
    ...(options.overallRate ? { offeredRate: options.overallRate } : {}),
    durationS: round(elapsedS, 2),
    requests: completed,
    // A run bounded by a count ends at its last answer: autocannon's own duration runs on to its next
    // one-second tick, which understated such runs by up to 9 %.
    rps: round(completed / (options.amount ? Math.max(0.001, (lastResponseAt - started) / 1000) : result.duration || elapsedS)),
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    latencyMs: percentiles(samples),
    ...(leadInS > 0 ? { leadInS, timedRequests: samples.length } : {}),
    ...(cpu === undefined ? {} : { serverCpuS: round(cpu, 2), cpuMsPerRequest: completed > 0 ? round((cpu * 1000) / completed, 3) : 0 }),
    loadGenCpuS: ownCpuS(ownBefore),
    ...(cpu === undefined ? {} : { otherCpuS: othersSince(machineBefore, cpu, ownCpuS(ownBefore)) }),
  };
}

/**
 * When each request of an open-loop run is due, ms after its start: evenly spaced (i / rate), or at random
 * instants with exponential gaps of mean 1 / rate (a Poisson process: independent clients, as the
 * clinicians behind an EHR are), from a fixed seed so every run offers the same instants.
 */
export function arrivalTimes(count: number, rate: number, arrivals: 'even' | 'poisson', seed = 1): Float64Array {
  const at = new Float64Array(count);
  if (arrivals === 'even') {
    for (let i = 0; i < count; i++) at[i] = (i * 1000) / rate;
    return at;
  }
  // mulberry32: a small seeded generator (Math.random cannot be seeded).
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let now = 0;
  for (let i = 0; i < count; i++) {
    at[i] = now;
    now += (-Math.log(1 - random()) * 1000) / rate;
  }
  return at;
}

/**
 * Open loop: request i is due at start + its arrival time ({@link arrivalTimes}: evenly spaced unless
 * `arrivals` is 'poisson'); latency counts from when it was due, so a slow answer that delays later
 * sends is charged to them too. Bounded by `leadInS + durationS`; the requests due in the first `leadInS`
 * seconds (sockets opening) are sent and counted but not timed.
 */
export async function runPaced(options: { label: string; baseUrl: string; corpus: readonly CorpusEntry[]; rate: number; durationS: number; leadInS?: number; serverPid?: number; maxSockets?: number; arrivals?: 'even' | 'poisson' }): Promise<LoadResult> {
  const url = new URL(options.baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const bodies = options.corpus.map((e) => ({ path: e.path, body: Buffer.from(e.body) }));
  const leadInS = options.leadInS ?? 0;
  const untimed = Math.round(options.rate * leadInS);
  const total = untimed + Math.round(options.rate * options.durationS);
  const samples = new Float64Array(total);
  const dueMs = arrivalTimes(total, options.rate, options.arrivals ?? 'even');
  const statusCodes: Record<string, number> = {};
  let done = 0;
  let errors = 0;
  let ok2xx = 0;
  let sent = 0;
  const cpuBefore = options.serverPid ? treeCpuSeconds(options.serverPid) : 0;
  const ownBefore = process.cpuUsage();
  const machineBefore = machineCpuSeconds();
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const finishOne = (): void => {
      if (++done === total) resolve();
    };
    const send = (i: number, dueAt: number): void => {
      const { path, body } = bodies[i % bodies.length]!;
      const req = http.request(
        { host: url.hostname, port: url.port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } },
        (res) => {
          res.resume();
          res.on('end', () => {
            samples[i] = performance.now() - dueAt;
            const code = String(res.statusCode);
            statusCodes[code] = (statusCodes[code] ?? 0) + 1;
            if (res.statusCode && res.statusCode >= 200 && res.statusCode < 300) ok2xx++;
            finishOne();
          });
        }
      );
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        samples[i] = performance.now() - dueAt;
        errors++;
        finishOne();
      });
      req.end(body);
    };
    const tick = (): void => {
      const elapsed = performance.now() - start;
      while (sent < total && dueMs[sent]! <= elapsed) {
        send(sent, start + dueMs[sent]!);
        sent++;
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  const elapsedS = (performance.now() - start) / 1000;
  agent.destroy();
  const cpu = options.serverPid ? treeCpuSeconds(options.serverPid) - cpuBefore : undefined;
  return {
    label: options.label,
    connections: options.maxSockets ?? 64,
    offeredRate: options.rate,
    durationS: round(elapsedS, 2),
    requests: done,
    rps: round(done / elapsedS),
    ok2xx,
    non2xx: done - ok2xx - errors,
    errors,
    timeouts: 0,
    statusCodes,
    latencyMs: percentiles(samples.subarray(untimed, Math.max(untimed, done))),
    ...(leadInS > 0 ? { leadInS, timedRequests: Math.max(0, done - untimed) } : {}),
    ...(cpu === undefined ? {} : { serverCpuS: round(cpu, 2), cpuMsPerRequest: done > 0 ? round((cpu * 1000) / done, 3) : 0 }),
    loadGenCpuS: ownCpuS(ownBefore),
    ...(cpu === undefined ? {} : { otherCpuS: othersSince(machineBefore, cpu, ownCpuS(ownBefore)) }),
  };
}
