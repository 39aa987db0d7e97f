/**
 * Process entry (`npm start`, the Dockerfile, and every cluster worker, which re-runs it): turns on
 * Node's on-disk compile cache, then loads the composition root of this process's role: main.ts (the
 * service, in one process or in each cluster worker) or, in the first process when WORKERS > 1,
 * primary-main.ts (the cluster primary, which loads only what it needs). An invalid WORKERS goes to
 * main.ts, which reports it.
 *
 * The cache keeps V8's compiled code (and the type-stripped JavaScript of our .ts modules) between
 * starts, for this process and the threads it starts (the store thread, through NODE_COMPILE_CACHE): a restart loads its modules about a fifth faster (docs/benchmark.md). It lives in
 * NODE_COMPILE_CACHE when set, else in `node_modules/.cache/node-compile-cache` of this project (owned
 * by whoever installed it, not a directory other users of the host can write); NODE_DISABLE_COMPILE_CACHE=1
 * turns it off. A cache that cannot be written only costs speed: Node then compiles as usual.
 * The roots are imported dynamically because static imports are loaded before any line of a module runs
 * (only node:cluster and the small worker-count module load before the cache is on). Best of all, the
 * cache is on before this file: `npm start` and the Dockerfile set NODE_COMPILE_CACHE, so this file and
 * worker-count.ts come from the cache too and Node never loads its TypeScript stripper (amaro, a
 * WebAssembly build of swc) in the first process. Measured, eight alternating restarts: ready in 619 ms
 * (median) against 657 with one process, 737 against 831 with 2 workers (docs/benchmark.md).
 */
import cluster from 'node:cluster';
import { constants, enableCompileCache } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerCount } from './cluster/worker-count.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const compileCache = process.env.NODE_COMPILE_CACHE || path.join(projectRoot, 'node_modules', '.cache', 'node-compile-cache');
const { status } = enableCompileCache(compileCache);
if (status === constants.compileCacheStatus.ENABLED || status === constants.compileCacheStatus.ALREADY_ENABLED) {
  // A worker thread (the store thread) is a Node.js instance of its own: it uses the cache only when
  // it finds the directory in the environment it is started with.
  process.env.NODE_COMPILE_CACHE = compileCache;
}
const workers = workerCount(process.env);
if (cluster.isPrimary && workers.ok && workers.value > 1) {
  await import('./primary-main.ts');
} else {
  await import('./main.ts');
}
