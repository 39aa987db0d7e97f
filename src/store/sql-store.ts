/**
 * The {@link Store} on the {@link Sql} port: one PostgreSQL dialect for PGlite and a PostgreSQL server.
 */
import { createHash, randomUUID } from 'node:crypto';
import { AuditQueue, type AuditQueueOptions, type AuditQueueStats } from './audit-queue.ts';
import { copyTextRow, type CopyValue } from './copy-text.ts';
import { storableText } from './storable-text.ts';
import { runMigrations, type MigrationOptions, type MigrationResult } from './migrate.ts';
import { MIGRATIONS, type Migration } from './migrations/index.ts';
import {
  consoleLogger,
  describeError,
  isUuid,
  sqlState,
  textOrUndefined,
  toInt,
  toIso,
  toIsoOrUndefined,
  type Sql,
  type SqlExecutor,
  type SqlRow,
  type StoreLogger,
} from './sql.ts';
import type {
  FeedbackClient,
  FeedbackItemInput,
  FeedbackResult,
  Indicator,
  InvocationRecord,
  IssuedCard,
  NewRuleChange,
  OverrideReasonCount,
  RuleChange,
  RuleChangeAction,
  RuleStats,
  Snooze,
  Store,
  StoredRuleFile,
  StoredRuleSet,
} from './types.ts';

/** Key of the advisory lock that makes rule change sequence numbers commit in order. */
export const RULE_CHANGE_LOCK_KEY = 7_302_114_002n;
const PURGE_BATCH = 5_000;
const JTI_CLEANUP_BATCH = 10_000;
/** Snoozes that ended more than this long ago are not loaded into the snooze horizon at start. */
const SNOOZE_HORIZON_KEEP_MS = 24 * 60 * 60 * 1000;
/** How long a replay key is kept after it expires (longer than any IPC or store call may take). */
const JTI_KEEP_AFTER_EXPIRY_MS = 5 * 60_000;
const TOP_REASONS = 5;
/**
 * Largest last good rule set kept (UTF-8 bytes of its files as stored, JSON): the shipped set is about 130 KiB.
 * A bigger one is refused (the previous one stays kept), so neither the row nor the message carrying it to
 * the store (cluster IPC, the store thread) can grow without bound.
 */
export const MAX_LAST_GOOD_RULES_BYTES = 4 * 1024 * 1024;
/** Longest rule set version kept (a version is a short hash). */
const MAX_RULE_SET_VERSION = 200;
/** Acknowledged failing test cases kept with one rule change (a rule set has far fewer), and a name's length. */
const MAX_ACKNOWLEDGED_TESTS = 10_000;
const MAX_TEST_CASE_NAME = 300;

/** Bad input to the store (an unparseable timestamp, an unknown outcome): the caller's 400, not a 500. */
export class StoreInputError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'StoreInputError';
  }
}

/**
 * A compare-and-append refused: the rule's latest change in the feed is no longer the one the caller based
 * its change on (`NewRuleChange.basedOnSeq`), because another change to that rule was appended meanwhile
 * (typically through another replica). Callers check the name (it survives the cluster's IPC): see
 * {@link isRuleChangeConflict}.
 */
export class RuleChangeConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuleChangeConflictError';
  }
}

/** True for a refused compare-and-append, thrown here or rebuilt by name on the other side of the cluster's IPC. */
export function isRuleChangeConflict(error: unknown): boolean {
  return error instanceof Error && error.name === 'RuleChangeConflictError';
}

export interface SqlStoreOptions {
  readonly logger?: StoreLogger;
  /** Audit queue timer period, ms. Default 50. */
  readonly flushIntervalMs?: number;
  /** Invocations per audit transaction. Default 500. */
  readonly auditBatchSize?: number;
  /** Most invocations held in memory while the database cannot be written; the oldest are dropped beyond it. Default 10 000. */
  readonly maxQueuedInvocations?: number;
  /** How often, at most, expired JWT replay keys are deleted (on a rememberJti call), ms. Default 60 000. */
  readonly jtiCleanupIntervalMs?: number;
  /** Clock for feedback receipt times and replay-key expiry (tests). Default: the system clock. */
  readonly now?: () => Date;
  /** Told the audit queue's settled totals as they change (audit-queue.ts `onSettled`). */
  readonly onAuditSettled?: AuditQueueOptions<unknown>['onSettled'];
  /** Migrations to apply (tests). Default: all of src/store/migrations. */
  readonly migrations?: readonly Migration[];
  /** How long migrations wait for table locks, and how often they try (migrate.ts). Defaults there. */
  readonly migrationOptions?: MigrationOptions;
  /** Close the Sql with the store. Default true. */
  readonly ownsSql?: boolean;
  /**
   * This store is the only writer of its database (embedded PGlite, opened by this store alone), so
   * it may answer `activeSnoozes` for patients without a current snooze from memory (see
   * {@link SqlStore.activeSnoozes}). Default: PGlite with `ownsSql`. Never for a shared server.
   */
  readonly exclusive?: boolean;
}

/** Diagnostics beyond the Store contract (readiness endpoints, metrics). */
export interface StoreDiagnostics {
  auditQueueStats(): AuditQueueStats;
}

/** One invocation ready for the batch insert: rows keyed by column name for jsonb_to_recordset. */
interface PreparedInvocation {
  readonly invocation: Readonly<Record<string, unknown>>;
  readonly cards: readonly Readonly<Record<string, unknown>>[];
  readonly suppressions: readonly Readonly<Record<string, unknown>>[];
}

/** The card rows' columns, in the order COPY reads them (the same names as INSERT_CARDS; invocations: invocationWrite). */
const CARD_COLUMNS = ['uuid', 'invocation_id', 'rule_id', 'indicator', 'order_ref', 'material_state', 'suggestion_uuids', 'issued_at'] as const;
const UNIQUE_VIOLATION = '23505';

function copyRows(rows: readonly Readonly<Record<string, unknown>>[], columns: readonly string[]): string {
  let text = '';
  for (const row of rows) {
    text += copyTextRow(columns.map((c) => row[c] as CopyValue));
  }
  return text;
}

/** The invocation columns of the schema's first release, with their types (for jsonb_to_recordset). */
const INVOCATION_COLUMN_TYPES: readonly (readonly [string, string])[] = [
  ['id', 'uuid'], ['hook_instance', 'text'], ['service_id', 'text'], ['hook', 'text'], ['received_at', 'timestamptz'],
  ['latency_ms', 'integer'], ['status', 'smallint'], ['rule_set_version', 'text'], ['patient_key', 'text'], ['client_iss', 'text'],
];
/** The migration that adds `invocations.client_tenant` (0006). */
const CLIENT_TENANT_MIGRATION = 6;

/** How this store writes invocations: the columns its schema has, for COPY and for the INSERT. */
interface InvocationWrite {
  readonly columns: readonly string[];
  readonly insert: string;
}

