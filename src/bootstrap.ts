/**
 * What both composition roots do first: main.ts (the service: one process, or each cluster worker) and
 * primary-main.ts (the cluster primary). Kept apart from main.ts so the primary can start without
 * loading the HTTP stack, the rule engine and the terminology, which only workers use.
 */
import { loadConfig } from './config/index.ts';
import type { Config } from './config/index.ts';
import { createLogger } from './shared/logger.ts';
import type { Logger } from './shared/logger.ts';
import { createStore } from './store/index.ts';
import type { ServiceStore } from './store/index.ts';

/**
 * The configuration from the environment, and its warnings (log them with logSettingWarnings once the
 * logger exists); on errors, lists them on stderr and exits 1.
 */
export function loadConfigOrExit(): { readonly config: Config; readonly warnings: readonly string[] } {
  const configResult = loadConfig(process.env);
  if (!configResult.ok) {
    console.error(`Configuration errors:\n- ${configResult.errors.join('\n- ')}`);
    process.exit(1);
  }
  return { config: configResult.value, warnings: configResult.warnings };
}

/**
 * Logs the configuration's warnings (a misspelt setting, a FHIR timeout above the budget), each on a line of
 * its own. A cluster worker reads the same environment as its primary, which has said them already.
 */
export function logSettingWarnings(logger: Logger, warnings: readonly string[], isClusterWorker: boolean): void {
  if (isClusterWorker) return;
  for (const warning of warnings) {
    logger.warn({ setting: true }, warning);
  }
}

/**
 * How long the process may take to stop after an uncaught exception before it exits 1 regardless: above
 * a service process's own fatal stop (main.ts) and the cluster primary's worker grace period.
 */
const FATAL_BACKSTOP_MS = 20_000;

/** What the process does after an uncaught exception, before it exits (see stopOnUncaughtException). */
let fatalStop: ((reason: string) => void) | undefined;
/** An uncaught exception happened: whatever stop ends the process, it ends as failed (exitProcess). */
let uncaught = false;

/**
 * Ends the process with `code`, or with 1 once an uncaught exception has happened: a SIGTERM stop already
 * running when one happens (or one started after it) must not exit 0. Every stop path exits through here.
 */
export function exitProcess(code: number): never {
  process.exit(uncaught ? 1 : code);
}

/**
 * Registers the process's bounded stop for an uncaught exception: stop accepting, let the calls in flight
 * finish for a short while, write the audit queue, exit 1. Without it the process exited at once: the
 * calls in flight were reset and the audit records of calls already answered 200 were lost, with nothing
 * saying so. `stop` must end the process itself; a backstop exits 1 if it has not after FATAL_BACKSTOP_MS.
 */
export function stopOnUncaughtException(stop: (reason: string) => void): void {
  fatalStop = stop;
}

/**
 * The process's logger, with handlers for errors nothing else caught: a rejected promise is logged; an
 * uncaught exception is logged and the process stops and exits 1, since its state may be inconsistent (the
 * cluster primary or the container runtime restarts it cleanly): through the stop registered with
 * stopOnUncaughtException, else at once. A second uncaught exception during that stop exits at once.
 */
export function createProcessLogger(config: Config): Logger {
  // Buffered output: one write per 4 KiB of log lines instead of one per request (see createLogger).
  const logger = createLogger(config.logLevel, { bufferBytes: 4096 });
  process.on('unhandledRejection', (reason) => logger.error({ err: reason instanceof Error ? reason.message : String(reason) }, 'unhandled promise rejection'));
  let failed = false;
  process.on('uncaughtException', (err) => {
    logger.fatal({ err: err.message, stack: err.stack }, 'uncaught exception; stopping for a clean restart');
    // Whatever ends the process from here on (the stop, its deadline, an empty event loop), it ends as failed.
    uncaught = true;
    process.exitCode = 1;
    if (failed || !fatalStop) {
      process.exit(1);
    }
    failed = true;
    setTimeout(() => {
      logger.error({ afterMs: FATAL_BACKSTOP_MS }, 'the stop after an uncaught exception did not end the process in time; exiting');
      process.exit(1);
    }, FATAL_BACKSTOP_MS).unref();
    try {
      fatalStop('uncaughtException');
    } catch (stopError) {
      logger.fatal({ err: (stopError as Error).message }, 'the stop after an uncaught exception failed; exiting');
      process.exit(1);
    }
  });
  return logger;
}

/**
 * The store the configuration names: PostgreSQL with DATABASE_URL, else embedded PGlite in DATA_DIR,
 * on a thread of its own with a watchdog (cluster/thread-store.ts): a PGlite statement that runs long or
 * never ends must not hold the thread that accepts connections.
 */
export async function openStore(config: Config, logger: Logger): Promise<ServiceStore> {
  if (!config.store.databaseUrl) {
    const { ThreadStore } = await import('./cluster/thread-store.ts');
    return ThreadStore.open({
      store: { dataDir: config.store.dataDir, flushIntervalMs: config.store.auditFlushIntervalMs },
      logger,
      watchdogMs: config.store.storeWatchdogMs,
    });
  }
  return createStore({
    ...(config.store.databaseUrl ? { databaseUrl: config.store.databaseUrl } : {}),
    dataDir: config.store.dataDir,
    logger,
    flushIntervalMs: config.store.auditFlushIntervalMs,
  });
}
