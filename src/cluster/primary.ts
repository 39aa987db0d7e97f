/**
 * The cluster primary: forks the workers (each runs the whole service and serves HTTP on the shared
 * port, connections spread round-robin by Node's cluster module), restarts a worker that dies, holds the
 * single-process resources, and shuts down in order.
 *
 * - Store: with embedded PGlite (single-process) the primary opens it, while the workers start, and
 *   answers the workers' store calls (ipc-store.ts); calls wait until it is open, audit records are held
 *   in order until then, and a store that cannot be opened stops everything (exit 1). With PostgreSQL
 *   every worker opens its own pool and the primary opens none.
 * - JWT replay: each worker checks a token's jti with the store (`rememberJti`), the one every worker
 *   shares, so a token used once is refused by all of them.
 * - SIGTERM/SIGINT: stop restarting, close the listening socket (it is the primary's in Node's round-robin
 *   cluster: new connections are refused from then on, listening-sockets.ts), send SIGTERM to every worker
 *   (each takes the connections already queued for it, stops listening, finishes its in-flight requests and
 *   exits, see main.ts and src/server/http-server.ts), wait for them (SIGKILL after the grace period), then
 *   flush and close the store. Exit code 0, or 1 when a worker had to cut requests off (its exit code was not 0).
 * - A worker that does not start listening within `workerStartTimeoutMs` is killed (see below).
 * - Watchdog: a serving worker that has sent nothing for `workerWatchdogMs` (it answers a ping every few
 *   seconds from its event loop) is stuck; it is killed (SIGKILL) and replaced like a worker that died.
 * - A worker that dies before the service ever became ready means start-up failed (bad rules, port in
 *   use): the primary stops everything and exits 1 instead of restarting in a loop. After that, a dead
 *   worker is replaced, with a back-off when workers keep dying.
 * - Last good rules: every worker reports the rule set it loads from the folder (its files); the primary
 *   keeps the latest and hands it to a replacement worker that finds the folder broken on disk (a typo
 *   being edited when a worker was killed), which then serves it instead of exiting (main.ts): the
 *   cluster keeps its workers while the previous rules keep answering, as with one process. This memory is
 *   gone when the primary restarts: each worker also keeps the set it loads in the store, and one that finds
 *   the folder broken while the primary has none serves the store's (src/engine/last-good-rules.ts).
 * - No serving worker: when, after the service was ready, no worker has been serving for
 *   `noServingWorkerExitMs` (every replacement fails to start), the primary stops and exits 1, so that a
 *   supervisor restarts (or reports) the service instead of a process that serves nothing staying up.
 * - Rule reloads through the admin API: the worker that reloaded asks the primary (`rules.reloadOthers`)
 *   to have every other worker reload its folder, and is answered once they have (or after
 *   `rulesReloadTimeoutMs`): a save answers when the whole cluster serves it, also with RULES_WATCH=off.
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { performance } from 'node:perf_hooks';
import { callHandler } from './call-handler.ts';
import type { HorizonSource } from './call-handler.ts';
import type { AuditQueueStats, InvocationRecord, Store } from '../store/index.ts';
import { recordListeningSockets } from './listening-sockets.ts';
import { MetricsCollector } from './metrics-collector.ts';
import { primaryProcessMetrics } from './primary-process-metrics.ts';
import { RateLimitHub } from './rate-limit-sync.ts';
import { isCdsMessage, STORE_MODE_ENV } from './protocol.ts';
import type {
  CallMessage,
  LastGoodRules,
  MetricsRequestMessage,
  PingMessage,
  ResultMessage,
  RulesFanOutResult,
  RulesReloadMessage,
  SnoozeHorizonMessage,
  StatsMessage,
  StoreMode,
  WorkerToPrimary,
} from './protocol.ts';

export interface PrimaryLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface PrimaryOptions {
  readonly workers: number;
  readonly logger: PrimaryLogger;
  /** `ipc`: open the store here (PGlite) and serve it; `direct`: workers open their own; `none`: no store. */
  readonly storeMode: StoreMode;
  /** Opens the store (storeMode `ipc` only). */
  readonly openStore?: () => Promise<Store & { auditQueueStats?: () => AuditQueueStats } & HorizonSource>;
  /** How long workers get to finish in-flight requests on shutdown, ms. Default 15 000. */
  readonly shutdownGraceMs?: number;
  /** Script the workers run (default: the primary's own entry). */
  readonly exec?: string;
  /** Exits the process (tests replace it). */
  readonly exit?: (code: number) => void;
  /** How long a metrics collection waits for every serving worker, ms. Default 5 000. */
  readonly metricsTimeoutMs?: number;
  /**
   * A serving worker from which nothing (not even the answer to a ping, sent every few seconds) has come
   * for this long is stuck (its event loop blocked) and is killed, then replaced. Default 30 000.
   */
  readonly workerWatchdogMs?: number;
  /**
   * A worker that has not started listening this long after it was forked is stuck in its start-up (a
   * rules folder on a hung network share...): it is killed. Before any worker ever listened that stops
   * the cluster (exit 1, as any start-up failure); later, it is replaced like a worker that died.
   * Default 60 000.
   */
  readonly workerStartTimeoutMs?: number;
  /**
   * After the service was ready: how long the cluster may have no serving worker (every replacement dies
   * or hangs in its start-up) before the primary stops and exits 1 for its supervisor. Default 30 000.
   */
  readonly noServingWorkerExitMs?: number;
  /** How long a rule reload through the admin API waits for the other workers to reload, ms. Default 5 000. */
  readonly rulesReloadTimeoutMs?: number;
}