/**
 * The invocation columns of the schema `migrations` build: `client_tenant` only when they include
 * migration 0006. The store is only ever run against the schema of its own migrations (it applies them
 * when it opens); tests that write an older release's rows build it with that release's list.
 */
function invocationWrite(migrations: readonly Migration[]): InvocationWrite {
  const typed = migrations.some((m) => m.version === CLIENT_TENANT_MIGRATION) ? [...INVOCATION_COLUMN_TYPES, ['client_tenant', 'text'] as const] : INVOCATION_COLUMN_TYPES;
  const columns = typed.map(([name]) => name);
  const insert = `
INSERT INTO invocations (${columns.join(', ')})
SELECT ${columns.join(', ')}
FROM jsonb_to_recordset($1::jsonb) AS r(${typed.map(([name, type]) => `${name} ${type}`).join(', ')})
ON CONFLICT (id) DO NOTHING`;
  return { columns, insert };
}

const INSERT_CARDS = `
INSERT INTO issued_cards (uuid, invocation_id, rule_id, indicator, order_ref, material_state, suggestion_uuids, issued_at)
SELECT uuid, invocation_id, rule_id, indicator, order_ref, material_state, coalesce(suggestion_uuids, '{}'), issued_at
FROM jsonb_to_recordset($1::jsonb) AS r(uuid text, invocation_id uuid, rule_id text, indicator text, order_ref text,
  material_state text, suggestion_uuids text[], issued_at timestamptz)
ON CONFLICT (uuid) DO NOTHING`;

const INSERT_SUPPRESSIONS = `
INSERT INTO suppressions (id, invocation_id, rule_id, snooze_id, order_ref, at)
SELECT id, invocation_id, rule_id, snooze_id, order_ref, at
FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, invocation_id uuid, rule_id text, snooze_id text, order_ref text, at timestamptz)
ON CONFLICT (id) DO NOTHING`;

const INSERT_FEEDBACK = `
INSERT INTO feedback (natural_key, service_id, card_uuid, card_known, outcome, outcome_timestamp, accepted_suggestion_ids,
  reason_system, reason_code, reason_display, comment_sha256, received_at)
SELECT natural_key, service_id, card_uuid, card_known, outcome, outcome_timestamp, coalesce(accepted_suggestion_ids, '{}'),
  reason_system, reason_code, reason_display, comment_sha256, received_at
FROM jsonb_to_recordset($1::jsonb) AS r(natural_key text, service_id text, card_uuid text, card_known boolean, outcome text,
  outcome_timestamp timestamptz, accepted_suggestion_ids text[], reason_system text, reason_code text, reason_display text,
  comment_sha256 text, received_at timestamptz)
ON CONFLICT (natural_key) DO NOTHING
RETURNING natural_key`;

/**
 * Analytics count only what was delivered: cards and suppressions of calls answered 200. A call whose EHR
 * gave up first (audited 499) had its cards decided but never shown, so they can get no feedback and must
 * not lower the accept/override rates. A card or suppression is written with its invocation's received_at
 * (and in the same transaction), so the calls not answered 200 are read over the same window from their
 * partial index (migration 0008; they are few) and left out with an anti-join: joining every card to its
 * invocation instead doubled ruleStats' time (0.4 -> 0.9 s over 400 000 cards on PGlite).
 */
const UNDELIVERED_INVOCATIONS = `SELECT id FROM invocations WHERE received_at >= $1 AND received_at < $2 AND status <> 200`;

const RULE_STATS = `
WITH undelivered AS (${UNDELIVERED_INVOCATIONS}), cards AS (
  SELECT c.uuid, c.rule_id FROM issued_cards c
  WHERE c.issued_at >= $1 AND c.issued_at < $2 AND NOT EXISTS (SELECT 1 FROM undelivered u WHERE u.id = c.invocation_id)
), fired AS (
  SELECT rule_id, count(*)::int AS fired FROM cards GROUP BY rule_id
), suppressed AS (
  SELECT s.rule_id, count(*)::int AS suppressed FROM suppressions s
  WHERE s.at >= $1 AND s.at < $2 AND NOT EXISTS (SELECT 1 FROM undelivered u WHERE u.id = s.invocation_id)
  GROUP BY s.rule_id
), answered AS (
  SELECT c.rule_id,
         (count(DISTINCT c.uuid) FILTER (WHERE f.outcome = 'accepted'))::int AS accepted,
         (count(DISTINCT c.uuid) FILTER (WHERE f.outcome = 'overridden'))::int AS overridden,
         -- A comment resent with the card's feedback (an EHR retry with a new timestamp) counts once.
         (count(DISTINCT (c.uuid, f.comment_sha256)) FILTER (WHERE f.comment_sha256 IS NOT NULL))::int AS comments
  FROM cards c JOIN feedback f ON f.card_uuid = c.uuid AND f.card_known
  GROUP BY c.rule_id
), rules AS (
  SELECT rule_id FROM fired UNION SELECT rule_id FROM suppressed
)
SELECT rules.rule_id,
       coalesce(fired.fired, 0) AS fired,
       coalesce(suppressed.suppressed, 0) AS suppressed,
       coalesce(answered.accepted, 0) AS accepted,
       coalesce(answered.overridden, 0) AS overridden,
       coalesce(answered.comments, 0) AS comments
FROM rules
LEFT JOIN fired ON fired.rule_id = rules.rule_id
LEFT JOIN suppressed ON suppressed.rule_id = rules.rule_id
LEFT JOIN answered ON answered.rule_id = rules.rule_id
ORDER BY rules.rule_id`;

const OVERRIDE_REASONS = `
WITH undelivered AS (${UNDELIVERED_INVOCATIONS})
SELECT c.rule_id, f.reason_code AS code, max(f.reason_display) AS display, count(DISTINCT c.uuid)::int AS count
FROM issued_cards c JOIN feedback f ON f.card_uuid = c.uuid AND f.card_known
WHERE c.issued_at >= $1 AND c.issued_at < $2 AND f.outcome = 'overridden' AND f.reason_code IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM undelivered u WHERE u.id = c.invocation_id)
GROUP BY c.rule_id, f.reason_code`;

function parseTime(value: string, what: string): string {
  const ms = Date.parse(value);
  if (typeof value !== 'string' || Number.isNaN(ms)) {
    throw new StoreInputError(`${what} is not a valid timestamp: ${JSON.stringify(value)}`);
  }
  return new Date(ms).toISOString();
}

function dateIso(value: Date, what: string): string {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new StoreInputError(`${what} is not a valid date`);
  }
  return value.toISOString();
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function snoozeFromRow(row: SqlRow): Snooze {
  const materialState = textOrUndefined(row.material_state);
  const liftedAt = toIsoOrUndefined(row.lifted_at);
  const liftedBy = textOrUndefined(row.lifted_by);
  return {
    id: String(row.id),
    ruleId: String(row.rule_id),
    patientKey: String(row.patient_key),
    createdAt: toIso(row.created_at),
    expiresAt: toIso(row.expires_at),
    reasonCode: String(row.reason_code),
    cardUuid: String(row.card_uuid),
    ...(materialState === undefined ? {} : { materialState }),
    ...(liftedAt === undefined ? {} : { liftedAt }),
    ...(liftedBy === undefined ? {} : { liftedBy }),
  };
}

