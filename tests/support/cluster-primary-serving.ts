// A cluster primary (src/cluster/primary.ts) with one worker and a short "no serving worker" backstop:
//   node tests/support/cluster-primary-serving.ts <worker script> <no serving worker exit ms>
// Logs one JSON line per event on stdout; exits as the primary decides.
import { runPrimary } from '../../src/cluster/primary.ts';

const [exec, noServingMs] = process.argv.slice(2);
const line = (level: string) => (obj: object, msg: string) => process.stdout.write(`${JSON.stringify({ level, msg, ...obj })}\n`);
await runPrimary({
  workers: 1,
  storeMode: 'none',
  logger: { info: line('info'), warn: line('warn'), error: line('error') },
  ...(exec ? { exec } : {}),
  noServingWorkerExitMs: Number(noServingMs),
});
