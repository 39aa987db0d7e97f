/**
 * The cluster's metrics in one answer (primary side).
 *
 * Each worker counts what it serves in its own prom-client registry, and a scrape of `/metrics` reaches
 * one worker (Node's cluster hands connections out round-robin). Answered from that worker alone,
 * Prometheus would see every counter jump between the workers' values and read each fall as a counter
 * reset, so its rates would be wrong. Instead the worker asked calls `metrics.collect` on the primary;
 * the primary asks every serving worker for its registry's JSON (`getMetricsAsJSON()`) and answers with
 * all of them; the asking worker merges them (src/shared/metrics.ts: prom-client's AggregatorRegistry,
 * counters and histograms summed, gauges as each one declares).
 *
 * All or nothing: when a serving worker does not answer within the deadline, or dies first, the
 * collection fails and the scrape answers 503 (Prometheus records a failed scrape). A sum without one
 * worker's counters would read as a reset. A replacement worker counts from zero once it serves, which
 * Prometheus reads as one reset, as for any restart.
 */
import type { MetricsPartMessage, MetricsRequestMessage } from './protocol.ts';

/** A worker as the collector sees it (node:cluster's Worker; a fake in tests). */
export interface MetricsSource {
  readonly id: number;
  /** Sends (or queues) the request; false when the worker cannot be reached at all. */
  send(message: MetricsRequestMessage): boolean;
}

interface Collection {
  readonly order: readonly number[];
  readonly waiting: Set<number>;
  readonly parts: Map<number, readonly unknown[]>;
  readonly resolve: (parts: (readonly unknown[])[]) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class MetricsCollector {
  readonly #timeoutMs: number;
  readonly #collections = new Map<number, Collection>();
  #nextId = 1;

  /** @param timeoutMs - How long a collection waits for every worker. Default 5 000 ms (Prometheus waits 10 s by default). */
  constructor(timeoutMs = 5_000) {
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Asks every worker for its metrics.
   * @returns Each worker's metrics (prom-client JSON), in the order given.
   * @throws When a worker cannot be asked, answers with an error, dies first or does not answer in time.
   */
  collect(workers: readonly MetricsSource[]): Promise<(readonly unknown[])[]> {
    if (workers.length === 0) return Promise.resolve([]);
    const id = this.#nextId++;
    const order = workers.map((w) => w.id);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const missing = this.#collections.get(id)?.waiting.size ?? 0;
        this.#finish(id, new Error(`${missing} of ${order.length} workers did not send their metrics within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      timer.unref();
      const collection: Collection = { order, waiting: new Set(order), parts: new Map(), resolve, reject, timer };
      this.#collections.set(id, collection);
      const request: MetricsRequestMessage = { cds: 1, kind: 'metrics-request', id };
      for (const worker of workers) {
        let sent = false;
        try {
          sent = worker.send(request);
        } catch {
          sent = false;
        }
        if (!sent) {
          this.#finish(id, new Error(`worker ${worker.id} could not be asked for its metrics`));
          return;
        }
      }
    });
  }

  /** A worker's answer (ignored when its collection is over, or it was not asked). */
  receive(workerId: number, message: MetricsPartMessage): void {
    const collection = this.#collections.get(message.id);
    if (!collection || !collection.waiting.has(workerId)) return;
    if (message.error !== undefined || !Array.isArray(message.metrics)) {
      this.#finish(message.id, new Error(`worker ${workerId} sent no metrics: ${message.error ?? 'malformed answer'}`));
      return;
    }
    collection.waiting.delete(workerId);
    collection.parts.set(workerId, message.metrics);
    if (collection.waiting.size === 0) this.#finish(message.id);
  }

  /** A worker died: every collection still waiting for it fails now. */
  forget(workerId: number): void {
    for (const [id, collection] of this.#collections) {
      if (collection.waiting.has(workerId)) this.#finish(id, new Error(`worker ${workerId} exited before sending its metrics`));
    }
  }

  #finish(id: number, error?: Error): void {
    const collection = this.#collections.get(id);
    if (!collection) return;
    this.#collections.delete(id);
    clearTimeout(collection.timer);
    if (error) {
      collection.reject(error);
    } else {
      collection.resolve(collection.order.map((workerId) => collection.parts.get(workerId)!));
    }
  }
}
