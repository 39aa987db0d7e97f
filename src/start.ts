/**
 * Process entry (`npm start`, the Dockerfile, and every cluster worker, which re-runs it): turns on
 * Node's on-disk compile cache, then loads the service (main.ts, the composition root).
 *
 * The cache keeps V8's compiled code (and the type-stripped JavaScript of our .ts modules) between
 * starts: a restart loads its modules about a fifth faster (docs/benchmark.md). It lives in
 * NODE_COMPILE_CACHE when set, else in `node_modules/.cache/node-compile-cache` of this project (owned
 * by whoever installed it, not a directory other users of the host can write); NODE_DISABLE_COMPILE_CACHE=1
 * turns it off. A cache that cannot be written only costs speed: Node then compiles as usual.
 * The import is dynamic because static imports are loaded before any line of a module runs.
 */
import { enableCompileCache } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
enableCompileCache(process.env.NODE_COMPILE_CACHE || path.join(projectRoot, 'node_modules', '.cache', 'node-compile-cache'));
await import('./main.ts');
