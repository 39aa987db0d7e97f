/**
 * Keeps replicas' rule folders in step through the shared store. Every admin change is appended to
 * the store's rule change feed; each replica polls the feed and writes the changed files into its own
 * rules/ folder (atomically, under the same lock as admin writes), then reloads. The replica that made
 * the change already has the file, so applying it again changes nothing.
 *
 * Where the feed starts: the sequence last applied is kept in `<rules>/.sync-seq`, so a replica that was
 * down applies what it missed. A folder that never synced starts at the current end of the feed: the
 * files it was deployed with (for example from git) are trusted over older history. It is not kept quiet,
 * though: the rules whose file differs from the feed's latest content for them (no file where the feed last
 * deleted the rule) are listed in one warning and noted in `<rules>/.sync-diverged`, and the admin API refuses
 * to change them here (unsyncedChangeOf) until the file equals the feed's latest content: an edit made here,
 * based on the older file, would otherwise record that file in the feed and silently undo on every replica
 * the changes made since it. A later change from the feed is applied over the file as it was then (and ends
 * the divergence). Removing a rule from `.sync-diverged` by hand keeps the file: the next change through the
 * admin API records it (credited to the rules/ folder) and the other replicas take it.
 *
 * The feed is read under the rules lock, and a change is written only over a file that still holds what the
 * feed said for the rule before it (or already holds the change): a file changed here since (a hand edit, a
 * save here whose record in the feed failed) is left as it is, and the rule is named in a warning.
 * `.sync-seq` only moves forwards: cluster workers sharing the folder each run a sync.
 */
import { createHash } from 'node:crypto';
import { readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { buildRuleSet, readRuleSources } from '../engine/index.ts';
import type { RuleSources } from '../engine/index.ts';
import type { RuleSetHolder } from '../engine/rule-set-holder.ts';
import type { RuleChange, Store } from '../store/index.ts';
import { canonicalText, deleteRuleFile, isRuleId, readRuleText, withRulesLock, writeFileAtomic, writeRuleText } from './rule-files.ts';

export const SYNC_SEQ_FILE = '.sync-seq';
/** Rules whose file differed from the feed's latest content when this folder first synced (not *.json: the loader skips it). */
export const SYNC_DIVERGED_FILE = '.sync-diverged';

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

/** A rule whose file is not the feed's latest content for it: that change (its seq) and the file then (the base a later change may be applied on). */
interface Divergence {
  readonly seq: number;
  readonly folder: Fingerprint;
}

type Divergences = ReadonlyMap<string, Divergence>;

/** The rules noted as diverged; none when the file is missing or is not what this module writes. */
async function readDivergences(rulesDir: string): Promise<Divergences> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path.join(rulesDir, SYNC_DIVERGED_FILE), 'utf8')) as unknown;
  } catch {
    return new Map();
  }
  const out = new Map<string, Divergence>();
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
    for (const [id, value] of Object.entries(parsed as Record<string, unknown>)) {
      const { seq, folder } = (value ?? {}) as { seq?: unknown; folder?: unknown };
      if (isRuleId(id) && typeof seq === 'number' && Number.isSafeInteger(seq) && (folder === null || typeof folder === 'string')) {
        out.set(id, { seq, folder });
      }
    }
  }
  return out;
}

