// /metrics in a cluster answers for every worker: the worker asked collects every worker's registry
// through the primary (MetricsCollector) and merges them. Wired here as primary.ts and the workers wire
// it, over in-memory channels that copy messages with structuredClone (as `serialization: 'advanced'`
// IPC does), with real prom-client registries (createMetrics).
import { describe, expect, it } from 'vitest';
import { IpcClient, MetricsCollector } from '../../src/cluster/index.ts';
import type { IpcChannel } from '../../src/cluster/ipc-store.ts';
import type { MetricsSource } from '../../src/cluster/metrics-collector.ts';
import { isCdsMessage } from '../../src/cluster/protocol.ts';
import type { CallMessage, MetricsPartMessage, MetricsRequestMessage, ResultMessage } from '../../src/cluster/protocol.ts';
import { createMetrics, mergeMetrics } from '../../src/shared/index.ts';
import type { Metrics } from '../../src/shared/index.ts';

type Listener = (message: unknown) => void;

interface FakeWorker {
  readonly id: number;
  readonly client: IpcClient;
  readonly metrics: Metrics;
  /** The primary's view of this worker. */
  readonly source: MetricsSource;
  /** Messages to the primary are dropped (a stuck worker). */
  silent: boolean;
}

/** A primary with `count` workers, each with its own registry serving rule set version `version`. */
function cluster(count: number, options: { timeoutMs?: number; provide?: boolean; version?: (id: number) => string } = {}) {
  const collector = new MetricsCollector(options.timeoutMs ?? 2_000);
  const workers: FakeWorker[] = [];
  for (let id = 1; id <= count; id++) {
    const listeners: Listener[] = [];
    const toWorker = (message: unknown): void => {
      const copy = structuredClone(message);
      setImmediate(() => listeners.forEach((l) => l(copy)));
    };
    let self: FakeWorker;
    const channel: IpcChannel = {
      connected: true,
      send(message: unknown, _h?: undefined, _o?: undefined, callback?: (error: Error | null) => void): boolean {
        const copy = structuredClone(message);
        setImmediate(() => {
          callback?.(null);
          if (self.silent || !isCdsMessage(copy)) return;
          const m = copy as CallMessage | MetricsPartMessage;
          if (m.kind === 'metrics-part') {
            collector.receive(id, m);
          } else if (m.kind === 'call' && m.target === 'metrics') {
            // As primary.ts: collect from every serving worker, answer the caller.
            collector.collect(workers.map((w) => w.source)).then(
              (value) => toWorker({ cds: 1, kind: 'result', id: m.id, ok: true, value } satisfies ResultMessage),
              (error: Error) => toWorker({ cds: 1, kind: 'result', id: m.id, ok: false, error: { name: 'MetricsUnavailableError', message: error.message } } satisfies ResultMessage)
            );
          }
        });
        return true;
      },
      on(event: 'message' | 'disconnect', listener: Listener | (() => void)) {
        if (event === 'message') listeners.push(listener as Listener);
        return channel;
      },
    };
    const client = new IpcClient(channel, { timeoutMs: 5_000 });
    const metrics = createMetrics(() => options.version?.(id) ?? 'v1');
    if (options.provide !== false) client.onMetricsRequest(() => metrics.registry.getMetricsAsJSON());
    self = {
      id,
      client,
      metrics,
      silent: false,
      source: {
        id,
        send: (message: MetricsRequestMessage) => {
          toWorker(message);
          return true;
        },
      },
    };
    workers.push(self);
  }
  /** /metrics as the worker `at` answers it. */
  const scrape = async (at: FakeWorker): Promise<string> => (await mergeMetrics(await at.client.call<(readonly unknown[])[]>('metrics', 'collect', []))).text;
  return { collector, workers, scrape };
}

