/**
 * Failure scenarios under load: a rule reload in the middle of a run, and a FHIR server that stalls.
 */
import { cp, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { CorpusEntry } from './corpus.ts';
import { percentiles, runAutocannon } from './load.ts';
import type { LoadResult } from './load.ts';
import { round } from './proc.ts';
import type { RunningServer } from './service.ts';

export interface ReloadResult {
  readonly load: LoadResult;
  readonly rewrites: number;
  readonly versions: readonly string[];
  /** For each rewrite: ms until /readyz reported a new version (all workers seen answering it). */
  readonly reloadVisibleMs: readonly (number | null)[];
  readonly failed: number;
}

/** A temp copy of rules/ the reload scenario may rewrite. */
export async function copyRules(rulesDir: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cds-bench-rules-'));
  await cp(rulesDir, dir, { recursive: true });
  return dir;
}

async function readyVersion(baseUrl: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { ruleSetVersion?: string };
    return body.ruleSetVersion;
  } catch {
    return undefined;
  }
}

/**
 * Runs load at `rate` for `durationS` and rewrites one rule file (its description changes, so the
 * rule set version changes) at each of `atS` seconds. Every request must still succeed.
 */
export async function reloadUnderLoad(server: RunningServer, rulesCopy: string, corpus: readonly CorpusEntry[], options: { rate: number; connections: number; durationS: number; atS: readonly number[]; workers: number }): Promise<ReloadResult> {
  const ruleFiles = (await readdir(rulesCopy)).filter((n) => n.endsWith('.json')).sort();
  const target = path.join(rulesCopy, ruleFiles.find((n) => n === 'opioid-benzodiazepine.json') ?? ruleFiles[0]!);
  const original = JSON.parse(await readFile(target, 'utf8')) as { description?: string };
  const versions: string[] = [];
  const first = await readyVersion(server.baseUrl);
  if (first) versions.push(first);
  const visible: (number | null)[] = [];
  const pending = [...options.atS];
  const watchers: Promise<void>[] = [];
  let n = 0;
  const rewrite = async (): Promise<void> => {
    const i = ++n;
    const before = versions[versions.length - 1];
    const text = JSON.stringify({ ...original, description: `${original.description ?? ''} (benchmark rewrite ${i})` }, null, 2);
    // Write a sibling and rename over the file: what editors and the admin API do.
    const tmp = `${target}.tmp-${i}`;
    await writeFile(tmp, text);
    await rename(tmp, target);
    const wroteAt = performance.now();
    // Wait until every worker answers with the new version (several answers in a row on /readyz).
    const deadline = wroteAt + 10_000;
    let streak = 0;
    while (performance.now() < deadline) {
      const v = await readyVersion(server.baseUrl);
      if (v && v !== before) {
        streak++;
        // An upper bound: taken when a run of new-version answers confirms every worker has it (up to
        // about 100 ms after the last worker switched).
        if (streak >= Math.max(3, options.workers * 3)) {
          visible.push(round(performance.now() - wroteAt));
          versions.push(v);
          return;
        }
      } else {
        streak = 0;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    visible.push(null);
  };
  const load = await runAutocannon({
    label: 'rule reload during load',
    baseUrl: server.baseUrl,
    corpus,
    connections: options.connections,
    durationS: options.durationS,
    overallRate: options.rate,
    serverPid: server.pid,
    onTick: (t) => {
      if (pending.length > 0 && t >= pending[0]!) {
        pending.shift();
        watchers.push(rewrite());
      }
    },
  });
  await Promise.all(watchers);
  return { load, rewrites: n, versions, reloadVisibleMs: visible, failed: load.errors + load.non2xx }; // autocannon counts timeouts in errors
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** A TCP server that accepts connections and never answers: a stalled FHIR server. */
export async function startStallServer(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('data', () => undefined); // read and ignore the request
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/fhir`,
    connections: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface StallResult {
  readonly requests: number;
  readonly concurrency: number;
  readonly fhirBudgetMs: number;
  readonly statusCodes: Record<string, number>;
  /** 200 answers that carried the "check incomplete" card. */
  readonly incompleteCards: number;
  /** 200 answers without it (should be 0). */
  readonly silent200: number;
  readonly errors: number;
  readonly overBudget: number;
  readonly latencyMs: LoadResult['latencyMs'];
  readonly fhirConnections: number;
}

/**
 * Sends requests without prefetch whose fhirServer never answers. Each must come back within the
 * FHIR budget (plus a small margin) as 412 or as a 200 with the "check incomplete" card.
 */
export async function stalledFhirServer(server: RunningServer, corpus: readonly CorpusEntry[], stallUrl: string, options: { requests: number; concurrency: number; budgetMs: number; incompleteTopic: string; connections: () => number }): Promise<StallResult> {
  // Requests with a medication draft only: one with nothing to check is answered without the record.
  const bodies = corpus.filter((e) => e.drafts > 0).slice(0, 20).map((e) => {
    const request = JSON.parse(e.body) as Record<string, unknown>;
    delete request.prefetch;
    request.fhirServer = stallUrl;
    request.fhirAuthorization = { access_token: 'bench-opaque-token', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'bench' };
    return { path: e.path, body: JSON.stringify(request) };
  });
  const samples: number[] = [];
  const statusCodes: Record<string, number> = {};
  let incomplete = 0;
  let silent = 0;
  let errors = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < options.requests) {
      const i = next++;
      const { path: p, body } = bodies[i % bodies.length]!;
      const t = performance.now();
      try {
        const res = await fetch(`${server.baseUrl}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(options.budgetMs * 4) });
        const json = (await res.json()) as { cards?: { source?: { topic?: { code?: string } } }[] };
        samples.push(performance.now() - t);
        statusCodes[String(res.status)] = (statusCodes[String(res.status)] ?? 0) + 1;
        if (res.status === 200) {
          if ((json.cards ?? []).some((c) => c.source?.topic?.code === options.incompleteTopic)) incomplete++;
          else silent++;
        }
      } catch {
        samples.push(performance.now() - t);
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const margin = 250;
  return {
    requests: options.requests,
    concurrency: options.concurrency,
    fhirBudgetMs: options.budgetMs,
    statusCodes,
    incompleteCards: incomplete,
    silent200: silent,
    errors,
    overBudget: samples.filter((s) => s > options.budgetMs + margin).length,
    latencyMs: percentiles(samples),
    fhirConnections: options.connections(),
  };
}
