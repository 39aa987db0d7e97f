/**
 * The rule files on disk: read with their ETag, write atomically (temp file + rename in the same
 * folder, so the loader and the watcher only ever see the old or the new file, never half of one).
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

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

/** @returns The file content, or undefined when there is no such rule file. */
export async function readRuleText(rulesDir: string, id: string): Promise<string | undefined> {
  try {
    return await readFile(ruleFile(rulesDir, id), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw err;
  }
}

/** Rule ids with a file in the folder, sorted. */
export async function listRuleIds(rulesDir: string): Promise<string[]> {
  const entries = await readdir(rulesDir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => e.name.slice(0, -'.json'.length))
    .sort();
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

/**
 * Runs `fn` holding the rules folder's write lock: a lock file created with O_EXCL in the folder,
 * so saves made by several processes (cluster workers, replicas sharing the folder) are serialised
 * and an If-Match check cannot race another save. A lock older than `staleMs` (a crashed writer) is
 * broken. The file is not *.json, so the loader and the watcher ignore it.
 */
export async function withRulesLock<T>(rulesDir: string, fn: () => Promise<T>, options: { readonly timeoutMs?: number; readonly staleMs?: number } = {}): Promise<T> {
  const lock = path.join(rulesDir, LOCK_FILE);
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  const staleMs = options.staleMs ?? 60_000;
  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o644);
      try {
        await handle.writeFile(`${process.pid} ${new Date().toISOString()}\n`, 'utf8');
      } finally {
        await handle.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw err;
      }
    }
    const age = await stat(lock).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0
    );
    if (age > staleMs) {
      await unlink(lock).catch(() => undefined);
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
    await unlink(lock).catch(() => undefined);
  }
}
