/**
 * In-memory queue in front of the audit tables: the hook path only appends (no database round trip);
 * a timer writes batches. Bounded: when the database is unreachable for long, the oldest records are
 * dropped and counted, never the caller blocked or thrown at. See README.md for what a crash loses.
 */
import { describeError, isPermanentSqlError, type StoreLogger } from './sql.ts';

export interface AuditQueueOptions<T> {
  /** Writes a batch in one transaction; must be idempotent (a batch may be retried after an unknown outcome). */
  readonly write: (batch: readonly T[]) => Promise<void>;
  readonly logger: StoreLogger;
  /** Timer period, ms. Default 50 (a write blocks the event loop while PGlite runs it: short batches keep the latency tail short). */
  readonly flushIntervalMs?: number;
  /** Records per transaction. Default 500 (a full batch is written without waiting for the timer). */
  readonly batchSize?: number;
  /** Most records held; beyond it the oldest are dropped. Default 10 000. */
  readonly maxQueued?: number;
  /** Longest pause between attempts while writes fail, ms. Default 30 000. */
  readonly maxBackoffMs?: number;
  /** Is this error permanent for these records (bad data) rather than an outage? Default: SQLSTATE class 22/23/42. */
  readonly isPermanent?: (error: unknown) => boolean;
  /** Describes a record for the log when it has to be dropped (no PHI). */
  readonly describe?: (record: T) => object;
  readonly now?: () => number;
  /**
   * Told the running totals each time records are settled (written, dropped or refused), synchronously,
   * before anything else runs: the store thread publishes them in shared memory, so that its owner knows
   * exactly what a thread it had to end had not written (cluster/thread-store.ts).
   */
  readonly onSettled?: (totals: SettledTotals) => void;
}

/** Records settled so far: written, or lost for one of three reasons. */
export interface SettledTotals {
  readonly written: number;
  readonly droppedFull: number;
  readonly rejected: number;
  readonly droppedClosed: number;
}

export interface AuditQueueStats {
  /** Records waiting (including a batch being written). */
  readonly queued: number;
  readonly written: number;
  /** Dropped because the queue was full (the database was unreachable for long). */
  readonly droppedFull: number;
  /** Dropped because the database refused them (bad data); each is logged. */
  readonly rejected: number;
  /** Dropped because they arrived after close() or were still queued when close() could not write them. */
  readonly droppedClosed: number;
  /**
   * Lost to a store thread that was stuck or ended (the records it held, and those sent while another
   * started): see cluster/thread-store.ts. Only the store thread's owner reports it.
   */
  readonly droppedRestart?: number;
  /**
   * Never reached the store: the process or thread holding it could not be sent them (gone, being
   * replaced, or not reading). Only proxies report it (cluster/ipc-store.ts).
   */
  readonly droppedUnreachable?: number;
  /**
   * Records this process could not hand to the process holding the store (a cluster worker's own figure;
   * summed over workers, unlike the store's figures above). Only the worker-side proxy reports it.
   */
  readonly unsentHere?: number;
  /** Store threads replaced after being stuck or ending (cluster/thread-store.ts; owner only). */
  readonly threadRestarts?: number;
  /** Consecutive failed write attempts (0 when the last one succeeded). */
  readonly failures: number;
  readonly lastError?: string;
}

interface Entry<T> {
  readonly seq: number;
  readonly record: T;
}

const DROP_LOG_INTERVAL_MS = 10_000;

export class AuditQueue<T> {
  private readonly options: AuditQueueOptions<T>;
  private readonly logger: StoreLogger;
  private readonly batchSize: number;
  private readonly maxQueued: number;
  private readonly flushIntervalMs: number;
  private readonly maxBackoffMs: number;
  private readonly isPermanent: (error: unknown) => boolean;
  private readonly now: () => number;
  private queue: Entry<T>[] = [];
  private inFlight = 0;
  private seq = 0;
  private chain: Promise<void> = Promise.resolve();
  private busy = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private nextAttemptAt = 0;
  private lastDropLogAt = Number.NEGATIVE_INFINITY;
  private dropsSinceLog = 0;
  private stats = { written: 0, droppedFull: 0, rejected: 0, droppedClosed: 0, failures: 0, lastError: undefined as string | undefined };

  constructor(options: AuditQueueOptions<T>) {
    this.options = options;
    this.logger = options.logger;
    this.batchSize = Math.max(1, options.batchSize ?? 500);
    this.maxQueued = Math.max(1, options.maxQueued ?? 10_000);
    this.flushIntervalMs = Math.max(1, options.flushIntervalMs ?? 50);
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.isPermanent = options.isPermanent ?? isPermanentSqlError;
    this.now = options.now ?? Date.now;
    this.timer = setInterval(() => this.tick(), this.flushIntervalMs);
    this.timer.unref();
  }

  /** Counts a record refused before it could be queued (it could not be prepared: bad data). */
  refuse(): void {
    this.stats.rejected++;
    this.settled();
  }