function ruleChangeFromRow(row: SqlRow): RuleChange {
  const ruleSetVersion = textOrUndefined(row.rule_set_version);
  const text = textOrUndefined(row.content_text);
  // jsonb comes back parsed (PGlite and node-postgres); a text array is kept, anything else read as none.
  const raw: unknown = typeof row.acknowledged_failing_tests === 'string' ? JSON.parse(row.acknowledged_failing_tests) : row.acknowledged_failing_tests;
  const acknowledged = Array.isArray(raw) ? raw.filter((t): t is string => typeof t === 'string') : [];
  return {
    seq: toInt(row.seq),
    ruleId: String(row.rule_id),
    action: String(row.action) as RuleChangeAction,
    content: text === undefined ? null : (JSON.parse(text) as unknown),
    author: String(row.author),
    at: toIso(row.at),
    ...(ruleSetVersion === undefined ? {} : { ruleSetVersion }),
    ...(acknowledged.length === 0 ? {} : { acknowledgedFailingTests: acknowledged }),
  };
}

interface PendingJti {
  readonly hash: string;
  readonly expiresAt: string;
  readonly resolve: (firstUse: boolean) => void;
  readonly reject: (error: unknown) => void;
}

const SNOOZE_COLUMNS = 'id, rule_id, patient_key, created_at, expires_at, reason_code, card_uuid, material_state, lifted_at, lifted_by';
const RULE_CHANGE_COLUMNS = 'seq, rule_id, action, content_text, author, at, rule_set_version, acknowledged_failing_tests';

export class SqlStore implements Store, StoreDiagnostics {
  readonly kind: 'pglite' | 'postgres';
  /** The connection (tests and maintenance scripts; the service uses the methods). */
  readonly sql: Sql;
  private readonly logger: StoreLogger;
  private readonly now: () => Date;
  private readonly migrations: readonly Migration[];
  private readonly invocationWrite: InvocationWrite;
  private readonly migrationOptions: MigrationOptions;
  private readonly ownsSql: boolean;
  private readonly audit: AuditQueue<PreparedInvocation>;
  private readonly jtiCleanupIntervalMs: number;
  private lastJtiCleanup = 0;
  private jtiCleanup: Promise<void> | undefined;
  /** Replay keys waiting for this turn's grouped INSERT (see rememberJti). */
  private jtiGroup: PendingJti[] | undefined;
  private jtiWrite: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /**
   * Exclusive stores only: per patient key, the latest `expires_at` (epoch ms) among its unlifted
   * snoozes, loaded once from the database and raised by every `createSnooze` before its INSERT. It may
   * over-estimate (a lifted snooze stays counted) but never under-estimate, so "no entry, or its
   * horizon is not after `at`" proves that the query would find no active snooze.
   */
  private readonly snoozeHorizon: Map<string, number> | undefined;
  private snoozeHorizonLoaded = false;
  private snoozeHorizonLoading: Promise<void> | undefined;
  /** When a failed COPY was last logged, and how many batches failed to copy since (noteCopyFailure). */
  private lastCopyFailureLogAt = Number.NEGATIVE_INFINITY;
  private copyFailuresSinceLog = 0;

  constructor(sql: Sql, options: SqlStoreOptions = {}) {
    this.sql = sql;
    this.kind = sql.kind;
    this.logger = options.logger ?? consoleLogger;
    this.now = options.now ?? (() => new Date());
    this.migrations = options.migrations ?? MIGRATIONS;
    this.invocationWrite = invocationWrite(this.migrations);
    this.migrationOptions = options.migrationOptions ?? {};
    this.ownsSql = options.ownsSql ?? true;
    this.jtiCleanupIntervalMs = options.jtiCleanupIntervalMs ?? 60_000;
    this.snoozeHorizon = (options.exclusive ?? (sql.kind === 'pglite' && this.ownsSql)) ? new Map() : undefined;
    this.audit = new AuditQueue<PreparedInvocation>({
      write: (batch) => this.writeInvocations(batch),
      logger: this.logger,
      describe: (p) => ({ invocationId: p.invocation.id, hookInstance: p.invocation.hook_instance, serviceId: p.invocation.service_id }),
      ...(options.flushIntervalMs === undefined ? {} : { flushIntervalMs: options.flushIntervalMs }),
      ...(options.auditBatchSize === undefined ? {} : { batchSize: options.auditBatchSize }),
      ...(options.maxQueuedInvocations === undefined ? {} : { maxQueued: options.maxQueuedInvocations }),
      ...(options.onAuditSettled ? { onSettled: options.onAuditSettled } : {}),
    });
  }

  async migrate(): Promise<void> {
    await this.migrateWithResult();
    if (this.snoozeHorizon) {
      void this.loadSnoozeHorizon().catch(() => undefined); // warm; activeSnoozes waits for it or retries
    }
  }

  migrateWithResult(): Promise<MigrationResult> {
    return runMigrations(this.sql, this.migrations, this.logger, this.migrationOptions);
  }

  async ping(): Promise<boolean> {
    try {
      const rows = await this.sql.query<{ ok: number }>('SELECT 1 AS ok');
      return rows[0]?.ok === 1;
    } catch {
      return false;
    }
  }

  auditQueueStats(): AuditQueueStats {
    return this.audit.getStats();
  }

  // --- audit ---------------------------------------------------------------------------------------

  enqueueInvocation(record: InvocationRecord): void {
    try {
      this.audit.enqueue(this.prepareInvocation(record));
    } catch (error) {
      // Counted with the records the database refused: every record is written or counted (thread-store.ts).
      this.audit.refuse();
      this.logger.error({ hookInstance: safeString(record?.hookInstance), err: describeError(error) }, 'invocation could not be queued for the audit: dropped');
    }
  }

  flush(): Promise<void> {
    return this.audit.flush();
  }

