/**
 * The rule files on disk: read with their ETag, write atomically (temp file + rename in the same
 * folder, so the loader and the watcher only ever see the old or the new file, never half of one).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { link, lstat, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { listJsonFiles } from '../engine/index.ts';

export const RULE_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const MAX_ID_LENGTH = 64;

export function isRuleId(id: string): boolean {
  return id.length <= MAX_ID_LENGTH && RULE_ID.test(id);
}

/** Strong ETag of a file's content: `"<sha256 hex>"`. */
export function etagOf(text: string): string {
  return `"${createHash('sha256').update(text, 'utf8').digest('hex')}"`;
}

/** How the admin API writes rule JSON (the shipped files use the same format, so diffs stay small). */
export function canonicalText(rule: unknown): string {
  return `${JSON.stringify(rule, null, 2)}\n`;
}

export function ruleFile(rulesDir: string, id: string): string {
  if (!isRuleId(id)) {
    throw new Error(`not a rule id: ${id}`);
  }
  return path.join(rulesDir, `${id}.json`);
}

/** Thrown when a rule's path in the rules folder is a folder, not a file (the loader refuses the rule set then). */
export class NotARuleFile extends Error {
  readonly id: string;
  constructor(id: string) {
    super(`${id}.json in the rules folder is not a file`);
    this.id = id;
  }
}

/**
 * @returns The file content, or undefined when there is no such rule file.
 * @throws NotARuleFile when `<id>.json` is a folder.
 */
export async function readRuleText(rulesDir: string, id: string): Promise<string | undefined> {
  try {
    return await readFile(ruleFile(rulesDir, id), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return undefined;
    }
    if (code === 'EISDIR') {
      throw new NotARuleFile(id);
    }
    throw err;
  }
}

/** Rule ids with a file in the folder (a symbolic link to a file too, as the loader reads them), sorted. */
export async function listRuleIds(rulesDir: string): Promise<string[]> {
  return (await listJsonFiles(rulesDir)).names.map((name) => name.slice(0, -'.json'.length));
}

/**
 * Whether a rule's file is a symbolic link. The loader follows such a link (a Kubernetes ConfigMap
 * mounts each file as one; a shared rule may be linked in), but the admin API does not change or delete
 * it: the rename of an atomic write would replace the link by a plain file, cutting the rule loose from
 * where it is managed without a word (and the next deployment would put the link back, undoing the
 * change), and on a read-only mount the write would fail half-way. Writing through the link instead
 * would change a file outside the rules folder. So the change is refused, and made where the file lives.
 */
export async function isRuleFileLink(rulesDir: string, id: string): Promise<boolean> {
  try {
    return (await lstat(ruleFile(rulesDir, id))).isSymbolicLink();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return false;
    }
    throw err;
  }
}

/**
 * Writes a rule file atomically: a temp file in the same folder (not named *.json, so the loader
 * ignores it), fsync'd, then renamed over the target.
 */
export async function writeRuleText(rulesDir: string, id: string, text: string): Promise<void> {
  await writeFileAtomic(rulesDir, path.basename(ruleFile(rulesDir, id)), text);
}

/**
 * Writes `<dir>/<name>` atomically (temp file in the same folder, fsync'd, renamed over it): a reader,
 * or the process after a crash, sees the old text or the new one, never a part of it.
 */
