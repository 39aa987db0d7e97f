/**
 * Load benchmark of the CDS service (npm run bench). See docs/benchmark.md.
 *
 * Starts the real service as a child process (`node src/start.ts`, as `npm start`) on embedded defaults, drives it
 * with autocannon through a corpus built from fixtures/, and prints a table; the same run measures
 * a bare Node http server (the floor). Results go to .data/bench/<timestamp>.json.
 *
 *   node scripts/bench/run.ts [--quick] [--workers 1,2] [--skip fresh,floor,jwt,reload,stall,semi] [--duration 8] [--help]
 *
 * Only 127.0.0.1 is loaded; every run is bounded in time or count and stops by itself.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { INCOMPLETE_TOPIC_CODE } from '../../src/cards/codes.ts';
import { BenchUsageError, USAGE, parseBenchArgs } from './args.ts';
import type { BenchArgs } from './args.ts';
import { loadOrCreateDevKeys, mintDevToken } from '../../src/security/index.ts';
import { buildCandidates, selectCorpus } from './corpus.ts';
import type { CorpusEntry } from './corpus.ts';
import { runAutocannon, runPaced } from './load.ts';
import type { LoadResult } from './load.ts';
import { processTree, round } from './proc.ts';
import { copyRules, reloadUnderLoad, removeDir, startStallServer, stalledFhirServer } from './scenarios.ts';
import type { ReloadResult, StallResult } from './scenarios.ts';
import { startServer } from './service.ts';
import type { RunningServer } from './service.ts';

/** The V8 flags `npm start` uses (PGlite memory: see docs/benchmark.md). */
const START_NODE_FLAGS = ['--max-semi-space-size=16', '--no-wasm-tier-up', '--no-wasm-dynamic-tiering'];
/** The entry `npm start` runs (compile cache on, then src/main.ts). */
const SERVICE_ENTRY = 'src/start.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Parses the command line; a mistake prints what is wrong and the usage, and exits 2 (no stack trace). */
function readArgs(): BenchArgs {
  try {
    const parsed = parseBenchArgs(process.argv.slice(2));
    if (parsed === 'help') {
      console.log(USAGE);
      process.exit(0);
    }
    return parsed;
  } catch (err) {
    if (err instanceof BenchUsageError) {
      console.error(`${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    throw err;
  }
}

const args = readArgs();
/** The flags every service process runs with in this benchmark: npm start's, then --node-flags. */
const SERVICE_NODE_FLAGS = [...START_NODE_FLAGS, ...args.nodeFlags];
const quick = args.quick;
const skip = args.skip;
const SAT_S = args.durationS;
const SAT_CONNECTIONS = args.connections;
const LAT_S = quick ? 5 : 10;
const RATE = 1000;
const RATE_CONNECTIONS = 20;
/**
 * The 1,000/s runs send at their rate for this long first without timing it: the load generator's
 * connections open then (the service keeps them 65 s; EHRs keep theirs), and the steady state is timed.
 */
const LEAD_IN_S = 1;
/**
 * Load before measuring, per service start: V8's optimising compiler takes ~20-30 s of load to settle
 * (background compilation 0.13 ms per request after 3 s of load, 0.05 ms after 30 s: docs/benchmark.md),
 * and a CDS service runs for days. Start-up itself is measured on its own.
 */
const WARMUP_S = quick ? 5 : 20;
const WORKER_COUNTS = args.workers;
/**
 * Start-ups timed per configuration, each kind (a restart, an empty DATA_DIR) this many times, turn about:
 * the target figure is their median. One start is a poor sample on a shared VM: the same start took
 * 735–1,490 ms within one minute (docs/benchmark.md). Every sample is printed.
 */
const START_SAMPLES = quick ? 1 : 3;

const log = (msg: string): void => console.error(`[bench] ${msg}`);

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    totalMemoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((l) => round(l, 2)),
    commit: (() => {
      try {
        return execSync('git rev-parse --short HEAD', { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
      } catch {
        return undefined;
      }
    })(),
  };
}

/** Embedded defaults, with the two settings a load test on one address must change. */
function serviceEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    // As `npm start` sets it (glibc malloc arenas; docs/benchmark.md).
    MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
    // As `npm start` sets it: the compile cache is on before the entry's first line (src/start.ts).
    NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? path.join(ROOT, 'node_modules', '.cache', 'node-compile-cache'),
    CDS_AUTH: 'off',
    RATE_LIMIT_PER_MINUTE: '0',
    NODE_ENV: '',
    DATA_DIR: dataDir,
    ...extra,
  };
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const outDir = path.join(ROOT, '.data', 'bench');
mkdirSync(outDir, { recursive: true });
// A private data folder per run: the embedded store and dev keys never touch the developer's .data/.
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cds-bench-data-'));

async function startService(env: Record<string, string>, workers: number): Promise<RunningServer> {
  const server = await startServer({ args: [...SERVICE_NODE_FLAGS, SERVICE_ENTRY], env: { ...serviceEnv(env), WORKERS: String(workers) }, cwd: ROOT });
  log(`service up in ${round(server.readyMs)} ms (pid ${server.pid}, ${processTree(server.pid).length} process(es), WORKERS=${workers})`);
  return server;
}

async function probe(server: RunningServer, entries: CorpusEntry[]): Promise<{ incomplete: number; failed: string[] }> {
  let incomplete = 0;
  const failed: string[] = [];
  for (const e of entries) {
    const res = await fetch(`${server.baseUrl}${e.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: e.body });
    const json = (await res.json()) as { cards?: { source?: { topic?: { code?: string } } }[] };
    if (res.status !== 200) {
      failed.push(`${e.name}: ${res.status}`);
      continue;
    }
    e.cards = json.cards?.length ?? 0;
    if (json.cards?.some((c) => c.source?.topic?.code === INCOMPLETE_TOPIC_CODE)) incomplete++;
  }
  return { incomplete, failed };
}

interface ConfigResult {
  readonly workers: number;
  readonly processes: number;
  readonly readyMs: number;
  readonly saturation: LoadResult[];
  readonly best?: LoadResult;
  readonly atRate: LoadResult;
  readonly paced: LoadResult;
  /** The same rate at random instants (Poisson arrivals). */
  readonly poisson: LoadResult;
  readonly peakRssMb: number;
  readonly peakHwmMb: number;
  /** Each process's peak (VmHWM), the primary first when there are workers. */
  readonly perProcessMb: { pid: number; hwmMb: number }[];
  /** Spawn to ready on a restart (the database is there): each sample, in the order taken. */
  readonly readySamplesMs: number[];
  /** Spawn to ready on an empty DATA_DIR (PGlite creates its database), median of the samples. */
  readonly freshReadyMs?: number;
  readonly freshSamplesMs?: number[];
}

/** The middle sample (the lower middle of an even count). */
function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

function clean(r: LoadResult): boolean {
  return r.errors === 0 && r.timeouts === 0 && r.non2xx === 0;
}

function bestOf(runs: readonly LoadResult[]): LoadResult | undefined {
  return runs.filter(clean).sort((a, b) => b.rps - a.rps)[0];
}

async function saturate(label: string, server: RunningServer, corpus: readonly CorpusEntry[]): Promise<LoadResult[]> {
  const runs: LoadResult[] = [];
  for (const connections of SAT_CONNECTIONS) {
    const r = await runAutocannon({ label, baseUrl: server.baseUrl, corpus, connections, durationS: SAT_S, serverPid: server.pid });
    log(`${label}: ${connections} connections -> ${r.rps} req/s, p99 ${r.latencyMs.p99} ms, errors ${r.errors + r.timeouts}, non-2xx ${r.non2xx}, CPU in ${r.durationS} s: server ${r.serverCpuS ?? '-'} s, load generator ${r.loadGenCpuS} s, other processes ${r.otherCpuS ?? '-'} s`);
    runs.push(r);
  }
  return runs;
}

/** Spawn to ready, then stop: on an empty data folder (PGlite's first start creates the database), or on the run's own (a restart). */
async function timeStart(workers: number, kind: 'fresh' | 'restart'): Promise<number> {
  const dir = kind === 'fresh' ? mkdtempSync(path.join(os.tmpdir(), 'cds-bench-fresh-')) : dataDir;
  try {
    const server = await startServer({ args: [...SERVICE_NODE_FLAGS, SERVICE_ENTRY], env: { ...serviceEnv({ DATA_DIR: dir }), WORKERS: String(workers) }, cwd: ROOT });
    server.rss.stop();
    const code = await server.stop();
    if (code !== 0) throw new Error(`service exited with code ${code} after a timed start: ${server.stderr().slice(-2000)}`);
    log(`${kind === 'fresh' ? 'empty DATA_DIR' : 'restart'}: ready in ${round(server.readyMs)} ms (WORKERS=${workers})`);
    return round(server.readyMs);
  } finally {
    if (kind === 'fresh') rmSync(dir, { recursive: true, force: true });
  }
}

/** {@link START_SAMPLES} starts of each kind, turn about (so a slow minute of the VM falls on both). */
async function timeStarts(workers: number): Promise<{ restart: number[]; fresh?: number[] }> {
  const restart: number[] = [];
  const fresh: number[] = [];
  for (let i = 0; i < START_SAMPLES; i++) {
    if (!skip.has('fresh')) fresh.push(await timeStart(workers, 'fresh'));
    restart.push(await timeStart(workers, 'restart'));
  }
  return { restart, ...(skip.has('fresh') ? {} : { fresh }) };
}

async function measureConfig(workers: number, corpus: readonly CorpusEntry[]): Promise<ConfigResult> {
  const starts = await timeStarts(workers);
  const server = await startService({}, workers);
  try {
    const processes = processTree(server.pid).length;
    await runAutocannon({ label: 'warm-up', baseUrl: server.baseUrl, corpus, connections: 16, durationS: WARMUP_S });
    const saturation = await saturate(`saturation (${workers} worker${workers > 1 ? 's' : ''})`, server, corpus);
    const atRate = await runAutocannon({ label: `autocannon overallRate ${RATE}/s`, baseUrl: server.baseUrl, corpus, connections: RATE_CONNECTIONS, durationS: LAT_S, leadInS: LEAD_IN_S, overallRate: RATE, serverPid: server.pid });
    log(`${RATE}/s (autocannon, ${RATE_CONNECTIONS} connections): p50 ${atRate.latencyMs.p50} p95 ${atRate.latencyMs.p95} p99 ${atRate.latencyMs.p99} ms`);
    const paced = await runPaced({ label: `open loop, evenly spaced ${RATE}/s`, baseUrl: server.baseUrl, corpus, rate: RATE, durationS: LAT_S, leadInS: LEAD_IN_S, serverPid: server.pid });
    log(`${RATE}/s (paced open loop): p50 ${paced.latencyMs.p50} p95 ${paced.latencyMs.p95} p99 ${paced.latencyMs.p99} ms`);
    const poisson = await runPaced({ label: `open loop, random arrivals ${RATE}/s`, baseUrl: server.baseUrl, corpus, rate: RATE, durationS: LAT_S, leadInS: LEAD_IN_S, serverPid: server.pid, arrivals: 'poisson' });
    log(`${RATE}/s (open loop, random arrivals): p50 ${poisson.latencyMs.p50} p95 ${poisson.latencyMs.p95} p99 ${poisson.latencyMs.p99} ms`);
    const mem = server.rss.stop();
    const best = bestOf(saturation);
    return {
      workers,
      processes,
      readyMs: median(starts.restart),
      readySamplesMs: starts.restart,
      ...(starts.fresh ? { freshReadyMs: median(starts.fresh), freshSamplesMs: starts.fresh } : {}),
      saturation,
      ...(best ? { best } : {}),
      atRate,
      paced,
      poisson,
      peakRssMb: mem.peakRssMb,
      peakHwmMb: mem.peakHwmMb,
      perProcessMb: mem.perProcessMb,
    };
  } finally {
    const code = await server.stop();
    if (code !== 0) log(`service exited with code ${code}: ${server.stderr().slice(-2000)}`);
  }
}

async function measureFloor(corpus: readonly CorpusEntry[]): Promise<{ saturation: LoadResult[]; best?: LoadResult; readyMs: number }> {
  const floor = await startServer({ args: ['scripts/bench/floor-server.ts'], env: {}, cwd: ROOT });
  try {
    await runAutocannon({ label: 'warm-up', baseUrl: floor.baseUrl, corpus, connections: 16, durationS: WARMUP_S });
    const saturation = await saturate('floor (bare node:http, parse only)', floor, corpus);
    const best = bestOf(saturation);
    return { saturation, ...(best ? { best } : {}), readyMs: round(floor.readyMs) };
  } finally {
    await floor.stop();
  }
}

interface JwtResult {
  readonly workers: number;
  readonly mintMsPerToken: number;
  readonly atRate: LoadResult;
  readonly saturation: LoadResult;
  readonly refused401: number;
}

async function measureJwt(corpus: readonly CorpusEntry[], noAuthBest: number, workers: number): Promise<JwtResult> {
  const keysDir = path.join(dataDir, 'dev-keys');
  const keys = await loadOrCreateDevKeys(keysDir);
  const server = await startServer({ args: [...SERVICE_NODE_FLAGS, SERVICE_ENTRY], env: { ...serviceEnv({ CDS_AUTH: 'required', DEV_KEYS_DIR: keysDir, CDS_TRUST_DEV_ISSUER: 'true' }), WORKERS: String(workers) }, cwd: ROOT });
  log(`JWT service up in ${round(server.readyMs)} ms (WORKERS=${workers})`);
  try {
    const base = `http://localhost:${server.port}`;
    const paths = [...new Set(corpus.map((e) => e.path))];
    // Each request needs its own token: jti replays are refused. Mint the pools before loading.
    const mintPool = async (count: number): Promise<Map<string, string[]>> => {
      const pools = new Map<string, string[]>();
      for (const p of paths) {
        const share = Math.ceil((count * corpus.filter((e) => e.path === p).length) / corpus.length) + 64;
        const tokens: string[] = [];
        for (let i = 0; i < share; i += 500) {
          tokens.push(...(await Promise.all(Array.from({ length: Math.min(500, share - i) }, () => mintDevToken(keys, `${base}${p}`, { ttlSeconds: 600 })))));
        }
        pools.set(p, tokens);
      }
      return pools;
    };
    const headersFrom = (pools: Map<string, string[]>) => (entry: CorpusEntry) => {
      const token = pools.get(entry.path)!.pop();
      return token ? { authorization: `Bearer ${token}` } : undefined;
    };
    // Like the unauthenticated 1,000/s rows: the first LEAD_IN_S seconds are sent, not timed (connections open).
    const atRateCount = RATE * (LAT_S + LEAD_IN_S);
    const mintStart = performance.now();
    const warm = await mintPool(2000);
    const mintMsPerToken = round((performance.now() - mintStart) / [...warm.values()].reduce((s, l) => s + l.length, 0), 3);
    await runAutocannon({ label: 'warm-up', baseUrl: server.baseUrl, corpus, connections: 16, amount: 1800, serverPid: server.pid, headersFor: headersFrom(warm) });
    const ratePool = await mintPool(atRateCount);
    const atRate = await runAutocannon({ label: `JWT, autocannon overallRate ${RATE}/s`, baseUrl: server.baseUrl, corpus, connections: RATE_CONNECTIONS, amount: atRateCount, overallRate: RATE, leadInS: LEAD_IN_S, serverPid: server.pid, headersFor: headersFrom(ratePool) });
    log(`JWT ${RATE}/s (${workers} worker(s)): p50 ${atRate.latencyMs.p50} p95 ${atRate.latencyMs.p95} p99 ${atRate.latencyMs.p99} ms, non-2xx ${atRate.non2xx}`);
    // Saturation: as many tokens as the unauthenticated best rate would use in SAT_S seconds.
    const satCount = Math.max(4000, Math.round(noAuthBest * SAT_S));
    const satPool = await mintPool(satCount);
    const connections = SAT_CONNECTIONS[Math.min(1, SAT_CONNECTIONS.length - 1)]!;
    const saturation = await runAutocannon({ label: 'JWT saturation', baseUrl: server.baseUrl, corpus, connections, amount: satCount, serverPid: server.pid, headersFor: headersFrom(satPool) });
    log(`JWT saturation (${workers} worker(s), ${connections} connections): ${saturation.rps} req/s, p99 ${saturation.latencyMs.p99} ms, non-2xx ${saturation.non2xx}`);
    return { workers, mintMsPerToken, atRate, saturation, refused401: (atRate.statusCodes['401'] ?? 0) + (saturation.statusCodes['401'] ?? 0) };
  } finally {
    server.rss.stop();
    await server.stop();
  }
}

async function measureReload(corpus: readonly CorpusEntry[], workers: number): Promise<ReloadResult> {
  const rulesCopy = await copyRules(path.join(ROOT, 'rules'));
  const server = await startServer({ args: [...SERVICE_NODE_FLAGS, SERVICE_ENTRY], env: { ...serviceEnv({ RULES_DIR: rulesCopy }), WORKERS: String(workers) }, cwd: ROOT });
  try {
    await runAutocannon({ label: 'warm-up', baseUrl: server.baseUrl, corpus, connections: 16, durationS: WARMUP_S });
    const durationS = quick ? 6 : 10;
    const result = await reloadUnderLoad(server, rulesCopy, corpus, { rate: RATE, connections: RATE_CONNECTIONS, durationS, atS: [durationS * 0.3, durationS * 0.6], workers });
    log(`reload under load: ${result.rewrites} rewrites, versions ${result.versions.join(' -> ')}, visible after ${result.reloadVisibleMs.join(', ')} ms, failed ${result.failed}`);
    return result;
  } finally {
    server.rss.stop();
    await server.stop();
    await removeDir(rulesCopy);
  }
}

async function measureStall(corpus: readonly CorpusEntry[]): Promise<StallResult> {
  const stall = await startStallServer();
  const budgetMs = 2500;
  const server = await startServer({ args: [...SERVICE_NODE_FLAGS, SERVICE_ENTRY], env: { ...serviceEnv({ FHIR_BUDGET_MS: String(budgetMs) }), WORKERS: '1' }, cwd: ROOT });
  try {
    const result = await stalledFhirServer(server, corpus, stall.url, { requests: quick ? 30 : 60, concurrency: 10, budgetMs, incompleteTopic: INCOMPLETE_TOPIC_CODE, connections: stall.connections });
    log(`stalled FHIR server: ${JSON.stringify(result.statusCodes)}, incomplete cards ${result.incompleteCards}, p50 ${result.latencyMs.p50} max ${result.latencyMs.max} ms, over budget ${result.overBudget}`);
    return result;
  } finally {
    server.rss.stop();
    await server.stop();
    await stall.close();
  }
}

function perProcessText(c: ConfigResult): string {
  if (c.perProcessMb.length <= 1) return `${c.perProcessMb[0]?.hwmMb ?? c.peakHwmMb} MB (one process: service and store)`;
  const [primary, ...workers] = c.perProcessMb;
  return `primary (store) ${primary!.hwmMb} MB, workers ${workers.map((w) => `${w.hwmMb} MB`).join(', ')}`;
}

interface SemiResult {
  /** The node flags of this run (npm start's without --max-semi-space-size). */
  readonly flags: string;
  readonly run: LoadResult;
  readonly peakRssMb: number;
}

/**
 * One process with V8's own young generation size (without `--max-semi-space-size=16`): what that
 * flag of `npm start` saves in memory and costs in CPU (docs/benchmark.md).
 */
async function measureSemi(corpus: readonly CorpusEntry[]): Promise<SemiResult> {
  const flags = SERVICE_NODE_FLAGS.filter((f) => !f.startsWith('--max-semi-space-size'));
  const server = await startServer({ args: [...flags, SERVICE_ENTRY], env: { ...serviceEnv(), WORKERS: '1' }, cwd: ROOT });
  try {
    await runAutocannon({ label: 'warm-up', baseUrl: server.baseUrl, corpus, connections: 16, durationS: WARMUP_S });
    const connections = SAT_CONNECTIONS[SAT_CONNECTIONS.length - 1]!;
    const run = await runAutocannon({ label: 'saturation, V8 default semi-space', baseUrl: server.baseUrl, corpus, connections, durationS: SAT_S, serverPid: server.pid });
    const mem = server.rss.stop();
    log(`V8 default semi-space: ${run.rps} req/s at ${connections} connections, CPU ${run.cpuMsPerRequest} ms/request, peak RSS ${mem.peakRssMb} MB`);
    return { flags: flags.join(' '), run, peakRssMb: mem.peakRssMb };
  } finally {
    await server.stop();
  }
}

function pad(s: string | number, n: number): string {
  return String(s).padStart(n);
}

/** "650 ms (median of 600, 650, 700)", or "650 ms" for one sample. */
function startText(medianMs: number, samples: readonly number[]): string {
  return samples.length > 1 ? `${medianMs} ms (median of ${samples.join(', ')})` : `${medianMs} ms`;
}

function row(name: string, r: LoadResult, workers: number | string): string {
  const l = r.latencyMs;
  return `${name.padEnd(44)}${pad(workers, 3)}${pad(r.connections, 6)}${pad(r.rps, 8)}${pad(l.p50, 8)}${pad(l.p95, 8)}${pad(l.p99, 8)}${pad(l.max, 9)}${pad(r.errors, 6)}${pad(r.non2xx, 7)}${pad(r.cpuMsPerRequest ?? '-', 8)}${pad(r.otherCpuS === undefined ? '-' : `${Math.round((100 * r.otherCpuS) / (r.durationS * os.availableParallelism()))}%`, 7)}`;
}

async function main(): Promise<void> {
  const info = machine();
  log(`machine: ${info.cpuModel as string}, ${info.cores as number} cores, ${info.totalMemoryGiB as number} GiB, Node ${info.node as string}, ${info.date as string}`);
  if (args.nodeFlags.length > 0) {
    log(`experiment: every service process also runs with ${args.nodeFlags.join(' ')} (not what npm start runs)`);
  }
  log('load runs use CDS_AUTH=off and RATE_LIMIT_PER_MINUTE=0: one client address would otherwise hit the per-client rate limit, and JWT cost is measured separately below');

  const candidates = buildCandidates(path.join(ROOT, 'fixtures'), 2).filter((c) => c.prefetched >= 30);
  const probeServer = await startService({}, 1);
  const probed = await probe(probeServer, candidates);
  probeServer.rss.stop();
  await probeServer.stop();
  if (probed.failed.length > 0) throw new Error(`corpus requests failed: ${probed.failed.slice(0, 5).join('; ')}`);
  const corpus = selectCorpus(candidates, args.corpusSize);
  const withCards = corpus.filter((e) => (e.cards ?? 0) > 0).length;
  const sizes = corpus.map((e) => e.body.length);
  const corpusInfo = {
    requests: corpus.length,
    candidates: candidates.length,
    withCards,
    cardShare: round(withCards / corpus.length, 2),
    incompleteInProbe: probed.incomplete,
    prefetched: { min: Math.min(...corpus.map((e) => e.prefetched)), max: Math.max(...corpus.map((e) => e.prefetched)) },
    drafts: corpus.reduce<Record<number, number>>((a, e) => ((a[e.drafts] = (a[e.drafts] ?? 0) + 1), a), {}),
    bodyKiB: { min: round(Math.min(...sizes) / 1024, 1), mean: round(sizes.reduce((a, b) => a + b, 0) / sizes.length / 1024, 1), max: round(Math.max(...sizes) / 1024, 1) },
  };
  log(`corpus: ${JSON.stringify(corpusInfo)}`);

  const configs: ConfigResult[] = [];
  for (const workers of WORKER_COUNTS) configs.push(await measureConfig(workers, corpus));
  const floor = skip.has('floor') ? undefined : await measureFloor(corpus);
  const base = configs[0]!;
  // Authenticated calls: one process, and the largest cluster (the production configuration), where
  // every token's jti goes to the primary's store over IPC.
  const jwt: { result: JwtResult; noAuth: ConfigResult }[] = [];
  if (!skip.has('jwt')) {
    for (const c of configs.filter((x, i) => i === 0 || (i === configs.length - 1 && x.workers !== configs[0]!.workers))) {
      jwt.push({ result: await measureJwt(corpus, c.best?.rps ?? 2000, c.workers), noAuth: c });
    }
  }
  const reload = skip.has('reload') ? undefined : await measureReload(corpus, Math.max(...WORKER_COUNTS));
  const stall = skip.has('stall') ? undefined : await measureStall(corpus);
  const semi = skip.has('semi') ? undefined : await measureSemi(corpus);

  // ---- report ----
  const lines: string[] = [];
  lines.push(`CDS service benchmark  ${info.date as string}  commit ${info.commit as string}`);
  lines.push(`machine: ${info.cpuModel as string}, ${info.cores as number} cores, ${info.totalMemoryGiB as number} GiB RAM, Node ${info.node as string}; load generator on the same machine`);
  lines.push(`corpus: ${corpus.length} requests, ${corpusInfo.prefetched.min}-${corpusInfo.prefetched.max} prefetched resources, drafts ${JSON.stringify(corpusInfo.drafts)}, ${Math.round(corpusInfo.cardShare * 100)} % with cards, body ${corpusInfo.bodyKiB.mean} KiB mean`);
  lines.push('');
  lines.push(`${'run'.padEnd(44)}${pad('wk', 3)}${pad('conns', 6)}${pad('req/s', 8)}${pad('p50', 8)}${pad('p95', 8)}${pad('p99', 8)}${pad('max', 9)}${pad('err', 6)}${pad('non2xx', 7)}${pad('cpu ms', 8)}${pad('other', 7)}`);
  for (const c of configs) {
    for (const r of c.saturation) lines.push(row(`saturation`, r, c.workers));
    lines.push(row(`${RATE}/s offered (autocannon overallRate)`, c.atRate, c.workers));
    lines.push(row(`${RATE}/s offered (open loop, evenly spaced)`, c.paced, c.workers));
    lines.push(row(`${RATE}/s offered (open loop, random arrivals)`, c.poisson, c.workers));
  }
  if (floor) for (const r of floor.saturation) lines.push(row('floor: bare node:http, JSON.parse only', r, 1));
  for (const { result } of jwt) {
    lines.push(row(`JWT (ES384) ${RATE}/s offered`, result.atRate, result.workers));
    lines.push(row('JWT (ES384) saturation', result.saturation, result.workers));
  }
  if (reload) lines.push(row(`rule reload x${reload.rewrites} during ${RATE}/s`, reload.load, Math.max(...WORKER_COUNTS)));
  if (semi) lines.push(row('saturation, V8 default semi-space', semi.run, 1));
  lines.push('');
  lines.push('latency in ms; "cpu ms" = service CPU time (all its processes) per request; "other" = share of the machine\'s CPU taken by other processes during the run (noise)');
  lines.push(`"1000/s offered" rows: each sends for ${LEAD_IN_S} s first (its connections open) and times the ${LAT_S} s after it; req/s and cpu ms count every request`);
  for (const c of configs) {
    const b = c.best;
    if (b?.serverCpuS !== undefined && b.requests > 0) {
      const s = b.serverCpuS / b.requests;
      const l = b.loadGenCpuS / b.requests;
      const cores = os.availableParallelism();
      // Service and load generator share the cores. (No cap of one core per worker: a worker's CPU time
      // includes its helper threads, garbage collector and thread pool, and the primary's is counted too.)
      const model = Math.round(cores / (s + l));
      lines.push(`workers=${c.workers}: CPU per request ${round(s * 1000, 3)} ms service + ${round(l * 1000, 3)} ms load generator -> about ${model} req/s if nothing else ran on the ${cores} cores (a model from the CPU figures, not a measurement)`);
    }
    lines.push(`workers=${c.workers} (${c.processes} process(es)): best saturation ${c.best ? `${c.best.rps} req/s at ${c.best.connections} connections` : 'none without errors'}; start-up to ready ${startText(c.readyMs, c.readySamplesMs)}${c.freshReadyMs === undefined ? '' : `, on an empty DATA_DIR ${startText(c.freshReadyMs, c.freshSamplesMs ?? [])}`}; peak RSS ${c.peakRssMb} MB (sum of processes), largest process ${c.peakHwmMb} MB`);
    lines.push(`workers=${c.workers}: peak RSS per process: ${perProcessText(c)}`);
  }
  if (configs.length > 1 && configs[0]!.best && configs[configs.length - 1]!.best) {
    const first = configs[0]!;
    const last = configs[configs.length - 1]!;
    lines.push(`scaling ${first.workers} -> ${last.workers} workers: ${round(last.best!.rps / first.best!.rps, 2)}x (${first.best!.rps} -> ${last.best!.rps} req/s; the load generator shares the ${info.cores as number} cores)`);
  }
  if (floor?.best) {
    for (const c of configs) {
      if (c.best) lines.push(`floor ${floor.best.rps} req/s: workers=${c.workers} reaches ${Math.round((c.best.rps / floor.best.rps) * 100)} % of it`);
    }
  }
  for (const { result, noAuth: config } of jwt) {
    const noAuth = config.best;
    lines.push(`JWT, workers=${result.workers}: minting ${result.mintMsPerToken} ms/token (pre-minted pools, one token per request); 401s ${result.refused401}; saturation ${result.saturation.rps} req/s${noAuth ? ` vs ${noAuth.rps} without auth (${Math.round((1 - result.saturation.rps / noAuth.rps) * 100)} % less)` : ''}; CPU ${result.saturation.cpuMsPerRequest} vs ${noAuth?.cpuMsPerRequest ?? '-'} ms/request; p99 at ${RATE}/s ${result.atRate.latencyMs.p99} vs ${config.atRate.latencyMs.p99} ms`);
  }
  if (reload) {
    lines.push(`rule reload: ${reload.rewrites} rewrites during load, failed requests ${reload.failed}, versions ${reload.versions.join(' -> ')}, new version served by all workers after ${reload.reloadVisibleMs.map((v) => (v === null ? 'never' : `${v} ms`)).join(', ')}`);
  }
  if (stall) {
    lines.push(`stalled FHIR server (no prefetch, budget ${stall.fhirBudgetMs} ms, ${stall.concurrency} concurrent): ${JSON.stringify(stall.statusCodes)}, incomplete-check cards ${stall.incompleteCards}, 200 without it ${stall.silent200}, errors ${stall.errors}, over budget+250 ms ${stall.overBudget}; latency p50 ${stall.latencyMs.p50} p99 ${stall.latencyMs.p99} max ${stall.latencyMs.max} ms`);
  }
  if (semi) {
    lines.push(`V8's default semi-space (one process, flags: ${semi.flags}): peak RSS ${semi.peakRssMb} MB vs ${base.workers === 1 ? base.peakRssMb : '-'} MB with --max-semi-space-size=16; CPU ${semi.run.cpuMsPerRequest} ms/request`);
  }
  // Targets (this 2-core machine, load generator on the same machine).
  const bestAll = bestOf(configs.flatMap((c) => c.saturation));
  // The p99 verdicts count only runs without a failed request (a timed-out request leaves no latency
  // sample, a fast failure a short one), and name the worker count that met them.
  const clean = (r: LoadResult): boolean => r.errors === 0 && r.timeouts === 0 && r.non2xx === 0;
  const bestP99 = (pick: (c: (typeof configs)[number]) => LoadResult): { value: number; workers: number | undefined } => {
    const runs = configs.filter((c) => clean(pick(c))).map((c) => ({ value: pick(c).latencyMs.p99, workers: c.workers }));
    return runs.length === 0 ? { value: Number.POSITIVE_INFINITY, workers: undefined } : runs.reduce((a, b) => (b.value < a.value ? b : a));
  };
  const burstP99 = bestP99((c) => c.atRate);
  const pacedP99 = bestP99((c) => c.paced);
  const poissonP99 = bestP99((c) => c.poisson);
  const p99Text = (p: { value: number; workers: number | undefined }): string => (p.workers === undefined ? 'no run without failures' : `${p.value}, WORKERS=${p.workers}`);
  // The slowest configuration's median start.
  const ready = Math.max(...configs.map((c) => c.readyMs));
  const freshReady = Math.max(...configs.map((c) => c.freshReadyMs ?? 0));
  const startsWord = START_SAMPLES === 1 ? 'one start' : `median of ${START_SAMPLES} starts`;
  // RSS per configuration: the largest process's peak (one process: service and store; a cluster: the
  // primary, which holds the store, or a worker). WORKERS defaults to the core count in production.
  const rssTargets = configs.map((c) => {
    // The kernel's record of each process's peak (VmHWM), not the 100 ms samples, which can miss it.
    const value = c.peakHwmMb;
    const what = c.workers === 1 ? 'one process (WORKERS=1: service and store)' : `every process of the cluster (WORKERS=${c.workers}: primary and workers)`;
    return { target: `RSS <= 250 MB, ${what}`, value, ok: value <= 250 };
  });
  const targets = [
    { target: 'saturation >= 3000 req/s, zero errors', value: bestAll?.rps ?? 0, ok: (bestAll?.rps ?? 0) >= 3000 },
    { target: `p99 <= 10 ms at ${RATE}/s offered evenly (open loop), no failed request`, value: p99Text(pacedP99), ok: pacedP99.value <= 10 },
    { target: `p99 <= 10 ms at ${RATE}/s offered at random instants (open loop, Poisson arrivals), no failed request`, value: p99Text(poissonP99), ok: poissonP99.value <= 10 },
    { target: `p99 <= 10 ms at ${RATE}/s in autocannon's bursts (20 connections each sending its share at once), no failed request`, value: p99Text(burstP99), ok: burstP99.value <= 10 },
    { target: `start-up to ready <= 1500 ms (restart, ${startsWord} per configuration, the slowest configuration)`, value: ready, ok: ready <= 1500 },
    ...(freshReady > 0 ? [{ target: `start-up to ready <= 1500 ms (empty DATA_DIR, ${startsWord} per configuration, the slowest configuration)`, value: freshReady, ok: freshReady <= 1500 }] : []),
    ...rssTargets,
  ];
  lines.push(
    `targets (this machine, ${os.availableParallelism()} cores, load generator on the same cores${args.nodeFlags.length > 0 ? `; experiment flags ${args.nodeFlags.join(' ')}, not npm start's` : ''}):`
  );
  for (const t of targets) lines.push(`  ${t.ok ? 'MET   ' : 'MISSED'} ${t.target} (${t.value})`);
  console.log(lines.join('\n'));

  const file = path.join(outDir, `${stamp}.json`);
  writeFileSync(file, JSON.stringify({ machine: info, corpus: corpusInfo, settings: { saturationS: SAT_S, saturationConnections: SAT_CONNECTIONS, rate: RATE, rateConnections: RATE_CONNECTIONS, latencyS: LAT_S, quick, serviceNodeFlags: SERVICE_NODE_FLAGS }, configs, floor, jwt: jwt.map((j) => j.result), reload, stall, semi, targets, table: lines }, null, 2));
  log(`results written to ${path.relative(ROOT, file)}`);
}

try {
  await main();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
