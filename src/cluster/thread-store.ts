/**
 * Embedded PGlite on a thread of its own (store-thread.ts), seen from the thread that owns it: the
 * cluster primary, or the single process. {@link ThreadStore} is the same proxy a cluster worker uses
 * for the primary's store (IpcStore: calls as messages, audit records batched, snooze lookups answered
 * from the announced horizons), over a {@link StoreThreadSupervisor} instead of IPC.
 *
 * The supervisor starts the thread and watches it. The thread says it is alive every `heartbeatMs`
 * (its event loop must be free to say so); when nothing has come from it for `watchdogMs` (a statement
 * that never ends: PGlite spinning in its WAL flush on a full disk), it is stuck. The supervisor then
 * ends it (`Worker.terminate()` stops WebAssembly too), logs it, counts the audit records the thread
 * held as lost, and starts another thread on the same data directory (PostgreSQL recovers the files
 * as after a crash), with a back-off while new threads keep failing. Meanwhile calls fail at once with
 * StoreUnavailableError (/readyz says the store is unreachable, snooze lookups show every card) and
 * audit records are counted as lost: nothing waits on a stuck thread for longer than the watchdog.
 * A thread that ends by itself (an uncaught error) is restarted the same way.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { AuditQueueStats } from '../store/index.ts';
import type { StoreLogger } from '../store/sql.ts';
import { IpcClient, IpcStore } from './ipc-store.ts';
import type { IpcChannel } from './ipc-store.ts';
import { isCdsMessage, SHARED, SHARED_SLOTS } from './protocol.ts';
import type { StoreThreadToOwner } from './protocol.ts';
import type { StoreThreadData } from './store-thread.ts';
import { restoreSemiSpaceFlag, storeThreadResourceLimits } from './store-thread-heap.ts';

export interface ThreadStoreOptions {
  /** What the thread opens: embedded PGlite in `dataDir` (in memory without one). */
  readonly store: StoreThreadData['store'];
  readonly logger: StoreLogger;
  /** How often the thread says it is alive, ms. Default 1 000. */
  readonly heartbeatMs?: number;
  /** Silence after which the thread is taken to be stuck and replaced, ms. Default 30 000. */
  readonly watchdogMs?: number;
  /**
   * Longest wait for a thread to open the store, ms: the migrations run inside it, and on a large database
   * one can take minutes. Default twice the watchdog's time, at least 300 000.
   */
  readonly openTimeoutMs?: number;
  /** Longest wait for one call's answer, ms. Default 30 000. */
  readonly callTimeoutMs?: number;
  /** How long close() waits for the thread to write its audit queue and close, ms. Default 5 000. */
  readonly closeTimeoutMs?: number;
  /** Longest pause between attempts to start a new thread after failures, ms. Default 30 000. */
  readonly maxRestartDelayMs?: number;
  /**
   * Most messages sent to the thread and not yet taken by it (the thread counts what it takes in shared
   * memory). Beyond it, calls fail and audit records are dropped and counted: a thread that stopped
   * reading must not make its owner hold everything sent until the watchdog acts. Default 10 000.
   */
  readonly maxBacklog?: number;
  /** The thread's script (tests give one that misbehaves). Default store-thread.ts. */
  readonly entry?: URL;
  /** Called after every restart of the thread (metrics). */
  readonly onRestart?: (reason: 'stuck' | 'ended') => void;
  /**
   * Called when a thread cannot be ended (blocked in a system call), so no other may open the files.
   * Default: the process logs to stderr and kills itself (SIGKILL), to be started again by its supervisor.
   */
  readonly onUnrecoverable?: (reason: string) => void;
}

const EMPTY: AuditQueueStats = { queued: 0, written: 0, droppedFull: 0, rejected: 0, droppedClosed: 0, failures: 0 };

/** close() could not have the thread write its queue: what it held is lost (counted as droppedClosed). */
export class StoreCloseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreCloseError';
  }
}

/** Supervisors whose process must not exit normally while one of their threads is still being ended. */
const guarded = new Set<StoreThreadSupervisor>();

