/**
 * Using every core: one entry point, `startCluster()`, called right after the configuration is loaded by
 * main.ts (the service) and by primary-main.ts (the cluster primary: src/start.ts loads it instead of
 * main.ts in the first process when WORKERS > 1). See docs/benchmark.md ("Using all cores") and primary.ts.
 *
 * - WORKERS resolves to 1 (the default outside production): nothing happens, main.ts runs the service
 *   in this one process exactly as before (role `single`).
 * - More than one, in the process started by `npm start`: this process becomes the primary (role
 *   `primary`: it serves nothing itself; main.ts, when it is the entry, returns); it forks the workers.
 * - In a forked worker (role `worker`): main.ts runs the whole service as usual, with the store and the
 *   store given here when it lives in the primary (its JWT replay check included: `rememberJti`).
 */
import cluster from 'node:cluster';
import type { AuditQueueStats, Store } from '../store/index.ts';
import { IpcClient, IpcStore } from './ipc-store.ts';
import { keepYoungGenerationSmall } from './primary-heap.ts';
import { ClusterRateLimitStore } from './rate-limit-sync.ts';
import { runPrimary } from './primary.ts';
import type { PrimaryLogger } from './primary.ts';
import { STORE_MODE_ENV } from './protocol.ts';
import type { LastGoodRules, RulesFanOutResult, StoreMode } from './protocol.ts';
import type { RulesReloadOutcome } from './ipc-store.ts';
import { workerCount } from './worker-count.ts';

export { workerCount } from './worker-count.ts';
export { IpcClient, IpcStore, StoreUnavailableError } from './ipc-store.ts';
export type { RulesReloadOutcome } from './ipc-store.ts';
export type { LastGoodRules, RulesFanOutResult } from './protocol.ts';
export { runPrimary } from './primary.ts';
export { MetricsCollector } from './metrics-collector.ts';
export { ClusterRateLimitStore, RateLimitHub } from './rate-limit-sync.ts';

export type ClusterRole =
  | { readonly role: 'single' }
  | {
      readonly role: 'primary';
      readonly workers: number;
      /** Stops the workers (each finishes its calls in flight) and the store; does not exit the process. */
      shutdown(reason: string): Promise<void>;
    }
  | {
      readonly role: 'worker';
      /** The primary's store (PGlite held there); undefined: open your own (PostgreSQL) or none. */
      readonly store?: Store & { auditQueueStats(): AuditQueueStats };
      readonly storeMode: StoreMode;
      /** The whole cluster's metrics: see metrics-collector.ts. */
      readonly metrics: WorkerMetrics;
      /** A rate-limit store counting for the whole cluster (express-rate-limit `store`): rate-limit-sync.ts. */
      readonly rateLimitStore: () => ClusterRateLimitStore;
      /** This worker's part in the cluster's rule sets. */
      readonly rules: WorkerRules;
    };

/** A worker's part in the cluster's rule sets (primary.ts: last good rules, reloads through the admin API). */
export interface WorkerRules {
  /** Tells the primary this worker serves a set it loaded from the folder (kept as the last good set). */
  loaded(rules: LastGoodRules): void;
  /** The last good set the workers loaded, from the primary; undefined when none has been loaded. */
  lastGood(): Promise<LastGoodRules | undefined>;
  /** Has every other worker reload its folder; resolves once they have (or the primary's timeout passed). */
  reloadOthers(): Promise<RulesFanOutResult>;
  /** Reloads this worker's rules when another worker's were reloaded through the admin API. */
  onReloadRequest(reload: () => Promise<RulesReloadOutcome>): void;
}

/** A worker's part in the cluster's metrics. */
export interface WorkerMetrics {
  /** Serves this worker's metrics to the primary's collections (prom-client `getMetricsAsJSON()`). */
  provide(local: () => Promise<readonly unknown[]>): void;
  /** Every serving worker's metrics (prom-client JSON each), to merge; rejects when one is missing. */
  collect(): Promise<(readonly unknown[])[]>;
}

export interface StartClusterOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly logger: PrimaryLogger;
  /**
   * The store the service uses, if any: `external` when it is a server every process can open
   * (PostgreSQL, DATABASE_URL); otherwise it is opened once, in the primary, with `open`.
   */
  readonly store?: { readonly external: boolean; readonly open: () => Promise<Store & { auditQueueStats?: () => AuditQueueStats }> };
  /** The script workers run (default: this process's own, `process.argv[1]`). */
  readonly exec?: string;
  /** Silence after which a worker is killed and replaced, ms (primary.ts). */
  readonly workerWatchdogMs?: number;
  /** How the primary ends the process after a stop (default process.exit; the service passes bootstrap's exitProcess). */
  readonly exit?: (code: number) => void;
}

/**
 * Decides this process's role and, in the primary, starts the workers.
 * @returns The role; on `primary` the caller must not start the service itself.
 */
export async function startCluster(options: StartClusterOptions): Promise<ClusterRole> {
  const env = options.env ?? process.env;
  if (cluster.isWorker) {
    const mode = (env[STORE_MODE_ENV] ?? 'none') as StoreMode;
    const client = new IpcClient(process);
    return {
      role: 'worker',
      storeMode: mode,
      metrics: {
        provide: (local) => client.onMetricsRequest(local),
        collect: () => client.call<(readonly unknown[])[]>('metrics', 'collect', []),
      },
      rateLimitStore: () => {
        const store = new ClusterRateLimitStore({ workerId: cluster.worker?.id ?? 0, post: (m) => client.post(m) });
        client.onRateTotals((m) => store.receive(m));
        return store;
      },
      rules: {
        loaded: (rules) => void client.post({ cds: 1, kind: 'rules-loaded', rules }),
        lastGood: async () => (await client.call<LastGoodRules | null>('rules', 'lastGood', [])) ?? undefined,
        reloadOthers: () => client.call<RulesFanOutResult>('rules', 'reloadOthers', []),
        onReloadRequest: (reload) => client.onRulesReload(reload),
      },
      ...(mode === 'ipc' ? { store: new IpcStore(client, 'pglite') } : {}),
    };
  }
  const count = workerCount(env);
  if (!count.ok) {
    throw new Error(count.error);
  }
  // Logged at every start: how many processes serve, and why (a container's CPU limit caps "every core").
  options.logger.info({ workers: count.value, basis: count.basis }, count.value <= 1 ? 'workers: one process' : `workers: ${count.value}`);
  if (count.value <= 1) {
    return { role: 'single' };
  }
  // The primary allocates little; the workers, forked with the command line's flags, keep theirs.
  keepYoungGenerationSmall();
  const storeMode: StoreMode = options.store ? (options.store.external ? 'direct' : 'ipc') : 'none';
  const primary = await runPrimary({
    workers: count.value,
    logger: options.logger,
    storeMode,
    ...(options.store ? { openStore: options.store.open } : {}),
    ...(options.exec ? { exec: options.exec } : {}),
    ...(options.workerWatchdogMs ? { workerWatchdogMs: options.workerWatchdogMs } : {}),
    ...(options.exit ? { exit: options.exit } : {}),
  });
  return { role: 'primary', workers: count.value, shutdown: (reason) => primary.shutdown(reason) };
}
