/**
 * One process at a time per PGlite data directory. PGlite runs PostgreSQL in single-user mode inside
 * the process and does not stop a second process from opening the same files (which would corrupt
 * them), so the store takes this lock first.
 *
 * The lock is a file `<dir>/pglite.lock` holding the owner's pid, host name and a heartbeat refreshed
 * every few seconds. It is taken over when its owner is gone: the heartbeat is older than `staleAfterMs`
 * (30 s), or, on the same host, the pid no longer runs or is this process's own pid (a restarted
 * container often gets the same pid and host name). Within this process a directory can be locked once.
 * Released on close.
 *
 * Residual race: two processes taking over the same stale lock at the same instant may both succeed.
 * Starting two services on one data directory at once is a misconfiguration this does not fully stop.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const LOCK_FILE = 'pglite.lock';

interface LockContent {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
  readonly heartbeatAt: number;
}

export interface DataDirLock {
  release(): Promise<void>;
}

export interface DataDirLockOptions {
  /** The lock file's name in the directory. Default `pglite.lock`. */
  readonly file?: string;
  readonly heartbeatMs?: number;
  readonly staleAfterMs?: number;
  readonly now?: () => number;
}

export class DataDirLockedError extends Error {
  constructor(dir: string, holder: string) {
    super(`the PGlite data directory ${dir} is in use by ${holder}; only one process may open it (use DATABASE_URL for several replicas)`);
    this.name = 'DataDirLockedError';
  }
}

function pidRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(file: string): Promise<LockContent | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<LockContent>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.heartbeatAt === 'number' && typeof parsed.token === 'string') {
      return parsed as LockContent;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/** Directories locked by this process (a pid match in the file is not enough: a restarted container often gets the same pid). */
const heldHere = new Set<string>();

/**
 * Takes the lock on `dir` (created when missing).
 * @throws DataDirLockedError when a live owner holds it.
 */
export async function lockDataDir(dir: string, options: DataDirLockOptions = {}): Promise<DataDirLock> {
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const staleAfterMs = options.staleAfterMs ?? 30_000;
  const now = options.now ?? Date.now;
  const root = path.resolve(dir);
  await fs.mkdir(root, { recursive: true });
  // Keyed by the real path: the same directory reached through a symbolic link is the same lock.
  const file = path.join(await fs.realpath(root), options.file ?? LOCK_FILE);
  if (heldHere.has(file)) {
    throw new DataDirLockedError(root, 'this process (a store on it is still open)');
  }
  heldHere.add(file);
  try {
    const host = os.hostname();
    const token = randomUUID();
    const content = (): string => JSON.stringify({ pid: process.pid, host, token, heartbeatAt: now() } satisfies LockContent);

    for (let attempt = 0; ; attempt++) {
      // Written whole, then linked into place: the link fails if the lock exists, and nobody reads half a lock.
      const tmp = `${file}.${token}.tmp`;
      try {
        await fs.writeFile(tmp, content(), { mode: 0o600 });
        await fs.link(tmp, file);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) {
          throw error;
        }
      } finally {
        await fs.rm(tmp, { force: true });
      }
      const holder = await readLock(file);
      if (holder !== undefined) {
        const fresh = now() - holder.heartbeatAt < staleAfterMs;
        // Same host: the owner is alive when its pid runs (and is not ours: not in heldHere, so an earlier
        // incarnation of this process) and its heartbeat is recent (guards against pid reuse).
        // Another host (shared volume): only the heartbeat can tell.
        const alive = holder.host === host ? holder.pid !== process.pid && pidRunning(holder.pid) && fresh : fresh;
        if (alive) {
          throw new DataDirLockedError(root, `pid ${holder.pid} on ${holder.host}`);
        }
      }
      // Stale, or unreadable: remove it (unless it changed meanwhile: someone else took it over) and try again.
      const again = await readLock(file);
      if (again === undefined || holder === undefined || again.token === holder.token) {
        await fs.rm(file, { force: true });
      }
    }

    let released = false;
    let beating: Promise<void> | undefined;
    const timer = setInterval(() => {
      if (beating !== undefined) {
        return;
      }
      beating = (async () => {
        const current = await readLock(file);
        if (current?.token === token && !released) {
          // Replaced atomically, so that a process checking the lock never reads half of it.
          const tmp = `${file}.${token}.beat`;
          await fs.writeFile(tmp, content(), { mode: 0o600 });
          await fs.rename(tmp, file);
        }
      })()
        .catch(() => undefined)
        .finally(() => {
          beating = undefined;
        });
    }, heartbeatMs);
    timer.unref();

    return {
      async release() {
        if (released) {
          return;
        }
        released = true;
        clearInterval(timer);
        try {
          // A heartbeat in flight would otherwise put the file back after it is removed.
          await beating;
          const current = await readLock(file);
          if (current?.token === token) {
            await fs.rm(file, { force: true });
          }
        } finally {
          heldHere.delete(file);
        }
      },
    };
  } catch (error) {
    heldHere.delete(file);
    throw error;
  }
}
