/**
 * The rule administration logic behind the admin API (docs/admin-api.md), as typed functions; the
 * Express router (routes.ts) only maps HTTP to these.
 *
 * Every write follows the same steps, one write at a time:
 * 1. preconditions: the rule exists (or not, for a create), `If-Match` equals its ETag (428 / 412);
 * 2. the serving set plus the change is built with the loader's own code (schema, facts,
 *    parameters, placeholders, value sets, `replaces` targets): any error answers 400, nothing saved;
 * 3. for create, update, enable and rollback, the rule's own `tests` cases and the other active rules' run on
 *    that set; a failing case of its own, or another rule's case that passes on the serving set (or fails there
 *    differently), answers 400, nothing saved (another rule's case already failing is reported, not charged).
 *    For disable and delete, the other active rules' cases run: a case they make fail answers 409 unless the
 *    editor acknowledges it (?acknowledgeFailingTests=true);
 * 4. the file is written atomically (temp file + rename) and the holder reloads the folder; if the
 *    folder does not load (someone else broke another file meanwhile), the previous file is put back,
 *    the holder reloads again and the answer is 400;
 * 5. the change is appended to the history with its author and the resulting rule set version, only if the
 *    rule's latest change there is still the one read in step 1 (compare-and-append): otherwise another
 *    replica saved the rule meanwhile, the file written in step 4 is put back and the answer is 412.
 */
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { FILE_HEADERS_ONLY, createTwoFilesPatch } from 'diff';
import { buildRuleSet } from '../engine/index.ts';
import { MAX_RULE_TESTS } from '../engine/validate-rule.ts';
import type { RuleSet, RuleSetResult, RuleSources } from '../engine/index.ts';
import { explainRequest } from '../engine/explain.ts';
import type { RequestExplanation } from '../engine/explain.ts';
import type { RuleSetHolder, RuleSetStatus } from '../engine/rule-set-holder.ts';
import { handleOrderHook } from '../protocol/index.ts';
import type { Card, HookDeps, ServiceDefinition } from '../protocol/index.ts';
import { OperationOutcomeError, mapBounded } from '../shared/index.ts';
import { isRuleChangeConflict } from '../store/sql-store.ts';
import type { RuleChange, RuleChangeAction, RuleStats, Snooze, Store } from '../store/types.ts';
import { AdminError, badRequest, changedElsewhere, conflict, failingTestsNeedAcknowledgement, invalid, invalidWithWarnings, notFound, preconditionFailed, preconditionRequired, toIssues, unavailable } from './outcomes.ts';
import { unsyncedChangeOf } from './rule-sync.ts';
import type { ValidationIssue } from './outcomes.ts';
import { NotARuleFile, RulesLockTimeout, canonicalText, deleteRuleFile, etagOf, ifMatchSatisfied, isRuleFileLink, isRuleId, listRuleIds, readRuleText, withRulesLock, writeRuleText } from './rule-files.ts';
import { RULE_TEST_CONCURRENCY, RULE_TEST_NOW, fixturePath, fixtureReader, offlineFetch, readFixture, runRuleTests, serviceForRequest } from './run-rule-tests.ts';
import type { RuleTestReport, RuleTestResult } from './run-rule-tests.ts';

export interface AdminLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RuleAdminDeps {
  readonly holder: RuleSetHolder;
  readonly services: readonly ServiceDefinition[];
  readonly fixturesDir: string;
  readonly fhir: HookDeps['fhir'];
  /** History, analytics and snoozes; absent: those answer 503 and writes are not recorded. */
  readonly store?: Store;
  readonly logger: AdminLogger;
  readonly now?: () => Date;
}

export interface RuleSummary {
  readonly id: string;
  readonly title?: string;
  readonly status?: string;
  readonly indicator?: string;
  readonly version?: string;
  readonly etag: string;
  /** True when the serving rule set holds exactly this file content. */
  readonly loaded: boolean;
  /** Set when the file on disk is not valid JSON. */
  readonly error?: string;
}

export interface SavedRule {
  readonly text: string;
  readonly etag: string;
  readonly ruleSetVersion: string;
  /** Other rules' test cases that fail on the set now serving: already failing before, or acknowledged (disable). */
  readonly failingTests: readonly ValidationIssue[];
}

/** Changes of a rule's history answered at once by default, and at most. */
export const DEFAULT_HISTORY_PAGE = 100;
export const MAX_HISTORY_PAGE = 500;

/** One page of a rule's history ({@link RuleAdmin.historyPage}). */
export interface HistoryPage {
  /** Oldest first. */
  readonly changes: HistoryEntry[];
  /** How many older changes this page leaves out. */
  readonly olderChanges: number;
  /** The `before` that asks for the page of older changes; absent when there are none. */
  readonly nextBefore?: number;
  /**
   * Whether the rule's file in rules/ holds the content of its newest recorded change (compared as JSON, key order
   * aside; no file after a delete also matches). False after a hand edit, a deployment or a git pull since the
   * last change through the API: that content serves but enters the history only at the next API change.
   * Absent when the rule has no recorded change.
   */
  readonly fileMatchesLatest?: boolean;
}

export interface HistoryEntry {
  readonly seq: number;
  readonly action: RuleChangeAction;
  readonly author: string;
  readonly at: string;
  readonly ruleSetVersion?: string;
  /**
   * Unified diff against the previous recorded content of the rule ("" when unchanged); null when it
   * was too large to compute (see HISTORY_DIFF_LIMITS), with `diffOmitted` saying so.
   */
  readonly diff: string | null;
  readonly diffOmitted?: string;
  /** The rule JSON after the change; null after a delete. */
  readonly content: unknown;
  /**
   * Other rules' test cases the change made fail, acknowledged by its author (a disable or delete made with
   * `?acknowledgeFailingTests=true`), as "<rule file>/tests/<index>"; absent when none.
   */
  readonly acknowledgedFailingTests?: readonly string[];
}

