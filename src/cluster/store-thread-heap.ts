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
 * created, so the thread's own limit applies, and {@link restoreSemiSpaceFlag} sets it back to the command
 * line's value once the thread is running (its isolate then exists): a `Worker` created later by anything
 * else gets what it would have got. An isolate that already exists keeps the young generation it was given
 * at its creation (the process's main thread keeps its 32 MB). `tests/cluster/store-thread-heap.test.ts`
 * checks all three on the Node in use. The limit is V8's target, not a ceiling: under a large surviving
 * set (a long audit backlog) V8 grew the thread's young generation to 7.5–23.5 MB for a while, then
 * back to 4 MB.
 *
 * Measured in one process at saturation (96 connections, two alternating pairs): the thread's young
 * generation 32 → 4 MB, its old generation 31–37 → 16–19 MB, the process's peak RSS 362 and 366 → 342 and
 * 339 MB, throughput unchanged within the noise.
 */
import v8 from 'node:v8';
import type { ResourceLimits } from 'node:worker_threads';

/** The store thread's young generation, MB (V8 makes it three semi-spaces: two of 2 MB in use, as the cluster primary keeps). */
export const STORE_THREAD_YOUNG_GENERATION_MB = 6;

const SEMI_SPACE_FLAG = /^--max[-_]semi[-_]space[-_]size(?:=(.*))?$/;

/**
 * The `--max-semi-space-size` this process was started with, MB (the last one given wins, `NODE_OPTIONS`
 * before the command line, as Node applies them); 0 when none was.
 */
export function startupSemiSpaceMb(execArgv: readonly string[] = process.execArgv, nodeOptions: string | undefined = process.env.NODE_OPTIONS): number {
  const args = [...(nodeOptions ?? '').split(/\s+/).filter(Boolean), ...execArgv];
  let value = 0;
  for (let i = 0; i < args.length; i++) {
    const match = SEMI_SPACE_FLAG.exec(args[i]!);
    if (!match) continue;
    const given = match[1] ?? args[i + 1];
    const mb = Number(given);
    if (Number.isInteger(mb) && mb >= 0) value = mb;
  }
  return value;
}

/** Limits for a new store thread, with the process-wide flag that would override them cleared until {@link restoreSemiSpaceFlag}. */
export function storeThreadResourceLimits(): ResourceLimits {
  v8.setFlagsFromString('--max-semi-space-size=0');
  return { maxYoungGenerationSizeMb: STORE_THREAD_YOUNG_GENERATION_MB };
}

/** Sets the flag back to this process's start-up value: call once the store thread is online (or has failed to start). */
export function restoreSemiSpaceFlag(): void {
  v8.setFlagsFromString(`--max-semi-space-size=${startupSemiSpaceMb()}`);
}
