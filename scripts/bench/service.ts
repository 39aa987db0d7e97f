/**
 * Starts a server under test as a real child process, waits until it is ready, and stops it.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { RssMonitor } from './proc.ts';

export interface RunningServer {
  readonly pid: number;
  readonly port: number;
  readonly baseUrl: string;
  /** Spawn to the first 200 from the ready path, ms. */
  readonly readyMs: number;
  readonly rss: RssMonitor;
  /** What the child wrote to stderr (kept for error reports; stdout, the request log, is discarded). */
  stderr(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface StartOptions {
  /** Script and arguments after `node`. */
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  /** Path polled until it answers 200 (default /readyz). */
  readonly readyPath?: string;
  readonly timeoutMs?: number;
  readonly cwd: string;
  /** Extra node flags (e.g. --cpu-prof). */
  readonly nodeFlags?: readonly string[];
}

/** A free TCP port on 127.0.0.1 (bound then released; the child binds it right after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(500) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(10);
  }
  throw new Error(`not ready after ${timeoutMs} ms: ${url}`);
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const port = await freePort();
  const env = { ...process.env, ...options.env, PORT: String(port), HOST: '127.0.0.1' };
  const started = performance.now();
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...options.args], {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    stderr = (stderr + d).slice(-20_000);
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${baseUrl}${options.readyPath ?? '/readyz'}`, child, options.timeoutMs ?? 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n--- stderr ---\n${stderr}`);
  }
  const readyMs = performance.now() - started;
  const rss = new RssMonitor(child.pid!);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    pid: child.pid!,
    port,
    baseUrl,
    readyMs,
    rss,
    stderr: () => stderr,
    stop: async (graceMs = 15_000) => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
