// A cluster primary (src/cluster/primary.ts) with a worker script of the test's choosing:
//   node tests/support/cluster-primary.ts <worker script> <worker start timeout ms>
// Logs one JSON line per event on stdout; exits as the primary decides.
import { runPrimary } from '../../src/cluster/primary.ts';

const [exec, startTimeout] = process.argv.slice(2);
const line = (level: string) => (obj: object, msg: string) => process.stdout.write(`${JSON.stringify({ level, msg, ...obj })}\n`);
await runPrimary({
  workers: 1,
  storeMode: 'none',
  logger: { info: line('info'), warn: line('warn'), error: line('error') },
  ...(exec ? { exec } : {}),
  workerStartTimeoutMs: Number(startTimeout),
});
