/**
 * A small young generation for the store thread.
 *
 * `npm start` gives the process `--max-semi-space-size=16` (a 32 MB young generation): the service
 * allocates about 280 KiB per request and needs it (docs/benchmark.md). V8 flags are process-wide, and
 * V8 sizes an isolate's young generation when the isolate is created: from `--max-semi-space-size` when
 * it is set, and only otherwise from the `resourceLimits` a `Worker` is given (measured on Node 24: a
 * thread given `maxYoungGenerationSizeMb: 6` in a process started with the flag still got 32 MB). So the
 * store thread, started from a process with that command line, had a 32 MB young generation too, resident
 * for good although the thread keeps little alive (audit batches, snooze horizons).
 *
 * {@link storeThreadResourceLimits} sets the flag to 0 ("not set") just before a store thread is
 * created, so the thread's own limit applies. An isolate that already exists keeps the young generation
 * it was given at its creation (the process's main thread keeps its 32 MB; `tests/cluster/store-thread-heap.test.ts`
 * checks both on the Node in use), and the only isolates this process creates after start are store
 * threads, which all pass these limits. Measured in one process at saturation (96 connections, two
 * alternating pairs): the thread's young generation 32 → 4 MB, its old generation 31–37 → 16–19 MB, the
 * process's peak RSS 362 and 366 → 342 and 339 MB, throughput unchanged within the noise.
 */
import v8 from 'node:v8';
import type { ResourceLimits } from 'node:worker_threads';

/** The store thread's young generation, MB (V8 makes it three semi-spaces: two of 2 MB in use, as the cluster primary keeps). */
export const STORE_THREAD_YOUNG_GENERATION_MB = 6;

/** Limits for a new store thread, with the process-wide flag that would override them cleared. */
export function storeThreadResourceLimits(): ResourceLimits {
  v8.setFlagsFromString('--max-semi-space-size=0');
  return { maxYoungGenerationSizeMb: STORE_THREAD_YOUNG_GENERATION_MB };
}
