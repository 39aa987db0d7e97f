/**
 * Owns the rule set the service answers with, and swaps it atomically on reload.
 *
 * `current()` is what requests read (once per request: handleOrderHook keeps the snapshot it
 * started with, so a reload mid-request cannot mix two sets). `reload()` reads and validates the
 * whole folder off the request path; only a set that passes as a whole replaces the current one.
 * A set that fails is refused: the previous set keeps answering and the failure is kept as
 * `lastError` (and logged) until a later reload succeeds. A typo in one rule file therefore never
 * takes the safety net down.
 *
 * Reloads are serialised: a reload asked for while one is running starts after it (and every
 * caller waiting for that next load shares it), so the result a caller gets always reflects the
 * folder as it was after the call.
 */
import { buildRuleSet, readRuleSources } from './load-rules.ts';
import type { RuleSources } from './load-rules.ts';
import type { RuleSet } from './types.ts';

/** A refused reload: when, and every error found (file, JSON pointer, message). */
export interface ReloadError {
  readonly at: string;
  readonly errors: readonly string[];
}

/** The serving rule set plus the file contents it was built from (what the admin API edits against). */
export interface RuleSetSnapshot {
  readonly ruleSet: RuleSet;
  readonly sources: RuleSources;
}

export type ReloadResult =
  | { readonly ok: true; readonly changed: boolean; readonly ruleSet: RuleSet }
  /** Refused: `ruleSet` is the set still serving. */
  | { readonly ok: false; readonly errors: readonly string[]; readonly ruleSet: RuleSet };

export interface RuleSetStatus {
  readonly ruleSetVersion: string;
  readonly loadedAt: string;
  readonly rules: number;
  /** When the folder was last read (successfully or not). */
  readonly lastReloadAt?: string;
  /** Present while the files on disk do not form a valid set (the previous set is serving). */
  readonly lastReloadError?: ReloadError;
}

/** What the holder logs with; a pino logger fits. */
export interface HolderLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RuleSetHolder {
  readonly rulesDir: string;
  /** The serving rule set. Cheap; read it once per request. */
  current(): RuleSet;
  /** The serving set with its source files. */
  snapshot(): RuleSetSnapshot;
  /** Reads and validates the folder; swaps only if the whole set passes. Never rejects. */
  reload(): Promise<ReloadResult>;
  status(): RuleSetStatus;
  lastError(): ReloadError | undefined;
}

export interface RuleSetHolderOptions {
  readonly rulesDir: string;
  readonly logger?: HolderLogger;
  readonly now?: () => Date;
  /** Called after every reload that replaced the serving set (not for the initial set). */
  readonly onChange?: (snapshot: RuleSetSnapshot) => void;
}

export type HolderResult = { readonly ok: true; readonly value: RuleSetHolder } | { readonly ok: false; readonly errors: readonly string[] };

async function loadSnapshot(rulesDir: string, now: Date): Promise<{ ok: true; value: RuleSetSnapshot } | { ok: false; errors: string[] }> {
  let sources: RuleSources;
  try {
    sources = await readRuleSources(rulesDir);
  } catch (err) {
    return { ok: false, errors: [`${rulesDir}: cannot read the rules folder: ${(err as Error).message}`] };
  }
  if (sources.rules.length === 0 && !sources.notFiles) {
    return { ok: false, errors: [`no rule files found in ${rulesDir}`] };
  }
  try {
    const built = buildRuleSet(sources, now);
    return built.ok ? { ok: true, value: { ruleSet: built.value, sources } } : { ok: false, errors: built.errors };
  } catch (err) {
    return { ok: false, errors: [`the rule set could not be built: ${(err as Error).message}`] };
  }
}

/**
 * Loads the folder once and returns a holder serving it.
 * @param options - Rules folder, logger, clock.
 * @returns The holder, or the errors of the initial load (there is no previous set to fall back on).
 */
export async function createRuleSetHolder(options: RuleSetHolderOptions): Promise<HolderResult> {
  const now = options.now ?? (() => new Date());
  const initial = await loadSnapshot(options.rulesDir, now());
  if (!initial.ok) {
    return { ok: false, errors: initial.errors };
  }
  return { ok: true, value: holderFrom(options, initial.value) };
}

