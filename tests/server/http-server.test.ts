// Slow clients are cut off by the limits the service sets (src/server/http-server.ts), not only when
// Node's default 30 s check comes round. Small limits here; each wait is bounded by the test's timeout,
// well under Node's default check interval, so nothing is timed.
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/server/index.ts';
import type { Server } from 'node:http';

const LIMITS = { headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 5_000, checkIntervalMs: 100 };

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function listening(): Promise<number> {
  // Reads the whole body before answering, as the JSON body parser does.
  server = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('{}'));
  }, LIMITS);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Everything the server sends until it closes the connection. */
function untilClosed(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(text));
  });
}

describe('HTTP server limits for slow clients', () => {
  it('answers 408 and closes the connection of a client that sends half its headers, then nothing', async () => {
    const socket = connect(await listening(), '127.0.0.1');
    const answer = untilClosed(socket);
    socket.write('POST /cds-services/x HTTP/1.1\r\nHost: localhost\r\nContent-Type: appl');
    expect(await answer).toMatch(/^HTTP\/1\.1 408 /);
  }, 10_000);

  it('answers 408 and closes the connection of a client that dribbles its body', async () => {
    const socket = connect(await listening(), '127.0.0.1');
    const answer = untilClosed(socket);
    socket.write('POST /cds-services/x HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n');
    const drip = setInterval(() => socket.writable && socket.write(' '), 50);
    try {
      expect(await answer).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(drip);
    }
  }, 10_000);
});
