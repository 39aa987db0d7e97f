// A cluster primary (src/cluster/primary.ts) with one worker script of the test's choosing:
//   node tests/support/cluster-primary.ts <worker script> <option>=<ms>
// where <option> is workerStartTimeoutMs or noServingWorkerExitMs. Logs one JSON line per event on stdout;
// exits as the primary decides. Tests run it with runPrimaryScript below.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runPrimary } from '../../src/cluster/primary.ts';

const SELF = fileURLToPath(import.meta.url);

export interface PrimaryRun {
  /** Exit code; null when the guard had to kill it. */
  readonly code: number | null;
  /** Its stdout. */
  readonly out: string;
  /** The `msg` of every JSON line it logged. */
  readonly messages: string[];
}

/**
 * Runs this script as a child process until it exits (killed after `guardMs`).
 * @param worker - Path of the worker script.
 * @param option - The primary's timing option under test, in ms.
 * @param env - Extra environment for the primary and its worker.
 */
export async function runPrimaryScript(
  worker: string,
  option: { workerStartTimeoutMs: number } | { noServingWorkerExitMs: number },
  guardMs: number,
  env: Record<string, string> = {}
): Promise<PrimaryRun> {
  const [name, value] = Object.entries(option)[0]!;
  const child = spawn(process.execPath, [SELF, worker, `${name}=${value}`], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => {
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, guardMs);
    child.on('exit', (c) => {
      clearTimeout(guard);
      resolve(c);
    });
  });
  const messages = out
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { msg: string }).msg);
  return { code, out, messages };
}

if (process.argv[1] === SELF) {
  const [exec, setting] = process.argv.slice(2);
  const [name, value] = (setting ?? '').split('=');
  const line = (level: string) => (obj: object, msg: string) => process.stdout.write(`${JSON.stringify({ level, msg, ...obj })}\n`);
  await runPrimary({
    workers: 1,
    storeMode: 'none',
    logger: { info: line('info'), warn: line('warn'), error: line('error') },
    ...(exec ? { exec } : {}),
    ...(name === 'workerStartTimeoutMs' ? { workerStartTimeoutMs: Number(value) } : {}),
    ...(name === 'noServingWorkerExitMs' ? { noServingWorkerExitMs: Number(value) } : {}),
  });
}