/** Written whole, one rule a line (an operator may remove one by hand); removed when none is left. */
async function writeDivergences(rulesDir: string, divergences: Divergences): Promise<void> {
  const ids = [...divergences.keys()].sort();
  if (ids.length === 0) {
    await unlink(path.join(rulesDir, SYNC_DIVERGED_FILE)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    return;
  }
  await writeFileAtomic(rulesDir, SYNC_DIVERGED_FILE, `{\n${ids.map((id) => `  ${JSON.stringify(id)}: ${JSON.stringify(divergences.get(id))}`).join(',\n')}\n}\n`);
}

/**
 * A change to `ruleId` made through another replica that this folder has not applied yet, if any. An
 * edit based on this folder's copy would silently overwrite it (both replicas would accept the same
 * If-Match), so the admin API refuses such an edit until the sync has caught up. Also the feed's latest
 * change to a rule noted in `.sync-diverged` (this folder never took it; see above) while the file is not
 * that change's content. Undefined when this folder does not take part in rule sync (no `.sync-seq`).
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
  if (latest !== undefined) {
    // The folder already holds the rule as the feed last left it (this replica's own change, not yet
    // counted by its sync): nothing to overwrite.
    const text = latest.content === null || latest.content === undefined ? undefined : canonicalText(latest.content);
    return text === current ? undefined : latest;
  }
  const divergence = (await readDivergences(rulesDir)).get(ruleId);
  if (divergence === undefined) {
    return undefined;
  }
  const taken = (await store.ruleChangesSince(divergence.seq - 1)).find((c) => c.seq === divergence.seq);
  // The file now holds what the feed last said (put there by hand, say): in step.
  return taken === undefined || fingerprintOfText(current) === fingerprintOfContent(taken.content) ? undefined : taken;
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
  /**
   * What the feed last said for each rule (content fingerprint; null: deleted), as of `feedSeq`: the base
   * a change is checked against. Read whole on the first poll that has changes, then kept up to date.
   */
  const feed = new Map<string, Fingerprint>();
  let feedSeq = 0;
  let lastSeq = await readSeq(rulesDir);
  if (lastSeq === undefined) {
    // Under the lock: cluster workers sharing a new folder start together; one of them notes it.
    lastSeq = await withRulesLock(rulesDir, async () => {
      const seq = await readSeq(rulesDir);
      if (seq !== undefined) {
        return seq;
      }
      const all = await store.ruleChangesSince(0);
      for (const change of all) remember(feed, change);
      feedSeq = all.at(-1)?.seq ?? 0;
      const divergences = new Map<string, Divergence>();
      const latest = new Map(all.filter((c) => isRuleId(c.ruleId)).map((c) => [c.ruleId, c]));
      for (const [id, change] of latest) {
        const held = fingerprintOfText(await readRuleText(rulesDir, id));
        if (held !== fingerprintOfContent(change.content)) {
          divergences.set(id, { seq: change.seq, folder: held });
        }
      }
      // The note first: a crash between the two writes must not leave a folder that counts as synced without it.
      await writeDivergences(rulesDir, divergences);
      await writeSeq(rulesDir, feedSeq);
      const ids = [...divergences.keys()].sort();
      if (ids.length > 0) {
        logger.warn(
          { ruleIds: ids },
          `this replica's rules folder never synced, and ${ids.length} rule(s) differ from their latest content in the rule change feed (other replicas may serve that): this replica serves its own files, and refuses admin changes to these rules until their file equals the feed's latest content (docs/admin-api.md, "Replicas")`
        );
      }
      return feedSeq;
    });
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
      // A cheap look first, without the lock: most polls find nothing. What is applied is read again
      // under the lock (below): a list read before it can be older than a save that lands meanwhile.
      const from = Math.max(lastSeq ?? 0, (await readSeq(rulesDir)) ?? 0);
      const peek = (await store.ruleChangesSince(from)).filter((c) => c.seq > from);
      if (peek.length === 0) {
        return 0;
      }
      // Held back before, and neither the feed nor this replica's rules have changed since: nothing to try.
      if (`${from}:${peek.at(-1)!.seq}:${holder.current().version}` === stuckState) {
        return 0;
      }
      let written = 0;
      let heldBack = false;
      let head = peek.at(-1)!.seq;
      await withRulesLock(rulesDir, async () => {
        // Other processes sharing the folder (cluster workers) run their own sync: start where the
        // folder is, never before it.
        const folderSeq = Math.max(lastSeq ?? 0, (await readSeq(rulesDir)) ?? 0);
        const fresh = (await store.ruleChangesSince(feedSeq)).filter((c) => c.seq > feedSeq);
        for (const change of fresh) {
          if (change.seq <= folderSeq) remember(feed, change);
        }
        feedSeq = Math.max(feedSeq, folderSeq);
        lastSeq = folderSeq;
        const changes = fresh.filter((c) => c.seq > folderSeq);
        if (changes.length === 0) {
          return;
        }
        head = changes.at(-1)!.seq;
        // The changes are applied only as far as the folder still loads with them: changes made on
        // different replicas can each be valid there and invalid together (one deletes a rule another's new
        // rule replaces). Written anyway, the folder would stop loading here: every later save refused, and
        // a restart impossible. So the longest run of changes that loads is written, the rest wait (each
        // poll tries again from there: a later change may mend it), and the refusal is logged for the admins.
        const sources = await readRuleSources(rulesDir);
        const divergences = await readDivergences(rulesDir);
        let applied = 0;
        let plan: Plan | undefined;
        let errors: string[] = [];
        const whole = planChanges(sources, changes, feed, divergences);
        const built = buildRuleSet(whole.sources);
        if (built.ok) {
          applied = changes.length;
          plan = whole;
        } else {
          // Find the first change that breaks the set, one more change at a time (a build is a few ms;
          // the event loop gets a turn between builds).
          errors = built.errors;
          for (let count = 1; count < changes.length; count++) {
            await new Promise((resolve) => setImmediate(resolve));
            const candidate = planChanges(sources, changes.slice(0, count), feed, divergences);
            if (!buildRuleSet(candidate.sources).ok) break;
            applied = count;
            plan = candidate;
          }
        }
        for (const [ruleId, text] of plan?.files ?? []) {
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
        if (plan && plan.leftAlone.length > 0) {
          // Each such change is seen once: the sequence moves past it below.
          logger.warn(
            { ruleIds: plan.leftAlone },
            "rule changes from the feed not applied: this replica's file for the rule is not what the feed last said for it (changed here outside the admin API, or a change made here that could not be recorded); the file is left as it is"
          );
        }
        if (plan) {
          // A diverged rule whose file now holds the feed's latest content is in step; one left alone
          // stays diverged from the feed's newer change.
          const noted = new Map(divergences);
          for (const id of plan.files.keys()) noted.delete(id);
          for (const change of changes.slice(0, applied)) {
            const was = noted.get(change.ruleId);
            if (was !== undefined) noted.set(change.ruleId, { seq: change.seq, folder: was.folder });
          }
          if ([...noted].some(([id, d]) => divergences.get(id)?.seq !== d.seq) || noted.size !== divergences.size) {
            await writeDivergences(rulesDir, noted);
          }
        }
        if (applied > 0) {
          for (const change of changes.slice(0, applied)) remember(feed, change);
          lastSeq = changes[applied - 1]!.seq;
          feedSeq = lastSeq;
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
      stuckState = heldBack ? `${lastSeq ?? 0}:${head}:${holder.current().version}` : undefined;
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

/** A rule's content for comparison, whatever its key order or layout (sha-256); null: no file, or deleted. */
type Fingerprint = string | null;

function fingerprintOfContent(content: unknown): Fingerprint {
  return content === null || content === undefined ? null : `json:${sha256(sortedJson(content))}`;
}

/** A file that is not a JSON value other than null is compared as text: it never equals a feed entry. */
function fingerprintOfText(text: string | undefined): Fingerprint {
  if (text === undefined) {
    return null;
  }
  let content: unknown;
  try {
    content = JSON.parse(text) as unknown;
  } catch {
    content = null;
  }
  return content === null ? `text:${sha256(text)}` : fingerprintOfContent(content);
}

function remember(feed: Map<string, Fingerprint>, change: RuleChange): void {
  if (isRuleId(change.ruleId)) {
    feed.set(change.ruleId, fingerprintOfContent(change.content));
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** JSON with object keys sorted at every level (PostgreSQL's jsonb does not keep key order). */
function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v
  );
}

interface Plan {
  /** The folder's sources as they will be after the writes. */
  readonly sources: RuleSources;
  /** Rule files to write (text) or delete (null). */
  readonly files: Map<string, string | null>;
  /** Rules whose changes were not applied: the file was not the base they were made from. */
  readonly leftAlone: string[];
}

/**
 * Which files `changes` (in feed order) change, checked three ways: a change is applied to a rule's file
 * only when the file holds what the feed said for that rule before it (`feed` and the earlier changes;
 * no file when it was deleted or never in the feed), or already holds the change's own content, or is a
 * diverged rule's file as it was noted. A file changed here since (a hand edit, or a change made here whose
 * record in the feed failed) is left as it is: written over, that change would be lost on this replica
 * without a word, and the file's ETag would change under its editor. A rule whose file ends up holding the
 * feed's last content for it is written in the admin API's format (so its ETag is the same on every replica).
 */
function planChanges(sources: RuleSources, changes: readonly RuleChange[], feed: ReadonlyMap<string, Fingerprint>, divergences: Divergences): Plan {
  const texts = new Map(sources.rules.map((f) => [f.name.replace(/\.json$/, ''), f.text]));
  const base = new Map(feed);
  const folder = new Map<string, Fingerprint>();
  const last = new Map<string, RuleChange>();
  for (const change of changes) {
    const id = change.ruleId;
    if (!isRuleId(id)) continue;
    const held = folder.has(id) ? folder.get(id)! : fingerprintOfText(texts.get(id));
    const after = fingerprintOfContent(change.content);
    // A diverged rule (see above): its file as it was then is a base too.
    const diverged = divergences.has(id) ? divergences.get(id)!.folder : undefined;
    folder.set(id, held === after || held === (base.get(id) ?? null) || held === diverged ? after : held);
    base.set(id, after);
    last.set(id, change);
  }
  const files = new Map<string, string | null>();
  const leftAlone: string[] = [];
  for (const [id, change] of last) {
    if (folder.get(id) === base.get(id)) {
      files.set(id, change.content === null || change.content === undefined ? null : canonicalText(change.content));
    } else {
      leftAlone.push(id);
    }
  }
  const rules = sources.rules.filter((f) => !files.has(f.name.replace(/\.json$/, '')));
  for (const [ruleId, text] of files) {
    if (text !== null) rules.push({ name: `${ruleId}.json`, text });
  }
  return { sources: { rules, valueSets: sources.valueSets }, files, leftAlone };
}
