/**
 * Composition root: load config, the store, service definitions, rules and CDS client trust, build
 * the app, listen, and shut down cleanly on SIGTERM/SIGINT (finish in-flight requests, write the
 * audit queue).
 */
import { setupAdmin } from './admin/index.ts';
import { startRuleSync } from './admin/rule-sync.ts';
import nodeCluster from 'node:cluster';
import { createProcessLogger, exitProcess, loadConfigOrExit, logSettingWarnings, openStore, stopOnUncaughtException } from './bootstrap.ts';
import { startCluster } from './cluster/index.ts';
import type { RulesFanOutResult } from './cluster/index.ts';
import { lastGoodRecorder, startFromLastGood } from './engine/last-good-rules.ts';
import { createRuleSetHolder } from './engine/rule-set-holder.ts';
import type { HolderResult, ReloadResult, RuleSetHolder, RuleSetSnapshot } from './engine/rule-set-holder.ts';
import { watchRules } from './engine/watch-rules.ts';
import { loadServiceDefinitions } from './protocol/index.ts';
import { createCdsAuth } from './security/index.ts';
import { closeHttpServer, createApp, createHttpServer } from './server/index.ts';
import { createMetrics } from './shared/index.ts';
import type { Logger } from './shared/index.ts';
import { createPatientKeyer, loadPatientKeySecret, replayStoreFrom } from './store/index.ts';
import type { AuditQueueStats, Store } from './store/index.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How long in-flight requests may run after SIGTERM before they are cut off (main.ts shutdown). */
const SHUTDOWN_DEADLINE_MS = 8_000;
/** After the deadline, how long the audit queue may take to be written before the process exits. */
const SHUTDOWN_FLUSH_MS = 1_500;
/**
 * After an uncaught exception, how long the calls in flight may run: the process's state may be
 * inconsistent, so it stops sooner than on SIGTERM (the audit queue then gets SHUTDOWN_FLUSH_MS as well).
 */
const FATAL_DEADLINE_MS = 2_000;

/** Purges audit rows past the retention period now and then daily. */
function scheduleRetention(store: Store, days: number, logger: Logger): NodeJS.Timeout | undefined {
  if (days <= 0) {
    return undefined;
  }
  const purge = (): void => {
    store.purgeAuditOlderThan(new Date(Date.now() - days * DAY_MS)).then(
      (rows) => rows > 0 && logger.info({ rows, days }, 'purged audit rows past the retention period'),
      (err: Error) => logger.warn({ err: err.message }, 'audit retention purge failed; will retry tomorrow')
    );
  };
  purge();
  const timer = setInterval(purge, DAY_MS);
  timer.unref();
  return timer;
}

/**
 * Reloads this worker's rules, then (when the folder loaded) has every other worker of the cluster reload
 * theirs, and resolves once they have: what the admin API reloads (a save, POST /admin/api/reload).
 */
async function reloadEverywhere(holder: RuleSetHolder, clusterRules: { reloadOthers(): Promise<RulesFanOutResult> }, logger: Logger): Promise<ReloadResult> {
  const result = await holder.reload();
  if (!result.ok) {
    // A folder that does not load here does not load on the other workers: they keep serving their set.
    return result;
  }
  try {
    const fanOut = await clusterRules.reloadOthers();
    const behind = fanOut.workers.filter((w) => !w.ok || w.version !== result.ruleSet.version);
    if (fanOut.unanswered.length > 0 || behind.length > 0) {
      logger.error(
        { ruleSetVersion: result.ruleSet.version, unanswered: fanOut.unanswered, behind },
        'rules reloaded on this worker, but not every other worker confirmed the same set'
      );
    }
  } catch (err) {
    logger.error({ err: (err as Error).message, ruleSetVersion: result.ruleSet.version }, 'rules reloaded on this worker, but the other workers could not be asked to reload');
  }
  return result;
}

