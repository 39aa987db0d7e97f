/**
 * Messages between the cluster primary and its workers (Node IPC with `serialization: 'advanced'`,
 * i.e. structured clone: Dates and plain objects arrive as they were sent).
 *
 * Every message carries `cds: 1` so that nothing else sent over the channel is mistaken for one.
 */
import type { RuleSources } from '../engine/load-rules.ts';
import type { AuditQueueStats, InvocationRecord, Store } from '../store/index.ts';

/** Store methods a worker may call on the primary's store (everything but lifecycle). */
export const STORE_METHODS = [
  'ping',
  'flush',
  'findIssuedCards',
  'recordFeedback',
  'createSnooze',
  'activeSnoozes',
  'listSnoozes',
  'liftSnooze',
  'ruleStats',
  'purgeAuditOlderThan',
  'rememberJti',
  'appendRuleChange',
  'ruleHistory',
  'ruleChangesSince',
  'saveLastGoodRules',
  'lastGoodRules',
] as const satisfies readonly (keyof Store)[];

export type StoreMethod = (typeof STORE_METHODS)[number];

/**
 * Where a call goes: the primary's store (a JWT's jti checked by `rememberJti` included), the snooze
 * horizons (`snapshot`: every patient key with an unlifted snooze and its latest expiry), the
 * metrics of every worker (`collect`: see MetricsRequestMessage), or the cluster's rule sets
 * (`lastGood`: the LastGoodRules a worker last reported, or null; `reloadOthers`: every other worker
 * reloads its rules folder, answered with a RulesFanOutResult once they have, see RulesReloadMessage).
 */
export type CallTarget = 'store' | 'horizons' | 'metrics' | 'rules';

/**
 * The rule set a worker loaded successfully (its files, as read), kept by the primary: a replacement
 * worker that finds the rules folder broken on disk serves it instead of exiting (main.ts).
 */
export interface LastGoodRules {
  readonly version: string;
  readonly sources: RuleSources;
}

/** Sent by a worker whenever it starts serving a rule set loaded from the folder (start-up, a reload that changed the set). */
export interface RulesLoadedMessage {
  readonly cds: 1;
  readonly kind: 'rules-loaded';
  readonly rules: LastGoodRules;
}

/**
 * Sent by the primary to every other worker when a worker's rules were reloaded through the admin API (a
 * save, `POST /admin/api/reload`): reload your folder and answer with a RulesReloadedMessage carrying the same id.
 */
export interface RulesReloadMessage {
  readonly cds: 1;
  readonly kind: 'rules-reload';
  readonly id: number;
}

/** A worker's answer to a RulesReloadMessage: the set it serves after the reload, and why a refused one was refused. */
export interface RulesReloadedMessage {
  readonly cds: 1;
  readonly kind: 'rules-reloaded';
  readonly id: number;
  readonly ok: boolean;
  readonly version: string;
  readonly errors?: readonly string[];
}

/** The answer to `rules.reloadOthers`: each serving worker asked, what it serves now, and those that did not answer in time. */
export interface RulesFanOutResult {
  readonly workers: readonly { readonly pid: number | undefined; readonly ok: boolean; readonly version: string }[];
  readonly unanswered: readonly (number | undefined)[];
}

export interface CallMessage {
  readonly cds: 1;
  readonly kind: 'call';
  readonly id: number;
  readonly target: CallTarget;
  readonly method: string;
  readonly args: readonly unknown[];
}

export interface EnqueueMessage {
  readonly cds: 1;
  readonly kind: 'enqueue';
  readonly record: InvocationRecord;
}

/** Several audit records in one message (a worker batches what it answered within a few ms). */
export interface EnqueueBatchMessage {
  readonly cds: 1;
  readonly kind: 'enqueue-batch';
  readonly records: readonly InvocationRecord[];
}

export interface ResultMessage {
  readonly cds: 1;
  readonly kind: 'result';
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  /**
   * A failed call: the error's name and message (the class is rebuilt from the name in the worker), and
   * its code when it is a SQLSTATE or a socket error code (so the caller can tell a full disk, 53100,
   * from a bug: src/store/unavailable.ts).
   */
  readonly error?: { readonly name: string; readonly message: string; readonly code?: string };
}

/** Sent by the primary about once a second (the store's synchronous diagnostics). */
export interface StatsMessage {
  readonly cds: 1;
  readonly kind: 'stats';
  readonly auditQueue: AuditQueueStats;
}

/**
 * Sent by the primary to every worker when a snooze is created, before it answers the call that created
 * it: patient key and expiry (epoch ms). Workers keep the latest per patient (see IpcStore.activeSnoozes).
 */
export interface SnoozeHorizonMessage {
  readonly cds: 1;
  readonly kind: 'snooze-horizon';
  readonly entries: readonly (readonly [string, number])[];
}

/**
 * Sent by the primary to every serving worker when one of them is asked for the cluster's metrics
 * (`metrics.collect`): answer with a MetricsPartMessage carrying the same id.
 */
export interface MetricsRequestMessage {
  readonly cds: 1;
  readonly kind: 'metrics-request';
  readonly id: number;
}

