/**
 * A small young generation for the cluster primary.
 *
 * `npm start` starts every process with `--max-semi-space-size=16`: a worker allocates about 390 KiB per
 * request, and a 16 MB semi-space keeps its short-lived garbage out of the old generation
 * (docs/benchmark.md). The primary shares that command line (it is the process `npm start` starts)
 * but allocates about 7 KiB per request (IPC messages, audit rows), and there the large young
 * generation only costs:
 * - memory: the young generation grew to 27-32 MB in the primary, resident for good;
 * - the workers' CPU: V8 starts marking the old generation once the room left under its limit is
 *   smaller than the young generation, and the primary's old generation is small (about 15 MB live),
 *   so it ran a full garbage collection every 1.5-2 s under load, whose parallel phases took both
 *   cores from the workers.
 *
 * V8 reads `--semi-space-growth-factor` each time it would grow the young generation (measured on
 * Node 24: a process started with `--max-semi-space-size=16` keeps a 2 MB young generation after this
 * flag is set at run time, against 32 MB without it), so setting it to 1 in the primary keeps the young
 * generation at its starting size without a second command line. The workers are separate processes
 * started with the original flags and keep their 16 MB semi-spaces. Measured (2 workers): the
 * primary's young generation 27-32 MB before, 2-4 MB after; its peak RSS at saturation 242-245 MB before,
 * 179-207 MB after (190 and 220 MB in two full bench runs, 251-257 before); full collections 13 → 8 in
 * 27 s at 1,000 requests/s. `tests/cluster/primary-heap.test.ts` checks the flag still works on the Node in use
 * (V8 ignores an unknown flag silently).
 */
import v8 from 'node:v8';

/** The V8 flag the primary sets on itself. */
export const PRIMARY_YOUNG_GENERATION_FLAG = '--semi-space-growth-factor=1';

/** Keeps this process's young generation at the size it has now (call early, in the primary only). */
export function keepYoungGenerationSmall(): void {
  v8.setFlagsFromString(PRIMARY_YOUNG_GENERATION_FLAG);
}