async function main(): Promise<void> {
  const { config, warnings } = loadConfigOrExit();
  const logger = createProcessLogger(config);
  logSettingWarnings(logger, warnings, nodeCluster.isWorker);

  // WORKERS > 1 (default: every core in production): this process becomes the cluster primary and forks
  // workers that run everything below (src/cluster/). Embedded PGlite can be opened by one process only,
  // so then it lives in the primary and workers reach it over IPC; PostgreSQL is opened by each worker.
  const external = Boolean(config.store.databaseUrl);
  const cluster = await startCluster({
    logger,
    workerWatchdogMs: config.workerWatchdogMs,
    exit: exitProcess,
    store: { external, open: () => openStore(config, logger) },
  }).catch((err: Error) => {
    logger.fatal({ err: err.message }, 'cluster start failed');
    process.exit(1);
  });
  if (cluster.role === 'primary') {
    stopOnUncaughtException((reason) => void cluster.shutdown(reason).finally(() => exitProcess(1)));
    return;
  }
  const ownsStore = !(cluster.role === 'worker' && cluster.store);
  const store: Store =
    cluster.role === 'worker' && cluster.store
      ? cluster.store
      : await openStore(config, logger).catch((err: unknown) => {
          const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined;
          logger.fatal({ err: err instanceof Error ? err.message : String(err), ...(cause ? { cause } : {}) }, 'the store could not be opened; exiting');
          process.exit(1);
        });
  const { secret } = await loadPatientKeySecret({ configured: config.store.auditKeySecret, dataDir: config.store.dataDir, logger });
  const patientKey = createPatientKeyer(secret);

  const services = await loadServiceDefinitions(config.servicesDir);
  if (!services.ok) {
    logger.fatal({ errors: services.errors }, 'invalid CDS service definitions');
    process.exit(1);
  }
  // The holder serves the rule set and swaps it on reload only when the whole folder is valid.
  const clusterRules = cluster.role === 'worker' ? cluster.rules : undefined;
  // Every set loaded from the folder is kept in the store (a restart while the folder is broken serves it),
  // and in a cluster the primary keeps it too (primary.ts: a replacement worker is handed it).
  const lastGood = lastGoodRecorder(store, logger);
  const onChange = (snapshot: RuleSetSnapshot): void => {
    lastGood.record(snapshot);
    clusterRules?.loaded({ version: snapshot.ruleSet.version, sources: snapshot.sources });
  };
  const holderOptions = { rulesDir: config.rulesDir, logger, onChange };
  let rules: HolderResult = await createRuleSetHolder(holderOptions);
  if (rules.ok) {
    onChange(rules.value.snapshot());
  } else {
    // A start while a rule file on disk is broken (being edited, a typo, a bad deploy): a crash or a restart
    // then would leave no CDS check at all until the file is fixed, and a cluster a worker short for good. It
    // serves the last set loaded from the folder, as a running service does while the file is broken, and its
    // watcher moves it on once the folder is fixed: a worker asks the primary (the set the other workers serve)
    // first, then the store (the primary restarted too). Only a start with nothing kept refuses (last-good-rules.ts).
    rules = await startFromLastGood({
      holder: holderOptions,
      errors: rules.errors,
      logger,
      who: clusterRules ? 'this worker' : 'this process',
      sources: [
        ...(clusterRules ? [{ describe: 'the last rule set the cluster loaded', read: () => clusterRules.lastGood() }] : []),
        { describe: 'the last rule set loaded from the folder and kept in the store', read: () => store.lastGoodRules() },
      ],
    });
  }
  if (!rules.ok) {
    logger.fatal({ errors: rules.errors }, 'invalid rule set');
    process.exit(1);
  }
  const holder = rules.value;
  // Every worker serves what the admin API saved or reloaded, also with RULES_WATCH=off: a reload through
  // the admin API on this worker has the primary make every other worker reload its folder, and returns
  // once they have (primary.ts), so a save answers with the set the whole cluster serves.
  clusterRules?.onReloadRequest(async () => {
    const result = await holder.reload();
    return result.ok ? { ok: true, version: result.ruleSet.version } : { ok: false, version: result.ruleSet.version, errors: result.errors };
  });
  const adminHolder: RuleSetHolder = clusterRules ? { ...holder, reload: () => reloadEverywhere(holder, clusterRules, logger) } : holder;
  // JWT jti replay state lives in the store: shared by every worker and replica, and kept across
  // restarts, so a token cannot be replayed within its lifetime anywhere (CDS Hooks 2.0 security).
  const replayStore = replayStoreFrom(store);
  const auth = await createCdsAuth(config.auth, replayStore, logger);
  if (!auth.ok) {
    logger.fatal({ errors: auth.errors }, 'invalid CDS client trust configuration');
    process.exit(1);
  }
  if (auth.value.mode === 'off') {
    const banner = 'CDS CLIENT AUTHENTICATION IS OFF (CDS_AUTH=off): anyone who can reach this port can call the service. Development only.';
    logger.warn(banner);
    console.error(`\n*** ${banner} ***\n`);
  } else if (config.auth.trustDevIssuer) {
    logger.warn({ issuers: auth.value.issuers }, 'the local development issuer is trusted (tokens from node scripts/mint-token.ts); configure CDS_TRUSTED_CLIENTS_FILE for real EHRs');
  }
  if (config.fhir.allowAnyServer) {
    logger.warn(
      'FHIR_SERVER_ALLOWLIST=*: the service calls any FHIR server a CDS client names (internal addresses included, https only in production); list your EHRs\' FHIR base URLs instead'
    );
  }
  const admin = await setupAdmin({ config, holder: adminHolder, services: services.value, store, logger });
  if (admin.errors.length > 0) {
    logger.error({ errors: admin.errors }, 'rule administration API disabled (answers 503): fix its configuration; the CDS service runs on');
  }
  for (const notice of admin.notices) {
    logger.warn(notice);
    if (config.admin.auth === 'off') {
      console.error(`\n*** ${notice} ***\n`);
    }
  }
  // Hot reload: a fixed rule file takes effect within about a second, a broken one is refused.
  const watcher = config.rulesWatch.enabled ? watchRules(holder, { pollMs: config.rulesWatch.pollMs, debounceMs: config.rulesWatch.debounceMs, logger }) : undefined;
  // Replicas on other hosts: apply rule changes made through another replica's admin API.
  const ruleSync = external ? await startRuleSync({ store, holder, pollMs: config.store.ruleSyncPollMs, logger }) : undefined;
  const retention = scheduleRetention(store, config.store.auditRetentionDays, logger);

  // In a cluster, /metrics on any worker answers for every worker (src/cluster/metrics-collector.ts).
  const diagnostics = store as Store & { auditQueueStats?: () => AuditQueueStats };
  // Process figures too (memory, heap, CPU, event-loop delay): what an operator watches beside the
  // service's own, and how the benchmark's RSS and latency figures are checked in production.
  const metrics = createMetrics(() => holder.current().version, {
    processMetrics: true,
    ...(typeof diagnostics.auditQueueStats === 'function' ? { audit: () => diagnostics.auditQueueStats!() } : {}),
  });
  const clusterMetrics = cluster.role === 'worker' ? cluster.metrics : undefined;
  clusterMetrics?.provide(() => metrics.registry.getMetricsAsJSON());
  const app = createApp({
    config,
    logger,
    services: services.value,
    auth: auth.value,
    ruleSet: holder.current,
    admin: admin.router,
    store,
    patientKey,
    metrics,
    ...(clusterMetrics ? { clusterMetrics: () => clusterMetrics.collect() } : {}),
    ...(cluster.role === 'worker' ? { rateLimitStore: cluster.rateLimitStore } : {}),
  });
  const server = createHttpServer(app).listen(config.port, config.host, () => {
    logger.info(
      {
        url: `http://${config.host}:${config.port}/cds-services`,
        publicBaseUrl: config.publicBaseUrl,
        ruleSetVersion: holder.current().version,
        rules: holder.current().rules.length,
        store: external ? 'postgresql' : 'pglite',
        rulesWatch: watcher ? `on (poll ${config.rulesWatch.pollMs} ms)` : 'off',
        admin: `http://${config.host}:${config.port}/admin/`,
      },
      'CDS service listening'
    );
  });
  server.on('error', (err: NodeJS.ErrnoException) => {
    // Before listening (a bad HOST, a port in use or not allowed): say which setting to change.
    logger.fatal(
      { host: config.host, port: config.port, code: err.code },
      `could not listen on ${config.host}:${config.port} (${err.code ?? err.message}): check HOST and PORT`
    );
    process.exit(1);
  });
  let stopping = false;
  /**
   * Stops accepting, lets the calls in flight finish (until the deadline), writes the audit queue and
   * exits: 0 after a clean SIGTERM, 1 when something was cut off or lost, or after an uncaught exception.
   */
  const shutdown = (signal: string, failed = false): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    const deadlineMs = failed ? FATAL_DEADLINE_MS : SHUTDOWN_DEADLINE_MS;
    logger.info({ signal }, 'shutting down: finishing in-flight requests, then writing the audit queue');
    watcher?.close();
    ruleSync?.close();
    if (retention) {
      clearInterval(retention);
    }
    // Connections busy now (an EHR or a proxy keeps its connections open between calls) would stay open
    // once their answer is sent, and the server would wait for them until the forced exit: every answer
    // not yet sent says "Connection: close", and connections are closed once quiet (http-server.ts).
    // A server that was not listening any more (ERR_SERVER_NOT_RUNNING) has nothing to drain: the store is still written.
    // A set loaded just before the stop (a save, then a restart) is kept before the store closes.
    // After an uncaught exception this worker stops on its own while the primary goes on accepting: it stops
    // listening at once (http-server.ts CloseOptions), so new calls go to the other workers.
    void closeHttpServer(server, { takeQueued: !failed }).catch(() => undefined).then(() => lastGood.idle()).then(() => {
      const done = ownsStore ? store.close() : store.flush();
      done.then(
        () => {
          // Records the store could not write at close (a full disk) make the stop unclean.
          const lost = ownsStore ? (diagnostics.auditQueueStats?.().droppedClosed ?? 0) : 0;
          if (lost > 0) logger.error({ lost }, 'audit records could not be written on shutdown');
          exitProcess(lost > 0 || failed ? 1 : 0);
        },
        (err: Error) => {
          logger.error({ err: err.message }, 'could not write the audit queue on shutdown');
          exitProcess(1);
        }
      );
    });
    // A request still running after this long is cut off, the audit queue is written as far as it can
    // be in a short while, and the exit code is 1, so the stop shows as unclean. Both together stay below
    // the cluster primary's 15 s grace period and a container engine's usual 10 s stop timeout.
    setTimeout(() => {
      logger.error({ afterMs: deadlineMs }, 'shutdown: requests still in flight at the deadline; cutting them off');
      const written = ownsStore ? store.close() : store.flush();
      const late = new Promise((resolve) => setTimeout(resolve, SHUTDOWN_FLUSH_MS).unref());
      const exit = (): never => exitProcess(1);
      void Promise.race([written, late]).then(exit, exit);
    }, deadlineMs).unref();
  };
  stopOnUncaughtException((reason) => shutdown(reason, true));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

await main();