  private prepareInvocation(record: InvocationRecord): PreparedInvocation {
    const id = randomUUID();
    let receivedMs = Date.parse(record.receivedAt);
    if (Number.isNaN(receivedMs)) {
      this.logger.warn({ hookInstance: record.hookInstance }, 'invocation receivedAt is not a timestamp: audited with the current time');
      receivedMs = this.now().getTime();
    }
    const receivedAt = new Date(receivedMs).toISOString();
    return {
      invocation: {
        id,
        hook_instance: storableText(record.hookInstance),
        service_id: storableText(record.serviceId),
        hook: storableText(record.hook),
        received_at: receivedAt,
        latency_ms: Number.isFinite(record.latencyMs) ? Math.max(0, Math.min(2_147_483_647, Math.round(record.latencyMs))) : 0,
        status: Number.isInteger(record.status) ? record.status : 0,
        rule_set_version: storableText(record.ruleSetVersion),
        patient_key: storableText(record.patientKey),
        client_iss: storableText(record.clientIss ?? null),
        client_tenant: storableText(record.clientTenant ?? null),
      },
      cards: record.cards.map((card) => ({
        uuid: storableText(card.uuid),
        invocation_id: id,
        rule_id: storableText(card.ruleId),
        indicator: storableText(card.indicator),
        order_ref: storableText(card.orderRef ?? null),
        material_state: storableText(card.materialState ?? null),
        // Ids the card builder made (randomUUID): anything not a string is no id and is left out.
        suggestion_uuids: card.suggestionUuids.filter((u) => typeof u === 'string').map((u) => storableText(u)),
        issued_at: receivedAt,
      })),
      suppressions: record.suppressed.map((s) => ({
        id: randomUUID(),
        invocation_id: id,
        rule_id: storableText(s.ruleId),
        snooze_id: storableText(s.snoozeId),
        order_ref: storableText(s.orderRef ?? null),
        at: receivedAt,
      })),
    };
  }

  /**
   * One transaction per batch; idempotent, so a retry is safe. Where the adapter has COPY (PGlite) the
   * invocations and cards are copied, which is cheaper but has no ON CONFLICT. When that attempt fails for
   * any reason (a duplicate key from a retry of a batch that did commit, a repeated card uuid, a value the
   * COPY text cannot carry), the batch is written again with the INSERTs, which skip the rows already
   * there (ids are ours, ON CONFLICT DO NOTHING); what the audit queue sees is that attempt's outcome.
   */
  private async writeInvocations(batch: readonly PreparedInvocation[]): Promise<void> {
    const suppressions = batch.flatMap((p) => p.suppressions);
    let copyError: unknown;
    if (this.sql.copyFrom !== undefined) {
      try {
        const cardRows = batch.flatMap((p) => p.cards);
        const invocations = copyRows(batch.map((p) => p.invocation), this.invocationWrite.columns);
        const cards = copyRows(cardRows, CARD_COLUMNS);
        await this.sql.transaction(async (tx) => {
          await tx.copyFrom!('invocations', this.invocationWrite.columns, invocations, batch.length);
          if (cardRows.length > 0) await tx.copyFrom!('issued_cards', CARD_COLUMNS, cards, cardRows.length);
          await this.insertSuppressions(tx, suppressions);
        });
        return;
      } catch (error) {
        copyError = error;
      }
    }
    await this.sql.transaction(async (tx) => {
      await tx.query(this.invocationWrite.insert, [JSON.stringify(batch.map((p) => p.invocation))]);
      const cards = batch.flatMap((p) => p.cards);
      if (cards.length > 0) await tx.query(INSERT_CARDS, [JSON.stringify(cards)]);
      await this.insertSuppressions(tx, suppressions);
    });
    if (copyError !== undefined) this.noteCopyFailure(copyError);
  }

  private async insertSuppressions(tx: SqlExecutor, suppressions: readonly Readonly<Record<string, unknown>>[]): Promise<void> {
    if (suppressions.length > 0) await tx.query(INSERT_SUPPRESSIONS, [JSON.stringify(suppressions)]);
  }

  /**
   * A batch that COPY could not write but the INSERTs could: logged unless it was a duplicate key (a
   * retry, expected), at most once a minute, with the number of such batches since the last warning.
   */
  private noteCopyFailure(error: unknown): void {
    if (sqlState(error) === UNIQUE_VIOLATION) return;
    this.copyFailuresSinceLog++;
    const now = this.now().getTime();
    if (now - this.lastCopyFailureLogAt < 60_000) return;
    this.logger.warn({ batches: this.copyFailuresSinceLog, err: describeError(error) }, 'audit batches could not be copied; written with INSERTs instead');
    this.lastCopyFailureLogAt = now;
    this.copyFailuresSinceLog = 0;
  }

  async findIssuedCards(uuids: readonly string[]): Promise<IssuedCard[]> {
    const wanted = [...new Set(uuids)];
    if (wanted.length === 0) {
      return [];
    }
    await this.flushQuietly('findIssuedCards');
    const rows = await this.sql.query(
      `SELECT c.uuid, c.rule_id, c.indicator, c.order_ref, c.material_state, c.issued_at, i.service_id, i.hook_instance, i.patient_key, i.client_iss${this.invocationWrite.columns.includes('client_tenant') ? ', i.client_tenant' : ''}
       FROM issued_cards c JOIN invocations i ON i.id = c.invocation_id
       WHERE c.uuid = ANY($1::text[])`,
      [wanted]
    );
    return rows.map((row) => {
      const orderRef = textOrUndefined(row.order_ref);
      const materialState = textOrUndefined(row.material_state);
      const clientIss = textOrUndefined(row.client_iss);
      const clientTenant = textOrUndefined(row.client_tenant);
      return {
        uuid: String(row.uuid),
        ruleId: String(row.rule_id),
        indicator: String(row.indicator) as Indicator,
        serviceId: String(row.service_id),
        hookInstance: String(row.hook_instance),
        patientKey: String(row.patient_key),
        ...(clientIss === undefined ? {} : { clientIss }),
        ...(clientTenant === undefined ? {} : { clientTenant }),
        ...(orderRef === undefined ? {} : { orderRef }),
        ...(materialState === undefined ? {} : { materialState }),
        issuedAt: toIso(row.issued_at),
      };
    });
  }

  /** Writes the audit queue so cards issued a moment ago can be matched; an outage is reported by the next query. */
  private async flushQuietly(reason: string): Promise<void> {
    try {
      await this.audit.flush();
    } catch (error) {
      this.logger.warn({ reason, err: describeError(error) }, 'audit queue could not be written before a lookup');
    }
  }

  // --- feedback ------------------------------------------------------------------------------------

