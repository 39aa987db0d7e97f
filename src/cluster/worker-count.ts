/**
 * How many worker processes to run (env WORKERS).
 *
 * Default: every core this process may use in production (NODE_ENV=production), one process otherwise.
 * One process is what development, tests and the embedded defaults expect (one PGlite, one log stream,
 * `node --inspect` works); production wants every core. WORKERS=1 never forks: the service runs in
 * the single process exactly as without this module.
 *
 * "Every core" (the default in production, and WORKERS=auto) is `os.availableParallelism()` (the CPU
 * affinity) capped by the container's CPU limit, rounded up (cpu-limit.ts): a pod limited to 2 CPUs on a
 * 64-core node runs 2 workers, not 64 (each holds some 170 MB). A number given in WORKERS is used as given.
 */
import os from 'node:os';
import { cgroupCpuLimit } from './cpu-limit.ts';
import type { CpuLimit } from './cpu-limit.ts';

export const MAX_WORKERS = 256;

export type WorkerCountResult =
  | {
      readonly ok: true;
      readonly value: number;
      /** How the count was reached, for the start-up log line. */
      readonly basis: string;
    }
  | { readonly ok: false; readonly error: string };

/**
 * @param env - The environment (WORKERS, NODE_ENV).
 * @param cores - Cores available (default os.availableParallelism()).
 * @param cpuLimit - The container's CPU limit (default: read from the cgroup files, cpu-limit.ts).
 */
export function workerCount(
  env: Readonly<Record<string, string | undefined>>,
  cores: number = os.availableParallelism(),
  cpuLimit: () => CpuLimit | undefined = cgroupCpuLimit
): WorkerCountResult {
  const everyCore = (why: string): WorkerCountResult => {
    const limit = cpuLimit();
    const usable = Math.max(1, cores);
    if (limit && Math.ceil(limit.cpus) < usable) {
      const value = Math.max(1, Math.ceil(limit.cpus));
      return { ok: true, value, basis: `${why}: ${usable} cores, capped by the CPU limit of ${limit.cpus} (${limit.file})` };
    }
    return { ok: true, value: usable, basis: `${why}: ${usable} cores${limit ? ` (CPU limit ${limit.cpus}: ${limit.file})` : ''}` };
  };
  const raw = env.WORKERS?.trim().toLowerCase() ?? '';
  if (raw === '') {
    // Read as config.ts's isProductionEnv does (trimmed, any case); not imported, to keep the primary's modules few.
    return env.NODE_ENV?.trim().toLowerCase() === 'production' ? everyCore('every core (the default in production)') : { ok: true, value: 1, basis: 'one process (the default outside production)' };
  }
  if (raw === 'auto') {
    return everyCore('WORKERS=auto');
  }
  // Plain digits only, as every whole-number setting (config.ts): Number() would also read "0x2", "2e0", "2.0".
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
    return { ok: false, error: `WORKERS must be "auto" or a whole number between 1 and ${MAX_WORKERS} (got "${env.WORKERS}")` };
  }
  return { ok: true, value: n, basis: `WORKERS=${n}` };
}