/** A rule whose newest recorded change is its deletion and whose file is gone ({@link RuleAdmin.deletedRules}). */
export interface DeletedRule {
  readonly id: string;
  /** The title of its last recorded content, when it had one. */
  readonly title?: string;
  /** The deletion: its seq, author and time. */
  readonly seq: number;
  readonly deletedBy: string;
  readonly deletedAt: string;
  /** The seq of its last recorded content (what "restore" would bring back). */
  readonly lastVersionSeq?: number;
}

export interface DryRunInput {
  readonly rule?: unknown;
  readonly fixture?: unknown;
  readonly request?: unknown;
  readonly at?: unknown;
}

export interface DryRunResult {
  readonly cards: readonly Card[];
  readonly ruleSetVersion: string;
  readonly at: string;
}

/** Author of the history entry recording a rule's content before its first change through the API. */
/** Author of a history entry for a change made directly in rules/ between two API changes. */
export const OUTSIDE_EDIT_AUTHOR = 'rules/ folder (changed outside the admin API)';

export const BASELINE_AUTHOR = 'rules/ folder (content before the first change through the admin API)';

export type RuleAdmin = ReturnType<typeof createRuleAdmin>;

/**
 * Recording a change that is already written: a failure that comes back quickly (a dropped connection)
 * is tried again after these waits; all attempts together stay within the budget, because they run
 * while the rules write lock is held (other editors wait, shutdown is 15 s away at most). A failure that
 * took long (a timeout) is not retried: a slow database would hold the lock for another timeout or two.
 * Every attempt carries the same change id, so one that failed after its write committed is not recorded
 * twice. A refused compare-and-append (another replica changed the rule) is not retried: it would be refused again.
 */
/**
 * Bounds on the history's diffs. They run on the event loop, and jsdiff's time grows with the length
 * of the versions times the number of lines changed: two versions of 16,000 lines that differ everywhere
 * took 70 s, and every hook call waited. A diff gives up past `maxEditLength` changed lines or `timeoutMs`;
 * the diffs of one request together stop after `budgetMs` (a long history of large rules). An entry given
 * up on carries `diff: null` and `diffOmitted`; its `content` is there to compare.
 */
export const HISTORY_DIFF_LIMITS = { maxEditLength: 1_000, timeoutMs: 100, budgetMs: 1_000 } as const;

export const HISTORY_RETRY = { delaysMs: [100, 400], budgetMs: 2_000, slowFailureMs: 1_000 } as const;

