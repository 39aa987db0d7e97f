/**
 * One process at a time per PGlite data directory. PGlite runs PostgreSQL in single-user mode inside
 * the process and does not stop a second process from opening the same files (which would corrupt
 * them), so the store takes this lock first.
 *
 * The lock is a file `<dir>/pglite.lock` holding the owner's pid, host name and a heartbeat refreshed
 * every few seconds. It is taken over when its owner is gone: same host and the pid is not running, or
 * (any host, e.g. a container restarted under a new name on the same volume) the heartbeat is older than
 * `staleAfterMs`. Released on close.
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

/**
 * Takes the lock on `dir` (created when missing).
 * @throws DataDirLockedError when a live owner holds it.
 */
export async function lockDataDir(dir: string, options: DataDirLockOptions = {}): Promise<DataDirLock> {
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const staleAfterMs = options.staleAfterMs ?? 30_000;
  const now = options.now ?? Date.now;
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const host = os.hostname();
  const token = randomUUID();
  const content = (): string => JSON.stringify({ pid: process.pid, host, token, heartbeatAt: now() } satisfies LockContent);

  for (let attempt = 0; ; attempt++) {
    try {
      await fs.writeFile(file, content(), { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) {
        throw error;
      }
    }
    const holder = await readLock(file);
    if (holder !== undefined) {
      const sameHost = holder.host === host;
      const alive = sameHost ? pidRunning(holder.pid) && holder.pid !== process.pid : now() - holder.heartbeatAt < staleAfterMs;
      if (holder.pid === process.pid && sameHost) {
        throw new DataDirLockedError(dir, 'this process (a store on it is still open)');
      }
      if (alive) {
        throw new DataDirLockedError(dir, `pid ${holder.pid} on ${holder.host}`);
      }
    }
    // Stale (or unreadable, e.g. half-written by a crash): remove and try again.
    await fs.rm(file, { force: true });
  }

  const timer = setInterval(() => {
    void (async () => {
      const current = await readLock(file);
      if (current?.token === token) {
        await fs.writeFile(file, content(), { mode: 0o600 });
      }
    })().catch(() => undefined);
  }, heartbeatMs);
  timer.unref();

  let released = false;
  return {
    async release() {
      if (released) {
        return;
      }
      released = true;
      clearInterval(timer);
      const current = await readLock(file);
      if (current?.token === token) {
        await fs.rm(file, { force: true });
      }
    },
  };
}