  /** Appends a record; never throws, never waits. */
  enqueue(record: T): void {
    if (this.closed) {
      this.stats.droppedClosed++;
      this.settled();
      this.logger.error({ droppedClosed: this.stats.droppedClosed }, 'audit record arrived after the store was closed: dropped');
      return;
    }
    this.queue.push({ seq: ++this.seq, record });
    if (this.queue.length + this.inFlight > this.maxQueued && this.queue.length > 1) {
      this.queue.shift();
      this.stats.droppedFull++;
      this.settled();
      this.noteDrop();
    }
    if (this.queue.length >= this.batchSize && !this.busy) {
      setImmediate(() => this.tick());
    }
  }

  /**
   * Writes every record enqueued before this call (in batches). Rejects when the database cannot be
   * written; the records then stay queued for the timer to retry.
   */
  flush(): Promise<void> {
    const target = this.seq;
    return this.exclusive(async () => {
      for (;;) {
        const head = this.queue[0];
        if (head === undefined || head.seq > target) {
          return;
        }
        await this.writeNext();
      }
    });
  }

  getStats(): AuditQueueStats {
    const { lastError, ...counts } = this.stats;
    return { queued: this.queue.length + this.inFlight, ...counts, ...(lastError === undefined ? {} : { lastError }) };
  }

  /** Stops the timer and writes what is queued; what cannot be written is logged as lost. Never throws. */
  async close(): Promise<void> {
    if (this.closed) {
      return this.chain;
    }
    this.closed = true;
    clearInterval(this.timer);
    this.timer = undefined;
    try {
      await this.flush();
    } catch (error) {
      const lost = this.queue.length;
      this.stats.droppedClosed += lost;
      this.queue = [];
      this.settled();
      this.logger.error({ lost, err: describeError(error) }, 'audit records could not be written before shutdown: lost');
    }
  }

  private noteDrop(): void {
    this.dropsSinceLog++;
    const now = this.now();
    if (now - this.lastDropLogAt >= DROP_LOG_INTERVAL_MS) {
      this.logger.error(
        { dropped: this.dropsSinceLog, droppedTotal: this.stats.droppedFull, maxQueued: this.maxQueued, lastError: this.stats.lastError },
        'audit queue full (database unreachable?): oldest invocation records dropped'
      );
      this.lastDropLogAt = now;
      this.dropsSinceLog = 0;
    }
  }

  private tick(): void {
    if (this.busy || this.queue.length === 0 || this.now() < this.nextAttemptAt) {
      return;
    }
    this.exclusive(() => this.writeNext()).catch(() => undefined);
  }

  /** Runs `fn` after every earlier write: one writer at a time, in order. */
  private exclusive(fn: () => Promise<void>): Promise<void> {
    const run = this.chain.then(async () => {
      this.busy = true;
      try {
        await fn();
      } finally {
        this.busy = false;
      }
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Writes the next batch. On an outage the batch goes back to the front and this rejects. */
  private async writeNext(): Promise<void> {
    const batch = this.queue.splice(0, this.batchSize);
    if (batch.length === 0) {
      return;
    }
    this.inFlight = batch.length;
    try {
      await this.options.write(batch.map((e) => e.record));
      this.succeeded(batch.length);
    } catch (error) {
      if (this.isPermanent(error)) {
        // Some record in the batch is refused: write them one at a time and drop only the bad ones.
        await this.writeOneByOne(batch);
        return;
      }
      this.requeue(batch);
      this.failed(error);
      throw error;
    } finally {
      this.inFlight = 0;
    }
  }

  private async writeOneByOne(batch: Entry<T>[]): Promise<void> {
    for (let i = 0; i < batch.length; i++) {
      const entry = batch[i]!;
      try {
        await this.options.write([entry.record]);
        this.succeeded(1);
      } catch (error) {
        if (this.isPermanent(error)) {
          this.stats.rejected++;
          this.settled();
          this.logger.error({ record: this.options.describe?.(entry.record), err: describeError(error) }, 'audit record refused by the database: dropped');
          continue;
        }
        this.requeue(batch.slice(i));
        this.failed(error);
        throw error;
      }
    }
  }

  private requeue(entries: Entry<T>[]): void {
    this.queue.unshift(...entries);
    const excess = this.queue.length - this.maxQueued;
    if (excess > 0) {
      this.queue.splice(0, excess);
      this.stats.droppedFull += excess;
      this.settled();
      this.dropsSinceLog += excess - 1;
      this.noteDrop();
    }
  }

  private settled(): void {
    this.options.onSettled?.(this.stats);
  }

  private succeeded(count: number): void {
    this.stats.written += count;
    this.settled();
    if (this.stats.failures > 0) {
      this.logger.info({ afterFailures: this.stats.failures, droppedTotal: this.stats.droppedFull }, 'audit writes work again');
    }
    this.stats.failures = 0;
    this.nextAttemptAt = 0;
  }

  private failed(error: unknown): void {
    this.stats.failures++;
    const detail = describeError(error);
    this.stats.lastError = detail.message;
    const backoff = Math.min(this.maxBackoffMs, this.flushIntervalMs * 2 ** Math.min(this.stats.failures, 20));
    this.nextAttemptAt = this.now() + backoff;
    if (this.stats.failures === 1 || this.stats.failures % 10 === 0) {
      this.logger.warn({ failures: this.stats.failures, queued: this.queue.length, retryInMs: backoff, err: detail }, 'audit write failed; records kept in memory and retried');
    }
  }
}