/** A worker's metrics for collection `id`: prom-client's `getMetricsAsJSON()`, or why it has none. */
export interface MetricsPartMessage {
  readonly cds: 1;
  readonly kind: 'metrics-part';
  readonly id: number;
  readonly metrics?: readonly unknown[];
  readonly error?: string;
}

/** A worker's own rate-limit count per client in `window` (its running totals: rate-limit-sync.ts). */
export interface RateCountsMessage {
  readonly cds: 1;
  readonly kind: 'rate-counts';
  readonly window: number;
  readonly counts: readonly (readonly [key: string, count: number])[];
}

/** The primary's rate-limit counts per client and worker in `window`, for the clients that changed. */
export interface RateTotalsMessage {
  readonly cds: 1;
  readonly kind: 'rate-totals';
  readonly window: number;
  readonly counts: readonly (readonly [key: string, workerId: number, count: number])[];
}

/** The primary's watchdog asks every serving worker, every few seconds, whether its event loop runs. */
export interface PingMessage {
  readonly cds: 1;
  readonly kind: 'ping';
  readonly id: number;
}

/** A worker's answer to a PingMessage. */
export interface PongMessage {
  readonly cds: 1;
  readonly kind: 'pong';
  readonly id: number;
}

export type WorkerToPrimary = CallMessage | EnqueueMessage | EnqueueBatchMessage | MetricsPartMessage | RateCountsMessage | PongMessage | RulesLoadedMessage | RulesReloadedMessage;
export type PrimaryToWorker = ResultMessage | StatsMessage | SnoozeHorizonMessage | MetricsRequestMessage | RateTotalsMessage | PingMessage | RulesReloadMessage;

export function isCdsMessage(value: unknown): value is { cds: 1; kind: string } {
  return typeof value === 'object' && value !== null && (value as { cds?: unknown }).cds === 1 && typeof (value as { kind?: unknown }).kind === 'string';
}

/** Environment variable telling a forked worker how to reach the store. */
export const STORE_MODE_ENV = 'CDS_CLUSTER_STORE';
/** `ipc`: the primary holds the store (PGlite); `direct`: open your own (PostgreSQL); `none`: no store. */
export type StoreMode = 'ipc' | 'direct' | 'none';

/*
 * The store thread (store-thread.ts, driven by thread-store.ts): embedded PGlite runs on a thread of its
 * own, in the cluster primary or the single process, so that a long or stuck store call never holds the
 * thread that accepts connections and answers hooks. Calls, results, audit records, stats and snooze
 * horizons travel as above (postMessage copies with structured clone, as `advanced` IPC does); these
 * messages are the thread's life cycle.
 */

/** The store is open and migrated: calls are answered from now on. Also the first heartbeat. */
export interface StoreReadyMessage {
  readonly cds: 1;
  readonly kind: 'store-ready';
  readonly storeKind: 'pglite' | 'postgres';
}

/** The store could not be opened (the thread then ends). */
export interface StoreOpenFailedMessage {
  readonly cds: 1;
  readonly kind: 'store-open-failed';
  readonly error: { readonly name: string; readonly message: string; readonly cause?: string };
}

/** A line for the owner's logger (the thread has none of its own). */
export interface StoreLogMessage {
  readonly cds: 1;
  readonly kind: 'store-log';
  readonly level: 'info' | 'warn' | 'error';
  readonly obj: object;
  readonly msg: string;
}

/** Sent every `heartbeatMs` while the thread's event loop runs: the owner's watchdog listens for it. */
export interface StoreHeartbeatMessage {
  readonly cds: 1;
  readonly kind: 'store-heartbeat';
}

/** Owner to thread: write what is queued, close the store, then end. */
export interface StoreCloseMessage {
  readonly cds: 1;
  readonly kind: 'store-close';
}

/** Thread to owner: closed (the audit queue written or its loss logged); the thread ends next. */
export interface StoreClosedMessage {
  readonly cds: 1;
  readonly kind: 'store-closed';
  /** The audit queue's final figures (records it could not write at close are in droppedClosed). */
  readonly auditQueue?: AuditQueueStats;
}

export type OwnerToStoreThread = CallMessage | EnqueueMessage | EnqueueBatchMessage | StoreCloseMessage;
export type StoreThreadToOwner = ResultMessage | StatsMessage | SnoozeHorizonMessage | StoreReadyMessage | StoreOpenFailedMessage | StoreLogMessage | StoreHeartbeatMessage | StoreClosedMessage;

/**
 * Figures the store thread keeps in shared memory (a BigInt64Array of `SHARED_SLOTS`, written with Atomics
 * by the thread, read by its owner at any time, also after the thread was ended): messages it took from its
 * port, audit records it received, and the audit queue's settled totals. The owner's backlog is what it sent
 * beyond `takenMessages`; what a thread it had to end held is `receivedRecords` minus the settled totals.
 */
export const SHARED = { takenMessages: 0, receivedRecords: 1, written: 2, droppedFull: 3, rejected: 4, droppedClosed: 5 } as const;
export const SHARED_SLOTS = 6;
