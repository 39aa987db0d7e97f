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
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildRuleSet, readRuleSources } from '../engine/index.ts';
import type { RuleSources } from '../engine/index.ts';
import type { RuleSetHolder } from '../engine/rule-set-holder.ts';
import type { RuleChange, Store } from '../store/index.ts';
import { canonicalText, deleteRuleFile, isRuleId, readRuleText, withRulesLock, writeFileAtomic, writeRuleText } from './rule-files.ts';

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

/**
 * The sequence this folder last applied; undefined when there is none (never synced) or the file does not
 * hold one. Only digits count: an empty file would read as 0 and replay the whole feed over the folder.
 */
async function readSeq(rulesDir: string): Promise<number | undefined> {
  try {
    const text = (await readFile(path.join(rulesDir, SYNC_SEQ_FILE), 'utf8')).trim();
    const value = Number(text);
    return /^\d+$/.test(text) && Number.isSafeInteger(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Written whole (temp file and rename): a worker reading it, or a restart after a crash mid-write, never sees it empty. */
async function writeSeq(rulesDir: string, seq: number): Promise<void> {
  await writeFileAtomic(rulesDir, SYNC_SEQ_FILE, `${seq}\n`);
}

/**
 * A change to `ruleId` made through another replica that this folder has not applied yet, if any. An
 * edit based on this folder's copy would silently overwrite it (both replicas would accept the same
 * If-Match), so the admin API refuses such an edit until the sync has caught up. Undefined when this
 * folder does not take part in rule sync (no `.sync-seq`).
 */
export async function unsyncedChangeOf(
  store: Pick<Store, 'ruleChangesSince'>,
  rulesDir: string,
  ruleId: string,
  current: string | undefined
): Promise<RuleChange | undefined> {
  const seq = await readSeq(rulesDir);
  if (seq === undefined) {
    return undefined;
  }
  const latest = (await store.ruleChangesSince(seq)).filter((c) => c.seq > seq && c.ruleId === ruleId).at(-1);
  if (latest === undefined) {
    return undefined;
  }
  // The folder already holds the rule as the feed last left it (this replica's own change, not yet
  // counted by its sync): nothing to overwrite.
  const text = latest.content === null || latest.content === undefined ? undefined : canonicalText(latest.content);
  return text === current ? undefined : latest;
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
    await writeSeq(rulesDir, lastSeq);
  }
  let running = false;
  /** The last refusal logged (head of the feed it covered), so a stuck feed is logged once, not every poll. */
  let refusedAt: string | undefined;
  /** Where the feed was last held back (applied seq, feed head, this replica's rule set version): polls skip the search until one moves. */
  let stuckState: string | undefined;
  const syncOnce = async (): Promise<number> => {
    if (running) {
      return 0;
    }
    running = true;
    try {
      const changes = (await store.ruleChangesSince(lastSeq ?? 0)).filter((c) => c.seq > (lastSeq ?? 0));
      if (changes.length === 0) {
        return 0;
      }
      // Held back before, and neither the feed nor this replica's rules have changed since: nothing to try.
      const state = `${lastSeq ?? 0}:${changes.at(-1)!.seq}:${holder.current().version}`;
      if (state === stuckState) {
        return 0;
      }
      let written = 0;
      let heldBack = false;
      await withRulesLock(rulesDir, async () => {
        // The changes are applied only as far as the folder still loads with them: changes made on
        // different replicas can each be valid there and invalid together (one deletes a rule another's new
        // rule replaces). Written anyway, the folder would stop loading here: every later save refused, and
        // a restart impossible. So the longest run of changes that loads is written, the rest wait (each
        // poll tries again from there: a later change may mend it), and the refusal is logged for the admins.
        const sources = await readRuleSources(rulesDir);
        let applied = 0;
        let files = new Map<string, string | null>();
        let errors: string[] = [];
        const whole = applyChanges(sources, changes);
        const built = buildRuleSet(whole.sources);
        if (built.ok) {
          applied = changes.length;
          files = whole.files;
        } else {
          // Find the first change that breaks the set, one more change at a time (a build is a few ms;
          // the event loop gets a turn between builds).
          errors = built.errors;
          for (let count = 1; count < changes.length; count++) {
            await new Promise((resolve) => setImmediate(resolve));
            const candidate = applyChanges(sources, changes.slice(0, count));
            if (!buildRuleSet(candidate.sources).ok) break;
            applied = count;
            files = candidate.files;
          }
        }
        for (const [ruleId, text] of files) {
          const current = await readRuleText(rulesDir, ruleId);
          if (text === null) {
            if (current !== undefined) {
              await deleteRuleFile(rulesDir, ruleId);
              written += 1;
            }
          } else if (current !== text) {
            await writeRuleText(rulesDir, ruleId, text);
            written += 1;
          }
        }
        if (applied > 0) {
          lastSeq = changes[applied - 1]!.seq;
          await writeSeq(rulesDir, lastSeq);
        }
        heldBack = applied < changes.length;
        if (applied < changes.length) {
          const stuck = changes[applied]!;
          const key = `${stuck.seq}-${changes.at(-1)!.seq}`;
          if (refusedAt !== key) {
            refusedAt = key;
            logger.warn(
              { seq: stuck.seq, ruleId: stuck.ruleId, action: stuck.action, author: stuck.author, waiting: changes.length - applied, errors },
              'a rule change from another replica does not load with this replica\'s rules; not applied (this replica keeps serving its rules; fix the rule set through the admin API)'
            );
          }
        }
      });
      if (written > 0) {
        const result = await holder.reload();
        if (result.ok) {
          logger.info({ files: written, seq: lastSeq, ruleSetVersion: holder.current().version }, 'applied rule changes from another replica');
        } else {
          logger.warn({ files: written, seq: lastSeq, errors: result.errors }, 'applied rule changes from another replica, but the folder did not load; still serving the previous rules');
        }
      }
      stuckState = heldBack ? `${lastSeq ?? 0}:${changes.at(-1)!.seq}:${holder.current().version}` : undefined;
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

/**
 * The folder's sources with `changes` applied in order, and the resulting text (or null: deleted) of
 * every rule they touch.
 */
function applyChanges(sources: RuleSources, changes: readonly RuleChange[]): { sources: RuleSources; files: Map<string, string | null> } {
  const files = new Map<string, string | null>();
  for (const change of changes) {
    if (isRuleId(change.ruleId)) {
      files.set(change.ruleId, change.content === null || change.content === undefined ? null : canonicalText(change.content));
    }
  }
  const rules = sources.rules.filter((f) => !files.has(f.name.replace(/\.json$/, '')));
  for (const [ruleId, text] of files) {
    if (text !== null) rules.push({ name: `${ruleId}.json`, text });
  }
  return { sources: { rules, valueSets: sources.valueSets }, files };
}
