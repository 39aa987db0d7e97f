/**
 * Helpers for tests that start the service as a real process: a free port, a bounded wait for a
 * condition, and a FHIR server that accepts connections and never answers (a stalled EHR).
 */
import { createServer } from 'node:net';
import type { Socket } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** Polls `probe` every 50 ms until it gives a value; throws naming `what` after `limitMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, limitMs = 30_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface StalledServer {
  /** Its base URL, as a FHIR server's: http://127.0.0.1:<port>/fhir */
  readonly url: string;
  /** The connections it holds open (one per call made to it). */
  readonly sockets: ReadonlySet<Socket>;
  close(): void;
}

/** A server that takes every connection and never answers. */
export async function startStalledServer(): Promise<StalledServer> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('data', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return {
    url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/fhir`,
    sockets,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
