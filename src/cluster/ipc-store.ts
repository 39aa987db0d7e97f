/**
 * The worker side of the store when the primary process holds it (embedded PGlite is single-process):
 * a {@link Store} whose method calls become IPC messages to the primary, which calls the real store and
 * answers. `enqueueInvocation` is fire-and-forget (no answer), as on the real store; records answered
 * within a few ms travel together in one message.
 *
 * IPC messages from one worker arrive in order and every call first sends the records still waiting,
 * so a `flush()` sent after some `enqueueInvocation`s writes them too. A call that gets no answer within `timeoutMs` (the primary is stuck or gone)
 * rejects; `ping()` then answers false, so /readyz reports the store unreachable.
 */
import type { AuditQueueStats, InvocationRecord, Store } from '../store/index.ts';
import { StoreInputError } from '../store/index.ts';
import { isCdsMessage } from './protocol.ts';
import type { CallMessage, CallTarget, EnqueueBatchMessage, EnqueueMessage, MetricsPartMessage, PongMessage, PrimaryToWorker, RateCountsMessage, RateTotalsMessage, RulesLoadedMessage, RulesReloadedMessage, StoreMethod } from './protocol.ts';

/** What the proxy needs from a process: `process` in a worker, a fake in tests. */
export interface IpcChannel {
  send?: ((message: unknown, sendHandle?: undefined, options?: undefined, callback?: (error: Error | null) => void) => boolean) | undefined;
  readonly connected?: boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
}

export interface IpcClientOptions {
  /** Longest wait for an answer, ms. Default 10 000. */
  readonly timeoutMs?: number;
  /** Who answers, in error messages. Default "the cluster primary" ("the store thread": thread-store.ts). */
  readonly peer?: string;
  /**
   * Most one-way messages (audit batches) sent but not yet written to the channel. Beyond it `post()`
   * refuses (the caller counts what it drops): a peer that stopped reading (a primary paused or stuck)
   * must not make this process hold every message it would have sent. Default 1 000.
   */
  readonly maxBacklog?: number;
}

export class StoreUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** What a worker's rules reload came to: the set it serves after it, and the errors of a refused one. */
export interface RulesReloadOutcome {
  readonly ok: boolean;
  readonly version: string;
  readonly errors?: readonly string[];
}

/** Request/answer over the IPC channel: the store proxy's calls, metrics collection, and the rate-limit sync. */
export class IpcClient {
  readonly #channel: IpcChannel;
  readonly #timeoutMs: number;
  readonly #peer: string;
  readonly #maxBacklog: number;
  #backlog = 0;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #stats: AuditQueueStats | undefined;
  readonly #horizonListeners: ((entries: readonly (readonly [string, number])[]) => void)[] = [];
  #metricsProvider: (() => Promise<readonly unknown[]>) | undefined;
  readonly #rateListeners: ((message: RateTotalsMessage) => void)[] = [];
  #rulesReload: (() => Promise<RulesReloadOutcome>) | undefined;
  /** Reload requests that came before the handler was registered (the worker was still starting). */
  #rulesReloadWaiting: number[] = [];