/** The value of one sample line, e.g. `cds_cards_total{rule="r1",indicator="warning"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('cluster metrics', () => {
  it('any worker answers with every worker counted: counters and histograms summed', async () => {
    const { workers, scrape } = cluster(3);
    const [a, b, c] = workers as [FakeWorker, FakeWorker, FakeWorker];
    a.metrics.countCard('opioid-benzodiazepine', 'warning');
    b.metrics.countCard('opioid-benzodiazepine', 'warning');
    b.metrics.countCard('opioid-benzodiazepine', 'warning');
    c.metrics.countRuleError('broken-rule');
    a.metrics.observeRequest('cns-depressant-order-sign', 200, 0.004);
    c.metrics.observeRequest('cns-depressant-order-sign', 200, 0.3);
    for (const at of workers) {
      const text = await scrape(at);
      expect(sample(text, 'cds_cards_total{rule="opioid-benzodiazepine",indicator="warning"}')).toBe(3);
      expect(sample(text, 'cds_rule_errors_total{rule="broken-rule"}')).toBe(1);
      expect(sample(text, 'cds_request_duration_seconds_count{service="cns-depressant-order-sign",status="200"}')).toBe(2);
      expect(sample(text, 'cds_request_duration_seconds_bucket{le="0.005",service="cns-depressant-order-sign",status="200"}')).toBe(1);
    }
  });

  it('the rule set in service is 1 per version, not one per worker serving it', async () => {
    const { workers, scrape } = cluster(3, { version: (id) => (id === 3 ? 'v2' : 'v1') });
    const text = await scrape(workers[0]!);
    // v1 is served by two workers: still 1 (summed it would read 2).
    expect(sample(text, 'cds_rule_set_info{version="v1"}')).toBe(1);
    // A reload reaching the workers one by one: both versions are visible while both are served.
    expect(sample(text, 'cds_rule_set_info{version="v2"}')).toBe(1);
  });

  it('never lets a sum fall when a worker exits: its counters and histograms stay, its gauges go', async () => {
    const { collector, workers, scrape } = cluster(2, { version: (id) => (id === 2 ? 'v-old' : 'v1') });
    const [a, b] = workers as [FakeWorker, FakeWorker];
    a.metrics.countCard('opioid-benzodiazepine', 'warning');
    b.metrics.countCard('opioid-benzodiazepine', 'warning');
    b.metrics.countCard('opioid-benzodiazepine', 'warning');
    b.metrics.observeRequest('cns-depressant-order-sign', 200, 0.004);
    const before = await scrape(a);
    expect(sample(before, 'cds_cards_total{rule="opioid-benzodiazepine",indicator="warning"}')).toBe(3);
    // Worker b exits (primary.ts: removed from the serving workers, then forget()); a keeps counting.
    workers.splice(1, 1);
    collector.forget(b.id);
    a.metrics.countCard('opioid-benzodiazepine', 'warning');
    for (let i = 0; i < 2; i++) {
      const after = await scrape(a);
      expect(sample(after, 'cds_cards_total{rule="opioid-benzodiazepine",indicator="warning"}')).toBe(4);
      expect(sample(after, 'cds_request_duration_seconds_count{service="cns-depressant-order-sign",status="200"}')).toBe(1);
      expect(sample(after, 'cds_request_duration_seconds_bucket{le="0.005",service="cns-depressant-order-sign",status="200"}')).toBe(1);
      expect(sample(after, 'cds_rule_set_info{version="v1"}')).toBe(1);
      expect(sample(after, 'cds_rule_set_info{version="v-old"}')).toBeUndefined();
    }
  });

  it('a worker that exits during a collection it already answered is counted once, from its earlier figures', async () => {
    const collector = new MetricsCollector(60_000);
    const counter = (value: number) => [{ name: 'cds_cards_total', help: 'Cards', type: 'counter', aggregator: 'sum', values: [{ value, labels: { rule: 'r' } }] }];
    const total = async (parts: (readonly unknown[])[]) => sample((await mergeMetrics(parts)).text, 'cds_cards_total{rule="r"}');
    const to = (id: number): MetricsSource => ({ id, send: () => true });
    const first = collector.collect([to(1), to(2)]);
    collector.receive(1, { cds: 1, kind: 'metrics-part', id: 1, metrics: counter(1) });
    collector.receive(2, { cds: 1, kind: 'metrics-part', id: 1, metrics: counter(5) });
    expect(await total(await first)).toBe(6);
    // Worker 2 answers the next collection, then exits before worker 1 answers.
    const second = collector.collect([to(1), to(2)]);
    collector.receive(2, { cds: 1, kind: 'metrics-part', id: 2, metrics: counter(7) });
    collector.forget(2);
    await expect(second).rejects.toThrow(/worker 2 exited/);
    collector.receive(1, { cds: 1, kind: 'metrics-part', id: 2, metrics: counter(1) }); // too late: ignored
    const third = collector.collect([to(1)]);
    collector.receive(1, { cds: 1, kind: 'metrics-part', id: 3, metrics: counter(2) });
    // Worker 1's 2 and worker 2's 5 as last scraped: not below the 6 scraped before, and 2's 7 not added on top.
    expect(await total(await third)).toBe(7);
  });

  it('fails, rather than answer with some workers missing, when a worker does not answer in time', async () => {
    const { workers, scrape } = cluster(2, { timeoutMs: 200 });
    workers[1]!.silent = true;
    await expect(scrape(workers[0]!)).rejects.toThrow(/1 of 2 workers did not send their metrics within 200 ms/);
  });

  it('fails when a worker cannot give its metrics yet (still starting)', async () => {
    const { workers, scrape } = cluster(2, { provide: false });
    await expect(scrape(workers[0]!)).rejects.toThrow(/does not serve metrics yet/);
  });

  it('fails at once when a worker it waits for dies', async () => {
    const collector = new MetricsCollector(60_000);
    const asked: number[] = [];
    const pending = collector.collect([
      { id: 1, send: () => (asked.push(1), true) },
      { id: 2, send: () => (asked.push(2), true) },
    ]);
    collector.receive(1, { cds: 1, kind: 'metrics-part', id: 1, metrics: [] });
    collector.forget(2);
    await expect(pending).rejects.toThrow(/worker 2 exited during the collection of metrics/);
    expect(asked).toEqual([1, 2]);
  });

  it('fails when a worker cannot be reached, and ignores answers nobody asked for', async () => {
    const collector = new MetricsCollector();
    await expect(collector.collect([{ id: 7, send: () => false }])).rejects.toThrow(/worker 7 could not be asked/);
    const pending = collector.collect([{ id: 1, send: () => true }]);
    collector.receive(2, { cds: 1, kind: 'metrics-part', id: 2, metrics: [{ name: 'x' }] }); // not asked
    collector.receive(9, { cds: 1, kind: 'metrics-part', id: 2, metrics: [] }); // another worker
    collector.receive(1, { cds: 1, kind: 'metrics-part', id: 2, metrics: [{ name: 'mine' }] });
    await expect(pending).resolves.toEqual([[{ name: 'mine' }]]);
  });
});

describe('audit figures in /metrics', () => {
  const figures = { queued: 3, droppedFull: 5, rejected: 1, droppedClosed: 0, failures: 2 };

  it('shows the audit queue, the records lost by cause and the failing writes, so alerting sees audit loss', async () => {
    const text = await createMetrics(() => 'v1', { audit: () => figures }).registry.metrics();
    expect(text).toMatch(/^cds_audit_queued 3$/m);
    expect(text).toMatch(/^cds_audit_records_dropped\{cause="queue-full"\} 5$/m);
    expect(text).toMatch(/^cds_audit_records_dropped\{cause="refused"\} 1$/m);
    expect(text).toMatch(/^cds_audit_write_failures 2$/m);
  });

  it("merges the workers' copies of the primary's one queue without adding them up", async () => {
    const worker = () => createMetrics(() => 'v1', { audit: () => figures }).registry.getMetricsAsJSON();
    const merged = await mergeMetrics([await worker(), await worker()]);
    expect(merged.text).toMatch(/^cds_audit_records_dropped\{cause="queue-full"\} 5$/m);
    expect(merged.text).toMatch(/^cds_audit_queued 3$/m);
  });

  it("adds up what each worker could not send to the primary, and keeps the primary's own figure once", async () => {
    const worker = (unsentHere: number) => createMetrics(() => 'v1', { audit: () => ({ ...figures, droppedUnreachable: 5, unsentHere }) }).registry.getMetricsAsJSON();
    const merged = await mergeMetrics([await worker(2600), await worker(3272)]);
    expect(merged.text).toMatch(/^cds_audit_records_unsent 5872$/m);
    expect(merged.text).toMatch(/^cds_audit_records_dropped\{cause="store-unreachable"\} 5$/m);
  });
});
