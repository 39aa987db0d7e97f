// The service started as `npm start` starts it (its environment settings, V8 flags and src/start.ts), as a
// real process on a free port with its own DATA_DIR, for tests of what only a whole process shows: a stop
// on SIGTERM or after an uncaught exception, its exit code, what it wrote to the store.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createStore } from '../../src/store/index.ts';
import { sqlOf } from '../store/helpers.ts';
import { npmStartCommand } from './npm-start.ts';
import { freePort, until } from './processes.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** http://127.0.0.1:<port> */
  readonly base: string;
  readonly dataDir: string;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Its exit code (null when ended by a signal). */
  readonly exited: Promise<number | null>;
  /** Kills it if still running and removes its DATA_DIR. */
  dispose(): Promise<void>;
}

export interface ServiceProcessOptions {
  /** Settings over the defaults below (auth off, no rate limit, one process, info logs). */
  readonly env?: Record<string, string>;
  /** A module loaded with `node --import` before the entry (tests/support/throw-on-signal.ts). */
  readonly importFirst?: string;
}

/** Starts the service and waits until /readyz answers 200. */
export async function startServiceProcess(options: ServiceProcessOptions = {}): Promise<ServiceProcess> {
  const npmStart = npmStartCommand();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cds-service-process-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const flags = npmStart.nodeArgs.slice(0, -1);
  const entry = npmStart.nodeArgs.at(-1)!;
  const child = spawn(process.execPath, [...flags, ...(options.importFirst ? ['--import', options.importFirst] : []), entry], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...npmStart.env,
      WORKERS: '1',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATA_DIR: dataDir,
      CDS_AUTH: 'off',
      RATE_LIMIT_PER_MINUTE: '0',
      NODE_ENV: '',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const dispose = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await fs.rm(dataDir, { recursive: true, force: true });
  };
  try {
    await until('the service to be ready', async () => {
      if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode} before it was ready:\n${out}`);
      const res = await fetch(`${base}/readyz`).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    }, 60_000);
  } catch (error) {
    await dispose();
    throw error;
  }
  return { child, base, dataDir, output: () => out, exited, dispose };
}

/** The statuses audited for each hook instance, from a stopped service's DATA_DIR. */
export async function auditedStatuses(dataDir: string, hookInstances: readonly string[]): Promise<Record<string, number[]>> {
  const store = await createStore({ dataDir });
  try {
    const rows = await sqlOf(store).query<{ hook_instance: string; status: number }>('SELECT hook_instance, status FROM invocations WHERE hook_instance = ANY($1::text[])', [hookInstances]);
    const byInstance: Record<string, number[]> = Object.fromEntries(hookInstances.map((h) => [h, []]));
    for (const row of rows) byInstance[row.hook_instance]!.push(Number(row.status));
    return byInstance;
  } finally {
    await store.close();
  }
}