/**
 * A holder serving a set built from file contents read earlier (a start that finds the folder broken serves
 * the last set loaded from it: the cluster's, or the one kept in the store; last-good-rules.ts), then
 * reloading from `rulesDir` as usual.
 * @param options - Rules folder the holder reloads from, logger, clock.
 * @param sources - The files of the set to serve.
 * @returns The holder, or the errors of building that set.
 */
export function holderFromSources(options: RuleSetHolderOptions, sources: RuleSources): HolderResult {
  const now = options.now ?? (() => new Date());
  try {
    const built = buildRuleSet(sources, now());
    return built.ok ? { ok: true, value: holderFrom(options, { ruleSet: built.value, sources }) } : { ok: false, errors: built.errors };
  } catch (err) {
    return { ok: false, errors: [`the rule set could not be built: ${(err as Error).message}`] };
  }
}

/**
 * A holder starting from an already built snapshot (tests, or a caller that loaded the set itself).
 * @param options - Rules folder the holder reloads from, logger, clock.
 * @param initial - The set to serve until the first successful reload.
 */
export function holderFrom(options: RuleSetHolderOptions, initial: RuleSetSnapshot): RuleSetHolder {
  const now = options.now ?? (() => new Date());
  const logger = options.logger;
  let serving = initial;
  let lastError: ReloadError | undefined;
  let lastReloadAt: string | undefined;
  let tail: Promise<unknown> = Promise.resolve();
  let pending: Promise<ReloadResult> | undefined;

  const load = async (): Promise<ReloadResult> => {
    const at = now();
    lastReloadAt = at.toISOString();
    const result = await loadSnapshot(options.rulesDir, at);
    if (!result.ok) {
      lastError = { at: at.toISOString(), errors: result.errors };
      logger?.error(
        { rulesDir: options.rulesDir, errors: result.errors, servingVersion: serving.ruleSet.version },
        'rule set reload refused: the files on disk do not form a valid rule set; the previous set keeps serving'
      );
      return { ok: false, errors: result.errors, ruleSet: serving.ruleSet };
    }
    const hadError = lastError !== undefined;
    lastError = undefined;
    if (result.value.ruleSet.version === serving.ruleSet.version) {
      if (hadError) {
        logger?.info({ version: serving.ruleSet.version }, 'rule set files are valid again; the serving set is unchanged');
      }
      // Same content: keep the snapshot (and its loadedAt) so the version stays stable.
      return { ok: true, changed: false, ruleSet: serving.ruleSet };
    }
    const previous = serving.ruleSet.version;
    serving = result.value;
    logger?.info({ from: previous, to: serving.ruleSet.version, rules: serving.ruleSet.rules.length }, 'rule set reloaded');
    try {
      options.onChange?.(serving);
    } catch (err) {
      logger?.error({ err: (err as Error).message }, 'rule set change listener failed');
    }
    return { ok: true, changed: true, ruleSet: serving.ruleSet };
  };

  return {
    rulesDir: options.rulesDir,
    current: () => serving.ruleSet,
    snapshot: () => serving,
    lastError: () => lastError,
    status: () => ({
      ruleSetVersion: serving.ruleSet.version,
      loadedAt: serving.ruleSet.loadedAt,
      rules: serving.ruleSet.rules.length,
      ...(lastReloadAt ? { lastReloadAt } : {}),
      ...(lastError ? { lastReloadError: lastError } : {}),
    }),
    reload: () => {
      if (pending) {
        // A load that has not started yet will read the folder after this call: share it.
        return pending;
      }
      const start = (): Promise<ReloadResult> => {
        pending = undefined;
        return load().catch((err: unknown) => ({ ok: false as const, errors: [`reload failed: ${(err as Error).message}`], ruleSet: serving.ruleSet }));
      };
      const next = tail.then(start, start);
      pending = next;
      tail = next;
      return next;
    },
  };
}
