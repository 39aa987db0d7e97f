// The store thread keeps a small young generation although `npm start` gives the process
// `--max-semi-space-size=16`, and the process's own thread keeps its large one
// (src/cluster/store-thread-heap.ts). Both rest on how V8 reads its flags when an isolate is created,
// which a later Node could change, so this runs the same allocation pattern in a child process with
// npm start's flags and compares V8's own figures.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startupSemiSpaceMb } from '../../src/cluster/store-thread-heap.ts';
import { npmStartCommand } from '../support/npm-start.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const MODULE = path.join(ROOT, 'src', 'cluster', 'store-thread-heap.ts');
const MB = 2 ** 20;

/**
 * Starts a thread as thread-store.ts does (or with the same limit but the flag left alone), loads both
 * threads with short-lived objects and a survivor set, and returns each one's young generation in bytes.
 */
function youngGenerations(clearFlag: boolean): { thread: number; main: number; later: number } {
  const script = `
    import v8 from 'node:v8';
    import { Worker } from 'node:worker_threads';
    import { restoreSemiSpaceFlag, STORE_THREAD_YOUNG_GENERATION_MB, storeThreadResourceLimits } from ${JSON.stringify(MODULE)};
    function loadThenMeasure(heap) {
      const survivors = [];
      for (let i = 0; i < 3e6; i++) {
        const o = { i, pair: [i, i + 1], text: 'row ' + i };
        if (i % 40 === 0) survivors.push(o);
        if (survivors.length > 25000) survivors.length = 0;
      }
      return heap.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    }
    const limits = ${clearFlag} ? storeThreadResourceLimits() : { maxYoungGenerationSizeMb: STORE_THREAD_YOUNG_GENERATION_MB };
    const code = 'const { parentPort } = require("node:worker_threads"); parentPort.postMessage((' + loadThenMeasure.toString() + ')(require("node:v8")));';
    const run = (options) => new Promise((resolve, reject) => {
      const w = new Worker(code, { eval: true, execArgv: [], ...options });
      // As thread-store.ts: the flag goes back once the thread runs.
      w.once('online', restoreSemiSpaceFlag);
      w.once('message', resolve);
      w.once('error', reject);
    });
    const thread = await run({ resourceLimits: limits });
    // A thread started later by anything else, with no limits of its own.
    const later = await run({});
    process.stdout.write(JSON.stringify({ thread, main: loadThenMeasure(v8), later }));
  `;
  const result = spawnSync(process.execPath, [...npmStartCommand().nodeFlags, '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`child failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as { thread: number; main: number; later: number };
}

describe('the store thread young generation', () => {
  it('is small in the store thread while the process keeps the 32 MB npm start gives it; the limit alone would not do it', () => {
    const limitOnly = youngGenerations(false);
    const cleared = youngGenerations(true);
    // Without clearing the flag the command line wins (so the check below can fail).
    expect(limitOnly.thread).toBeGreaterThanOrEqual(16 * MB);
    expect(cleared.thread).toBeLessThanOrEqual(6 * MB);
    // The process's own thread, created before, is not changed by clearing the flag.
    expect(cleared.main).toBeGreaterThanOrEqual(16 * MB);
    // A thread created after the store thread is online gets the command line's 32 MB again (V8's default
    // without the flag is larger: 64 MB or more on this machine).
    expect(cleared.later).toBe(limitOnly.later);
    expect(cleared.later).toBeLessThanOrEqual(32 * MB);
  }, 120_000);
});

describe('the command line semi-space size', () => {
  it('is read as Node applies it: NODE_OPTIONS first, then the command line, the last one winning', () => {
    expect(startupSemiSpaceMb(['--max-semi-space-size=16', '--no-wasm-tier-up'], undefined)).toBe(16);
    expect(startupSemiSpaceMb(['--max_semi_space_size', '8'], '')).toBe(8);
    expect(startupSemiSpaceMb([], '--max-old-space-size=512 --max-semi-space-size=4')).toBe(4);
    expect(startupSemiSpaceMb(['--max-semi-space-size=16'], '--max-semi-space-size=4')).toBe(16);
    expect(startupSemiSpaceMb(['--no-wasm-tier-up'], undefined)).toBe(0);
  });
});
