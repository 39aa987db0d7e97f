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
import { Worker } from 'node:worker_threads';
import type { AuditQueueStats } from '../store/index.ts';
import type { StoreLogger } from '../store/sql.ts';
import { IpcClient, IpcStore } from './ipc-store.ts';
import type { IpcChannel } from './ipc-store.ts';
import { isCdsMessage } from './protocol.ts';
import type { StoreThreadToOwner } from './protocol.ts';
import type { StoreThreadData } from './store-thread.ts';

export interface ThreadStoreOptions {
  /** What the thread opens: embedded PGlite in `dataDir` (in memory without one). */
  readonly store: StoreThreadData['store'];
  readonly logger: StoreLogger;
  /** How often the thread says it is alive, ms. Default 1 000. */
  readonly heartbeatMs?: number;
  /** Silence after which the thread is taken to be stuck and replaced, ms. Default 30 000. */
  readonly watchdogMs?: number;
  /** Longest wait for one call's answer, ms. Default 30 000. */
  readonly callTimeoutMs?: number;
  /** How long close() waits for the thread to write its audit queue and close, ms. Default 5 000. */
  readonly closeTimeoutMs?: number;
  /** Longest pause between attempts to start a new thread after failures, ms. Default 30 000. */
  readonly maxRestartDelayMs?: number;
  /**
   * Most messages sent to the thread beyond those it has taken (as of its last heartbeat). Beyond it,
   * calls fail and audit records are dropped and counted: a thread that stopped reading must not make
   * its owner hold everything sent until the watchdog acts. Default 2 000.
   */
  readonly maxBacklog?: number;
  /** The thread's script (tests give one that misbehaves). Default store-thread.ts. */
  readonly entry?: URL;
  /** Called after every restart of the thread (metrics). */
  readonly onRestart?: (reason: 'stuck' | 'ended') => void;
}

