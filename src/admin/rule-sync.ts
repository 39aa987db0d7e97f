/**
 * Keeps replicas' rule folders in step through the shared store. Every admin change is appended to
 * the store's rule change feed; each replica polls the feed and writes the changed files into its own
 * rules/ folder (atomically, under the same lock as admin writes), then reloads. The replica that made
 * the change already has the file, so applying it again changes nothing.
 *
 * Where the feed starts: the sequence last applied is kept in `<rules>/.sync-seq`, so a replica that was
 * down applies what it missed. A folder that never synced starts at the current end of the feed: the
 * files it was deployed with (for example from git) are trusted over older history.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RuleSetHolder } from '../engine/rule-set-holder.ts';
import type { Store } from '../store/index.ts';
import { canonicalText, deleteRuleFile, isRuleId, readRuleText, withRulesLock, writeRuleText } from './rule-files.ts';

export const SYNC_SEQ_FILE = '.sync-seq';

export interface RuleSyncLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface RuleSync {
  /** Applies pending changes now (the poller calls it); resolves to the number of files changed. */
  syncOnce(): Promise<number>;
  close(): void;
}

async function readSeq(rulesDir: string): Promise<number | undefined> {
  try {
    const value = Number((await readFile(path.join(rulesDir, SYNC_SEQ_FILE), 'utf8')).trim());
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * @param options - The store with the change feed, this replica's holder, poll interval.
 * @returns The running sync; call close() on shutdown.
 */
export async function startRuleSync(options: {
  readonly store: Pick<Store, 'ruleChangesSince'>;
  readonly holder: RuleSetHolder;
  readonly pollMs: number;
  readonly logger: RuleSyncLogger;
}): Promise<RuleSync> {
  const { store, holder, logger } = options;
  const rulesDir = holder.rulesDir;
  let lastSeq = await readSeq(rulesDir);
  if (lastSeq === undefined) {
    const all = await store.ruleChangesSince(0);
    lastSeq = all.at(-1)?.seq ?? 0;
    await writeFile(path.join(rulesDir, SYNC_SEQ_FILE), `${lastSeq}\n`);
  }
  let running = false;
  const syncOnce = async (): Promise<number> => {
    if (running) {
      return 0;
    }
    running = true;
    try {
      const changes = await store.ruleChangesSince(lastSeq ?? 0);
      if (changes.length === 0) {
        return 0;
      }
      let written = 0;
      await withRulesLock(rulesDir, async () => {
        for (const change of changes) {
          if (isRuleId(change.ruleId)) {
            const current = await readRuleText(rulesDir, change.ruleId);
            if (change.content === null || change.content === undefined) {
              if (current !== undefined) {
                await deleteRuleFile(rulesDir, change.ruleId);
                written += 1;
              }
            } else {
              const text = canonicalText(change.content);
              if (current !== text) {
                await writeRuleText(rulesDir, change.ruleId, text);
                written += 1;
              }
            }
          }
          lastSeq = change.seq;
        }
        await writeFile(path.join(rulesDir, SYNC_SEQ_FILE), `${lastSeq}\n`);
      });
      if (written > 0) {
        const result = await holder.reload();
        logger.info({ files: written, seq: lastSeq, ruleSetVersion: holder.current().version, ok: result.ok }, 'applied rule changes from another replica');
      }
      return written;
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'rule change feed could not be read; will retry');
      return 0;
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void syncOnce(), options.pollMs);
  timer.unref();
  return { syncOnce, close: () => clearInterval(timer) };
}