export interface PrimaryHandle {
  /** Stops the workers and the store; resolves when done (does not exit the process). */
  shutdown(signal: string): Promise<void>;
  /** Live workers. */
  workers(): readonly Worker[];
}

/** Audit records held while the store opens (as many as the audit queue holds). */
const MAX_EARLY_RECORDS = 10_000;

/**
 * Starts the primary: opens the store when it lives here, forks the workers, installs signal handlers.
 * @returns A handle (the process stays alive while workers run).
 */
export async function runPrimary(options: PrimaryOptions): Promise<PrimaryHandle> {
  const { logger } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const graceMs = options.shutdownGraceMs ?? 15_000;
  // The store opens while the workers start (each takes about as long): start-up to ready is the longer
  // of the two, not their sum. Until it is open, audit records from workers wait here, in order, and
  // store calls (a worker's /readyz ping included) wait for it; if it cannot be opened, everything stops.
  let store: (Store & { auditQueueStats?: () => AuditQueueStats } & HorizonSource) | undefined;
  let early: InvocationRecord[] = [];
  let droppedEarly = 0;
  const opening = options.storeMode === 'ipc' && options.openStore ? options.openStore() : undefined;
  const enqueue = (record: InvocationRecord): void => {
    if (store) {
      store.enqueueInvocation(record);
    } else if (opening) {
      early.push(record);
      if (early.length > MAX_EARLY_RECORDS) {
        early.shift();
        droppedEarly++;
      }
    }
  };
  // Registered first, so it runs before any call that waits for the store: those see the early records.
  const opened = opening?.then((s) => {
    store = s;
    for (const record of early) s.enqueueInvocation(record);
    early = [];
    if (droppedEarly > 0) logger.error({ dropped: droppedEarly }, 'cluster: audit records received while the store was opening were dropped (too many)');
  });

  cluster.setupPrimary({ serialization: 'advanced', ...(options.exec ? { exec: options.exec } : {}) });
  // The listening socket the workers share lives here: a stop closes it first (listening-sockets.ts).
  const listeningSockets = recordListeningSockets();

  let shuttingDown = false;
  let everListening = false;
  let shutdownPromise: Promise<void> | undefined;
  const recentDeaths: number[] = [];

  const answer = (worker: Worker, message: ResultMessage): void => {
    if (worker.isConnected()) {
      worker.send(message, undefined, () => undefined);
    }
  };

  // Every worker learns of a new snooze before the call that made it is answered (workers answer "no
  // snooze" themselves for patients they have no horizon for: see IpcStore.activeSnoozes).
  const announceSnooze = (patientKey: string, expiresMs: number): void => {
    const message: SnoozeHorizonMessage = { cds: 1, kind: 'snooze-horizon', entries: [[patientKey, expiresMs]] };
    for (const w of live()) {
      if (w.isConnected()) w.send(message, undefined, () => undefined);
    }
  };
  let handle = callHandler(undefined);
  opened?.then(
    () => {
      handle = callHandler(store, announceSnooze);
      // After the store thread was replaced, the snooze horizons it learned again reach every worker.
      const relearned = (store as { onHorizonsRelearned?: (listener: (entries: readonly (readonly [string, number])[]) => void) => void } | undefined)?.onHorizonsRelearned;
      relearned?.call(store, (entries) => {
        const message: SnoozeHorizonMessage = { cds: 1, kind: 'snooze-horizon', entries };
        for (const w of live()) {
          if (w.isConnected()) w.send(message, undefined, () => undefined);
        }
      });
    },
    () => undefined // reported below
  );
  // /metrics on any worker answers for the whole cluster (metrics-collector.ts): the workers serving now
  // (listening) are asked for their registries.
  const collector = new MetricsCollector(options.metricsTimeoutMs);
  // ...and this process's own figures with them (primary-process-metrics.ts).
  const ownFigures = primaryProcessMetrics();
  const serving = new Map<number, Worker>();
  /**
   * A worker no longer asked for its metrics (killed by the watchdog, or gone) has its last counts retired
   * at the same moment: a collection between the two (the watchdog's kill and the worker's exit) summed
   * the counters without it, and Prometheus reads a counter that falls as a reset.
   */
  const stopServing = (id: number): void => {
    serving.delete(id);
    collector.forget(id);
    // A rule reload waiting for this worker's answer does not wait for a worker that is gone.
    for (const fanOut of fanOuts.values()) {
      if (fanOut.waiting.delete(id)) fanOut.settle();
    }
    watchServing();
  };
  // Backstop: no worker serving for noServingWorkerExitMs after the service was ready (replacements keep
  // dying at start-up: a rules folder broken before any worker ever loaded one here, a services folder
  // broken, a full disk...). Stopping with exit 1 hands the service to its supervisor (a restart, an alert)
  // instead of a primary that is alive while the port refuses every connection. Not unref'd: the
  // process must not end quietly with code 0 meanwhile.
  const noServingExitMs = options.noServingWorkerExitMs ?? 30_000;
  let noServingTimer: NodeJS.Timeout | undefined;
  function watchServing(): void {
    if (shuttingDown || !everListening) return;
    if (serving.size > 0) {
      if (noServingTimer) {
        clearTimeout(noServingTimer);
        noServingTimer = undefined;
        logger.info({ workers: serving.size }, 'cluster: a worker is serving again');
      }
      return;
    }
    if (noServingTimer) return;
    logger.error({ exitInMs: noServingExitMs }, 'cluster: no worker is serving; every call is refused until a replacement starts');
    noServingTimer = setTimeout(() => {
      noServingTimer = undefined;
      if (shuttingDown || serving.size > 0) return;
      logger.error(
        { afterMs: noServingExitMs },
        'cluster: no worker could start serving in time (see the workers\' log lines for why); stopping with exit code 1 so that the supervisor restarts the service'
      );
      void shutdown('no serving worker').then(() => exit(1));
    }, noServingExitMs);
  }
  const collectMetrics = async (call: CallMessage): Promise<ResultMessage> => {
    try {
      const sources = [...serving.values()].map((w) => ({
        id: w.id,
        send: (m: MetricsRequestMessage): boolean => {
          if (!w.isConnected()) return false;
          // send() returns false when the channel has a backlog; the message is still queued and delivered.
          w.send(m, undefined, () => undefined);
          return true;
        },
      }));
      const parts = await collector.collect(sources);
      return { cds: 1, kind: 'result', id: call.id, ok: true, value: [...parts, ownFigures.read()] };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      return { cds: 1, kind: 'result', id: call.id, ok: false, error: { name: 'MetricsUnavailableError', message: e.message } };
    }
  };
  // One rate limit for the cluster: the workers' counts, shared every 100 ms (rate-limit-sync.ts).
  const rateLimits = new RateLimitHub();
  const rateTimer = setInterval(() => {
    const changes = rateLimits.takeChanges();
    if (!changes) return;
    for (const w of live()) {
      if (w.isConnected()) w.send(changes, undefined, () => undefined);
    }
  }, 100);
  rateTimer.unref();
  // The rule set the workers last loaded from the folder (never validated here: the primary does not load
  // the rule engine; the worker that is handed it builds and validates it as from disk).
  let lastGoodRules: LastGoodRules | undefined;
  // Rule reloads fanned out to the other workers: per reload, the serving workers not yet answered.
  const rulesTimeoutMs = options.rulesReloadTimeoutMs ?? 5_000;
  let fanOutId = 0;
  const fanOuts = new Map<number, { waiting: Map<number, Worker>; results: RulesFanOutResult['workers'][number][]; settle: () => void }>();
  const reloadOthers = (origin: Worker): Promise<RulesFanOutResult> =>
    new Promise((resolve) => {
      const id = ++fanOutId;
      const waiting = new Map<number, Worker>();
      const results: RulesFanOutResult['workers'][number][] = [];
      const message: RulesReloadMessage = { cds: 1, kind: 'rules-reload', id };
      // Every other worker reloads; a worker still starting reloads once it has its rules, unawaited.
      for (const w of live()) {
        if (w.id === origin.id || !w.isConnected()) continue;
        w.send(message, undefined, () => undefined);
        if (serving.has(w.id)) waiting.set(w.id, w);
      }
      const finish = (): void => {
        clearTimeout(timer);
        fanOuts.delete(id);
        resolve({ workers: results, unanswered: [...waiting.values()].map((w) => w.process.pid) });
      };
      const timer = setTimeout(finish, rulesTimeoutMs);
      timer.unref();
      fanOuts.set(id, { waiting, results, settle: () => waiting.size === 0 && finish() });
      if (waiting.size === 0) finish();
    });
  const serveRules = async (worker: Worker, call: CallMessage): Promise<ResultMessage> => {
    if (call.method === 'lastGood') {
      if (lastGoodRules) {
        logger.warn({ pid: worker.process.pid, version: lastGoodRules.version }, 'cluster: a worker could not load the rules folder at its start; it is handed the last good rule set the workers loaded');
      } else {
        logger.error({ pid: worker.process.pid }, 'cluster: a worker could not load the rules folder at its start, and no worker has loaded a rule set yet');
      }
      return { cds: 1, kind: 'result', id: call.id, ok: true, value: lastGoodRules ?? null };
    }
    if (call.method === 'reloadOthers') {
      return { cds: 1, kind: 'result', id: call.id, ok: true, value: await reloadOthers(worker) };
    }
    return { cds: 1, kind: 'result', id: call.id, ok: false, error: { name: 'Error', message: `unknown cluster call rules.${call.method}` } };
  };
  const serve = async (worker: Worker, call: CallMessage): Promise<void> => {
    if (call.target === 'metrics' && call.method === 'collect') {
      answer(worker, await collectMetrics(call));
      return;
    }
    if (call.target === 'rules') {
      answer(worker, await serveRules(worker, call));
      return;
    }
    if (opened && !store) {
      await opened.catch(() => undefined);
    }
    answer(worker, await handle(call));
  };

  // Watchdog: when each serving worker was last heard from (any message; pings keep quiet ones talking),
  // on a monotonic clock (a wall-clock step is not silence).
  const watchdogMs = options.workerWatchdogMs ?? 30_000;
  const tickMs = Math.max(50, Math.min(5000, Math.floor(watchdogMs / 4)));
  const lastHeard = new Map<number, number>();
  let pingId = 0;
  let lastTick = performance.now();
  const watchdog = setInterval(() => {
    if (shuttingDown) return;
    const now = performance.now();
    const lateMs = now - lastTick - tickMs;
    lastTick = now;
    if (lateMs > watchdogMs / 2) {
      // The primary itself was not running (paused: a frozen VM or container, SIGSTOP, a debugger): the
      // workers' silence over that time says nothing about them. Start counting again.
      for (const id of lastHeard.keys()) lastHeard.set(id, now);
      return;
    }
    const ping: PingMessage = { cds: 1, kind: 'ping', id: ++pingId };
    const silent: [number, Worker][] = [];
    for (const [id, worker] of serving) {
      if (now - (lastHeard.get(id) ?? now) >= watchdogMs) silent.push([id, worker]);
      else if (worker.isConnected()) worker.send(ping, undefined, () => undefined);
    }
    if (silent.length === 0) return;
    // Timers run before waiting messages are read: read them first (poll phase), then decide.
    setImmediate(() => {
      for (const [id, worker] of silent) {
        const silentMs = performance.now() - (lastHeard.get(id) ?? Number.POSITIVE_INFINITY);
        if (shuttingDown || worker.isDead() || !serving.has(id) || silentMs < watchdogMs) continue;
        logger.error({ pid: worker.process.pid, silentMs: Math.round(silentMs), watchdogMs }, 'cluster: worker stopped answering (its event loop is blocked); killing it');
        stopServing(id);
        worker.process.kill('SIGKILL');
      }
    });
  }, tickMs);
  watchdog.unref();

  const fork = (): Worker => {
    const worker = cluster.fork({ [STORE_MODE_ENV]: options.storeMode });
    worker.on('message', (message: unknown) => {
      if (!isCdsMessage(message)) return;
      lastHeard.set(worker.id, performance.now());
      const m = message as WorkerToPrimary;
      if (m.kind === 'enqueue') {
        enqueue(m.record);
      } else if (m.kind === 'enqueue-batch') {
        for (const record of m.records) enqueue(record);
      } else if (m.kind === 'call') {
        void serve(worker, m);
      } else if (m.kind === 'metrics-part') {
        collector.receive(worker.id, m);
      } else if (m.kind === 'rate-counts') {
        rateLimits.receive(worker.id, m);
      } else if (m.kind === 'rules-loaded') {
        lastGoodRules = m.rules;
      } else if (m.kind === 'rules-reloaded') {
        const fanOut = fanOuts.get(m.id);
        if (fanOut?.waiting.delete(worker.id)) {
          fanOut.results.push({ pid: worker.process.pid, ok: m.ok, version: m.version });
          fanOut.settle();
        }
      }
    });
    const startTimeoutMs = options.workerStartTimeoutMs ?? 60_000;
    const startTimer = setTimeout(() => {
      if (worker.isDead() || shuttingDown) return;
      logger.error({ pid: worker.process.pid, afterMs: startTimeoutMs }, 'cluster: worker did not start listening in time; killing it');
      worker.process.kill('SIGKILL');
    }, startTimeoutMs);
    startTimer.unref();
    worker.once('exit', () => clearTimeout(startTimer));
    worker.once('listening', () => {
      clearTimeout(startTimer);
      if (worker.isDead()) return; // handled after its exit: not serving
      serving.set(worker.id, worker);
      lastHeard.set(worker.id, performance.now());
      // A worker that starts serving learns the rate-limit counts of the window so far.
      const counts = rateLimits.snapshot();
      if (counts && worker.isConnected()) worker.send(counts, undefined, () => undefined);
      if (!everListening) {
        everListening = true;
        logger.info({ workers: options.workers, storeMode: options.storeMode }, 'cluster: first worker listening');
        if (listeningSockets.count() === 0 && cluster.schedulingPolicy === cluster.SCHED_RR) {
          logger.warn({}, 'cluster: the listening socket was not found (a Node version that no longer reports it): on a stop, connections the primary accepted but had not yet handed to a worker may be reset');
        }
      }
      watchServing();
    });
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    stopServing(worker.id);
    lastHeard.delete(worker.id);
    if (shuttingDown) return;
    if (!everListening) {
      logger.error({ pid: worker.process.pid, code, signal }, 'cluster: a worker failed during start-up; stopping');
      void shutdown('start-up failure').then(() => exit(1));
      return;
    }
    const now = Date.now();
    recentDeaths.push(now);
    while (recentDeaths.length > 0 && now - recentDeaths[0]! > 60_000) recentDeaths.shift();
    // 0 ms for an occasional death, doubling up to 10 s while workers keep dying.
    const delay = recentDeaths.length <= 1 ? 0 : Math.min(10_000, 100 * 2 ** (recentDeaths.length - 2));
    logger.error({ pid: worker.process.pid, code, signal, restartInMs: delay, deathsLastMinute: recentDeaths.length }, 'cluster: worker died; starting a replacement');
    setTimeout(() => {
      if (!shuttingDown) fork();
    }, delay).unref();
  });

  const statsTimer = opening
    ? setInterval(() => {
        if (!store?.auditQueueStats) return;
        const message: StatsMessage = { cds: 1, kind: 'stats', auditQueue: store.auditQueueStats() };
        for (const w of Object.values(cluster.workers ?? {})) {
          if (w?.isConnected()) w.send(message, undefined, () => undefined);
        }
      }, 1000)
    : undefined;
  statsTimer?.unref();

  const live = (): Worker[] => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());

  let uncleanWorkers = 0;
  let storeCloseFailed = false;
  const shutdown = (signal: string): Promise<void> => {
    shutdownPromise ??= (async () => {
      shuttingDown = true;
      clearInterval(watchdog);
      if (noServingTimer) clearTimeout(noServingTimer);
      if (statsTimer) clearInterval(statsTimer);
      clearInterval(rateTimer);
      ownFigures.stop();
      // Stop accepting first: new connections are refused at once (a proxy retries them elsewhere), while
      // those already accepted are still handed to the workers, which take them until none comes.
      const sockets = listeningSockets.closeAll();
      const workers = live();
      logger.info({ signal, workers: workers.length, listeningSocketsClosed: sockets }, 'cluster: shutting down: new connections refused, workers finish their in-flight requests');
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.isDead()) return resolve();
              const kill = setTimeout(() => {
                logger.warn({ pid: w.process.pid }, 'cluster: worker did not stop in time; killing it');
                w.process.kill('SIGKILL');
              }, graceMs);
              w.once('exit', (code: number | null, exitSignal: string | null) => {
                clearTimeout(kill);
                // A worker that had to cut requests off (its own deadline, or killed here) makes the
                // whole stop unclean: the primary then exits 1 too. One still starting has no handler
                // yet and ends by the SIGTERM itself, with nothing in flight: that is clean.
                if (code !== 0 && !(code === null && exitSignal === 'SIGTERM')) uncleanWorkers++;
                resolve();
              });
              w.process.kill('SIGTERM');
            })
        )
      );
      await opened?.catch(() => undefined);
      if (early.length > 0) {
        logger.error({ lost: early.length }, 'cluster: the store never opened: audit records lost');
      }
      if (store) {
        // close() writes the audit queue (a flush first would wait for a stuck store's call timeout).
        await store.close().then(
          () => {
            // Records the store could not write at close (a full disk): the stop was not clean.
            const lost = store?.auditQueueStats?.().droppedClosed ?? 0;
            if (lost > 0) {
              storeCloseFailed = true;
              logger.error({ lost }, 'cluster: audit records could not be written on shutdown');
            }
          },
          (error: unknown) => {
            // The audit records still queued were lost: the stop was not clean.
            storeCloseFailed = true;
            logger.error({ err: (error as Error).message }, 'cluster: store close failed on shutdown');
          }
        );
      }
      logger.info({}, 'cluster: stopped');
    })();
    return shutdownPromise;
  };

  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      void shutdown(sig).then(() => {
        if (uncleanWorkers > 0) logger.error({ workers: uncleanWorkers }, 'cluster: stopped, but workers did not stop cleanly (requests cut off, or their audit records could not be handed to the store: see their log lines)');
        exit(uncleanWorkers > 0 || storeCloseFailed ? 1 : 0);
      });
    });
  }

  opened?.catch((error: unknown) => {
    logger.error({ err: (error as Error).message }, 'cluster: the store could not be opened; stopping');
    void shutdown('store failure').then(() => exit(1));
  });

  for (let i = 0; i < options.workers; i++) fork();
  return { shutdown, workers: live };
}