const EMPTY: AuditQueueStats = { queued: 0, written: 0, droppedFull: 0, rejected: 0, droppedClosed: 0, failures: 0 };

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
  /** Messages sent to the current thread, and how many it had taken at its last heartbeat. */
  #sent = 0;
  #taken = 0;
  #ready = false;
  #stopping = false;
  #lastHeard = 0;
  #watchdog: NodeJS.Timeout | undefined;
  #failedStarts = 0;
  #restarts = 0;
  /** Stats of threads that ended, added up (their `queued` records counted as lost). */
  #base: { written: number; droppedFull: number; rejected: number; droppedClosed: number; lostInThread: number } = {
    written: 0,
    droppedFull: 0,
    rejected: 0,
    droppedClosed: 0,
    lostInThread: 0,
  };
  #stats: AuditQueueStats | undefined;
  #closed: (() => void) | undefined;
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
    if (this.#sent - this.#taken >= (this.#options.maxBacklog ?? 2000)) {
      callback?.(new Error('the store thread is not taking messages'));
      return false;
    }
    this.#sent++;
    worker.postMessage(message);
    callback?.(null);
    return true;
  }

  /** Starts the first thread; resolves when its store is open, rejects (and stops) when it cannot be opened. */
  async start(): Promise<void> {
    await this.#spawn();
    this.#watchdog = setInterval(() => this.#check(), Math.max(10, Math.min(this.#heartbeatMs, this.#watchdogMs / 4)));
    this.#watchdog.unref();
  }

  /** The audit queue's figures over every thread so far (what ended threads held counts as lost). */
  auditQueueStats(): AuditQueueStats {
    const s = this.#stats ?? EMPTY;
    const b = this.#base;
    return {
      ...s,
      written: s.written + b.written,
      droppedFull: s.droppedFull + b.droppedFull,
      rejected: s.rejected + b.rejected,
      droppedClosed: s.droppedClosed + b.droppedClosed,
      droppedRestart: b.lostInThread,
      threadRestarts: this.#restarts,
    };
  }

  /** Asks the thread to write its queue and close its store; ends it after `closeTimeoutMs` regardless. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#watchdog) clearInterval(this.#watchdog);
    const worker = this.#worker;
    if (!worker) return;
    if (!this.#ready) {
      // Still opening (a restart): nothing was written through it, and it may never answer.
      await worker.terminate().catch(() => undefined);
      this.#detach(worker);
      return;
    }
    const timeoutMs = this.#options.closeTimeoutMs ?? 5000;
    const closed = new Promise<boolean>((resolve) => {
      this.#closed = () => resolve(true);
      worker.once('exit', () => resolve(true));
      setTimeout(() => resolve(false), timeoutMs).unref();
    });
    worker.postMessage({ cds: 1, kind: 'store-close' });
    if (!(await closed)) {
      this.#logger.error({ timeoutMs }, 'store thread: did not close in time; ending it (audit records it held are lost)');
    }
    await worker.terminate().catch(() => undefined);
    this.#detach(worker);
  }

  #spawn(): Promise<void> {
    const data: StoreThreadData = { store: this.#options.store, heartbeatMs: this.#heartbeatMs };
    const worker = new Worker(this.#options.entry ?? new URL('./store-thread.ts', import.meta.url), { workerData: data });
    this.#worker = worker;
    this.#ready = false;
    this.#stats = undefined;
    this.#sent = 0;
    this.#taken = 0;
    this.#lastHeard = Date.now();
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      // Opening can hang too (PostgreSQL's recovery on a full disk): a thread not ready in twice the
      // watchdog's time is ended, and the open fails (at start-up the service then exits; later the
      // restart tries again after its back-off).
      const openLimitMs = 2 * this.#watchdogMs;
      const openTimer = setTimeout(() => {
        if (settled) return;
        settled = true;
        this.#detach(worker);
        void worker.terminate().catch(() => undefined);
        reject(new Error(`the store thread did not open the store within ${openLimitMs} ms`));
      }, openLimitMs);
      openTimer.unref();
      worker.on('message', (message: unknown) => {
        if (!isCdsMessage(message) || this.#worker !== worker) return;
        this.#lastHeard = Date.now();
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
          case 'store-open-failed':
            clearTimeout(openTimer);
            // A failed PGlite may leave handles that keep its thread alive, with its memory: end it here.
            this.#detach(worker);
            void worker.terminate().catch(() => undefined);
            if (!settled) {
              settled = true;
              reject(new StoreOpenError(m.error));
            }
            return;
          case 'store-log':
            this.#logger[m.level](m.obj, m.msg);
            return;
          case 'store-heartbeat':
            this.#taken = m.received;
            return;
          case 'store-closed':
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
        this.#detach(worker);
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

  /** Forgets a thread: its queued records are counted as lost, its figures kept, pending calls failed. */
  #detach(worker: Worker): void {
    if (this.#worker !== worker) return;
    const last = this.#stats;
    if (last) {
      this.#base.written += last.written;
      this.#base.droppedFull += last.droppedFull;
      this.#base.rejected += last.rejected;
      this.#base.droppedClosed += last.droppedClosed;
      if (!this.#stopping) this.#base.lostInThread += last.queued;
    }
    this.#stats = undefined;
    this.#worker = undefined;
    this.#ready = false;
    this.emit('disconnect');
  }

  #check(): void {
    const worker = this.#worker;
    if (!worker || !this.#ready || this.#stopping) return;
    const silentMs = Date.now() - this.#lastHeard;
    if (silentMs < this.#watchdogMs) return;
    const held = this.#stats?.queued ?? 0;
    this.#logger.error(
      { silentMs, watchdogMs: this.#watchdogMs, auditRecordsLost: held },
      'store thread: stopped answering (a store statement that does not end: is the disk full?); ending it and starting another'
    );
    this.#detach(worker);
    void worker.terminate().catch(() => undefined);
    this.#restart('stuck');
  }

  #restart(reason: 'stuck' | 'ended'): void {
    if (this.#stopping) return;
    this.#restarts++;
    this.#options.onRestart?.(reason);
    const attempt = (): void => {
      if (this.#stopping) return;
      this.#spawn().then(
        () => this.#logger.info({ restarts: this.#restarts }, 'store thread: restarted; the store is open again'),
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

  private constructor(supervisor: StoreThreadSupervisor, client: IpcClient) {
    super(client, supervisor.storeKind);
    this.#supervisor = supervisor;
    this.#client = client;
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

  /** Every patient key with an unlifted snooze and its latest expiry (the cluster primary's snapshot for new workers). */
  snoozeHorizons(): Promise<[string, number][]> {
    return this.#client.call<[string, number][]>('horizons', 'snapshot', []);
  }

  /** Every thread's figures so far, with the records this proxy could not send (no thread to take them). */
  override auditQueueStats(): AuditQueueStats {
    const proxy = super.auditQueueStats();
    const threads = this.#supervisor.auditQueueStats();
    const ownDropsClosed = proxy.droppedClosed - (this.#client.lastStats()?.droppedClosed ?? 0);
    return { ...threads, droppedClosed: threads.droppedClosed + ownDropsClosed, droppedUnreachable: proxy.droppedUnreachable ?? 0 };
  }

  /** Sends the records still waiting, has the thread write its queue and close the store, and ends it. */
  override async close(): Promise<void> {
    await super.close();
    await this.#supervisor.stop();
  }
}