  async recordFeedback(serviceId: string, items: readonly FeedbackItemInput[], client?: FeedbackClient): Promise<FeedbackResult> {
    const prepared = items.map((item, i) => prepareFeedback(item, i));
    if (prepared.length === 0) {
      return { stored: 0, duplicates: 0, unknownCards: [] };
    }
    await this.flushQuietly('recordFeedback');
    const receivedAt = dateIso(this.now(), 'the clock');
    const uuids = [...new Set(prepared.map((p) => p.card_uuid))];
    return this.sql.transaction(async (tx) => {
      // Known: issued by the service this feedback was posted to (a card of another service is not this
      // endpoint's to answer for, and must not count in its rule's statistics), and to the client sending
      // it: another EHR, or another tenant of one, that learned a card's uuid must not move the override
      // rates informaticists tune rules by.
      const params: unknown[] = [uuids, serviceId];
      let toClient = '';
      if (client) {
        params.push(client.iss ?? null, client.tenant ?? null);
        toClient = ` AND i.client_iss IS NOT DISTINCT FROM $3::text AND ${this.invocationWrite.columns.includes('client_tenant') ? 'i.client_tenant IS NOT DISTINCT FROM $4::text' : '$4::text IS NULL'}`;
      }
      const knownRows = await tx.query<{ uuid: string; suggestion_uuids: string[] | null }>(
        `SELECT c.uuid, c.suggestion_uuids FROM issued_cards c JOIN invocations i ON i.id = c.invocation_id WHERE c.uuid = ANY($1::text[]) AND i.service_id = $2${toClient}`,
        params
      );
      const offered = new Map(knownRows.map((r) => [r.uuid, new Set(r.suggestion_uuids ?? [])]));
      // No reason is kept for a card this service did not issue: there is no rule to say what it means.
      const rows = prepared.map(({ acceptedSent, ...p }) => {
        const suggestions = offered.get(p.card_uuid);
        const accepted = suggestions ? [...new Set(acceptedSent.filter((id) => suggestions.has(id)))].sort() : [];
        const row = suggestions ? { ...p } : { ...p, reason_system: null, reason_code: null, reason_display: null };
        return { ...row, ...keyedFeedback(row, accepted), service_id: serviceId, card_known: suggestions !== undefined, received_at: receivedAt };
      });
      const inserted = await tx.query(INSERT_FEEDBACK, [JSON.stringify(rows)]);
      const unknownCards = uuids.filter((u) => !offered.has(u));
      if (unknownCards.length > 0) {
        this.logger.warn({ serviceId, unknownCards: unknownCards.length }, 'feedback for cards this service has no record of: stored and flagged');
      }
      return { stored: inserted.length, duplicates: prepared.length - inserted.length, unknownCards };
    });
  }

  // --- snoozes -------------------------------------------------------------------------------------

  async createSnooze(snooze: Omit<Snooze, 'id' | 'liftedAt' | 'liftedBy'>): Promise<Snooze | undefined> {
    const params = [
      randomUUID(),
      snooze.ruleId,
      snooze.patientKey,
      parseTime(snooze.createdAt, 'createdAt'),
      parseTime(snooze.expiresAt, 'expiresAt'),
      snooze.reasonCode,
      snooze.cardUuid,
      snooze.materialState ?? null,
    ];
    // Before the INSERT: from now on activeSnoozes asks the database for this patient.
    this.raiseSnoozeHorizon(params[2], Date.parse(params[4] as string));
    // One snooze per card (migration 0007's unique index): a card that already has one, active, lifted or
    // expired, gets none, whoever asks at the same moment. No conflict target, so the statement also runs on
    // a schema built without that migration (tests of older releases), where nothing conflicts.
    const rows = await this.sql.query(
      `INSERT INTO snoozes (id, rule_id, patient_key, created_at, expires_at, reason_code, card_uuid, material_state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT DO NOTHING
       RETURNING ${SNOOZE_COLUMNS}`,
      params
    );
    return rows[0] === undefined ? undefined : snoozeFromRow(rows[0]);
  }

  private raiseSnoozeHorizon(patientKey: unknown, expiresMs: number): void {
    if (this.snoozeHorizon && typeof patientKey === 'string') {
      const current = this.snoozeHorizon.get(patientKey);
      // NaN (cannot happen after parseTime) would never compare greater: store +Infinity instead.
      const value = Number.isNaN(expiresMs) ? Number.POSITIVE_INFINITY : expiresMs;
      if (current === undefined || value > current) {
        this.snoozeHorizon.set(patientKey, value);
      }
    }
  }

  /**
   * Exclusive stores only: per patient key, the latest expiry (epoch ms) of its unlifted snoozes, as
   * {@link activeSnoozes} uses it. It may over-estimate, never under-estimate. The cluster primary sends
   * it to its workers so they can answer "no snooze" without asking (src/cluster/).
   * @throws When the store is not its database's only user (then nothing in memory can be trusted).
   */
  async snoozeHorizons(): Promise<[string, number][]> {
    if (!this.snoozeHorizon) {
      throw new Error('snooze horizons are known only to a store that is its database\'s only user');
    }
    if (!this.snoozeHorizonLoaded) {
      await this.loadSnoozeHorizon();
    }
    return [...this.snoozeHorizon];
  }

  /** Loads the horizon of every patient with an unlifted snooze (once; retried after a failure). */
  private loadSnoozeHorizon(): Promise<void> {
    this.snoozeHorizonLoading ??= (async () => {
      try {
        // Snoozes that ended over a day ago are left out: nothing purges them, and every patient who ever had
        // one would otherwise be held in memory here and in every cluster worker, and sent to each worker
        // that starts. They can hide no card now; left out, a patient is answered "no snooze", which shows
        // the card (the safe side).
        const since = new Date(this.now().getTime() - SNOOZE_HORIZON_KEEP_MS).toISOString();
        const rows = await this.sql.query(
          'SELECT patient_key, max(expires_at) AS horizon FROM snoozes WHERE lifted_at IS NULL AND expires_at > $1 GROUP BY patient_key',
          [since]
        );
        for (const row of rows) {
          this.raiseSnoozeHorizon(String(row.patient_key), Date.parse(toIso(row.horizon)));
        }
        this.snoozeHorizonLoaded = true;
      } finally {
        this.snoozeHorizonLoading = undefined;
      }
    })();
    return this.snoozeHorizonLoading;
  }

  /**
   * Not lifted and `expires_at > at`, oldest first. An exclusive store (embedded PGlite) answers `[]`
   * without a query for a patient whose snooze horizon proves there is none: the hook path asks this
   * for every call that produces a snoozable card, and most patients have no snooze.
   */
  async activeSnoozes(patientKey: string, at: Date): Promise<Snooze[]> {
    const atIso = dateIso(at, 'at');
    if (this.snoozeHorizon && typeof patientKey === 'string') {
      if (!this.snoozeHorizonLoaded) {
        await this.loadSnoozeHorizon().catch(() => undefined); // not loaded: ask the database below
      }
      if (this.snoozeHorizonLoaded) {
        const horizon = this.snoozeHorizon.get(patientKey);
        if (horizon === undefined || horizon <= at.getTime()) {
          return [];
        }
      }
    }
    const rows = await this.sql.query(
      `SELECT ${SNOOZE_COLUMNS} FROM snoozes
       WHERE patient_key = $1 AND lifted_at IS NULL AND expires_at > $2
       ORDER BY created_at, id`,
      [patientKey, atIso]
    );
    return rows.map(snoozeFromRow);
  }