function guardExit(supervisor: StoreThreadSupervisor): void {
  if (guarded.size === 0) {
    process.once('exit', () => {
      // Node waits for every thread on exit: one blocked in a system call would hold the process for good.
      if ([...guarded].some((s) => s.endsPending > 0)) killThisProcess('a thread could not be ended at exit');
    });
  }
  guarded.add(supervisor);
}

function killThisProcess(reason: string): void {
  process.stderr.write(`${JSON.stringify({ level: 60, time: new Date().toISOString(), msg: `store thread: ${reason}; killing the process so that it is started again` })}\n`);
  process.kill(process.pid, 'SIGKILL');
}

/** Audit records in a message to the thread (0 for calls). */
function recordsIn(message: unknown): number {
  const m = message as { kind?: unknown; records?: unknown };
  if (m.kind === 'enqueue') return 1;
  if (m.kind === 'enqueue-batch' && Array.isArray(m.records)) return m.records.length;
  return 0;
}

class StoreOpenError extends Error {
  constructor(error: { name: string; message: string; cause?: string }) {
    super(error.message, error.cause ? { cause: new Error(error.cause) } : undefined);
    this.name = error.name;
  }
}

/** Starts, watches and replaces the store thread; the IpcClient's channel to whichever thread is current. */
export class StoreThreadSupervisor extends EventEmitter implements IpcChannel {
  readonly #options: ThreadStoreOptions;
  readonly #logger: StoreLogger;
  readonly #heartbeatMs: number;
  readonly #watchdogMs: number;
  #worker: Worker | undefined;
  /** Messages sent to the current thread; it counts those it has taken in `#shared` (protocol.ts SHARED). */
  #sent = 0;
  #shared = new BigInt64Array(new SharedArrayBuffer(8 * SHARED_SLOTS));
  /** [message number, audit records in it] of the audit messages the thread may not have taken yet. */
  #auditInFlight: [number, number][] = [];
  #ready = false;
  #stopping = false;
  /** performance.now() of the last message from the thread (a monotonic clock: no wall-clock jumps). */
  #lastHeard = 0;
  #watchdog: NodeJS.Timeout | undefined;
  #lastTick = 0;
  /** The ending of the last thread ended: a new one opens the files only after it. */
  #ending: Promise<void> = Promise.resolve();
  #failedStarts = 0;
  #restarts = 0;
  /** Figures of threads that ended, added up, with the records they held when they ended without writing them. */
  #base: { written: number; droppedFull: number; rejected: number; droppedClosed: number; lostInThread: number } = {
    written: 0,
    droppedFull: 0,
    rejected: 0,
    droppedClosed: 0,
    lostInThread: 0,
  };
  #stats: AuditQueueStats | undefined;
  #closed: (() => void) | undefined;
  #closeAcknowledged = false;
  #unrecoverable = false;
  #endsPending = 0;
  storeKind: 'pglite' | 'postgres' = 'pglite';

  constructor(options: ThreadStoreOptions) {
    super();
    this.#options = options;
    this.#logger = options.logger;
    this.#heartbeatMs = options.heartbeatMs ?? 1000;
    this.#watchdogMs = options.watchdogMs ?? 30_000;
  }

  /** Whether calls can be sent now (a thread is running and its store is open). */
  get connected(): boolean {
    return this.#ready && this.#worker !== undefined;
  }

  /** Restarts so far. */
  get restarts(): number {
    return this.#restarts;
  }

  send(message: unknown, _handle?: undefined, _options?: undefined, callback?: (error: Error | null) => void): boolean {
    const worker = this.#worker;
    if (!worker || !this.#ready) {
      callback?.(new Error('the store thread is restarting'));
      return false;
    }
    if (this.#sent - this.#takenCount() >= (this.#options.maxBacklog ?? 10_000)) {
      callback?.(new Error('the store thread is not taking messages'));
      return false;
    }
    this.#sent++;
    const records = recordsIn(message);
    if (records > 0) {
      this.#forgetTaken();
      this.#auditInFlight.push([this.#sent, records]);
    }
    worker.postMessage(message);
    callback?.(null);
    return true;
  }

  /** Starts the first thread; resolves when its store is open, rejects (and stops) when it cannot be opened. */
  async start(): Promise<void> {
    await this.#spawn();
    const tickMs = Math.max(10, Math.min(this.#heartbeatMs, this.#watchdogMs / 4));
    this.#lastTick = performance.now();
    this.#watchdog = setInterval(() => this.#check(tickMs), tickMs);
    this.#watchdog.unref();
  }

  #figure(slot: number): number {
    return Number(Atomics.load(this.#shared, slot));
  }

  #takenCount(): number {
    return this.#figure(SHARED.takenMessages);
  }

  /** The current thread's settled audit totals, as it published them after each change (exact). */
  #settled(): { written: number; droppedFull: number; rejected: number; droppedClosed: number; total: number } {
    const written = this.#figure(SHARED.written);
    const droppedFull = this.#figure(SHARED.droppedFull);
    const rejected = this.#figure(SHARED.rejected);
    const droppedClosed = this.#figure(SHARED.droppedClosed);
    return { written, droppedFull, rejected, droppedClosed, total: written + droppedFull + rejected + droppedClosed };
  }

  /** Audit records the current thread holds: received and not settled, and in messages it has not taken. */
  #heldRecords(): number {
    return Math.max(0, this.#figure(SHARED.receivedRecords) - this.#settled().total) + this.#untakenRecords();
  }

  /** Drops the audit messages the thread has taken from the list of those it may not have. */
  #forgetTaken(): void {
    const taken = this.#takenCount();
    let first = 0;
    while (first < this.#auditInFlight.length && this.#auditInFlight[first]![0] <= taken) first++;
    if (first > 0) this.#auditInFlight.splice(0, first);
  }

  /** Audit messages sent that the thread had not taken when last looked at (a diagnostic for tests). */
  get auditMessagesTracked(): number {
    return this.#auditInFlight.length;
  }

  /** Audit records in messages the thread has not taken yet (lost with it if it ends). */
  #untakenRecords(): number {
    this.#forgetTaken();
    let records = 0;
    for (const [, n] of this.#auditInFlight) records += n;
    return records;
  }

  /**
   * The audit queue's figures over every thread so far (what ended threads held counts as lost): totals
   * from shared memory (exact, current), the rest (failures, last error) from the last heartbeat.
   */
  auditQueueStats(): AuditQueueStats {
    const s = this.#stats ?? EMPTY;
    const b = this.#base;
    const received = this.#worker ? this.#figure(SHARED.receivedRecords) : 0;
    const now = this.#worker ? this.#settled() : { written: 0, droppedFull: 0, rejected: 0, droppedClosed: 0, total: 0 };
    return {
      ...s,
      // Received is read first: a record settled between the two reads is then never counted as queued.
      queued: Math.max(0, received - now.total),
      written: now.written + b.written,
      droppedFull: now.droppedFull + b.droppedFull,
      rejected: now.rejected + b.rejected,
      droppedClosed: now.droppedClosed + b.droppedClosed,
      droppedRestart: b.lostInThread,
      threadRestarts: this.#restarts,
    };
  }

  /**
   * Asks the thread to write its queue and close its store; ends it after `closeTimeoutMs` regardless.
   * @throws StoreCloseError when it did not close in time: the records it held are lost (and counted).
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#watchdog) clearInterval(this.#watchdog);
    const worker = this.#worker;
    if (!worker) {
      // Between two threads: the old one is being ended (no new one will start now).
      await this.#endedInTime();
      return;
    }
    if (!this.#ready) {
      // Still opening (a restart): nothing was written through it, and it may never answer.
      this.#detach(worker);
      await this.#end(worker);
      return;
    }
    const timeoutMs = this.#options.closeTimeoutMs ?? 5000;
    const outcome = await new Promise<'closed' | 'ended' | 'timeout'>((resolve) => {
      this.#closed = () => resolve('closed');
      worker.once('exit', () => resolve('ended'));
      setTimeout(() => resolve('timeout'), timeoutMs).unref();
      worker.postMessage({ cds: 1, kind: 'store-close' });
    });
    if (outcome === 'closed') {
      this.#detach(worker);
      await this.#end(worker);
      return;
    }
    const lost = this.#heldRecords();
    const why = outcome === 'timeout' ? `did not close within ${timeoutMs} ms` : 'ended before it had closed the store';
    this.#logger.error({ auditRecordsLost: lost }, `store thread: ${why}; the audit records it held are lost`);
    this.#detach(worker, 'closed'); // (already done when it ended by itself)
    // A thread blocked in a system call cannot be ended: then this waits the watchdog's time, and gives up.
    await this.#end(worker);
    throw new StoreCloseError(`the store thread ${why}; about ${lost} audit records were lost`);
  }

  async #spawn(): Promise<void> {
    // Never two threads on the same files: the one being ended must be gone first.
    await this.#ending;
    if (this.#stopping) throw new Error('the store is closing');
    const shared = new BigInt64Array(new SharedArrayBuffer(8 * SHARED_SLOTS));
    const data: StoreThreadData = { store: this.#options.store, heartbeatMs: this.#heartbeatMs, shared };
    const worker = new Worker(this.#options.entry ?? new URL('./store-thread.ts', import.meta.url), { workerData: data, resourceLimits: storeThreadResourceLimits() });
    // Its isolate exists once it runs: later isolates get the command line's young generation again.
    worker.once('online', restoreSemiSpaceFlag);
    worker.once('exit', restoreSemiSpaceFlag);
    this.#worker = worker;
    this.#ready = false;
    this.#stats = undefined;
    this.#sent = 0;
    this.#shared = shared;
    this.#auditInFlight = [];
    this.#closeAcknowledged = false;
    this.#lastHeard = performance.now();
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      // Opening can hang too (PostgreSQL's recovery on a full disk): a thread not ready in time is
      // ended, and the open fails (at start-up the service then exits; later the restart tries again
      // after its back-off).
      const openLimitMs = this.#options.openTimeoutMs ?? Math.max(300_000, 2 * this.#watchdogMs);
      const openTimer = setTimeout(() => {
        if (settled) return;
        settled = true;
        this.#detach(worker);
        void this.#end(worker);
        reject(new Error(`the store thread did not open the store within ${openLimitMs} ms`));
      }, openLimitMs);
      openTimer.unref();
      worker.on('message', (message: unknown) => {
        if (!isCdsMessage(message) || this.#worker !== worker) return;
        this.#lastHeard = performance.now();
        const m = message as StoreThreadToOwner;
        switch (m.kind) {
          case 'store-ready':
            clearTimeout(openTimer);
            if (settled) return; // too late: already ended
            this.storeKind = m.storeKind;
            this.#ready = true;
            this.#failedStarts = 0;
            settled = true;
            resolve();
            return;
          case 'store-open-failed': {
            clearTimeout(openTimer);
            // A failed PGlite may leave handles that keep its thread alive, with its memory: end it here.
            this.#detach(worker);
            const ended = this.#end(worker);
            if (!settled) {
              settled = true;
              // Once the thread is gone: the service exits on this rejection, and an exit while a thread is
              // still being ended is taken for a thread blocked for good (the process killed itself, exit 137,
              // with a message blaming a hung disk for what was an unwritable or corrupt data directory).
              void ended.finally(() => reject(new StoreOpenError(m.error)));
            }
            return;
          }
          case 'store-log':
            this.#logger[m.level](m.obj, m.msg);
            return;
          case 'store-heartbeat':
            return;
          case 'store-closed':
            if (m.auditQueue) this.#stats = m.auditQueue;
            this.#closeAcknowledged = true;
            this.#closed?.();
            return;
          case 'stats':
            this.#stats = m.auditQueue;
            this.emit('message', m);
            return;
          default:
            this.emit('message', m);
        }
      });
      worker.on('error', (error: Error) => {
        this.#logger.error({ err: error.message }, 'store thread: uncaught error');
      });
      worker.on('exit', (code: number) => {
        clearTimeout(openTimer);
        const wasCurrent = this.#worker === worker;
        // Ended by itself: what it held is lost (to a restart, or at close unless it had closed first).
        this.#detach(worker, this.#stopping ? (this.#closeAcknowledged ? undefined : 'closed') : 'restart');
        if (!settled) {
          settled = true;
          reject(new Error(`the store thread ended (exit code ${code}) before the store was open`));
          return;
        }
        if (wasCurrent && !this.#stopping) {
          this.#logger.error({ code }, 'store thread: ended unexpectedly; starting another');
          this.#restart('ended');
        }
      });
    });
  }

  /**
   * Forgets a thread: its figures are kept, pending calls failed, and, when it ended without writing
   * them (`lost`), the records it held (received and not settled, and in messages it had not taken: exact,
   * from shared memory, but for a batch being committed at that very moment) are counted as lost to a
   * restart or at close.
   */
  #detach(worker: Worker, lost?: 'restart' | 'closed'): void {
    if (this.#worker !== worker) return;
    const settled = this.#settled();
    this.#base.written += settled.written;
    this.#base.droppedFull += settled.droppedFull;
    this.#base.rejected += settled.rejected;
    this.#base.droppedClosed += settled.droppedClosed;
    if (lost) {
      const held = this.#heldRecords();
      if (lost === 'restart') this.#base.lostInThread += held;
      else this.#base.droppedClosed += held;
    }
    this.#auditInFlight = [];
    this.#stats = undefined;
    this.#worker = undefined;
    this.#ready = false;
    this.emit('disconnect');
  }

  /**
   * Ends a thread; the next one starts only once it is gone. Resolves when it is gone, or after the
   * watchdog's time if it cannot be ended (then `onUnrecoverable` has been called).
   */
  #end(worker: Worker): Promise<void> {
    this.#endsPending++;
    this.#ending = worker.terminate().then(
      () => {
        this.#endsPending--;
      },
      () => {
        this.#endsPending--;
      }
    );
    // By default the process must not outlive a thread it could not end: an exit (the service giving up on
    // a store that did not open, or its shutdown) would wait for that thread for good.
    if (!this.#options.onUnrecoverable) guardExit(this);
    return this.#endedInTime();
  }

  /** Threads being ended that have not yet gone. */
  get endsPending(): number {
    return this.#endsPending;
  }

  /**
   * Waits for the thread being ended to be gone. A thread blocked in a system call (a hung disk or network
   * share) cannot be ended from here: after the watchdog's time the process cannot recover its store (no
   * second thread may open the files), and `onUnrecoverable` is called (by default: the process kills
   * itself, so its supervisor starts it again; it could not even exit normally, which waits for threads).
   */
  async #endedInTime(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      this.#ending.then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), this.#watchdogMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    if (ended || this.#unrecoverable) return;
    this.#unrecoverable = true;
    const reason = `the store thread could not be ended within ${this.#watchdogMs} ms (blocked in a system call: a hung disk?)`;
    this.#logger.error({ watchdogMs: this.#watchdogMs }, `store thread: ${reason}; the process must be restarted`);
    (this.#options.onUnrecoverable ?? killThisProcess)(reason);
  }

  #check(tickMs: number): void {
    const now = performance.now();
    const lateMs = now - this.#lastTick - tickMs;
    this.#lastTick = now;
    if (lateMs > this.#watchdogMs / 2) {
      // This thread itself was not running (the process paused: a debugger, a frozen VM or container):
      // the store thread's silence over that time says nothing about it. Start counting again.
      this.#lastHeard = now;
      return;
    }
    const worker = this.#worker;
    if (!worker || !this.#ready || this.#stopping || now - this.#lastHeard < this.#watchdogMs) return;
    // Timers run before waiting messages are read: read them first (poll phase), then decide.
    setImmediate(() => {
      const silentMs = performance.now() - this.#lastHeard;
      if (this.#worker !== worker || !this.#ready || this.#stopping || silentMs < this.#watchdogMs) return;
      const held = this.#heldRecords();
      this.#logger.error(
        { silentMs: Math.round(silentMs), watchdogMs: this.#watchdogMs, auditRecordsLost: held },
        'store thread: stopped answering (a store statement that does not end: is the disk full?); ending it and starting another'
      );
      this.#detach(worker, 'restart');
      void this.#end(worker);
      this.#restart('stuck');
    });
  }

  #restart(reason: 'stuck' | 'ended'): void {
    if (this.#stopping) return;
    this.#restarts++;
    this.#options.onRestart?.(reason);
    const attempt = (): void => {
      if (this.#stopping) return;
      this.#spawn().then(
        () => {
          if (this.#stopping) return;
          this.#logger.info({ restarts: this.#restarts }, 'store thread: restarted; the store is open again');
          this.emit('restarted');
        },
        (error: unknown) => {
          if (this.#stopping) return;
          this.#failedStarts++;
          const delay = Math.min(this.#options.maxRestartDelayMs ?? 30_000, 1000 * 2 ** (this.#failedStarts - 1));
          this.#logger.error({ err: error instanceof Error ? error.message : String(error), retryInMs: delay }, 'store thread: a new thread could not open the store');
          setTimeout(attempt, delay).unref();
        }
      );
    };
    attempt();
  }
}

/** The store on its own thread: every Store method, the audit queue's figures, and the snooze horizons. */
export class ThreadStore extends IpcStore {
  readonly #supervisor: StoreThreadSupervisor;
  readonly #client: IpcClient;

  readonly #horizonListeners: ((entries: readonly (readonly [string, number])[]) => void)[] = [];

  private constructor(supervisor: StoreThreadSupervisor, client: IpcClient) {
    super(client, supervisor.storeKind);
    this.#supervisor = supervisor;
    this.#client = client;
    // A thread ended after committing a snooze and before announcing it leaves a snooze no horizon
    // knows: lookups would skip it. Every replacement thread's snapshot is learned again, and passed on.
    supervisor.on('restarted', () => {
      this.snoozeHorizons().then(
        (entries) => {
          this.learnHorizons(entries);
          for (const listener of this.#horizonListeners) listener(entries);
        },
        () => undefined // the next restart, if any, tries again; a snooze only spares alert fatigue
      );
    });
  }

  /** Calls `listener` with the snooze horizons learned again after each replacement of the thread (the cluster primary tells its workers). */
  onHorizonsRelearned(listener: (entries: readonly (readonly [string, number])[]) => void): void {
    this.#horizonListeners.push(listener);
  }

  /** Starts the thread and resolves once its store is open and migrated; rejects with the open error. */
  static async open(options: ThreadStoreOptions): Promise<ThreadStore> {
    const supervisor = new StoreThreadSupervisor(options);
    // Created first: it listens before the thread can send anything.
    const client = new IpcClient(supervisor, { timeoutMs: options.callTimeoutMs ?? 30_000, peer: 'the store thread' });
    await supervisor.start();
    return new ThreadStore(supervisor, client);
  }

  /** Threads started after the first (a stuck or ended thread replaced). */
  get restarts(): number {
    return this.#supervisor.restarts;
  }

  /** Audit messages tracked as possibly not yet taken by the thread (stays small while it reads them). */
  get auditMessagesTracked(): number {
    return this.#supervisor.auditMessagesTracked;
  }

  /** Every patient key with an unlifted snooze and its latest expiry (the cluster primary's snapshot for new workers). */
  snoozeHorizons(): Promise<[string, number][]> {
    return this.#client.call<[string, number][]>('horizons', 'snapshot', []);
  }

  /** Every thread's figures so far, with the records this proxy could not send (no thread to take them). */
  override auditQueueStats(): AuditQueueStats {
    const proxy = super.auditQueueStats();
    const threads = this.#supervisor.auditQueueStats();
    const ownDropsClosed = proxy.droppedClosed - (this.#client.lastStats()?.droppedClosed ?? 0);
    // This process owns the store: what it could not send the thread is the store's own figure.
    return { ...threads, droppedClosed: threads.droppedClosed + ownDropsClosed, droppedUnreachable: proxy.unsentHere ?? 0 };
  }

  #closing: Promise<void> | undefined;

  /** Sends the records still waiting, has the thread write its queue and close the store, and ends it. Once. */
  override close(): Promise<void> {
    this.#closing ??= (async () => {
      await super.close();
      await this.#supervisor.stop();
    })();
    return this.#closing;
  }
}