export async function writeFileAtomic(dir: string, name: string, text: string): Promise<void> {
  const target = path.join(dir, name);
  const temp = path.join(dir, `.${name.replace(/\.json$/, '')}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, target);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

export async function deleteRuleFile(rulesDir: string, id: string): Promise<void> {
  try {
    await unlink(ruleFile(rulesDir, id));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw err;
    }
  }
}

/**
 * Does an If-Match header match the current ETag? (RFC 9110: strong comparison, a list, or "*".)
 * @param header - The If-Match value.
 * @param current - The current ETag, or undefined when the rule does not exist.
 */
export function ifMatchSatisfied(header: string, current: string | undefined): boolean {
  if (current === undefined) {
    return false;
  }
  const tags = header.split(',').map((t) => t.trim());
  return tags.some((t) => t === '*' || t === current);
}

/** Thrown when another process keeps the rules folder's write lock past the timeout. */
export class RulesLockTimeout extends Error {
  constructor() {
    super('another change to the rules folder is being saved');
    this.name = 'RulesLockTimeout';
  }
}

export const LOCK_FILE = '.admin-write.lock';

/** Tokens of the rules locks this process holds now: tells its own live lock from a dead process's that had the same pid. */
const heldLocks = new Set<string>();

/**
 * Runs `fn` holding the rules folder's write lock: a lock file created with O_EXCL in the folder,
 * so saves made by several processes (cluster workers, replicas sharing the folder) are serialised
 * and an If-Match check cannot race another save. The file is not *.json, so the loader and the
 * watcher ignore it. It holds the holder's pid, host name, start time and a random token.
 *
 * A lock older than `staleMs` (a crashed writer) is broken, unless its holder is on this host and
 * still running (a save slower than `staleMs`, or a clock difference on a shared volume, must not let
 * a second writer in): see {@link breakIfStale}. The holder removes the lock only if it is still its own
 * (same token).
 */
export async function withRulesLock<T>(rulesDir: string, fn: () => Promise<T>, options: { readonly timeoutMs?: number; readonly staleMs?: number } = {}): Promise<T> {
  const lock = path.join(rulesDir, LOCK_FILE);
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  const staleMs = options.staleMs ?? 60_000;
  const token = randomBytes(12).toString('hex');
  for (;;) {
    if (await createLock(lock, token)) {
      break;
    }
    if (await breakIfStale(lock, staleMs)) {
      continue;
    }
    if (Date.now() > deadline) {
      throw new RulesLockTimeout();
    }
    await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 30)));
  }
  try {
    return await fn();
  } finally {
    // Only our own lock (its token, not its inode: a new file often gets the inode of one just deleted).
    // Had ours been broken (by a host that took us for crashed), the file is another writer's.
    const text = await readFile(lock, 'utf8').catch(() => undefined);
    if (text !== undefined && tokenOf(text) === token) {
      await unlink(lock).catch(() => undefined);
    }
    heldLocks.delete(token);
  }
}

/** Creates the lock file: `<pid> <host> <time> <token>`. @returns False when it exists already. */
async function createLock(lock: string, token: string): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await open(lock, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      return false;
    }
    throw err;
  }
  heldLocks.add(token);
  try {
    await handle.writeFile(`${process.pid} ${hostname()} ${new Date().toISOString()} ${token}\n`, 'utf8');
    return true;
  } catch (err) {
    heldLocks.delete(token);
    await unlink(lock).catch(() => undefined);
    throw err;
  } finally {
    await handle.close();
  }
}

/**
 * Breaks the lock if it is stale: older than `staleMs` and not held by a running process on this host.
 * Atomically: the file is renamed to a unique name first (of several waiters, one rename succeeds), and
 * removed only if it is the file judged stale (same inode, modification time and content). Otherwise
 * another waiter broke the stale lock and took a fresh one in between, which the rename moved: it is put
 * back (link fails if a third writer has made a lock since; that narrow window remains).
 * @returns Whether to try to take the lock at once (it was broken, or is gone); false: wait.
 */
async function breakIfStale(lock: string, staleMs: number): Promise<boolean> {
  let seen: Stats;
  let text: string;
  try {
    // One open file: the inode, time and content judged are those of one lock file.
    const handle = await open(lock, 'r');
    try {
      seen = await handle.stat();
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
  if (Date.now() - seen.mtimeMs <= staleMs || holderRunsHere(text)) {
    return false;
  }
  const aside = `${lock}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await rename(lock, aside);
  } catch {
    return false; // another waiter broke it already
  }
  const moved = await stat(aside).catch(() => undefined);
  const movedText = await readFile(aside, 'utf8').catch(() => undefined);
  if (moved && sameFile(moved, seen) && moved.mtimeMs === seen.mtimeMs && movedText === text) {
    await unlink(aside).catch(() => undefined);
    return true;
  }
  await link(aside, lock).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
  return false;
}

function sameFile(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.dev === b.dev;
}

function tokenOf(lockText: string): string | undefined {
  return lockText.trim().split(' ')[3];
}

/**
 * Whether the lock's holder is a running process on this host: this process when it holds that lock
 * (its own pid in a lock it does not hold is a previous process's, e.g. a restarted container's), another
 * pid when it still runs. A lock from another host, or without a host (older format), is judged by age.
 */
function holderRunsHere(text: string): boolean {
  const [pid, host] = text.trim().split(' ');
  const token = tokenOf(text);
  if (host !== hostname() || pid === undefined || !/^[1-9]\d*$/.test(pid)) {
    return false;
  }
  if (Number(pid) === process.pid) {
    return token !== undefined && heldLocks.has(token);
  }
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