  async listSnoozes(filter: { readonly ruleId?: string; readonly cardUuid?: string; readonly activeAt?: Date; readonly limit?: number }): Promise<Snooze[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.ruleId !== undefined) {
      params.push(filter.ruleId);
      where.push(`rule_id = $${params.length}`);
    }
    if (filter.cardUuid !== undefined) {
      params.push(filter.cardUuid);
      where.push(`card_uuid = $${params.length}`);
    }
    if (filter.activeAt !== undefined) {
      params.push(dateIso(filter.activeAt, 'activeAt'));
      where.push(`lifted_at IS NULL AND created_at <= $${params.length} AND expires_at > $${params.length}`);
    }
    const limit = Math.min(1000, Math.max(1, Math.floor(filter.limit ?? 100)));
    params.push(limit);
    const rows = await this.sql.query(
      `SELECT ${SNOOZE_COLUMNS} FROM snoozes ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id LIMIT $${params.length}`,
      params
    );
    return rows.map(snoozeFromRow);
  }

  /** Lifts a snooze that is not lifted yet; false when there is none (unknown id, already lifted). */
  async liftSnooze(id: string, by: string, at: Date): Promise<boolean> {
    if (!isUuid(id)) {
      return false;
    }
    // Only an active snooze: one past its expiry has nothing left to lift.
    const rows = await this.sql.query('UPDATE snoozes SET lifted_at = $2, lifted_by = $3 WHERE id = $1 AND lifted_at IS NULL AND expires_at > $2 RETURNING id', [
      id,
      dateIso(at, 'at'),
      by,
    ]);
    return rows.length === 1;
  }

  // --- analytics and retention ---------------------------------------------------------------------

  /** Per rule, over cards issued in [from, to): see README.md for the definitions. */
  async ruleStats(from: Date, to: Date): Promise<RuleStats[]> {
    const params = [dateIso(from, 'from'), dateIso(to, 'to')];
    const [rows, reasons] = await Promise.all([this.sql.query(RULE_STATS, params), this.sql.query(OVERRIDE_REASONS, params)]);
    const reasonsByRule = new Map<string, OverrideReasonCount[]>();
    for (const r of reasons) {
      const list = reasonsByRule.get(String(r.rule_id)) ?? [];
      const display = textOrUndefined(r.display);
      list.push({ code: String(r.code), ...(display === undefined ? {} : { display }), count: toInt(r.count) });
      reasonsByRule.set(String(r.rule_id), list);
    }
    return rows.map((row) => {
      const ruleId = String(row.rule_id);
      const fired = toInt(row.fired);
      const accepted = toInt(row.accepted);
      const overridden = toInt(row.overridden);
      const top = (reasonsByRule.get(ruleId) ?? []).sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)).slice(0, TOP_REASONS);
      return {
        ruleId,
        fired,
        suppressed: toInt(row.suppressed),
        accepted,
        overridden,
        acceptedRate: fired === 0 ? 0 : accepted / fired,
        overriddenRate: fired === 0 ? 0 : overridden / fired,
        topOverrideReasons: top,
        comments: toInt(row.comments),
      };
    });
  }

  /**
   * Deletes, in batches, feedback received, and invocations (with their cards and suppressions) received
   * before the cutoff, and snoozes that ended (expired or lifted) before it: an ended snooze hides nothing,
   * and kept forever the table grew by every override. A snooze still active, or ended after the cutoff,
   * is kept (the console lists it; feedback repeated for its card finds it and does not snooze again).
   */
  async purgeAuditOlderThan(cutoff: Date): Promise<number> {
    const before = dateIso(cutoff, 'cutoff');
    // Children first, then their invocations, then the children again: cards and suppressions have no
    // foreign key (migration 0002), and an old audit batch committed by another writer between the first
    // passes and the invocations' pass (a backlog written late) would otherwise leave its cards behind.
    // A child carries its invocation's time, so the passes select the same calls.
    const tables: readonly (readonly [table: string, key: string, older: string])[] = [
      ['feedback', 'id', 'received_at < $1'],
      ['suppressions', 'id', 'at < $1'],
      ['issued_cards', 'uuid', 'issued_at < $1'],
      ['invocations', 'id', 'received_at < $1'],
      ['suppressions', 'id', 'at < $1'],
      ['issued_cards', 'uuid', 'issued_at < $1'],
      ['snoozes', 'id', '(expires_at < $1 OR lifted_at < $1)'],
    ];
    let total = 0;
    for (const [table, key, older] of tables) {
      for (;;) {
        const rows = await this.sql.query<{ n: number }>(
          `WITH doomed AS (
             DELETE FROM ${table} WHERE ${key} IN (SELECT ${key} FROM ${table} WHERE ${older} LIMIT ${PURGE_BATCH})
             RETURNING 1
           ) SELECT count(*)::int AS n FROM doomed`,
          [before]
        );
        const n = toInt(rows[0]?.n ?? 0);
        total += n;
        if (n < PURGE_BATCH) {
          break;
        }
        // Let the event loop turn between batches: PGlite's statements chained with await never do, and a
        // long purge would otherwise hold every other call (and the store thread's heartbeat, which a
        // watchdog listens for) until its very end.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return total;
  }

  // --- JWT replay ----------------------------------------------------------------------------------

  /**
   * Records a JWT replay key; true the first time it is seen (or after its earlier entry expired).
   *
   * Calls made in the same turn of the event loop share one statement (a group commit): under load
   * several requests verify their tokens at once, and one INSERT of n keys costs about as much as one
   * of a single key (the statement, its transaction and its WAL write dominate). Each answer still
   * comes from the committed database, before the request is answered. Within one group the first use
   * of a key wins and any other use of it is a replay.
   */
  rememberJti(key: string, expiresAtMs: number): Promise<boolean> {
    if (!Number.isFinite(expiresAtMs)) {
      return Promise.reject(new StoreInputError('expiresAtMs must be a finite epoch time in ms'));
    }
    if (expiresAtMs <= this.now().getTime()) {
      // Past its expiry already (it expired while its signature was being checked): refused, since its
      // earlier use may have been cleaned away.
      return Promise.resolve(false);
    }
    const answer = new Promise<boolean>((resolve, reject) => {
      if (this.jtiGroup === undefined) {
        this.jtiGroup = [];
        setImmediate(() => this.writeJtiGroup());
      }
      this.jtiGroup.push({ hash: sha256(key), expiresAt: new Date(expiresAtMs).toISOString(), resolve, reject });
    });
    return answer;
  }

  /** Now and then (after a group is written, so it never delays one), deletes expired replay keys. */
  private maybeCleanJtis(): void {
    const nowMs = this.now().getTime();
    if (nowMs - this.lastJtiCleanup >= this.jtiCleanupIntervalMs && this.jtiCleanup === undefined && this.closing === undefined) {
      this.lastJtiCleanup = nowMs;
      // Keys are kept a while past their expiry: a replay verified just before it expired may still be on
      // its way (a busy event loop, the cluster's IPC), and must find its key.
      this.jtiCleanup = this.deleteExpiredJtis(nowMs - JTI_KEEP_AFTER_EXPIRY_MS).finally(() => {
        this.jtiCleanup = undefined;
      });
    }
  }

  /** Writes the waiting replay keys in one statement and answers each caller. */
  private writeJtiGroup(): void {
    const group = this.jtiGroup ?? [];
    this.jtiGroup = undefined;
    const first = new Map<string, PendingJti>();
    for (const pending of group) {
      if (!first.has(pending.hash)) first.set(pending.hash, pending);
    }
    // In key order: two groups sharing keys (replicas on one PostgreSQL) then lock rows in the same order.
    const rows = [...first.values()].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0)).map((p) => ({ key_hash: p.hash, expires_at: p.expiresAt }));
    // A key seen before counts again only once its earlier entry has expired, and only for a later expiry:
    // a token always carries the same expiry, so a replay of it that passed the expiry check just before
    // it expired, and reaches this write just after, is still refused.
    const written = this.sql.query<{ key_hash: string }>(
      `INSERT INTO jti_replay (key_hash, expires_at)
       SELECT key_hash, expires_at FROM jsonb_to_recordset($1::jsonb) AS r(key_hash text, expires_at timestamptz)
       ON CONFLICT (key_hash) DO UPDATE SET expires_at = EXCLUDED.expires_at
         WHERE jti_replay.expires_at <= $2 AND jti_replay.expires_at < EXCLUDED.expires_at
       RETURNING key_hash`,
      [JSON.stringify(rows), this.now().toISOString()]
    );
    this.jtiWrite = written.then(
      (returned) => {
        const stored = new Set(returned.map((r) => r.key_hash));
        for (const pending of group) pending.resolve(first.get(pending.hash) === pending && stored.has(pending.hash));
        this.maybeCleanJtis();
      },
      (error: unknown) => {
        for (const pending of group) pending.reject(error);
      }
    );
  }

  /** Opportunistic cleanup of expired replay keys, in batches; failures are logged, never thrown. */
  private async deleteExpiredJtis(nowMs: number): Promise<void> {
    try {
      for (;;) {
        const rows = await this.sql.query<{ n: number }>(
          `WITH gone AS (
             DELETE FROM jti_replay WHERE key_hash IN (SELECT key_hash FROM jti_replay WHERE expires_at <= $1 LIMIT ${JTI_CLEANUP_BATCH})
             RETURNING 1
           ) SELECT count(*)::int AS n FROM gone`,
          [new Date(nowMs).toISOString()]
        );
        if (toInt(rows[0]?.n ?? 0) < JTI_CLEANUP_BATCH || this.closing !== undefined) {
          return;
        }
      }
    } catch (error) {
      this.logger.warn({ err: describeError(error) }, 'expired JWT replay keys could not be deleted (retried later)');
    }
  }

  // --- rule change history -------------------------------------------------------------------------

  async appendRuleChange(change: NewRuleChange): Promise<RuleChange> {
    const contentText = change.content === null || change.content === undefined ? null : JSON.stringify(change.content);
    const at = parseTime(change.at, 'at');
    const changeId = change.changeId ?? null;
    if (changeId !== null && !isUuid(changeId)) {
      throw new StoreInputError('changeId must be a UUID');
    }
    const acknowledged = change.acknowledgedFailingTests ?? [];
    if (!Array.isArray(acknowledged) || acknowledged.length > MAX_ACKNOWLEDGED_TESTS || !acknowledged.every((t) => typeof t === 'string' && t.length > 0 && t.length <= MAX_TEST_CASE_NAME)) {
      throw new StoreInputError(`acknowledgedFailingTests must be at most ${MAX_ACKNOWLEDGED_TESTS} test case names of 1 to ${MAX_TEST_CASE_NAME} characters`);
    }
    const basedOnSeq = change.basedOnSeq;
    if (basedOnSeq !== undefined && (!Number.isSafeInteger(basedOnSeq) || basedOnSeq < 0)) {
      throw new StoreInputError('basedOnSeq must be a whole number, 0 or more');
    }
    return this.sql.transaction(async (tx: SqlExecutor) => {
      // Held until commit: sequence numbers become visible in order, so a replica that polls with
      // ruleChangesSince(lastSeq) never skips a change that commits late. It also makes the check below and
      // the INSERT one step: no other append can come in between.
      await tx.exec(`SELECT pg_advisory_xact_lock(${RULE_CHANGE_LOCK_KEY})`);
      if (basedOnSeq !== undefined) {
        // A retry of a change already recorded is answered below with that record, not refused: its own
        // record is now the rule's latest.
        const recorded = changeId === null ? [] : await tx.query(`SELECT 1 FROM rule_changes WHERE change_id = $1`, [changeId]);
        if (recorded.length === 0) {
          const latest = toInt((await tx.query(`SELECT coalesce(max(seq), 0) AS latest FROM rule_changes WHERE rule_id = $1`, [change.ruleId]))[0]?.latest ?? 0);
          if (latest !== basedOnSeq) {
            throw new RuleChangeConflictError(`rule ${change.ruleId} was changed after change ${basedOnSeq} (its latest change is ${latest}); not recorded`);
          }
        }
      }
      const rows = await tx.query(
        `INSERT INTO rule_changes (rule_id, action, content, content_text, author, at, rule_set_version, change_id, acknowledged_failing_tests)
         VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9::jsonb)
         ON CONFLICT (change_id) DO NOTHING
         RETURNING ${RULE_CHANGE_COLUMNS}`,
        [change.ruleId, change.action, contentText, contentText, change.author, at, change.ruleSetVersion ?? null, changeId, acknowledged.length === 0 ? null : JSON.stringify(acknowledged)]
      );
      if (rows[0] !== undefined) {
        return ruleChangeFromRow(rows[0]);
      }
      // A retry of a change already recorded (its first attempt committed but its answer was lost).
      const existing = (await tx.query(`SELECT ${RULE_CHANGE_COLUMNS} FROM rule_changes WHERE change_id = $1`, [changeId]))[0];
      // The writer makes the id once per change (randomUUID), so the same rule and action identify the same
      // change; another rule or action under this id is a caller's mistake, not a retry.
      if (existing === undefined || existing.rule_id !== change.ruleId || existing.action !== change.action) {
        throw new StoreInputError('changeId is already the id of another rule change');
      }
      return ruleChangeFromRow(existing);
    });
  }


  async ruleHistory(ruleId: string): Promise<RuleChange[]> {
    const rows = await this.sql.query(`SELECT ${RULE_CHANGE_COLUMNS} FROM rule_changes WHERE rule_id = $1 ORDER BY seq`, [ruleId]);
    return rows.map(ruleChangeFromRow);
  }

  async ruleChangesSince(seq: number): Promise<RuleChange[]> {
    if (!Number.isSafeInteger(seq)) {
      throw new StoreInputError('seq must be a whole number');
    }
    const rows = await this.sql.query(`SELECT ${RULE_CHANGE_COLUMNS} FROM rule_changes WHERE seq > $1 ORDER BY seq`, [seq]);
    return rows.map(ruleChangeFromRow);
  }

  // --- last good rule set ---------------------------------------------------------------------------

  async saveLastGoodRules(rules: StoredRuleSet): Promise<boolean> {
    const version = rules?.version;
    if (typeof version !== 'string' || version === '' || version.length > MAX_RULE_SET_VERSION) {
      throw new StoreInputError(`a rule set version must be text of 1 to ${MAX_RULE_SET_VERSION} characters`);
    }
    const files = ruleSetFiles(rules.sources);
    if (files === undefined) {
      throw new StoreInputError('a rule set to keep must be its rule files and value sets, each a name and a text');
    }
    // JSON.stringify escapes NUL and lone surrogates: the text is storable, and parses back to the same strings.
    const text = JSON.stringify(files);
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_LAST_GOOD_RULES_BYTES) {
      throw new StoreInputError(`the rule set is ${Math.ceil(bytes / 1024)} KiB; at most ${MAX_LAST_GOOD_RULES_BYTES / 1024} KiB is kept as the last good set`);
    }
    // Same version (every worker, every replica reporting the set they all load): nothing is written.
    const rows = await this.sql.query(
      `INSERT INTO last_good_rules (id, version, sources, saved_at) VALUES (1, $1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET version = excluded.version, sources = excluded.sources, saved_at = excluded.saved_at
       WHERE last_good_rules.version IS DISTINCT FROM excluded.version
       RETURNING 1 AS saved`,
      [version, text, dateIso(this.now(), 'the clock')]
    );
    return rows.length > 0;
  }

  async lastGoodRules(): Promise<StoredRuleSet | undefined> {
    const row = (await this.sql.query(`SELECT version, sources, saved_at FROM last_good_rules WHERE id = 1`))[0];
    if (row === undefined) {
      return undefined;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(String(row.sources));
    } catch (error) {
      throw new Error(`the stored last good rule set is not JSON: ${(error as Error).message}`, { cause: error });
    }
    const sources = ruleSetFiles(parsed);
    if (sources === undefined || typeof row.version !== 'string') {
      throw new Error('the stored last good rule set is not a version with rule files and value sets');
    }
    return { version: row.version, sources, savedAt: toIso(row.saved_at) };
  }

  // --- life cycle ----------------------------------------------------------------------------------

  /** Writes the audit queue, then closes the connection. Idempotent; never throws for the queue. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.audit.close();
      await new Promise<void>((resolve) => setImmediate(resolve)); // a group already asked for is written
      await this.jtiWrite;
      await this.jtiCleanup;
      if (this.ownsSql) {
        await this.sql.close();
      }
    })();
    return this.closing;
  }
}

/** The files of a rule set, copied (only `name` and `text` of each), or undefined when it is not one. */
function ruleSetFiles(value: unknown): StoredRuleSet['sources'] | undefined {
  const list = (files: unknown): StoredRuleFile[] | undefined => {
    if (!Array.isArray(files)) return undefined;
    const out: StoredRuleFile[] = [];
    for (const file of files as unknown[]) {
      const { name, text } = (file ?? {}) as { name?: unknown; text?: unknown };
      if (typeof name !== 'string' || typeof text !== 'string') return undefined;
      out.push({ name, text });
    }
    return out;
  };
  if (typeof value !== 'object' || value === null) return undefined;
  const rules = list((value as { rules?: unknown }).rules);
  const valueSets = list((value as { valueSets?: unknown }).valueSets);
  return rules && valueSets ? { rules, valueSets } : undefined;
}

