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
 * The sums never fall, since Prometheus reads a fall as a counter reset:
 * - When a serving worker does not answer within the deadline, or dies first, the collection fails and
 *   the scrape answers 503 (Prometheus records a failed scrape) rather than a sum without that worker.
 * - When a worker exits, the counters and histograms it last reported stay in every later sum (its
 *   "retired" counts; its gauges are dropped). Its replacement counts from zero, so the sum goes on from
 *   where it was; only what the dead worker counted after the last scrape is lost.
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

/** prom-client's `getMetricsAsJSON()` entry, as far as retiring counts needs it. */
interface MetricJson {
  readonly name: string;
  readonly type: string;
  readonly values: readonly { readonly value: number; readonly labels: Readonly<Record<string, string | number>>; readonly metricName?: string }[];
  readonly [other: string]: unknown;
}

/** Counters and histograms only grow: those are kept when a worker exits. */
const CUMULATIVE_TYPES: ReadonlySet<string> = new Set(['counter', 'histogram']);

export class MetricsCollector {
  readonly #timeoutMs: number;
  readonly #collections = new Map<number, Collection>();
  /** Each worker's metrics as last collected, with the collection's id (a later collection wins). */
  readonly #last = new Map<number, { readonly collection: number; readonly part: readonly unknown[] }>();
  /** The cumulative metrics of workers that exited, summed per series. */
  #retired: MetricJson[] = [];
  #nextId = 1;

  /** @param timeoutMs - How long a collection waits for every worker. Default 5 000 ms (Prometheus waits 10 s by default). */
  constructor(timeoutMs = 5_000) {
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Asks every worker for its metrics.
   * @returns Each worker's metrics (prom-client JSON), in the order given, then the retired counts of
   *   workers that exited (when there are any).
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

  /**
   * A worker exited: every collection still waiting for it fails now, and the counters and histograms
   * it last reported are kept in every later collection.
   */
  forget(workerId: number): void {
    // Every collection that asked it fails, answered or not: its answer would be counted again in the
    // retired counts below.
    for (const [id, collection] of this.#collections) {
      if (collection.order.includes(workerId)) this.#finish(id, new Error(`worker ${workerId} exited during the collection of metrics`));
    }
    const last = this.#last.get(workerId);
    this.#last.delete(workerId);
    if (last) this.#retired = retire(this.#retired, last.part);
  }

  #finish(id: number, error?: Error): void {
    const collection = this.#collections.get(id);
    if (!collection) return;
    this.#collections.delete(id);
    clearTimeout(collection.timer);
    if (error) {
      collection.reject(error);
      return;
    }
    const parts = collection.order.map((workerId) => collection.parts.get(workerId)!);
    collection.order.forEach((workerId, i) => {
      if ((this.#last.get(workerId)?.collection ?? 0) < id) this.#last.set(workerId, { collection: id, part: parts[i]! });
    });
    collection.resolve(this.#retired.length > 0 ? [...parts, this.#retired] : parts);
  }
}

/** Adds a worker's counters and histograms to the retired ones, series by series (name and labels). */
function retire(retired: readonly MetricJson[], part: readonly unknown[]): MetricJson[] {
  const byName = new Map<string, { metric: MetricJson; values: Map<string, MetricJson['values'][number]> }>();
  const add = (metric: MetricJson): void => {
    let entry = byName.get(metric.name);
    if (!entry) {
      entry = { metric, values: new Map() };
      byName.set(metric.name, entry);
    }
    for (const v of metric.values) {
      const key = `${v.metricName ?? metric.name} ${JSON.stringify(Object.entries(v.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;
      const seen = entry.values.get(key);
      entry.values.set(key, seen ? { ...seen, value: seen.value + v.value } : v);
    }
  };
  for (const metric of retired) add(metric);
  for (const item of part) {
    const metric = item as MetricJson;
    if (typeof metric?.name === 'string' && CUMULATIVE_TYPES.has(metric.type) && Array.isArray(metric.values)) add(metric);
  }
  return [...byName.values()].map(({ metric, values }) => ({ ...metric, values: [...values.values()] }));
}
