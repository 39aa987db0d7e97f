/**
 * Prometheus metrics (prom-client) in one small interface, so the rest of the code records facts
 * ("a FHIR call took 120 ms and failed") without knowing about Prometheus. Each app gets its own
 * registry, so tests and several apps in one process never share counters.
 */
import { getHeapStatistics } from 'node:v8';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { watchEventLoopDelay } from './event-loop-delay.ts';

/** Seconds: a service call answers in milliseconds; its FHIR fallback may take seconds. */
const CALL_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export type FhirCallOutcome = 'ok' | 'error' | 'timeout' | 'circuit-open';

export interface Metrics {
  readonly registry: Registry;
  /** A hook call (status 499: the client closed the connection first), whatever answered it: the handler, or a refusal before it. */
  observeRequest(service: string, status: number, seconds: number): void;
  /** A feedback call, likewise. */
  observeFeedback(service: string, status: number, seconds: number): void;
  countCard(ruleId: string, indicator: string): void;
  countSuppressed(ruleId: string): void;
  countRuleError(ruleId: string): void;
  /** The snooze lookup failed (store unreachable): every card was shown, none withheld. */
  countSnoozeLookupFailure(): void;
  observeFhirCall(outcome: FhirCallOutcome, seconds: number): void;
  /** A call to /cds-services refused with 401, by the verifier's reason (a fixed list, never client text). */
  countAuthRefusal(reason: string): void;
}

/** The audit queue's figures, as the store (or, in a cluster worker, the primary's store) last reported them. */
export interface AuditFigures {
  readonly queued: number;
  readonly droppedFull: number;
  readonly rejected: number;
  readonly droppedClosed: number;
  readonly droppedRestart?: number;
  readonly droppedUnreachable?: number;
  readonly unsentHere?: number;
  readonly threadRestarts?: number;
  readonly failures: number;
}

/**
 * @param ruleSetVersion - Read at scrape time, so the gauge always shows the set being served.
 * @param options - `processMetrics` adds the process's own figures (memory, heap, CPU, event-loop delay).
 * @returns Metrics bound to a fresh registry.
 */
