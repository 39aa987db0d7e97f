// The one-process-per-directory lock of PGlite data directories, without PGlite.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from '../../src/store/pglite-lock.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cds-lock-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function writeLock(dir: string, content: { pid: number; host: string; heartbeatAt: number }): Promise<void> {
  await fs.writeFile(path.join(dir, LOCK_FILE), JSON.stringify({ token: 'old', ...content }));
}

describe('lockDataDir', () => {
  it('locks once per process and releases on close', async () => {
    const dir = await tempDir();
    const lock = await lockDataDir(dir);
    await expect(lockDataDir(dir)).rejects.toBeInstanceOf(DataDirLockedError);
    await lock.release();
    expect(await fs.readdir(dir)).toEqual([]);
    const again = await lockDataDir(dir);
    await again.release();
    await again.release();
  });

  it('refuses a lock held by another live process on this host', async () => {
    const dir = await tempDir();
    await writeLock(dir, { pid: process.ppid, host: os.hostname(), heartbeatAt: Date.now() });
    await expect(lockDataDir(dir)).rejects.toThrow(/in use by pid/);
  });

  it('takes over a lock whose process is gone', async () => {
    const dir = await tempDir();
    await writeLock(dir, { pid: 2_147_483_000, host: os.hostname(), heartbeatAt: Date.now() });
    const lock = await lockDataDir(dir);
    await lock.release();
  });

  it('takes over a lock left by an earlier process with the same pid (a restarted container)', async () => {
    const dir = await tempDir();
    await writeLock(dir, { pid: process.pid, host: os.hostname(), heartbeatAt: Date.now() });
    const lock = await lockDataDir(dir);
    await lock.release();
  });

  it('on another host, trusts only the heartbeat', async () => {
    const dir = await tempDir();
    await writeLock(dir, { pid: 1, host: 'elsewhere', heartbeatAt: Date.now() });
    await expect(lockDataDir(dir)).rejects.toThrow(/on elsewhere/);
    await writeLock(dir, { pid: 1, host: 'elsewhere', heartbeatAt: Date.now() - 60_000 });
    const lock = await lockDataDir(dir);
    await lock.release();
  });

  it('takes over an unreadable lock file', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, LOCK_FILE), '{"pid":');
    const lock = await lockDataDir(dir);
    await lock.release();
  });

  it('refreshes its heartbeat', async () => {
    const dir = await tempDir();
    let t = 1_000;
    const lock = await lockDataDir(dir, { heartbeatMs: 10, now: () => t });
    t = 5_000;
    await expect
      .poll(async () => (JSON.parse(await fs.readFile(path.join(dir, LOCK_FILE), 'utf8')) as { heartbeatAt: number }).heartbeatAt, { timeout: 2_000, interval: 10 })
      .toBe(5_000);
    await lock.release();
  });
});
