/**
 * The cluster primary's own process figures, added to every `/metrics` collection (metrics-collector.ts).
 * The primary holds embedded PGlite and answers every worker's store calls: its memory is the largest of
 * the cluster's processes and a stall in its event loop delays every worker's audit and snooze lookup, so
 * an operator needs them beside the workers' (which prom-client's default metrics give each worker).
 *
 * The primary does not load prom-client (primary-main.ts keeps it small): the figures are written in the
 * JSON form prom-client's registries exchange (`getMetricsAsJSON()`), which the asking worker merges with
 * the workers' parts (src/shared/metrics.ts). Names start with `cds_primary_`, so they never merge with a
 * worker's series.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** One metric in prom-client's JSON form; `aggregator` is required by its AggregatorRegistry. */
export interface MetricPart {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  readonly aggregator: 'sum';
  readonly values: readonly { readonly value: number; readonly labels: Record<string, never> }[];
}

const part = (name: string, help: string, type: MetricPart['type'], value: number): MetricPart => ({ name, help, type, aggregator: 'sum', values: [{ value, labels: {} }] });

/**
 * Starts sampling the event loop's delay (a 10 ms timer, as prom-client's own event-loop metric does).
 * @returns `read()` gives the figures, the delays since the previous read (each scrape starts afresh);
 *   `stop()` ends the sampling (shutdown).
 */
export function primaryProcessMetrics(): { read(): MetricPart[]; stop(): void } {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const read = (): MetricPart[] => {
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    // No sample yet (a scrape right after the last one): 0, not the histogram's empty-state values.
    const sampled = delay.count > 0;
    const p99 = sampled ? delay.percentile(99) / 1e9 : 0;
    const max = sampled ? delay.max / 1e9 : 0;
    delay.reset();
    return [
      part('cds_primary_resident_memory_bytes', "Resident memory of the cluster primary's process (it holds the embedded database)", 'gauge', memory.rss),
      part('cds_primary_heap_used_bytes', "V8 heap in use on the cluster primary's main thread", 'gauge', memory.heapUsed),
      part('cds_primary_cpu_seconds_total', 'CPU time (user and system) of the cluster primary since it started, its threads included', 'counter', (cpu.user + cpu.system) / 1e6),
      part('cds_primary_eventloop_delay_p99_seconds', "99th percentile of the cluster primary's event-loop delay since the previous scrape", 'gauge', p99),
      part('cds_primary_eventloop_delay_max_seconds', "Longest event-loop delay of the cluster primary since the previous scrape", 'gauge', max),
    ];
  };
  return { read, stop: () => delay.disable() };
}
