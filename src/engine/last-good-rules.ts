/**
 * The last good rule set across restarts (issue #6).
 *
 * Every set loaded from the rules folder (at start, on every successful reload: the watcher, the admin API's
 * saves, a replica's rule sync) is kept in the store (`lastGoodRecorder`): its version and its files, exactly
 * what a cluster worker reports to the primary. A start whose folder does not load (a rule file half saved, a
 * typo, a bad deploy) serves the last good set instead of exiting (`startFromLastGood`): a single process
 * reads it from the store; a cluster worker asks the primary first (the set the other workers serve now),
 * then the store (after the primary itself restarted). Only a start with nothing kept (the very first one)
 * still refuses a broken folder, as does one whose store cannot be read (logged).
 */
import { MAX_LAST_GOOD_RULES_BYTES } from '../store/index.ts';
import type { Store, StoredRuleSet } from '../store/index.ts';
import { holderFromSources } from './rule-set-holder.ts';
import type { HolderResult, RuleSetHolderOptions, RuleSetSnapshot } from './rule-set-holder.ts';

export interface LastGoodLogger {
  fatal(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface LastGoodRecorder {
  /** Keeps the set in the store (in the background; never throws). Nothing is written for the version kept last. */
  record(snapshot: RuleSetSnapshot): void;
  /** Resolves once every write asked for so far has ended (shutdown waits for it); never rejects. */
  idle(): Promise<void>;
}

/**
 * Keeps every set loaded from the folder in the store, one write at a time, in the order loaded.
 * @param store - The service's store (a worker's is the primary's, over IPC).
 * @param logger - Where a failed or refused write is logged.
 */
export function lastGoodRecorder(store: Pick<Store, 'saveLastGoodRules'>, logger: Pick<LastGoodLogger, 'error' | 'info'>): LastGoodRecorder {
  let kept: string | undefined;
  let tail: Promise<void> = Promise.resolve();
  return {
    record: ({ ruleSet, sources }) => {
      const version = ruleSet.version;
      const rules: StoredRuleSet = {
        version,
        sources: { rules: sources.rules.map(({ name, text }) => ({ name, text })), valueSets: sources.valueSets.map(({ name, text }) => ({ name, text })) },
      };
      tail = tail.then(async () => {
        if (version === kept) return;
        // Measured here too: a set too big to keep is not sent to the store at all (IPC, the store thread).
        const bytes = Buffer.byteLength(JSON.stringify(rules.sources), 'utf8');
        if (bytes > MAX_LAST_GOOD_RULES_BYTES) {
          logger.error(
            { version, bytes, maxBytes: MAX_LAST_GOOD_RULES_BYTES },
            'the rule set is too large to keep as the last good set: a restart while the rules folder does not load will serve the set kept before it, or refuse to start'
          );
          return;
        }
        try {
          const written = await store.saveLastGoodRules(rules);
          kept = version;
          if (written) logger.info({ version }, 'rule set kept as the last good set (served by a restart while the rules folder does not load)');
        } catch (err) {
          logger.error(
            { version, err: err instanceof Error ? err.message : String(err) },
            'the rule set could not be kept as the last good set: a restart while the rules folder does not load will serve the set kept before it, or refuse to start'
          );
        }
      });
    },
    idle: () => tail,
  };
}

/** Where a start whose folder does not load may find the last good set, asked in order. */
export interface LastGoodSource {
  /** How the banner names it, e.g. "the last rule set the cluster loaded". */
  readonly describe: string;
  /** The set, or undefined when this source has none; a rejection is logged and the next source asked. */
  read(): Promise<(Pick<StoredRuleSet, 'version' | 'sources'> & { readonly savedAt?: string }) | undefined>;
}

/**
 * A start whose rules folder does not load: serves the first last good set that one of `sources` has and
 * that builds, with a loud banner (logger.fatal and stderr), and the folder's errors as lastReloadError in
 * /admin/api/status (the holder reloads the folder once); its watcher moves it on once the folder is fixed.
 * @param options - The holder's options (the folder it reloads from), the folder's errors, where to look.
 * @returns The holder, or the folder's errors when no source had a set that builds (the caller exits).
 */
export async function startFromLastGood(options: {
  readonly holder: RuleSetHolderOptions;
  readonly errors: readonly string[];
  readonly sources: readonly LastGoodSource[];
  readonly logger: LastGoodLogger;
  /** How the banner names what serves, e.g. "this worker". */
  readonly who: string;
  /** Where the banner is printed (default console.error). */
  readonly print?: (line: string) => void;
}): Promise<HolderResult> {
  const { logger, errors } = options;
  const rulesDir = options.holder.rulesDir;
  for (const source of options.sources) {
    let kept: Awaited<ReturnType<LastGoodSource['read']>>;
    try {
      kept = await source.read();
    } catch (err) {
      logger.error({ err: err instanceof Error ? err.message : String(err), source: source.describe }, `the rules folder does not load, and ${source.describe} could not be read`);
      continue;
    }
    if (!kept) {
      logger.error({ source: source.describe }, `the rules folder does not load, and there is no ${source.describe} to serve`);
      continue;
    }
    const built = holderFromSources(options.holder, kept.sources);
    if (!built.ok) {
      logger.fatal({ errors: built.errors, source: source.describe, version: kept.version }, `${source.describe} does not build here either`);
      continue;
    }
    const version = built.value.current().version;
    if (version !== kept.version) {
      logger.warn({ kept: kept.version, built: version, source: source.describe }, 'the last good rule set builds with another version than it was kept with');
    }
    const banner = `THE RULES FOLDER DOES NOT LOAD (${rulesDir}): ${options.who} serves ${source.describe}, version ${version}${kept.savedAt ? ` (kept ${kept.savedAt})` : ''}, until the folder is fixed`;
    logger.fatal({ errors, rulesDir, servingVersion: version, source: source.describe }, banner);
    (options.print ?? ((line: string) => console.error(line)))(`\n*** ${banner} ***\n`);
    // Shows the folder's errors as lastReloadError in /admin/api/status (or serves the folder, fixed meanwhile).
    await built.value.reload();
    return built;
  }
  return { ok: false, errors };
}