export function createMetrics(ruleSetVersion: () => string, options: { processMetrics?: boolean; audit?: () => AuditFigures | undefined } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics) {
    registerProcessMetrics(registry);
  }
  const requests = new Histogram({
    name: 'cds_request_duration_seconds',
    help: 'Latency of CDS Hooks service calls',
    labelNames: ['service', 'status'],
    buckets: CALL_BUCKETS,
    registers: [registry],
  });
  const feedback = new Histogram({
    name: 'cds_feedback_duration_seconds',
    help: 'Latency of CDS Hooks feedback calls',
    labelNames: ['service', 'status'],
    buckets: CALL_BUCKETS,
    registers: [registry],
  });
  const cards = new Counter({ name: 'cds_cards_total', help: 'Cards returned, per rule and indicator', labelNames: ['rule', 'indicator'], registers: [registry] });
  const suppressed = new Counter({ name: 'cds_cards_suppressed_total', help: 'Cards withheld by a snooze, per rule', labelNames: ['rule'], registers: [registry] });
  const ruleErrors = new Counter({ name: 'cds_rule_errors_total', help: 'Rules that could not be evaluated', labelNames: ['rule'], registers: [registry] });
  const snoozeFailures = new Counter({
    name: 'cds_snooze_lookup_failures_total',
    help: 'Calls whose snooze lookup failed or did not answer within 250 ms (store unreachable or stuck): all their cards were shown',
    registers: [registry],
  });
  const fhir = new Histogram({
    name: 'cds_fhir_fallback_duration_seconds',
    help: "Latency of calls to the EHR's FHIR server, per outcome",
    labelNames: ['outcome'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const authRefusals = new Counter({
    name: 'cds_auth_refused_total',
    help: 'Calls to /cds-services refused with 401 (no valid CDS client JWT), per reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const audit = options.audit;
  if (audit) {
    // In a cluster every worker reports the primary's one queue: merged with max, never summed.
    new Gauge({
      name: 'cds_audit_queued',
      help: 'Audit records waiting to be written',
      registers: [registry],
      aggregator: 'max',
      collect() {
        this.set(audit()?.queued ?? 0);
      },
    });
    new Gauge({
      name: 'cds_audit_records_dropped',
      help: 'Audit records lost since the store opened, by cause (queue full while the database could not be written; refused by the database; still queued at shutdown; held by a stuck store thread that was replaced; never reached the store: its process or thread gone, being replaced or not reading)',
      labelNames: ['cause'],
      registers: [registry],
      aggregator: 'max',
      collect() {
        const figures = audit();
        this.set({ cause: 'queue-full' }, figures?.droppedFull ?? 0);
        this.set({ cause: 'refused' }, figures?.rejected ?? 0);
        this.set({ cause: 'shutdown' }, figures?.droppedClosed ?? 0);
        this.set({ cause: 'store-restart' }, figures?.droppedRestart ?? 0);
        this.set({ cause: 'store-unreachable' }, figures?.droppedUnreachable ?? 0);
      },
    });
    new Gauge({
      name: 'cds_audit_records_unsent',
      help: 'Audit records a cluster worker could not send to the primary, which holds the store (gone, paused or not reading); summed over workers',
      registers: [registry],
      collect() {
        this.set(audit()?.unsentHere ?? 0);
      },
    });
    new Gauge({
      name: 'cds_store_thread_restarts',
      help: 'Times the embedded store thread was stuck (no heartbeat within STORE_WATCHDOG_MS) or ended, and was replaced, since start',
      registers: [registry],
      aggregator: 'max',
      collect() {
        this.set(audit()?.threadRestarts ?? 0);
      },
    });
    new Gauge({
      name: 'cds_audit_write_failures',
      help: 'Consecutive failed audit write attempts (0 when the last one succeeded): above 0, the audit is not being written',
      registers: [registry],
      aggregator: 'max',
      collect() {
        this.set(audit()?.failures ?? 0);
      },
    });
  }
  new Gauge({
    name: 'cds_rule_set_info',
    help: 'The rule set being served (value 1, version in the label)',
    labelNames: ['version'],
    registers: [registry],
    // Merged over cluster workers: 1 per version served, not one per worker serving it.
    aggregator: 'max',
    collect() {
      this.reset();
      this.set({ version: ruleSetVersion() }, 1);
    },
  });
  return {
    registry,
    observeRequest: (service, status, seconds) => requests.observe({ service, status: String(status) }, seconds),
    observeFeedback: (service, status, seconds) => feedback.observe({ service, status: String(status) }, seconds),
    countCard: (rule, indicator) => cards.inc({ rule, indicator }),
    countSuppressed: (rule) => suppressed.inc({ rule }),
    countRuleError: (rule) => ruleErrors.inc({ rule }),
    countSnoozeLookupFailure: () => snoozeFailures.inc(),
    observeFhirCall: (outcome, seconds) => fhir.observe({ outcome }, seconds),
    countAuthRefusal: (reason) => authRefusals.inc({ reason }),
  };
}

/**
 * The process's own figures, read when scraped. Not prom-client's `collectDefaultMetrics`: its garbage-
 * collection histogram runs a callback for every collection of a busy service (about 50 scavenges a
 * second at saturation), and in paced rounds at 1,000 requests/s, one process, the p99 went over 10 ms in
 * 4 of 18 rounds with it, 1 of 27 without it and 0 of 9 with these (a noisy machine: suggestive, not
 * proof; docs/benchmark.md). These cost nothing between scrapes but the event-loop sampling timer.
 * The names of memory, heap and CPU are prom-client's (dashboards know them). In a cluster, memory, heap
 * and CPU are summed over the workers; the event-loop delay is the worst worker's.
 */
function registerProcessMetrics(registry: Registry): void {
  new Gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes',
    registers: [registry],
    collect() {
      // Read from /proc: it fails when the process has no file descriptor left, the moment an operator most
      // needs the rest of the scrape. The last value read stays.
      try {
        this.set(process.memoryUsage.rss());
      } catch {
        // keep the last value
      }
    },
  });
  new Gauge({
    name: 'nodejs_heap_size_used_bytes',
    help: 'V8 heap in use (main thread), in bytes',
    registers: [registry],
    collect() {
      this.set(getHeapStatistics().used_heap_size);
    },
  });
  // CPU since the process started (its threads included), counted up at each scrape.
  let counted = { user: 0, system: 0 };
  new Counter({
    name: 'process_cpu_seconds_total',
    help: 'Total user and system CPU time spent in seconds',
    registers: [registry],
    collect() {
      const now = process.cpuUsage();
      this.inc(Math.max(0, now.user - counted.user + (now.system - counted.system)) / 1e6);
      counted = now;
    },
  });
  const delay = watchEventLoopDelay();
  new Gauge({
    name: 'cds_eventloop_delay_seconds',
    help: "The event loop's delay since the previous scrape (99th percentile and longest): a stall every request on this process waited through",
    labelNames: ['stat'],
    registers: [registry],
    aggregator: 'max',
    collect() {
      const { p99, max } = delay.take();
      this.set({ stat: 'p99' }, p99);
      this.set({ stat: 'max' }, max);
    },
  });
}

/**
 * Merges the metrics of several registries (cluster workers: src/cluster/metrics-collector.ts) into
 * one Prometheus text exposition: counters and histograms are summed, gauges merged as each declares
 * (`aggregator`, summed by default).
 * @param parts - Each registry's `getMetricsAsJSON()`.
 */
export async function mergeMetrics(parts: readonly (readonly unknown[])[]): Promise<{ contentType: string; text: string }> {
  const merged = AggregatorRegistry.aggregate(parts.map((p) => [...p]) as object[]);
  return { contentType: merged.contentType, text: await merged.metrics() };
}