async function withQuickRetries<T>(fn: () => Promise<T>, policy: { readonly delaysMs: readonly number[]; readonly budgetMs: number; readonly slowFailureMs: number }): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    const tried = Date.now();
    try {
      return await fn();
    } catch (error) {
      if (isRuleChangeConflict(error)) {
        throw error;
      }
      const delay = policy.delaysMs[attempt];
      const quick = Date.now() - tried < policy.slowFailureMs;
      if (delay === undefined || !quick || Date.now() - started + delay >= policy.budgetMs) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

export function createRuleAdmin(deps: RuleAdminDeps) {
  const now = (): Date => deps.now?.() ?? new Date();
  const rulesDir = deps.holder.rulesDir;
  let lock: Promise<unknown> = Promise.resolve();

  /**
   * Runs writes one at a time (a second editor's save waits for the first to be loaded): in this
   * process by a promise chain, across processes sharing the folder by its lock file.
   */
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const locked = (): Promise<T> =>
      withRulesLock(rulesDir, fn).catch((err: unknown) => {
        if (err instanceof RulesLockTimeout) {
          throw unavailable('Another change to the rules is being saved; try again in a moment.');
        }
        throw err;
      });
    const run = lock.then(locked, locked);
    lock = run.catch(() => undefined);
    return run;
  }

  /** A rule's file text (undefined when there is none); a folder in its place is a 409 naming the problem. */
  async function readRule(id: string): Promise<string | undefined> {
    try {
      return await readRuleText(rulesDir, id);
    } catch (err) {
      if (err instanceof NotARuleFile) {
        throw conflict(
          `${id}.json in the rules folder is a folder, not a rule file: the rule set does not load until it is removed or replaced by the rule's JSON file on the server. Nothing was changed.`
        );
      }
      throw err;
    }
  }

  function requireStore(what: string): Store {
    if (!deps.store) {
      throw unavailable(`${what} needs the store, which is not configured on this server.`);
    }
    return deps.store;
  }

  /** The serving set's files with one rule file replaced, added (text) or removed (null). */
  function candidate(id: string, text: string | null): { sources: RuleSources; result: RuleSetResult } {
    const serving = deps.holder.snapshot().sources;
    const name = `${id}.json`;
    const rules = serving.rules.filter((f) => f.name !== name);
    const sources: RuleSources = { rules: text === null ? rules : [...rules, { name, text }], valueSets: serving.valueSets };
    return { sources, result: buildRuleSet(sources, now()) };
  }

  function draftId(rule: unknown): string {
    const id = rule && typeof rule === 'object' && !Array.isArray(rule) ? (rule as { id?: unknown }).id : undefined;
    if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) {
      throw invalid('The rule is not valid.', [{ pointer: '', message: 'the rule must be a JSON object' }]);
    }
    if (typeof id !== 'string' || !isRuleId(id)) {
      throw invalid('The rule is not valid.', [{ pointer: '/id', message: 'the rule needs an "id" in kebab-case (a-z, 0-9 and single hyphens, at most 64 characters)' }]);
    }
    return id;
  }

  /** The set with the draft, or 400 listing every problem. */
  function candidateOrThrow(id: string, text: string | null, summary: string): RuleSet {
    const { result } = candidate(id, text);
    if (!result.ok) {
      throw invalid(summary, toIssues(result.errors));
    }
    return result.value;
  }

  /**
   * Runs the test cases of every active rule other than `id` (with cases) on the candidate set and, for a rule
   * with failing cases, on the serving set too: a case that fails the same way (same outcome) on the serving
   * set was already failing before this change (for example since a rule that replaces another was disabled)
   * and is not charged to it; any other failure is one this change introduces.
   */
  async function otherRulesCases(id: string, set: RuleSet): Promise<{ total: number; introduced: ValidationIssue[]; alreadyFailing: ValidationIssue[] }> {
    const options = { services: deps.services, fixturesDir: deps.fixturesDir, fhir: deps.fhir };
    const serving = deps.holder.current();
    const introduced: ValidationIssue[] = [];
    const alreadyFailing: ValidationIssue[] = [];
    let total = 0;
    for (const rule of set.rules.filter((r) => r.id !== id && r.status === 'active' && (r.tests?.length ?? 0) > 0)) {
      const report = await runRuleTests(rule.id, set, options);
      total += report.results.length;
      const failing = report.results.filter((x) => !x.pass);
      if (failing.length === 0) {
        continue;
      }
      const before = serving.rules.some((r) => r.id === rule.id) ? (await runRuleTests(rule.id, serving, options)).results : [];
      for (const r of failing) {
        const issue = { file: `${rule.id}.json`, pointer: `/tests/${r.index}`, message: caseMessage(r) };
        const old = before.find((b) => b.index === r.index && b.fixture === r.fixture && b.expect === r.expect);
        if (old && !old.pass && old.got === r.got) {
          alreadyFailing.push({ ...issue, message: `already failing before this change: ${issue.message}` });
        } else {
          introduced.push(issue);
        }
      }
    }
    return { total, introduced, alreadyFailing };
  }

  /**
   * Runs the changed rule's own test cases and those of every other active rule in the candidate set: a change
   * can silence another rule, or make a replaced rule fire again (through "replaces"), and that must not be
   * saved. Only failures this change introduces refuse it: another rule's case that fails the same way on the
   * serving set is reported (as a warning in a refusal, in X-Rule-Tests-Failing on success), not charged.
   * @returns The other rules' cases that were already failing (and still fail).
   */
  async function testsOrThrow(id: string, set: RuleSet): Promise<ValidationIssue[]> {
    const own = await runRuleTests(id, set, { services: deps.services, fixturesDir: deps.fixturesDir, fhir: deps.fhir });
    const ownFailures = own.results.filter((x) => !x.pass).map((r): ValidationIssue => ({ file: `${id}.json`, pointer: `/tests/${r.index}`, message: caseMessage(r) }));
    const others = await otherRulesCases(id, set);
    const failures = [...ownFailures, ...others.introduced];
    if (failures.length > 0) {
      const total = own.results.length + others.total;
      const already = others.alreadyFailing.length;
      throw invalidWithWarnings(
        `${failures.length} of ${total} rule test cases fail with this change${others.introduced.length > 0 ? ` (${others.introduced.length} of them belong to other rules this change affects)` : ''}; nothing was saved.${
          already > 0 ? ` ${already} other case${already === 1 ? ' was' : 's were'} already failing before this change (listed as warnings, not counted).` : ''
        }`,
        failures,
        others.alreadyFailing
      );
    }
    return others.alreadyFailing;
  }

  /**
   * Before an API change, records the file's current content when the history does not already end
   * with it: the first API change to a shipped rule, or a hand edit made in rules/ since the last API
   * change (it served clinicians, so it belongs in the history, credited to the folder, not to the next author).
   * `history` is the rule's history as read when the save started; the record is a compare-and-append on its
   * latest seq (RuleChangeConflictError when another replica changed the rule since).
   * @returns The seq of the rule's latest change once the baseline is recorded (what the change is based on).
   */
  async function ensureBaseline(store: Store, id: string, currentText: string, ruleSetVersion: string, history: readonly RuleChange[]): Promise<number> {
    const basedOnSeq = history.at(-1)?.seq ?? 0;
    let content: unknown;
    try {
      content = JSON.parse(currentText) as unknown;
    } catch {
      return basedOnSeq;
    }
    const last = history.at(-1);
    // Compare key-order-free: PostgreSQL's jsonb does not keep the file's key order.
    if (last && last.content !== null && sortedJson(last.content) === sortedJson(content)) {
      return basedOnSeq;
    }
    const author = history.length === 0 ? BASELINE_AUTHOR : OUTSIDE_EDIT_AUTHOR;
    const recorded = await store.appendRuleChange({ ruleId: id, action: history.length === 0 ? 'create' : 'update', content, author, at: now().toISOString(), ruleSetVersion, basedOnSeq });
    return recorded.seq;
  }


  interface ChangeRequest {
    readonly id: string;
    /** New content, or null to delete; or made from the current content, read under the write lock. */
    readonly next: unknown;
    readonly derive?: (current: Record<string, unknown>) => unknown;
    readonly action: RuleChangeAction;
    readonly author: string;
    readonly ifMatch: string | undefined;
    /** create: must not exist. modify: must exist (If-Match required). either: If-Match required only if it exists. */
    readonly mode: 'create' | 'modify' | 'either';
    /**
     * all: the rule's own test cases and the other rules' (create, update, enable, rollback); others: only the
     * other active rules' cases (disable, delete: a rule it replaced fires again), refused unless acknowledged.
     */
    readonly tests: 'all' | 'others';
    /** The editor accepts that the change makes other rules' test cases fail (disable, delete). */
    readonly acknowledgeFailingTests?: boolean;
  }

  async function applyChange(req: ChangeRequest): Promise<SavedRule | { deleted: true; ruleSetVersion: string; failingTests: readonly ValidationIssue[] }> {
    return exclusive(async () => {
      const current = await readRule(req.id);
      if (req.mode === 'create' && current !== undefined) {
        throw conflict(`A rule with id "${req.id}" already exists; update it with PUT /admin/api/rules/${req.id}.`);
      }
      if (req.mode === 'modify' && current === undefined) {
        throw notFound(`Rule "${req.id}"`);
      }
      if (await isRuleFileLink(rulesDir, req.id)) {
        throw conflict(
          `${req.id}.json in the rules folder is a symbolic link: the rule is managed where the link points (for example a Kubernetes ConfigMap or a shared content repository), not through this API. Change it there; nothing was changed here.`
        );
      }
      if (current !== undefined && req.mode !== 'create') {
        if (req.ifMatch === undefined) {
          throw preconditionRequired();
        }
        if (!ifMatchSatisfied(req.ifMatch, etagOf(current))) {
          throw preconditionFailed();
        }
      }
      const store = deps.store;
      // The rule's history as this save starts (read before the check below, under the rules lock, which the
      // rule sync also takes to apply other replicas' changes): the change is recorded only if the rule's
      // latest change is still this one's last (compare-and-append). Another replica may save the same rule
      // while this one runs its tests; that save's If-Match and the check below passed there too.
      let history: readonly RuleChange[] = [];
      if (store) {
        try {
          history = await store.ruleHistory(req.id);
        } catch (err) {
          deps.logger.error({ err: (err as Error).message, ruleId: req.id }, 'rule history unavailable; change refused');
          throw unavailable('The rule history store is unavailable; nothing was changed. Try again later.');
        }
      }
      // Replicas sharing the store: a change to this rule through another replica that this folder has
      // not applied yet would be overwritten by this one (its ETag is of the older copy).
      if (deps.store && (await unsyncedChangeOf(deps.store, rulesDir, req.id, current))) {
        throw changedElsewhere();
      }
      // A change made from the current content (enable, disable) reads it here, under the lock: read
      // before it, a save that landed in between would be silently undone.
      const next = req.derive && current !== undefined ? req.derive(JSON.parse(current) as Record<string, unknown>) : req.next;
      const text = next === null ? null : canonicalText(next);
      const set = candidateOrThrow(req.id, text, next === null ? `Deleting "${req.id}" would leave an invalid rule set; nothing was changed.` : 'The rule is not valid; nothing was saved.');
      let failingTests: readonly ValidationIssue[] = [];
      /** Other rules' cases this change makes fail, acknowledged by its author: kept with the change in the history. */
      let acknowledgedFailingTests: readonly string[] = [];
      if (req.tests === 'all' && text !== null) {
        failingTests = await testsOrThrow(req.id, set);
      } else if (req.tests === 'others') {
        const others = await otherRulesCases(req.id, set);
        const n = others.introduced.length;
        if (n > 0 && req.acknowledgeFailingTests !== true) {
          const rulesHit = [...new Set(others.introduced.map((f) => (f.file ?? '').replace(/\.json$/, '')))].join(', ');
          const verb = text === null ? 'Deleting' : 'Disabling';
          throw failingTestsNeedAcknowledgement(
            `${verb} "${req.id}" makes ${n} test case${n === 1 ? '' : 's'} of other rules fail (${rulesHit}): a rule it replaced may fire again, or a rule may fall silent. Nothing was changed. To go ahead anyway, repeat the request with ?acknowledgeFailingTests=true.`,
            others.introduced
          );
        }
        if (n > 0) {
          acknowledgedFailingTests = others.introduced.map((f) => `${f.file}${f.pointer}`);
          deps.logger.warn({ ruleId: req.id, action: req.action, author: req.author, failingTests: acknowledgedFailingTests }, 'rule change acknowledged although it makes other rules\' test cases fail');
        }
        failingTests = [...others.introduced, ...others.alreadyFailing];
      }
      let basedOnSeq = history.at(-1)?.seq ?? 0;
      if (store && current !== undefined) {
        try {
          basedOnSeq = await ensureBaseline(store, req.id, current, deps.holder.current().version, history);
        } catch (err) {
          if (isRuleChangeConflict(err)) {
            deps.logger.warn({ ruleId: req.id, basedOnSeq }, 'rule change refused: the rule was changed through another replica meanwhile');
            throw changedElsewhere();
          }
          deps.logger.error({ err: (err as Error).message, ruleId: req.id }, 'rule history unavailable; change refused');
          throw unavailable('The rule history store is unavailable; nothing was changed. Try again later.');
        }
      }

      if (text === null) {
        await deleteRuleFile(rulesDir, req.id);
      } else {
        await writeRuleText(rulesDir, req.id, text);
      }
      /** Puts the previous file back so the folder is as it was, and makes the holder see that. */
      const undoWrite = async (): Promise<void> => {
        if (current === undefined) {
          await deleteRuleFile(rulesDir, req.id);
        } else {
          await writeRuleText(rulesDir, req.id, current);
        }
        await deps.holder.reload();
      };
      const reloaded = await deps.holder.reload();
      if (!reloaded.ok) {
        await undoWrite();
        deps.logger.warn({ ruleId: req.id, errors: reloaded.errors }, 'rule change undone: the rules folder did not load with it');
        throw invalid('The rules folder did not load with this change, so it was undone. Problems found:', toIssues(reloaded.errors));
      }
      const ruleSetVersion = reloaded.ruleSet.version;
      if (store) {
        const change = {
          // One id for every attempt below: a retry after a failure whose INSERT did commit returns that record.
          changeId: randomUUID(),
          ruleId: req.id,
          action: req.action,
          content: next === null ? null : (JSON.parse(text ?? 'null') as unknown),
          author: req.author,
          at: now().toISOString(),
          ruleSetVersion,
          basedOnSeq,
          ...(acknowledgedFailingTests.length > 0 ? { acknowledgedFailingTests } : {}),
        };
        try {
          // The file is written and serving: the history (and, through it, other replicas: rule-sync.ts)
          // must follow it. A quick failure (a dropped database connection) is retried within a short
          // budget; if recording still fails, the next change to this rule through the API records the file
          // as it is then, credited to the folder rather than to this author (ensureBaseline).
          await withQuickRetries(() => store.appendRuleChange(change), HISTORY_RETRY);
        } catch (err) {
          if (isRuleChangeConflict(err)) {
            // Another replica recorded a change to this rule after this save read the history (its editor
            // passed the same If-Match there): recorded after it, this change would silently overwrite it on
            // every replica. Undone here; the editor reloads the rule once this replica has synced it.
            await undoWrite();
            deps.logger.warn({ ruleId: req.id, action: req.action, author: req.author, basedOnSeq }, 'rule change undone: the rule was changed through another replica meanwhile');
            throw changedElsewhere();
          }
          deps.logger.error({ err: (err as Error).message, ruleId: req.id, action: req.action }, 'rule change applied but not recorded in the history');
        }
      } else {
        deps.logger.warn({ ruleId: req.id, action: req.action }, 'rule change applied; no store configured, so it is not recorded in the history');
      }
      deps.logger.info({ ruleId: req.id, action: req.action, author: req.author, ruleSetVersion }, 'rule changed');
      return text === null ? { deleted: true as const, ruleSetVersion, failingTests } : { text, etag: etagOf(text), ruleSetVersion, failingTests };
    });
  }

  async function currentRule(id: string): Promise<{ text: string; rule: Record<string, unknown> }> {
    const text = isRuleId(id) ? await readRule(id) : undefined;
    if (text === undefined) {
      throw notFound(`Rule "${id}"`);
    }
    try {
      return { text, rule: JSON.parse(text) as Record<string, unknown> };
    } catch (err) {
      throw badRequest(`${id}.json on disk is not valid JSON (${(err as Error).message}); replace it with PUT.`);
    }
  }

  function parseAt(value: unknown, fallback: Date): Date {
    if (value === undefined) {
      return fallback;
    }
    const date = typeof value === 'string' ? new Date(value) : new Date(NaN);
    if (Number.isNaN(date.getTime())) {
      throw badRequest('"at" must be an ISO 8601 date-time.', '/at');
    }
    return date;
  }

  /** The set, service, request and time for a dry run or an explanation. */
  async function evaluationInput(input: DryRunInput): Promise<{ set: RuleSet; service: ServiceDefinition; body: unknown; at: Date }> {
    if (!input || typeof input !== 'object') {
      throw badRequest('Send a JSON object: { rule?, fixture? | request?, at? }.');
    }
    let set = deps.holder.current();
    if (input.rule !== undefined) {
      const id = draftId(input.rule);
      set = candidateOrThrow(id, canonicalText(input.rule), 'The draft rule is not valid.');
    }
    if ((input.fixture === undefined) === (input.request === undefined)) {
      throw badRequest('Give exactly one of "fixture" (a path from GET /admin/api/fixtures) and "request" (a CDS Hooks request body).');
    }
    let body: unknown = input.request;
    let fallbackAt = now();
    if (input.fixture !== undefined) {
      if (typeof input.fixture !== 'string') {
        throw badRequest('"fixture" must be a path under fixtures/.', '/fixture');
      }
      const fixture = await readFixture(deps.fixturesDir, input.fixture);
      if (!fixture.ok) {
        throw fixture.serverFault ? unavailable(fixture.error) : badRequest(fixture.error, '/fixture');
      }
      body = fixture.value;
      fallbackAt = RULE_TEST_NOW;
    }
    const service = serviceForRequest(deps.services, body);
    if (!service) {
      throw badRequest(`The request's "hook" must be one of ${[...new Set(deps.services.map((s) => s.hook))].join(', ')}.`, input.fixture !== undefined ? '/fixture' : '/request/hook');
    }
    return { set, service, body, at: parseAt(input.at, fallbackAt) };
  }

  function asAdminError(err: unknown): never {
    if (err instanceof OperationOutcomeError) {
      // A request the CDS endpoint would refuse (400, 412): explain it as a bad dry-run input.
      throw new AdminError(400, err.outcome);
    }
    throw err;
  }

  /**
   * One page of a rule's history, oldest first: the newest `limit` changes (default 100, at most 500) before the
   * change `before` (default: all). A rule edited for years has thousands of changes, each up to 256 KiB with a
   * diff: all of them in one answer grew without bound. `olderChanges` counts those left out; `nextBefore` asks
   * for the page before.
   */
  async function historyPage(id: string, query: { limit?: unknown; before?: unknown }, maxLimit = MAX_HISTORY_PAGE): Promise<HistoryPage> {
    const store = requireStore('Rule history');
    if (!isRuleId(id)) {
      throw notFound(`Rule "${id}"`);
    }
    const limit = query.limit === undefined ? DEFAULT_HISTORY_PAGE : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
      throw badRequest(`"limit" must be a whole number from 1 to ${maxLimit}.`, 'limit');
    }
    const before = query.before === undefined ? undefined : Number(query.before);
    if (before !== undefined && !Number.isSafeInteger(before)) {
      throw badRequest('"before" must be the whole number of a change (its seq).', 'before');
    }
    const changes = [...(await store.ruleHistory(id))].sort((a, b) => a.seq - b.seq);
    if (changes.length === 0 && (await readRule(id)) === undefined) {
      throw notFound(`Rule "${id}"`);
    }
    const newest = changes.at(-1);
    let fileMatchesLatest: boolean | undefined;
    if (newest) {
      const file = await readRule(id);
      let content: unknown = null;
      try {
        content = file === undefined ? null : (JSON.parse(file) as unknown);
      } catch {
        content = undefined; // not valid JSON: matches nothing recorded
      }
      const recorded = newest.content ?? null;
      fileMatchesLatest = content !== undefined && (recorded === null || content === null ? recorded === content : sortedJson(recorded) === sortedJson(content));
    }
    const firstNotBefore = before === undefined ? -1 : changes.findIndex((c) => c.seq >= before);
    const end = firstNotBefore === -1 ? changes.length : firstNotBefore;
    const start = Math.max(0, end - limit);
    const deadline = Date.now() + HISTORY_DIFF_LIMITS.budgetMs;
    const entries: HistoryEntry[] = [];
    for (let i = start; i < end; i++) {
      entries.push(toHistoryEntry(id, changes[i]!, changes[i - 1], deadline));
      // Hook calls get their turn between two diffs.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { changes: entries, olderChanges: start, ...(start > 0 ? { nextBefore: changes[start]!.seq } : {}), ...(fileMatchesLatest === undefined ? {} : { fileMatchesLatest }) };
  }

  return {
    status(): RuleSetStatus {
      return deps.holder.status();
    },

    async reload(): Promise<RuleSetStatus> {
      await deps.holder.reload();
      return deps.holder.status();
    },

    async listRules(): Promise<RuleSummary[]> {
      const serving = new Map(deps.holder.snapshot().sources.rules.map((f) => [f.name, f.text]));
      const out: RuleSummary[] = [];
      for (const id of await listRuleIds(rulesDir)) {
        const text = isRuleId(id) ? await readRule(id) : undefined;
        if (text === undefined) {
          continue;
        }
        const base = { id, etag: etagOf(text), loaded: serving.get(`${id}.json`) === text };
        try {
          const rule = JSON.parse(text) as Record<string, unknown>;
          const pick = (key: string): Record<string, string> => (typeof rule[key] === 'string' ? { [key]: rule[key] } : {});
          out.push({ ...base, ...pick('title'), ...pick('status'), ...pick('indicator'), ...pick('version') });
        } catch (err) {
          out.push({ ...base, error: `not valid JSON: ${(err as Error).message}` });
        }
      }
      return out;
    },

    async getRule(id: string): Promise<{ text: string; etag: string }> {
      const text = isRuleId(id) ? await readRule(id) : undefined;
      if (text === undefined) {
        throw notFound(`Rule "${id}"`);
      }
      return { text, etag: etagOf(text) };
    },

    /** Validation without saving: the draft in the serving set, plus fixture files named by its tests. */
    async validate(rule: unknown): Promise<ValidationIssue[]> {
      let id: string;
      try {
        id = draftId(rule);
      } catch (err) {
        if (err instanceof AdminError) {
          return (err.outcome.issue ?? []).slice(1).map((i) => ({ pointer: i.expression?.[0] ?? '', message: i.details?.text ?? '' }));
        }
        throw err;
      }
      const { result } = candidate(id, canonicalText(rule));
      const issues = result.ok ? [] : toIssues(result.errors);
      const tests = (rule as { tests?: unknown }).tests;
      // A list over the limit is reported at /tests by the schema; its fixtures are not read (a viewer
      // could otherwise have the server read tens of thousands of files for one call).
      if (Array.isArray(tests) && tests.length <= MAX_RULE_TESTS) {
        const read = fixtureReader(deps.fixturesDir);
        const problems = await mapBounded(tests as unknown[], RULE_TEST_CONCURRENCY, async (t, i): Promise<ValidationIssue | undefined> => {
          const fixture = (t as { fixture?: unknown } | null)?.fixture;
          if (typeof fixture !== 'string') {
            return undefined;
          }
          const got = await read(fixture);
          return got.ok ? undefined : { file: `${id}.json`, pointer: `/tests/${i}/fixture`, message: got.error };
        });
        issues.push(...problems.filter((p) => p !== undefined));
      }
      return issues;
    },

    /** Runs a draft's tests on the serving set plus the draft (400 when the draft is not valid). */
    async testDraft(rule: unknown): Promise<RuleTestReport> {
      const id = draftId(rule);
      const set = candidateOrThrow(id, canonicalText(rule), 'The rule is not valid, so its tests cannot run.');
      return runRuleTests(id, set, { services: deps.services, fixturesDir: deps.fixturesDir, fhir: deps.fhir });
    },

    /** Runs the tests of a rule of the serving set. */
    async testRule(id: string): Promise<RuleTestReport> {
      const set = deps.holder.current();
      if (!set.rules.some((r) => r.id === id)) {
        throw notFound(`Rule "${id}" in the serving rule set`);
      }
      return runRuleTests(id, set, { services: deps.services, fixturesDir: deps.fixturesDir, fhir: deps.fhir });
    },

    async createRule(rule: unknown, author: string): Promise<SavedRule> {
      const id = draftId(rule);
      return (await applyChange({ id, next: rule, action: 'create', author, ifMatch: undefined, mode: 'create', tests: 'all' })) as SavedRule;
    },

    async updateRule(id: string, rule: unknown, ifMatch: string | undefined, author: string): Promise<SavedRule> {
      if (!isRuleId(id)) {
        throw notFound(`Rule "${id}"`);
      }
      const bodyId = draftId(rule);
      if (bodyId !== id) {
        throw invalid('The rule is not valid; nothing was saved.', [{ file: `${id}.json`, pointer: '/id', message: `the id "${bodyId}" must equal the rule being updated ("${id}"); ids cannot be renamed` }]);
      }
      return (await applyChange({ id, next: rule, action: 'update', author, ifMatch, mode: 'modify', tests: 'all' })) as SavedRule;
    },

    async deleteRule(id: string, ifMatch: string | undefined, author: string, options: { acknowledgeFailingTests?: boolean } = {}): Promise<{ ruleSetVersion: string; failingTests: readonly ValidationIssue[] }> {
      if (!isRuleId(id)) {
        throw notFound(`Rule "${id}"`);
      }
      const result = await applyChange({ id, next: null, action: 'delete', author, ifMatch, mode: 'modify', tests: 'others', ...options });
      return { ruleSetVersion: result.ruleSetVersion, failingTests: result.failingTests };
    },

    /**
     * Enabling runs the rule's tests and the other rules' (like an update); disabling runs the other active
     * rules' cases, and is refused (409) when it makes some fail unless `acknowledgeFailingTests` is set.
     */
    async setStatus(id: string, status: 'active' | 'disabled', ifMatch: string | undefined, author: string, options: { acknowledgeFailingTests?: boolean } = {}): Promise<SavedRule> {
      await currentRule(id); // 404 for an unknown rule
      return (await applyChange({
        id,
        next: undefined,
        derive: (rule) => ({ ...rule, status }),
        action: status === 'active' ? 'enable' : 'disable',
        author,
        ifMatch,
        mode: 'modify',
        tests: status === 'active' ? 'all' : 'others',
        ...options,
      })) as SavedRule;
    },

    /**
     * The rules deleted through the API (their newest recorded change is a delete) whose file is still gone, newest
     * deletion first: the console lists them so that one deleted by mistake can be found and restored (rollback).
     */
    async deletedRules(): Promise<DeletedRule[]> {
      const store = requireStore('Deleted rules');
      const latest = new Map<string, RuleChange>();
      const lastContent = new Map<string, RuleChange>();
      for (const change of [...(await store.ruleChangesSince(0))].sort((a, b) => a.seq - b.seq)) {
        latest.set(change.ruleId, change);
        if (change.content !== null && change.content !== undefined) {
          lastContent.set(change.ruleId, change);
        }
      }
      const present = new Set(await listRuleIds(rulesDir));
      const out: DeletedRule[] = [];
      for (const [id, change] of latest) {
        if (change.action !== 'delete' || !isRuleId(id) || present.has(id)) {
          continue;
        }
        const last = lastContent.get(id);
        const title = last && typeof (last.content as { title?: unknown }).title === 'string' ? (last.content as { title: string }).title : undefined;
        out.push({ id, ...(title ? { title } : {}), seq: change.seq, deletedBy: change.author, deletedAt: change.at, ...(last ? { lastVersionSeq: last.seq } : {}) });
      }
      return out.sort((a, b) => b.seq - a.seq);
    },

    async history(id: string): Promise<HistoryEntry[]> {
      return (await historyPage(id, { limit: String(Number.MAX_SAFE_INTEGER) }, Number.MAX_SAFE_INTEGER)).changes;
    },

    historyPage,

    async rollback(id: string, seq: unknown, ifMatch: string | undefined, author: string): Promise<SavedRule> {
      const store = requireStore('Rollback');
      if (!isRuleId(id)) {
        throw notFound(`Rule "${id}"`);
      }
      if (typeof seq !== 'number' || !Number.isInteger(seq)) {
        throw badRequest('Send { "seq": <number> } naming a version from the rule history.', '/seq');
      }
      const change = (await store.ruleHistory(id)).find((c) => c.seq === seq);
      if (!change) {
        throw notFound(`Version ${seq} of rule "${id}"`);
      }
      if (change.content === null || change.content === undefined) {
        throw badRequest(`Version ${seq} is a deletion; delete the rule with DELETE /admin/api/rules/${id} instead.`, '/seq');
      }
      return (await applyChange({ id, next: change.content, action: 'rollback', author, ifMatch, mode: 'either', tests: 'all' })) as SavedRule;
    },

    async dryRun(input: DryRunInput): Promise<DryRunResult> {
      const { set, service, body, at } = await evaluationInput(input);
      try {
        const outcome = await handleOrderHook(service, body, { ruleSet: () => set, fhir: deps.fhir, fetch: offlineFetch, now: () => at });
        return { cards: outcome.response.cards, ruleSetVersion: outcome.ruleSetVersion, at: at.toISOString() };
      } catch (err) {
        return asAdminError(err);
      }
    },

    async explain(input: DryRunInput): Promise<RequestExplanation> {
      const { set, service, body, at } = await evaluationInput(input);
      try {
        return await explainRequest(service, body, { ruleSet: set, fhir: deps.fhir, fetch: offlineFetch, now: at });
      } catch (err) {
        return asAdminError(err);
      }
    },

    async listFixtures(): Promise<string[]> {
      const out: string[] = [];
      const walk = async (dir: string, prefix: string): Promise<void> => {
        let entries;
        try {
          entries = await readdir(dir, { withFileTypes: true });
        } catch {
          return;
        }
        for (const entry of entries) {
          const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
          if (entry.isDirectory()) {
            await walk(path.join(dir, entry.name), relative);
          } else if (entry.isFile() && fixturePath(deps.fixturesDir, relative)) {
            out.push(relative);
          }
        }
      };
      await walk(deps.fixturesDir, '');
      return out.sort();
    },

    async analytics(fromParam: unknown, toParam: unknown): Promise<{ from: string; to: string; rules: (RuleStats & { title?: string })[] }> {
      const store = requireStore('Analytics');
      const to = parseDate(toParam, now(), 'to', true);
      const from = parseDate(fromParam, new Date(to.getTime() - 30 * 86_400_000), 'from');
      if (from.getTime() > to.getTime()) {
        throw badRequest('"from" must not be after "to".', 'from');
      }
      const titles = new Map(deps.holder.current().rules.map((r) => [r.id, r.title]));
      const stats = await store.ruleStats(from, to);
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        rules: stats.map((s) => (titles.has(s.ruleId) ? { ...s, title: titles.get(s.ruleId) ?? s.ruleId } : s)),
      };
    },

    async snoozes(query: { ruleId?: unknown; active?: unknown; limit?: unknown }): Promise<Snooze[]> {
      const store = requireStore('Snoozes');
      if (query.ruleId !== undefined && typeof query.ruleId !== 'string') {
        // ?ruleId=a&ruleId=b arrives as a list: it was ignored, and every rule's snoozes were listed.
        throw badRequest('"ruleId" must be given once.', 'ruleId');
      }
      const ruleId = query.ruleId !== undefined && query.ruleId !== '' ? query.ruleId : undefined;
      if (query.active !== undefined && query.active !== 'true' && query.active !== 'false') {
        throw badRequest('"active" must be true or false.', 'active');
      }
      const limit = query.limit === undefined ? 100 : Number(query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw badRequest('"limit" must be a whole number from 1 to 1000.', 'limit');
      }
      return store.listSnoozes({ ...(ruleId ? { ruleId } : {}), ...(query.active === 'true' ? { activeAt: now() } : {}), limit });
    },

    async liftSnooze(id: string, author: string): Promise<{ id: string; lifted: true; liftedBy: string; liftedAt: string }> {
      const store = requireStore('Snoozes');
      const at = now();
      if (!(await store.liftSnooze(id, author, at))) {
        throw notFound(`Active snooze "${id}"`);
      }
      deps.logger.info({ snoozeId: id, author }, 'snooze lifted');
      return { id, lifted: true, liftedBy: author, liftedAt: at.toISOString() };
    },
  };
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * A `from`/`to` query value: a date (YYYY-MM-DD, a whole UTC day: as `to` it includes that day) or an
 * RFC 3339 date-time with its offset (without one it would be read in the server's time zone). An
 * impossible date (30 February) or anything else is refused rather than shifted.
 */
function parseDate(value: unknown, fallback: Date, name: string, end = false): Date {
  if (value === undefined || value === '') {
    return fallback;
  }
  const text = typeof value === 'string' ? value.trim() : '';
  const m = DATE_ONLY.exec(text) ?? DATE_TIME.exec(text);
  const date = m ? new Date(DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text) : new Date(Number.NaN);
  const [year, month, day] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (Number.isNaN(date.getTime()) || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) {
    throw badRequest(`"${name}" must be a date (YYYY-MM-DD) or a date-time with its offset (2026-11-21T08:00:00Z).`, name);
  }
  return end && DATE_ONLY.test(text) ? new Date(date.getTime() + 86_400_000) : date;
}

/** A failing case as the refusal lists it. */
function caseMessage(r: RuleTestResult): string {
  return r.error ?? `${r.fixture}: expected ${r.expect}, got ${r.got}`;
}

function contentText(content: unknown): string {
  return content === null || content === undefined ? '' : canonicalText(content);
}

/** What an entry whose diff was given up on says instead. */
export const DIFF_OMITTED = `diff too large to show (more than ${HISTORY_DIFF_LIMITS.maxEditLength} lines changed, or too slow to compute); compare the content of this version with the previous one`;

/**
 * @param deadline - When this request's time for diffs ends (Date.now() scale): past it, no diff is computed.
 */
function toHistoryEntry(id: string, change: RuleChange, previous: RuleChange | undefined, deadline: number): HistoryEntry {
  const before = previous ? contentText(previous.content) : '';
  const after = contentText(change.content);
  const remaining = deadline - Date.now();
  // A creation or a deletion is every line added or removed: jsdiff finds that in linear time, so only
  // the time bounds it (an edit-length bound would give up on any rule longer than it).
  const bounds = before === '' || after === '' ? {} : { maxEditLength: HISTORY_DIFF_LIMITS.maxEditLength };
  const diff =
    before === after
      ? ''
      : remaining <= 0
        ? undefined
        : createTwoFilesPatch(
            previous ? `${id}.json@${previous.seq}` : '/dev/null',
            change.content === null ? '/dev/null' : `${id}.json@${change.seq}`,
            before,
            after,
            undefined,
            undefined,
            { context: 3, headerOptions: FILE_HEADERS_ONLY, ...bounds, timeout: Math.min(HISTORY_DIFF_LIMITS.timeoutMs, remaining) }
          );
  return {
    seq: change.seq,
    action: change.action,
    author: change.author,
    at: change.at,
    ...(change.ruleSetVersion ? { ruleSetVersion: change.ruleSetVersion } : {}),
    ...(diff === undefined ? { diff: null, diffOmitted: DIFF_OMITTED } : { diff }),
    content: change.content ?? null,
    ...(change.acknowledgedFailingTests?.length ? { acknowledgedFailingTests: change.acknowledgedFailingTests } : {}),
  };
}

/** JSON with object keys sorted at every level, for order-independent comparison. */
function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v
  );
}
