/**
 * Composition root of the cluster primary (WORKERS > 1; src/start.ts loads this instead of main.ts in
 * the process `npm start` starts). The primary serves no HTTP: it forks the workers, holds embedded
 * PGlite for them (the JWT replay check included), and shuts them down in order (src/cluster/primary.ts).
 *
 * It loads only what that needs: not the HTTP stack, the rule engine, FHIR helpers or the terminology,
 * which every worker loads for itself. The primary is then a smaller process (its V8 heap, which its
 * garbage collector walks while the workers compete for the same cores, is about half as large) and
 * its own start-up takes less CPU from the workers starting beside it (docs/benchmark.md).
 * main.ts still works as a primary too (`node src/main.ts` with WORKERS > 1), loading everything.
 */
import { fileURLToPath } from 'node:url';
import { createProcessLogger, exitProcess, loadConfigOrExit, logSettingWarnings, openStore, stopOnUncaughtException } from './bootstrap.ts';
import { startCluster } from './cluster/index.ts';

const { config, warnings } = loadConfigOrExit();
const logger = createProcessLogger(config);
logSettingWarnings(logger, warnings, false);
const role = await startCluster({
  logger,
  workerWatchdogMs: config.workerWatchdogMs,
  exit: exitProcess,
  store: { external: Boolean(config.store.databaseUrl), open: () => openStore(config, logger) },
  // Workers run start.ts (which loads main.ts in a worker), also when this file was started directly.
  exec: fileURLToPath(new URL('./start.ts', import.meta.url)),
}).catch((err: Error) => {
  logger.fatal({ err: err.message }, 'cluster start failed');
  process.exit(1);
});
if (role.role !== 'primary') {
  // start.ts loads this module only where WORKERS > 1 in the first process.
  logger.fatal({ role: role.role }, 'src/primary-main.ts runs the cluster primary only (WORKERS > 1); start the service with src/start.ts (npm start)');
  process.exit(1);
}
// An uncaught exception here stops the cluster as SIGTERM does (the workers finish their calls in flight
// and hand over their audit records, the store is closed), then exits 1 for a clean restart.
stopOnUncaughtException((reason) => void role.shutdown(reason).finally(() => exitProcess(1)));
