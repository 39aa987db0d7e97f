/**
 * CPU profile of the service under load: starts `node --cpu-prof src/start.ts` (as `npm start` does), drives it at saturation
 * with the benchmark corpus, stops it (the profile is written on exit) and prints the functions and
 * files with the most self time.
 *
 *   node scripts/bench/profile.ts [--duration 10] [--connections 16] [--top 40] [--workers 1]
 *   node scripts/bench/profile.ts --analyse <file.cpuprofile>
 *
 * Profiles are kept in .data/bench/profiles/ (open them in Chrome DevTools or speedscope).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildCandidates, selectCorpus } from './corpus.ts';
import type { CorpusEntry } from './corpus.ts';
import { runAutocannon } from './load.ts';
import { round } from './proc.ts';
import { startServer } from './service.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function shortUrl(url: string): string {
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) return u.slice(nm + 'node_modules/'.length);
  return u.startsWith(ROOT) ? u.slice(ROOT.length + 1) : u;
}

/** Prints self time by function and by file/package. */
export function analyse(file: string, top: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const url = shortUrl(n.callFrame.url);
    const key = `${n.callFrame.functionName || '(anonymous)'}  ${url ? `${url}:${n.callFrame.lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const pkg = url.includes('/') && !url.startsWith('src/') && !url.startsWith('node:') ? (url.startsWith('@') ? url.split('/').slice(0, 2).join('/') : url.split('/')[0]!) : url || n.callFrame.functionName;
    byFile.set(pkg, (byFile.get(pkg) ?? 0) + us);
  }
  const print = (title: string, map: Map<string, number>): void => {
    console.log(`\n${title} (share of ${round(total / 1e6, 2)} s sampled)`);
    for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${pad(round((100 * us) / total, 1).toFixed(1), 6)} %  ${k}`);
    }
  };
  // Inclusive time of the project's own functions (src/): where a request's time goes, stage by stage.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      const url = shortUrl(n.callFrame.url);
      if (!url.startsWith('src/')) continue;
      const key = `${n.callFrame.functionName || '(anonymous)'}  ${url}:${n.callFrame.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  print('Top self time by function', byFunction);
  print('Self time by file or package', byFile);
  print('Inclusive time of src/ functions', inclusive);
}

function pad(s: string, n: number): string {
  return s.padStart(n);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '16' },
      top: { type: 'string', default: '40' },
      workers: { type: 'string', default: '1' },
      analyse: { type: 'string' },
    },
    strict: true,
  });
  const top = Number(values.top);
  if (values.analyse) {
    analyse(values.analyse, top);
    return;
  }
  const dir = path.join(ROOT, '.data', 'bench', 'profiles');
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  const candidates = buildCandidates(path.join(ROOT, 'fixtures'), 2).filter((c) => c.prefetched >= 30);
  // Without probing for cards, take every candidate: the mix is close enough for a profile.
  const corpus: CorpusEntry[] = selectCorpus(candidates.map((c, i) => ({ ...c, cards: i % 3 === 0 ? 1 : 0 })), 90);
  // As the benchmark: embedded store in a private temporary data folder (or DATA_DIR when given).
  const dataDir = process.env.DATA_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'cds-profile-data-'));
  const server = await startServer({
    args: ['src/start.ts'],
    nodeFlags: ['--max-semi-space-size=16', '--no-wasm-tier-up', '--no-wasm-dynamic-tiering', '--cpu-prof', `--cpu-prof-dir=${dir}`],
    env: { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2', CDS_AUTH: 'off', RATE_LIMIT_PER_MINUTE: '0', NODE_ENV: '', DATA_DIR: dataDir, WORKERS: values.workers ?? '1' },
    cwd: ROOT,
  }).catch((error: unknown) => {
    if (!process.env.DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  try {
    await runAutocannon({ label: 'warm-up', baseUrl: server.baseUrl, corpus, connections: 16, durationS: 3 });
    const r = await runAutocannon({ label: 'profile', baseUrl: server.baseUrl, corpus, connections: Number(values.connections), durationS: Number(values.duration), serverPid: server.pid });
    console.log(`profiled run: ${r.rps} req/s, p99 ${r.latencyMs.p99} ms, ${r.cpuMsPerRequest} ms CPU/request, errors ${r.errors + r.timeouts}, non-2xx ${r.non2xx}`);
  } finally {
    await server.stop();
    if (!process.env.DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
  }
  const written = readdirSync(dir).filter((f) => !before.has(f) && f.endsWith('.cpuprofile'));
  for (const f of written.sort((a, b) => statSync(path.join(dir, b)).size - statSync(path.join(dir, a)).size).slice(0, 1)) {
    console.log(`profile: ${path.relative(ROOT, path.join(dir, f))}`);
    analyse(path.join(dir, f), top);
  }
}

await main();
