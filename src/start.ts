/**
 * Process entry (`npm start`, the Dockerfile, and every cluster worker, which re-runs it): turns on
 * Node's on-disk compile cache, then loads the service (main.ts, the composition root).
 *
 * The cache keeps V8's compiled code (and the type-stripped JavaScript of our .ts modules) between
 * starts: a restart loads its modules about a third faster (docs/benchmark.md). It lives in
 * NODE_COMPILE_CACHE when set, else `<tmpdir>/node-compile-cache`; NODE_DISABLE_COMPILE_CACHE=1 turns
 * it off. A cache that cannot be written only costs speed: Node then compiles as usual.
 * The import is dynamic because static imports are loaded before any line of a module runs.
 */
import { enableCompileCache } from 'node:module';

enableCompileCache();
await import('./main.ts');
