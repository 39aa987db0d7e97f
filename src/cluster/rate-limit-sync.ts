/**
 * One rate limit for the whole cluster (`RATE_LIMIT_PER_MINUTE` per calling client).
 *
 * express-rate-limit counts in the process that serves the call. With WORKERS=N and a count per worker,
 * a client whose connections are spread over the workers could make N times the configured number of
 * calls before a 429. Asking the primary on every call would put an IPC round trip on every answer, so
 * the workers count locally and share their counts:
 *
 * - Windows are fixed and aligned to the clock (window = floor(now / windowMs)), so every worker agrees
 *   on them without talking.
 * - Every `syncMs` (100 ms) a worker sends the primary its own count, in the current window, of every
 *   client it saw since its last message (its running total, not a delta: a repeated message changes
 *   nothing, and a message that could not be sent is sent again at the next period).
 * - Every `syncMs` the primary sends every worker each client's count per worker, for the clients whose
 *   counts changed; a worker that starts serving gets every count of the window at once.
 * - A worker decides with its own exact count plus the other workers' last known counts. So the cluster
 *   as a whole lets through at most about (N - 1) × 2 × syncMs worth of a client's calls beyond the limit
 *   (the other workers' counts are up to two sync periods old), against N × the limit without sharing.
 *
 * Differences from express-rate-limit's own MemoryStore (one process): every client's window ends at the
 * same moment (the minute), so throttled clients are told the same reset time; and if the wall clock steps
 * back into an earlier window, the primary ignores the counts of that window until the clock catches up
 * (each worker then limits on its own counts, as without sharing, for up to one window).
 *
 * The worker side implements express-rate-limit's `Store` (structurally: this module loads no package,
 * so the cluster primary stays small).
 */
import type { RateCountsMessage, RateTotalsMessage } from './protocol.ts';

/** The part of express-rate-limit's `Store` contract this store implements. */
export interface ClientRateLimitInfo {
  totalHits: number;
  resetTime: Date | undefined;
}

export interface RateLimitStoreOptions {
  /** This worker's id (node:cluster `worker.id`): its own count in the primary's broadcasts. */
  readonly workerId: number;
  /** Sends a message to the primary; never throws; false when it could not be sent. */
  readonly post: (message: RateCountsMessage) => boolean;
  /** How often this worker sends its counts, ms. Default 100. */
  readonly syncMs?: number;
  readonly now?: () => number;
}

/** The worker's store: own counts exact, the other workers' as last announced by the primary. */
export class ClusterRateLimitStore {
  /** express-rate-limit: counts in this instance are shared with other processes. */
  readonly localKeys = false;
  readonly #workerId: number;
  readonly #post: (message: RateCountsMessage) => boolean;
  readonly #syncMs: number;
  readonly #now: () => number;
  #windowMs = 60_000;
  #window = -1;
  readonly #own = new Map<string, number>();
  readonly #others = new Map<string, number>();
  readonly #changed = new Set<string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: RateLimitStoreOptions) {
    this.#workerId = options.workerId;
    this.#post = options.post;
    this.#syncMs = options.syncMs ?? 100;
    this.#now = options.now ?? Date.now;
  }

  /** express-rate-limit calls this once with its options (windowMs among them). */
  init(options: { windowMs: number }): void {
    this.#windowMs = Math.max(1, options.windowMs);
    this.#timer ??= setInterval(() => this.sync(), this.#syncMs);
    this.#timer.unref();
  }

  increment(key: string): ClientRateLimitInfo {
    this.#roll();
    const own = (this.#own.get(key) ?? 0) + 1;
    this.#own.set(key, own);
    this.#changed.add(key);
    return this.#info(key);
  }

  decrement(key: string): void {
    this.#roll();
    const own = this.#own.get(key) ?? 0;
    if (own > 0) {
      this.#own.set(key, own - 1);
      this.#changed.add(key);
    }
  }

  get(key: string): ClientRateLimitInfo | undefined {
    this.#roll();
    return this.#own.has(key) || this.#others.has(key) ? this.#info(key) : undefined;
  }

  /** Forgets this worker's count for `key` (the other workers keep theirs). */
  resetKey(key: string): void {
    this.#own.delete(key);
    this.#others.delete(key);
    this.#changed.add(key);
  }

  resetAll(): void {
    for (const key of this.#own.keys()) this.#changed.add(key);
    this.#own.clear();
    this.#others.clear();
  }

  shutdown(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Sends the primary this worker's counts of the clients seen since the last call (the timer calls it). */
  sync(): void {
    this.#roll();
    if (this.#changed.size === 0) return;
    const keys = [...this.#changed];
    this.#changed.clear();
    const sent = this.#post({ cds: 1, kind: 'rate-counts', window: this.#window, counts: keys.map((key) => [key, this.#own.get(key) ?? 0]) });
    if (!sent) for (const key of keys) this.#changed.add(key); // again at the next period
  }

  /** The primary's counts per worker; those of another window are ignored. */
  receive(message: RateTotalsMessage): void {
    this.#roll();
    if (message.window !== this.#window) return;
    const others = new Map<string, number>();
    for (const [key, workerId, count] of message.counts) {
      if (workerId !== this.#workerId) others.set(key, (others.get(key) ?? 0) + count);
    }
    for (const [key, count] of others) this.#others.set(key, count);
  }

  #info(key: string): ClientRateLimitInfo {
    return { totalHits: (this.#own.get(key) ?? 0) + (this.#others.get(key) ?? 0), resetTime: new Date((this.#window + 1) * this.#windowMs) };
  }

  /** A new window: every count starts again from zero. */
  #roll(): void {
    const window = Math.floor(this.#now() / this.#windowMs);
    if (window === this.#window) return;
    this.#window = window;
    this.#own.clear();
    this.#others.clear();
    this.#changed.clear();
  }
}

/** The primary's side: every worker's count per client in the current window. */
export class RateLimitHub {
  #window = -1;
  /** key → worker id → that worker's count. */
  readonly #counts = new Map<string, Map<number, number>>();
  readonly #changed = new Set<string>();

  /** A worker's counts (its running totals); a later window replaces everything, an earlier one is ignored. */
  receive(workerId: number, message: RateCountsMessage): void {
    if (message.window < this.#window) return;
    if (message.window > this.#window) {
      this.#window = message.window;
      this.#counts.clear();
      this.#changed.clear();
    }
    for (const [key, count] of message.counts) {
      let perWorker = this.#counts.get(key);
      if (!perWorker) {
        perWorker = new Map();
        this.#counts.set(key, perWorker);
      }
      if (perWorker.get(workerId) !== count) {
        perWorker.set(workerId, count);
        this.#changed.add(key);
      }
    }
  }

  /** Every count of the current window (for a worker that starts serving); undefined when there are none. */
  snapshot(): RateTotalsMessage | undefined {
    if (this.#counts.size === 0) return undefined;
    const counts: [string, number, number][] = [];
    for (const [key, perWorker] of this.#counts) {
      for (const [workerId, count] of perWorker) counts.push([key, workerId, count]);
    }
    return { cds: 1, kind: 'rate-totals', window: this.#window, counts };
  }

  /** The counts of every client that changed since the last call, for every worker; undefined when none did. */
  takeChanges(): RateTotalsMessage | undefined {
    if (this.#changed.size === 0) return undefined;
    const counts: [string, number, number][] = [];
    for (const key of this.#changed) {
      for (const [workerId, count] of this.#counts.get(key) ?? []) counts.push([key, workerId, count]);
    }
    this.#changed.clear();
    return { cds: 1, kind: 'rate-totals', window: this.#window, counts };
  }
}
