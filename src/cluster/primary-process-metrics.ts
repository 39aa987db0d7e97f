/**
 * The cluster primary's own process figures, added to every `/metrics` collection (metrics-collector.ts).
 * The primary holds embedded PGlite and answers every worker's store calls: its memory is the largest of
 * the cluster's processes and a stall in its event loop delays every worker's audit and snooze lookup, so
 * an operator needs them beside the workers' own (src/shared/metrics.ts, `processMetrics`).
 *
 * The primary does not load prom-client (primary-main.ts keeps it small): the figures are written in the
 * JSON form prom-client's registries exchange (`getMetricsAsJSON()`), which the asking worker merges with
 * the workers' parts (src/shared/metrics.ts). Names start with `cds_primary_`, so they never merge with a
 * worker's series.
 */
import { getHeapStatistics } from 'node:v8';
import { watchEventLoopDelay } from '../shared/event-loop-delay.ts';

/** One metric in prom-client's JSON form; `aggregator` is required by its AggregatorRegistry. */
export interface MetricPart {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  readonly aggregator: 'sum';
  readonly values: readonly { readonly value: number; readonly labels: Readonly<Record<string, string>> }[];
}

const part = (name: string, help: string, type: MetricPart['type'], values: MetricPart['values']): MetricPart => ({ name, help, type, aggregator: 'sum', values });

/**
 * Starts sampling the primary's event-loop delay.
 * @returns `read()` gives the figures, the delays since the previous read (each scrape starts afresh);
 *   `stop()` ends the sampling (shutdown).
 */
export function primaryProcessMetrics(): { read(): MetricPart[]; stop(): void } {
  const delay = watchEventLoopDelay();
  // RSS is read from /proc, which fails when the process has no file descriptor left: the last value stays.
  let rss = 0;
  const readRss = (): void => {
    try {
      rss = process.memoryUsage.rss();
    } catch {
      // keep the last value
    }
  };
  readRss();
  const read = (): MetricPart[] => {
    readRss();
    const heapUsed = getHeapStatistics().used_heap_size;
    const cpu = process.cpuUsage();
    const { p99, max } = delay.take();
    return [
      part('cds_primary_resident_memory_bytes', "Resident memory of the cluster primary's process (it holds the embedded database)", 'gauge', [{ value: rss, labels: {} }]),
      part('cds_primary_heap_used_bytes', "V8 heap in use on the cluster primary's main thread", 'gauge', [{ value: heapUsed, labels: {} }]),
      part('cds_primary_cpu_seconds_total', 'CPU time (user and system) of the cluster primary since it started, its threads included', 'counter', [{ value: (cpu.user + cpu.system) / 1e6, labels: {} }]),
      part('cds_primary_eventloop_delay_seconds', "The cluster primary's event-loop delay since the previous scrape: 99th percentile and longest", 'gauge', [
        { value: p99, labels: { stat: 'p99' } },
        { value: max, labels: { stat: 'max' } },
      ]),
    ];
  };
  return { read, stop: () => delay.stop() };
}
