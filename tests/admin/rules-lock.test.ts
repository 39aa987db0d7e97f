// The rules folder's write lock (src/admin/rule-files.ts) when its lock file looks stale. Two waiters
// breaking the same stale lock must not both get in (the second used to delete the fresh lock the first had
// just taken), a live holder on this host keeps its lock however old the file looks, and a holder removes
// only its own lock. The interleaving is made deterministic by holding one waiter right after it has looked
// at the stale lock file (a stat, or an open for reading), as the review's reproduction did by chance.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import type { PathLike } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LOCK_FILE, RulesLockTimeout, withRulesLock } from '../../src/admin/rule-files.ts';

/** Holds the first look at `file` (after the look is made) until `release` is called. */
const look = vi.hoisted(() => ({
  file: '',
  count: 0,
  hold: false,
  held: undefined as undefined | (() => void),
  release: undefined as undefined | (() => void),
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const observed = async <T>(file: unknown, result: T): Promise<T> => {
    if (look.file !== '' && String(file) === look.file) {
      look.count++;
      if (look.count === 1 && look.hold) {
        await new Promise<void>((resolve) => {
          look.release = resolve;
          look.held?.();
        });
      }
    }
    return result;
  };
  const stat = (async (file: PathLike, options?: { bigint?: false }) => observed(file, await fs.stat(file, options))) as typeof fs.stat;
  const open = (async (file: PathLike, flags?: string | number, mode?: number) => {
    const handle = await fs.open(file, flags, mode);
    return flags === 'r' ? observed(file, handle) : handle;
  }) as typeof fs.open;
  return { ...fs, stat, open, default: { ...fs, stat, open } };
});

let dir: string;
let lock: string;

function staleLock(content: string): void {
  writeFileSync(lock, content);
  const old = new Date(Date.now() - 120_000);
  utimesSync(lock, old, old); // two minutes old: past the 60 s after which a lock is taken for a crashed writer's
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cds-rules-lock-'));
  lock = path.join(dir, LOCK_FILE);
});

afterEach(() => {
  Object.assign(look, { file: '', count: 0, hold: false, held: undefined, release: undefined });
  rmSync(dir, { recursive: true, force: true });
});

describe('withRulesLock and a stale lock file', () => {
  it('lets one of two waiters in when both saw the same stale lock: the later one does not delete the lock the first took', async () => {
    staleLock('12345 crashed\n');
    look.file = lock;
    look.hold = true;
    const firstHeld = new Promise<void>((resolve) => (look.held = resolve));
    let inside = 0;
    let most = 0;
    const enter = async (until: Promise<void>): Promise<void> => {
      inside++;
      most = Math.max(most, inside);
      await until;
      inside--;
    };
    let aInside = false;
    const a = withRulesLock(dir, async () => {
      aInside = true;
      await enter(Promise.resolve());
    });
    await firstHeld; // A has seen the stale lock and is held there

    let finishB!: () => void;
    const bDone = new Promise<void>((resolve) => (finishB = resolve));
    let bEntered!: () => void;
    const bInside = new Promise<void>((resolve) => (bEntered = resolve));
    const b = withRulesLock(dir, async () => {
      bEntered();
      await enter(bDone);
    });
    await bInside; // B broke the stale lock and holds a fresh one
    const bLock = readFileSync(lock, 'utf8');

    look.release?.(); // A goes on with what it saw: the stale lock
    // A either gets in (it deleted B's lock) or looks at the lock again, waiting.
    await vi.waitFor(() => expect(aInside || look.count >= 3).toBe(true), { timeout: 5_000, interval: 5 });
    expect(aInside).toBe(false);
    expect(readFileSync(lock, 'utf8')).toBe(bLock);

    finishB();
    await Promise.all([a, b]);
    expect(aInside).toBe(true);
    expect(most).toBe(1);
    expect(existsSync(lock)).toBe(false);
  });

  it('keeps an old lock whose holder still runs on this host, and breaks one whose holder is gone or elsewhere', async () => {
    // A live process on this host (our parent), a lock two minutes old: a slow save, or a clock difference.
    staleLock(`${process.ppid} ${hostname()} 2020-01-01T00:00:00.000Z abc\n`);
    await expect(withRulesLock(dir, async () => 'ran', { timeoutMs: 200 })).rejects.toBeInstanceOf(RulesLockTimeout);
    expect(readFileSync(lock, 'utf8')).toContain(`${process.ppid} `);

    // A process that has exited.
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    staleLock(`${gone} ${hostname()} 2020-01-01T00:00:00.000Z abc\n`);
    expect(await withRulesLock(dir, async () => 'ran', { timeoutMs: 5_000 })).toBe('ran');

    // This process's pid in a lock it does not hold: a previous process's (a restarted container's).
    staleLock(`${process.pid} ${hostname()} 2020-01-01T00:00:00.000Z not-ours\n`);
    expect(await withRulesLock(dir, async () => 'ran', { timeoutMs: 5_000 })).toBe('ran');

    // Another host: only the age tells.
    staleLock(`${process.ppid} another-host.example 2020-01-01T00:00:00.000Z abc\n`);
    expect(await withRulesLock(dir, async () => 'ran', { timeoutMs: 5_000 })).toBe('ran');
    expect(existsSync(lock)).toBe(false);
  });

  it('removes only its own lock when done: a lock file that replaced it (its own was broken) is left', async () => {
    await withRulesLock(dir, async () => {
      unlinkSync(lock);
      writeFileSync(lock, 'another writer\n');
    });
    expect(readFileSync(lock, 'utf8')).toBe('another writer\n');
  });
});