function safeString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** What a card uuid that is not UUID-shaped is stored as (the service issues only UUIDs). */
const NOT_A_UUID = 'not-a-uuid';
/** What a reason code that is not the shape of a rule's reason code is stored as. */
const OTHER_REASON_CODE = 'other';
/** The shape of a rule's override reason code (rules/schema/rule.schema.json). */
const REASON_CODE = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const MAX_REASON_CODE = 64;
/** A comment's keyed hash (FeedbackItemInput.commentKey). */
const COMMENT_KEY = /^[0-9a-f]{64}$/;

function storedId(value: string): string {
  return typeof value === 'string' && isUuid(value) ? value : NOT_A_UUID;
}

/** The reason as stored: its code only when shaped like a rule's reason code, else "other" with nothing else. */
function storedReason(reason: FeedbackItemInput['overrideReason']): { system: string | null; code: string | null; display: string | null } {
  const code = reason?.code;
  if (typeof code !== 'string' || code === '') {
    return { system: null, code: null, display: null };
  }
  if (code.length > MAX_REASON_CODE || !REASON_CODE.test(code)) {
    return { system: null, code: OTHER_REASON_CODE, display: null };
  }
  return { system: safeString(reason?.system) ?? null, code, display: safeString(reason?.display) ?? null };
}