  constructor(channel: IpcChannel, options: IpcClientOptions = {}) {
    this.#channel = channel;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#peer = options.peer ?? 'the cluster primary';
    this.#maxBacklog = options.maxBacklog ?? 1000;
    channel.on('message', (message) => this.#onMessage(message));
    channel.on('disconnect', () => {
      for (const [id, p] of this.#pending) {
        clearTimeout(p.timer);
        p.reject(new StoreUnavailableError(`${this.#peer} is gone`));
        this.#pending.delete(id);
      }
    });
  }

  #onMessage(message: unknown): void {
    if (!isCdsMessage(message)) return;
    const m = message as PrimaryToWorker;
    if (m.kind === 'stats') {
      this.#stats = m.auditQueue;
      return;
    }
    if (m.kind === 'snooze-horizon') {
      for (const listener of this.#horizonListeners) listener(m.entries);
      return;
    }
    if (m.kind === 'metrics-request') {
      void this.#sendMetrics(m.id);
      return;
    }
    if (m.kind === 'ping') {
      // The primary's watchdog: answered from the event loop, so a worker stuck in a loop stays silent.
      this.#answerPing(m.id);
      return;
    }
    if (m.kind === 'rate-totals') {
      for (const listener of this.#rateListeners) listener(m);
      return;
    }
    if (m.kind === 'rules-reload') {
      if (this.#rulesReload) void this.#reloadRules([m.id]);
      else this.#rulesReloadWaiting.push(m.id);
      return;
    }
    if (m.kind !== 'result') return;
    const pending = this.#pending.get(m.id);
    if (!pending) return;
    this.#pending.delete(m.id);
    clearTimeout(pending.timer);
    if (m.ok) {
      pending.resolve(m.value);
    } else {
      pending.reject(rebuildError(m.error));
    }
  }

  /** Calls `method` on the primary's `target` and resolves with its answer. */
  call<T>(target: CallTarget, method: string, args: readonly unknown[]): Promise<T> {
    const send = this.#channel.send;
    if (!send || this.#channel.connected === false) {
      return Promise.reject(new StoreUnavailableError(`${this.#peer} is not reachable`));
    }
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new StoreUnavailableError(`${this.#peer} did not answer ${target}.${method} within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      timer.unref();
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      const message: CallMessage = { cds: 1, kind: 'call', id, target, method, args };
      try {
        send.call(this.#channel, message, undefined, undefined, (error) => {
          if (error) this.#fail(id, error);
        });
      } catch (error) {
        this.#fail(id, error as Error);
      }
    });
  }

  /**
   * One message, no answer (the audit append, a metrics answer). Never throws.
   * @returns false when it was not sent: no channel, or `maxBacklog` messages still waiting to be written.
   */
  post(message: EnqueueMessage | EnqueueBatchMessage | MetricsPartMessage | RateCountsMessage | PongMessage | RulesLoadedMessage | RulesReloadedMessage): boolean {
    const send = this.#channel.send;
    if (!send || this.#channel.connected === false || this.#backlog >= this.#maxBacklog) return false;
    this.#backlog++;
    let refused = false;
    try {
      send.call(this.#channel, message, undefined, undefined, (error) => {
        this.#backlog--;
        // A channel that refuses at once (the store thread's, while it restarts or is not reading)
        // calls back before send() returns: the message was not sent.
        if (error) refused = true;
      });
      return !refused;
    } catch {
      this.#backlog--;
      return false;
    }
  }

  /** One-way messages sent and not yet written to the channel. */
  get backlog(): number {
    return this.#backlog;
  }

  /** Calls `listener` with every snooze horizon the primary announces (a snooze was created). */
  onSnoozeHorizon(listener: (entries: readonly (readonly [string, number])[]) => void): void {
    this.#horizonListeners.push(listener);
  }

  /** Calls `listener` with every rate-limit count the primary sends (rate-limit-sync.ts). */
  onRateTotals(listener: (message: RateTotalsMessage) => void): void {
    this.#rateListeners.push(listener);
  }

  /** Answers the primary's metrics requests with `provider()` (this worker's registry as JSON). */
  onMetricsRequest(provider: () => Promise<readonly unknown[]>): void {
    this.#metricsProvider = provider;
  }

  /**
   * Reloads this worker's rules when the primary asks (another worker's rules were reloaded through the
   * admin API) and answers with the outcome. A request that came before this was called is served now.
   */
  onRulesReload(handler: () => Promise<RulesReloadOutcome>): void {
    this.#rulesReload = handler;
    const waiting = this.#rulesReloadWaiting;
    this.#rulesReloadWaiting = [];
    if (waiting.length > 0) void this.#reloadRules(waiting);
  }

  async #reloadRules(ids: readonly number[]): Promise<void> {
    let outcome: RulesReloadOutcome;
    try {
      outcome = await this.#rulesReload!();
    } catch (error) {
      outcome = { ok: false, version: '', errors: [error instanceof Error ? error.message : String(error)] };
    }
    for (const id of ids) {
      this.post({ cds: 1, kind: 'rules-reloaded', id, ok: outcome.ok, version: outcome.version, ...(outcome.errors ? { errors: outcome.errors } : {}) });
    }
  }

  async #sendMetrics(id: number): Promise<void> {
    let answer: MetricsPartMessage;
    try {
      if (!this.#metricsProvider) throw new Error('this worker does not serve metrics yet');
      answer = { cds: 1, kind: 'metrics-part', id, metrics: await this.#metricsProvider() };
    } catch (error) {
      answer = { cds: 1, kind: 'metrics-part', id, error: error instanceof Error ? error.message : String(error) };
    }
    this.post(answer);
  }

  #answerPing(id: number): void {
    const send = this.#channel.send;
    if (!send || this.#channel.connected === false) return;
    try {
      send.call(this.#channel, { cds: 1, kind: 'pong', id } satisfies PongMessage, undefined, undefined, () => undefined);
    } catch {
      // The primary is gone: it will not miss the answer.
    }
  }

  /** The last audit queue statistics the primary sent (undefined until the first one arrives). */
  lastStats(): AuditQueueStats | undefined {
    return this.#stats;
  }

  #fail(id: number, error: Error): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.reject(new StoreUnavailableError(`${this.#peer} is not reachable: ${error.message}`));
  }
}

/** Rebuilds an error thrown in the primary, keeping the name the callers check (StoreInputError → 400). */
function rebuildError(error: { name: string; message: string; code?: string } | undefined): Error {
  if (error?.name === 'StoreInputError') return new StoreInputError(error.message);
  const rebuilt = new Error(error?.message ?? 'the store call failed in the cluster primary');
  rebuilt.name = error?.name ?? 'Error';
  // The SQLSTATE (or socket code) travels too: a full disk (53100) is still a 503, not a 500.
  if (error?.code !== undefined) Object.assign(rebuilt, { code: error.code });
  return rebuilt;
}

const EMPTY_STATS: AuditQueueStats = { queued: 0, written: 0, droppedFull: 0, rejected: 0, droppedClosed: 0, failures: 0 };

export interface IpcStoreOptions {
  /**
   * Audit records answered within this many ms go to the primary in one message (fewer IPC messages
   * under load). Default 5; 0 sends each record at once. Any store call (flush included) sends what is
   * waiting first, so IPC order still makes a later `flush()` write every earlier record.
   */
  readonly auditBatchMs?: number;
}

/** The primary's store, seen from a worker. */
export class IpcStore implements Store {
  readonly kind: Store['kind'];
  readonly #client: IpcClient;
  readonly #batchMs: number;
  #closed = false;
  /** Records that arrived after close(). */
  #droppedClosed = 0;
  /** Records the owner of the store could not be sent (gone, restarting, or not reading: see maxBacklog). */
  #droppedUnreachable = 0;
  #pending: InvocationRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** Per patient key, the latest expiry (epoch ms) of a snooze it may have; see activeSnoozes. */
  readonly #horizons = new Map<string, number>();
  #horizonsKnown = false;

  constructor(client: IpcClient, kind: Store['kind'], options: IpcStoreOptions = {}) {
    this.#client = client;
    this.kind = kind;
    this.#batchMs = Math.max(0, options.auditBatchMs ?? 5);
    client.onSnoozeHorizon((entries) => this.#raise(entries));
    // The primary answers once its store is open; a store that keeps no horizons (not the database's
    // only user) answers with an error and every snooze lookup keeps asking the primary.
    client.call<[string, number][]>('horizons', 'snapshot', []).then(
      (entries) => {
        this.#raise(entries);
        this.#horizonsKnown = true;
      },
      () => undefined
    );
  }

  /** Learns a full snapshot of snooze horizons taken elsewhere (again, after the store thread was replaced). */
  learnHorizons(entries: readonly (readonly [string, number])[]): void {
    this.#raise(entries);
    this.#horizonsKnown = true;
  }

  /** Keeps the later expiry per patient (announcements and the snapshot may arrive in either order). */
  #raise(entries: readonly (readonly [string, number])[]): void {
    for (const [patientKey, expires] of entries) {
      const current = this.#horizons.get(patientKey);
      if (current === undefined || expires > current) this.#horizons.set(patientKey, expires);
    }
  }

  #call<T>(method: StoreMethod, ...args: unknown[]): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreUnavailableError('the store proxy is closed'));
    this.#sendPending();
    return this.#client.call<T>('store', method, args);
  }

  /** Sends the audit records waiting for the batch timer: one message (a single record as before). */
  #sendPending(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const records = this.#pending;
    if (records.length === 0) return;
    this.#pending = [];
    const sent = records.length === 1 ? this.#client.post({ cds: 1, kind: 'enqueue', record: records[0]! }) : this.#client.post({ cds: 1, kind: 'enqueue-batch', records });
    if (!sent) {
      // As the real queue does when it cannot take a record: count it, never throw at the caller.
      this.#droppedUnreachable += records.length;
    }
  }

  /** The primary migrated the store before forking: nothing to do here. */
  async migrate(): Promise<void> {}

  async ping(): Promise<boolean> {
    try {
      return (await this.#call<boolean>('ping')) === true;
    } catch {
      return false;
    }
  }

  enqueueInvocation(record: InvocationRecord): void {
    if (this.#closed) {
      this.#droppedClosed++;
      return;
    }
    this.#pending.push(record);
    if (this.#batchMs === 0) {
      this.#sendPending();
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => this.#sendPending(), this.#batchMs);
      this.#timer.unref();
    }
  }

  flush(): Promise<void> {
    return this.#call('flush');
  }

  findIssuedCards(...args: Parameters<Store['findIssuedCards']>): ReturnType<Store['findIssuedCards']> {
    return this.#call('findIssuedCards', ...args);
  }

  recordFeedback(...args: Parameters<Store['recordFeedback']>): ReturnType<Store['recordFeedback']> {
    return this.#call('recordFeedback', ...args);
  }

  createSnooze(...args: Parameters<Store['createSnooze']>): ReturnType<Store['createSnooze']> {
    return this.#call('createSnooze', ...args);
  }

  /**
   * A patient with no snooze expiring after `at` gets `[]` here, without a round trip to the primary
   * (a third of calls look snoozes up). The primary sent every patient key with an unlifted snooze and
   * its latest expiry when this worker started, and announces every new snooze to every worker before
   * the call that created it is answered. A lookup racing a snooze made that very moment on another
   * worker may still miss it: the card is then shown (a snooze only spares alert fatigue; it is never
   * a reason to withhold a card). Until the snapshot has arrived every lookup asks the primary.
   */
  activeSnoozes(...args: Parameters<Store['activeSnoozes']>): ReturnType<Store['activeSnoozes']> {
    const [patientKey, at] = args;
    if (this.#horizonsKnown && !this.#closed && at instanceof Date) {
      const horizon = this.#horizons.get(patientKey);
      if (horizon === undefined || horizon <= at.getTime()) return Promise.resolve([]);
    }
    return this.#call('activeSnoozes', ...args);
  }

  listSnoozes(...args: Parameters<Store['listSnoozes']>): ReturnType<Store['listSnoozes']> {
    return this.#call('listSnoozes', ...args);
  }

  liftSnooze(...args: Parameters<Store['liftSnooze']>): ReturnType<Store['liftSnooze']> {
    return this.#call('liftSnooze', ...args);
  }

  ruleStats(...args: Parameters<Store['ruleStats']>): ReturnType<Store['ruleStats']> {
    return this.#call('ruleStats', ...args);
  }

  purgeAuditOlderThan(...args: Parameters<Store['purgeAuditOlderThan']>): ReturnType<Store['purgeAuditOlderThan']> {
    return this.#call('purgeAuditOlderThan', ...args);
  }

  rememberJti(...args: Parameters<Store['rememberJti']>): ReturnType<Store['rememberJti']> {
    return this.#call('rememberJti', ...args);
  }

  appendRuleChange(...args: Parameters<Store['appendRuleChange']>): ReturnType<Store['appendRuleChange']> {
    return this.#call('appendRuleChange', ...args);
  }

  ruleHistory(...args: Parameters<Store['ruleHistory']>): ReturnType<Store['ruleHistory']> {
    return this.#call('ruleHistory', ...args);
  }

  ruleChangesSince(...args: Parameters<Store['ruleChangesSince']>): ReturnType<Store['ruleChangesSince']> {
    return this.#call('ruleChangesSince', ...args);
  }

  saveLastGoodRules(...args: Parameters<Store['saveLastGoodRules']>): ReturnType<Store['saveLastGoodRules']> {
    return this.#call('saveLastGoodRules', ...args);
  }

  lastGoodRules(): ReturnType<Store['lastGoodRules']> {
    return this.#call('lastGoodRules');
  }

  /** The primary owns the store and closes it after every worker has exited; here we only stop. */
  async close(): Promise<void> {
    this.#sendPending();
    this.#closed = true;
  }

  /** StoreDiagnostics: the primary's queue as of its last report (about once a second). */
  auditQueueStats(): AuditQueueStats {
    const stats = this.#client.lastStats() ?? EMPTY_STATS;
    // The owner's figures (one store: the same in every worker), and what this process could not send
    // it (its own: summed over workers by /metrics).
    return { ...stats, droppedClosed: stats.droppedClosed + this.#droppedClosed, unsentHere: this.#droppedUnreachable };
  }
}
