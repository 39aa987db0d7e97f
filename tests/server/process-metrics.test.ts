// The service's own process figures in /metrics (createMetrics `processMetrics`, as main.ts sets it): what
// an operator watches to see the memory and stalls the benchmark measures, in production.
import { describe, expect, it, vi } from 'vitest';
import { primaryProcessMetrics } from '../../src/cluster/primary-process-metrics.ts';
import { delayOverInterval } from '../../src/shared/event-loop-delay.ts';
import { createMetrics, mergeMetrics } from '../../src/shared/index.ts';

interface JsonMetric {
  readonly name: string;
  readonly values: readonly { readonly value: number; readonly labels: Record<string, string> }[];
}
const find = (metrics: readonly JsonMetric[], name: string, stat?: string): number =>
  metrics.find((m) => m.name === name)!.values.find((v) => stat === undefined || v.labels.stat === stat)!.value;
const hold = (ms: number): void => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // the event loop held, as by a long synchronous task
  }
};
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('process figures in /metrics', () => {
  it('reads an idle event loop as no delay: only the time over the 10 ms sampling interval counts', () => {
    expect(delayOverInterval(10_100_000)).toBeCloseTo(0.0001, 6);
    expect(delayOverInterval(9_900_000)).toBe(0);
    expect(delayOverInterval(130_000_000)).toBeCloseTo(0.12, 6);
  });

  it('shows memory, heap and CPU, the CPU counting up from the process start and never falling', async () => {
    const metrics = createMetrics(() => 'v1', { processMetrics: true });
    const first = (await metrics.registry.getMetricsAsJSON()) as unknown as JsonMetric[];
    expect(find(first, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    expect(find(first, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    const cpu = find(first, 'process_cpu_seconds_total');
    const sinceStart = process.cpuUsage();
    expect(cpu).toBeGreaterThan(0);
    expect(cpu).toBeLessThanOrEqual((sinceStart.user + sinceStart.system) / 1e6);
    hold(30);
    const second = (await metrics.registry.getMetricsAsJSON()) as unknown as JsonMetric[];
    const after = process.cpuUsage();
    expect(find(second, 'process_cpu_seconds_total')).toBeGreaterThan(cpu);
    // Counted once: never more than the process has used (each scrape adds only what is new).
    expect(find(second, 'process_cpu_seconds_total')).toBeLessThanOrEqual((after.user + after.system) / 1e6);
  });

  it('still answers when resident memory cannot be read (no file descriptor left), with the last value read', async () => {
    const metrics = createMetrics(() => 'v1', { processMetrics: true });
    const primary = primaryProcessMetrics();
    try {
      const before = find((await metrics.registry.getMetricsAsJSON()) as unknown as JsonMetric[], 'process_resident_memory_bytes');
      const primaryBefore = find(primary.read(), 'cds_primary_resident_memory_bytes');
      const spy = vi.spyOn(process.memoryUsage, 'rss').mockImplementation(() => {
        throw Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
      });
      try {
        const text = await metrics.registry.metrics();
        expect(text).toContain(`process_resident_memory_bytes ${before}`);
        expect(text).toMatch(/^cds_rule_set_info\{version="v1"\} 1$/m);
        expect(find(primary.read(), 'cds_primary_resident_memory_bytes')).toBe(primaryBefore);
        expect(spy).toHaveBeenCalled();
      } finally {
        spy.mockRestore();
      }
    } finally {
      primary.stop();
    }
  });

  it('shows a stall of the event loop in the next scrape and only there; merged over workers, the worst one', async () => {
    const a = createMetrics(() => 'v1', { processMetrics: true });
    const b = createMetrics(() => 'v1', { processMetrics: true });
    await tick(30);
    hold(120);
    await tick(30);
    // B is scraped after the long stall and sees only a shorter one: the two workers' figures differ.
    await b.registry.getMetricsAsJSON();
    hold(40);
    await tick(30);
    const partA = (await a.registry.getMetricsAsJSON()) as unknown as JsonMetric[];
    // A lower bound a slower machine only raises: the 120 ms less one 10 ms sampling interval.
    expect(find(partA, 'cds_eventloop_delay_seconds', 'max')).toBeGreaterThanOrEqual(0.1);
    // Scraped again at once (no sample can be taken between): the stall is not repeated.
    const again = (await a.registry.getMetricsAsJSON()) as unknown as JsonMetric[];
    expect(find(again, 'cds_eventloop_delay_seconds', 'max')).toBe(0);
    const partB = (await b.registry.getMetricsAsJSON()) as unknown as JsonMetric[];
    const merged = await mergeMetrics([partA, partB]);
    const line = merged.text.split('\n').find((l) => l.startsWith('cds_eventloop_delay_seconds{stat="max"} '))!;
    expect(Number(line.split(' ')[1])).toBe(Math.max(find(partA, 'cds_eventloop_delay_seconds', 'max'), find(partB, 'cds_eventloop_delay_seconds', 'max')));
  });
});
