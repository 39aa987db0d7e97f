/**
 * How many worker processes to run (env WORKERS).
 *
 * Default: every available core in production (NODE_ENV=production), one process otherwise. One
 * process is what development, tests and the embedded defaults expect (one PGlite, one log stream,
 * `node --inspect` works); production wants every core. WORKERS=1 never forks: the service runs in
 * the single process exactly as without this module.
 */
import os from 'node:os';

export const MAX_WORKERS = 256;

export type WorkerCountResult = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly error: string };

/**
 * @param env - The environment (WORKERS, NODE_ENV).
 * @param cores - Cores available (default os.availableParallelism()).
 */
export function workerCount(env: Readonly<Record<string, string | undefined>>, cores: number = os.availableParallelism()): WorkerCountResult {
  const raw = env.WORKERS?.trim().toLowerCase() ?? '';
  if (raw === '') {
    // Read as config.ts's isProductionEnv does (trimmed, any case); not imported, to keep the primary's modules few.
    return { ok: true, value: env.NODE_ENV?.trim().toLowerCase() === 'production' ? Math.max(1, cores) : 1 };
  }
  if (raw === 'auto') {
    return { ok: true, value: Math.max(1, cores) };
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
    return { ok: false, error: `WORKERS must be "auto" or a whole number between 1 and ${MAX_WORKERS} (got "${env.WORKERS}")` };
  }
  return { ok: true, value: n };
}
