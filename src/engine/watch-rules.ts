/**
 * Hot reload: watches rules/ and rules/value-sets/ and asks the holder to reload when a file
 * changes, so a fix takes effect within about a second, without a restart.
 *
 * Two triggers, because neither is enough alone:
 * - `fs.watch` on both folders, debounced (an editor's save is often several events: truncate,
 *   write, rename), gives the fast path;
 * - a cheap periodic poll of the folder listing (name, inode, size, mtime in ns of every `*.json`)
 *   catches what `fs.watch` misses (network and container file systems, folders created later,
 *   a watcher that died).
 *
 * Reloading itself is the holder's job: it validates the whole set and swaps only when all of it
 * passes, so a half-written or broken file is refused and the previous set keeps serving.
 */
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { VALUE_SETS_DIR } from './load-rules.ts';
import type { RuleSetHolder } from './rule-set-holder.ts';

export interface WatchLogger {
  warn(obj: object, msg: string): void;
  debug?(obj: object, msg: string): void;
}

export interface WatchRulesOptions {
  /** Quiet time after the last file event before reloading, ms. Default 150. */
  readonly debounceMs?: number;
  /** Poll interval, ms (0 turns polling off). Default 500. */
  readonly pollMs?: number;
  /** Use fs.watch (default true); polling alone is enough where fs.watch is unreliable. */
  readonly useFsWatch?: boolean;
  readonly logger?: WatchLogger;
}

export interface RuleWatcher {
  /** Stops watching and polling. */
  close(): void;
}

/**
 * A fingerprint of the folders' `*.json` files that changes whenever one is added, removed,
 * replaced (rename gives a new inode) or written (size, mtime in ns). Reads no file content.
 * @param rulesDir - The rules folder.
 * @returns A string to compare with the previous one.
 */
export async function rulesFingerprint(rulesDir: string): Promise<string> {
  const parts: string[] = [];
  for (const dir of [rulesDir, path.join(rulesDir, VALUE_SETS_DIR)]) {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
    } catch {
      parts.push(`${dir}:absent`);
      continue;
    }
    for (const name of names) {
      try {
        const s = await stat(path.join(dir, name), { bigint: true });
        parts.push(`${dir}/${name}:${s.ino}:${s.size}:${s.mtimeNs}`);
      } catch {
        // Removed between readdir and stat: the next poll sees the final state.
        parts.push(`${dir}/${name}:gone`);
      }
    }
  }
  return parts.join('\n');
}

/**
 * Starts watching. Timers are unref'd, so the watcher never keeps the process alive.
 * @param holder - The holder to reload.
 * @param options - Debounce, poll interval, logger.
 * @returns A handle to stop watching.
 */
export function watchRules(holder: RuleSetHolder, options: WatchRulesOptions = {}): RuleWatcher {
  const rulesDir = holder.rulesDir;
  const debounceMs = options.debounceMs ?? 150;
  const pollMs = options.pollMs ?? 500;
  const logger = options.logger;
  const watchers = new Map<string, FSWatcher>();
  let closed = false;
  let debounce: NodeJS.Timeout | undefined;
  let lastFingerprint: string | undefined;
  let polling = false;

  const reload = async (): Promise<void> => {
    if (closed) {
      return;
    }
    // Record what we are about to load, so the poll does not load the same state again.
    lastFingerprint = await rulesFingerprint(rulesDir);
    await holder.reload();
  };

  const schedule = (): void => {
    if (closed) {
      return;
    }
    if (debounce) {
      clearTimeout(debounce);
    }
    debounce = setTimeout(() => {
      debounce = undefined;
      void reload();
    }, debounceMs);
    debounce.unref();
  };

  const arm = (dir: string): void => {
    if (watchers.has(dir) || options.useFsWatch === false) {
      return;
    }
    try {
      const w = watch(dir, { persistent: false }, (_event, filename) => {
        if (filename === null || String(filename).endsWith('.json') || String(filename) === VALUE_SETS_DIR) {
          schedule();
        }
      });
      w.on('error', (err) => {
        // The folder was removed or the platform gave up: polling still covers it; re-armed when it is back.
        logger?.warn({ dir, err: err.message }, 'rules folder watch stopped; polling continues');
        w.close();
        watchers.delete(dir);
      });
      watchers.set(dir, w);
    } catch {
      // Folder absent (value-sets/ is optional) or fs.watch unsupported: the poll covers it.
    }
  };

  const armAll = (): void => {
    arm(rulesDir);
    arm(path.join(rulesDir, VALUE_SETS_DIR));
  };

  armAll();
  // Catch any change made between the holder's first load and now (a no-op reload when nothing changed).
  void reload();

  const poll = pollMs > 0
    ? setInterval(() => {
        if (polling || closed) {
          return;
        }
        polling = true;
        void rulesFingerprint(rulesDir)
          .then(async (fp) => {
            if (lastFingerprint !== undefined && fp !== lastFingerprint) {
              lastFingerprint = fp;
              armAll();
              await holder.reload();
            } else if (lastFingerprint === undefined) {
              lastFingerprint = fp;
            }
          })
          .catch(() => undefined)
          .finally(() => {
            polling = false;
          });
      }, pollMs)
    : undefined;
  poll?.unref();

  return {
    close: () => {
      closed = true;
      if (debounce) {
        clearTimeout(debounce);
      }
      if (poll) {
        clearInterval(poll);
      }
      for (const w of watchers.values()) {
        w.close();
      }
      watchers.clear();
    },
  };
}