/** A feedback item checked and in its stored shape, before its card is looked up. */
interface PreparedFeedback {
  readonly card_uuid: string;
  readonly outcome: string;
  readonly outcome_timestamp: string;
  /** The ids as sent (the ones the card offered are kept: recordFeedback). */
  readonly acceptedSent: readonly string[];
  readonly reason_system: string | null;
  readonly reason_code: string | null;
  readonly reason_display: string | null;
  readonly comment_sha256: string | null;
}

/**
 * The stored suggestion ids and the natural key of an item. Only what is stored goes into the key (a hash
 * of the EHR's own strings would let them be confirmed).
 */
function keyedFeedback(p: Omit<PreparedFeedback, 'acceptedSent'>, accepted: readonly string[]): { natural_key: string; accepted_suggestion_ids: readonly string[] } {
  const naturalKey = sha256(JSON.stringify([p.card_uuid, p.outcome, p.outcome_timestamp, accepted, p.reason_system, p.reason_code, p.comment_sha256]));
  return { natural_key: naturalKey, accepted_suggestion_ids: accepted };
}

function prepareFeedback(item: FeedbackItemInput, index: number): PreparedFeedback {
  if (typeof item.cardUuid !== 'string' || item.cardUuid === '') {
    throw new StoreInputError(`feedback[${index}].cardUuid is missing`);
  }
  if (item.outcome !== 'accepted' && item.outcome !== 'overridden') {
    throw new StoreInputError(`feedback[${index}].outcome must be "accepted" or "overridden"`);
  }
  const outcomeTimestamp = parseTime(item.outcomeTimestamp, `feedback[${index}].outcomeTimestamp`);
  const cardUuid = storedId(item.cardUuid);
  const commentKey = item.commentKey ?? null;
  if (commentKey !== null && (typeof commentKey !== 'string' || !COMMENT_KEY.test(commentKey))) {
    throw new StoreInputError(`feedback[${index}].commentKey must be a keyed hash (64 hex digits), never the comment`);
  }
  const reason = storedReason(item.overrideReason);
  return {
    card_uuid: cardUuid,
    outcome: item.outcome,
    outcome_timestamp: outcomeTimestamp,
    acceptedSent: [...(item.acceptedSuggestionIds ?? [])].map(String),
    reason_system: reason.system,
    reason_code: reason.code,
    reason_display: reason.display,
    comment_sha256: commentKey,
  };
}
