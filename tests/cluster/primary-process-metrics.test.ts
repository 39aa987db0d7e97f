// The cluster primary's own figures in /metrics: written without prom-client in prom-client's JSON form,
// they must merge with the workers' registries into one valid exposition, and the event-loop delay must
// show a stall of the primary (which delays every worker's store calls).
import { describe, expect, it } from 'vitest';
import { primaryProcessMetrics } from '../../src/cluster/primary-process-metrics.ts';
import { createMetrics, mergeMetrics } from '../../src/shared/index.ts';

const value = (text: string, name: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

describe("the cluster primary's process figures", () => {
  it('merge with the workers\' registries, each series once', async () => {
    const figures = primaryProcessMetrics();
    try {
      const worker = createMetrics(() => 'v1', { processMetrics: true });
      const merged = await mergeMetrics([await worker.registry.getMetricsAsJSON(), figures.read()]);
      expect(value(merged.text, 'cds_primary_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
      expect(value(merged.text, 'cds_primary_heap_used_bytes')).toBeGreaterThan(0);
      expect(value(merged.text, 'cds_primary_cpu_seconds_total')).toBeGreaterThan(0);
      expect(merged.text).toMatch(/^# TYPE cds_primary_cpu_seconds_total counter$/m);
      // The worker's own process figures are still there, apart from the primary's.
      expect(value(merged.text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
      const series = merged.text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.slice(0, l.lastIndexOf(' ')));
      expect(series.length - new Set(series).size).toBe(0);
    } finally {
      figures.stop();
    }
  });

  it('show a stall of the event loop in the next scrape, and only in that one', async () => {
    const figures = primaryProcessMetrics();
    try {
      await new Promise((r) => setTimeout(r, 50));
      const blockedUntil = performance.now() + 120;
      while (performance.now() < blockedUntil) {
        // the primary's event loop held (a long synchronous statement, a full collection)
      }
      await new Promise((r) => setTimeout(r, 30));
      const first = figures.read();
      const max = (parts: ReturnType<typeof figures.read>): number => parts.find((p) => p.name === 'cds_primary_eventloop_delay_seconds')!.values.find((v) => v.labels.stat === 'max')!.value;
      // At least the part of the 120 ms not covered by one 10 ms sampling interval: a lower bound that a slower machine only raises.
      expect(max(first)).toBeGreaterThanOrEqual(0.1);
      // Read again at once (no sample can be taken between two synchronous reads): the stall is not repeated.
      expect(max(figures.read())).toBe(0);
    } finally {
      figures.stop();
    }
  });
});
