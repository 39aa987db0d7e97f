// Slow clients are cut off by the limits the service sets (src/server/http-server.ts), not only when
// Node's default 30 s check comes round. Small limits here; each wait is bounded by the test's timeout,
// well under Node's default check interval, so nothing is timed.
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeHttpServer, createHttpServer } from '../../src/server/index.ts';
import { until } from '../support/processes.ts';
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

/** The OperationOutcome a raw HTTP answer carries (its content type checked). */
function outcomeOf(answer: string): { resourceType: string; issue: { severity: string; code: string; details: { text: string } }[] } {
  const [head, body] = answer.split('\r\n\r\n', 2);
  expect(head).toMatch(/\r\ncontent-type: application\/fhir\+json/i);
  const outcome = JSON.parse(body ?? '');
  expect(outcome.resourceType).toBe('OperationOutcome');
  return outcome;
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
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(outcomeOf(text).issue[0]?.code).toBe('timeout');
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

// A request Node's parser refuses never reaches a route: it is answered as every other refusal, with a FHIR
// OperationOutcome (Node's own answer has an empty body), and nothing of the request is echoed.
describe('requests the HTTP parser refuses', () => {
  it('answers malformed HTTP with 400 and an OperationOutcome that does not echo the request', async () => {
    const socket = connect(await listening(), '127.0.0.1');
    const answer = untilClosed(socket);
    socket.write('POST /cds-services/x HTTP/1.1\r\nHost: localhost\r\nX-Secret<script> no colon\r\n\r\n');
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(outcomeOf(text).issue[0]).toMatchObject({ severity: 'error', code: 'structure' });
    expect(text).not.toMatch(/Secret|script/);
  }, 10_000);

  it('answers headers larger than Node accepts with 431 and an OperationOutcome', async () => {
    const socket = connect(await listening(), '127.0.0.1');
    const answer = untilClosed(socket);
    socket.write(`GET /cds-services HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 431 /);
    expect(outcomeOf(text).issue[0]?.code).toBe('too-costly');
  }, 10_000);
});

// A shutdown (SIGTERM) must not reset a request the client sent on a kept-alive connection just after the
// previous answer: the connection is "idle" to Node the moment that answer is out, but the next request may
// already be on its way. Closing every idle connection at once reset one such request per connection.
describe('HTTP server drain on shutdown', () => {
  const REQUEST = 'POST /cds-services/x HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}';

  /** A server that starts its shutdown as soon as its first answer has been sent. */
  async function drainingAfterFirstAnswer(drainQuietMs: number): Promise<{ port: number; closed: Promise<void> }> {
    let answers = 0;
    let closed!: Promise<void>;
    const srv = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (++answers === 1) {
          res.once('finish', () => {
            closed = closeHttpServer(srv);
          });
        }
        res.end('{}');
      });
    }, { ...LIMITS, drainQuietMs });
    server = srv;
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    return { port: (srv.address() as AddressInfo).port, get closed() { return closed; } };
  }

  it('answers a request sent on the kept-alive connection right after the previous answer, with Connection: close', async () => {
    // A quiet period far longer than the client takes to send its next request, so the outcome does not
    // depend on the machine's speed.
    const drained = await drainingAfterFirstAnswer(5_000);
    const socket = connect(drained.port, '127.0.0.1');
    const all = untilClosed(socket);
    let sentSecond = false;
    socket.on('data', () => {
      if (!sentSecond) {
        sentSecond = true;
        socket.write(REQUEST);
      }
    });
    socket.write(REQUEST);
    const text = await all;
    const answers = text.match(/HTTP\/1\.1 \d+ /g) ?? [];
    expect(answers).toEqual(['HTTP/1.1 200 ', 'HTTP/1.1 200 ']);
    expect(text.slice(text.lastIndexOf('HTTP/1.1')).toLowerCase()).toContain('connection: close');
    await drained.closed;
  }, 15_000);

  // Under load the event loop is busy for longer than the quiet period: a request sent right after an answer
  // can wait unread in the socket while the clock runs. The stop must not count that time as quiet and reset
  // the request (a cluster worker did, during a burst: ops review 2, F2).
  it('answers a request that was waiting unread while the event loop was busy when the stop began', async () => {
    const srv = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('{}'));
    }, { ...LIMITS, drainQuietMs: 100 });
    server = srv;
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const socket = connect((srv.address() as AddressInfo).port, '127.0.0.1');
    const all = untilClosed(socket);
    let closed: Promise<void> | undefined;
    socket.once('data', () => {
      // The next request reaches the server's socket, then this process (the server's too) is busy for three
      // quiet periods before the stop begins: the server has not read the request yet.
      socket.write(REQUEST);
      const busyUntil = performance.now() + 300;
      while (performance.now() < busyUntil) {
        // busy
      }
      closed = closeHttpServer(srv);
    });
    socket.write(REQUEST);
    const text = await all;
    expect(text.match(/HTTP\/1\.1 \d+ /g)).toEqual(['HTTP/1.1 200 ', 'HTTP/1.1 200 ']);
    expect(text.slice(text.lastIndexOf('HTTP/1.1')).toLowerCase()).toContain('connection: close');
    await closed;
  }, 15_000);

  it('closes a kept-alive connection that stays quiet, so the server can finish closing', async () => {
    const drained = await drainingAfterFirstAnswer(50);
    const socket = connect(drained.port, '127.0.0.1');
    const all = untilClosed(socket);
    socket.write(REQUEST);
    expect((await all).match(/HTTP\/1\.1 \d+ /g)).toEqual(['HTTP/1.1 200 ']);
    await drained.closed;
  }, 15_000);

  // Bytes read while no request is open (the rest of a body after an early answer, a stray CRLF after a
  // request) are activity, not a request: the connection is closed once they stop. Before, such a
  // connection never counted as quiet and the stop waited for its deadline (8 s), then exited 1.
  for (const [name, first, after] of [
    ['the rest of a body after an answer sent before the body was read', 'POST /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\n', '0123456789'],
    ['a stray CRLF after a request', REQUEST, '\r\n'],
  ] as const) {
    it(`closes a connection that sent ${name}, once it is quiet`, async () => {
      // Answers at once, without reading the body (as a 415 or 401 does).
      // Kept-alive connections are not closed by their own timeout during the test: only the drain closes this one.
      const srv = createHttpServer((_req, res) => res.end('{}'), { ...LIMITS, keepAliveTimeoutMs: 120_000, drainQuietMs: 50 });
      server = srv;
      let serverSide: Socket | undefined;
      srv.on('connection', (s: Socket) => (serverSide = s));
      await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
      const socket = connect((srv.address() as AddressInfo).port, '127.0.0.1');
      const all = untilClosed(socket);
      socket.once('data', () => socket.write(after));
      socket.write(first);
      // The stop begins once the server has read everything, the bytes after the answer included.
      const total = Buffer.byteLength(first) + Buffer.byteLength(after);
      await until('the server to read every byte', () => (serverSide && serverSide.bytesRead >= total ? true : undefined), 10_000);
      await closeHttpServer(srv);
      expect((await all).match(/HTTP\/1\.1 \d+ /g)).toEqual(['HTTP/1.1 200 ']);
    }, 15_000);
  }
});
