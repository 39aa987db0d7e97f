/**
 * The HTTP server the app listens on, with the limits for slow clients.
 *
 * Node checks `headersTimeout` and `requestTimeout` only every `connectionsCheckingInterval` (30 s by
 * default, as `app.listen` leaves it): a client that sent half its headers and then nothing was cut off
 * after 30 s instead of 10, one dribbling its body after 60 s instead of 30. Checked every second here.
 */
import http from 'node:http';
import type { RequestListener } from 'node:http';
import cluster from 'node:cluster';
import net from 'node:net';
import type { Socket } from 'node:net';

export interface HttpServerTimeouts {
  /** Longest time to receive a request's headers, ms. */
  readonly headersTimeoutMs: number;
  /** Longest time to receive a whole request, ms. */
  readonly requestTimeoutMs: number;
  /** How long an idle kept-alive connection stays open, ms (above the usual proxies' 60 s). */
  readonly keepAliveTimeoutMs: number;
  /** How often the two limits above are checked, ms. */
  readonly checkIntervalMs: number;
  /**
   * On a shutdown, how long a kept-alive connection must have been idle (no request on it, nothing read
   * from it) before it is closed, ms. Default {@link DRAIN_QUIET_MS}.
   */
  readonly drainQuietMs?: number;
  /**
   * In a cluster worker, on a shutdown: the longest time it goes on taking the connections the primary had
   * queued for it before it stops listening, ms. Default {@link DRAIN_LISTENER_MAX_MS}.
   */
  readonly drainListenerMaxMs?: number;
}

export const HTTP_TIMEOUTS: HttpServerTimeouts = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 65_000, checkIntervalMs: 1_000 };

/**
 * A connection whose answer went out a moment ago is "idle" to Node, yet the client's next request may
 * already be on its way or unread in the socket: closing it then resets that request (a POST, which no
 * client resends by itself). A client that has sent nothing for this long is not in the middle of sending.
 */
export const DRAIN_QUIET_MS = 250;
/**
 * A cluster worker stops listening once no connection has been handed to it for `drainQuietMs`, or after
 * this long in any case (the primary kept accepting: a worker stopped on its own), ms.
 */
export const DRAIN_LISTENER_MAX_MS = 2_000;
/** How often a draining server looks for connections that have gone quiet, ms. */
const DRAIN_SWEEP_MS = 50;

/** What the drain needs to know about one connection. */
interface ConnectionState {
  /** Requests on it not yet answered and closed. */
  busy: number;
  /** When it last showed activity (opened, its last answer closed, bytes read), performance.now(). */
  idleSince: number;
  /** socket.bytesRead then: more read since is activity (a request arriving, or the rest of a body). */
  bytesAtIdle: number;
  /** The answer being worked on, if any: once its headers are out, nothing else may be written. */
  response?: http.ServerResponse;
}

/**
 * What Node's HTTP parser refuses before any route sees the request, as status, reason phrase and text: the
 * codes Node itself would answer (431 for headers too large, 408 for a client too slow, else 400).
 */
function clientErrorAnswer(code: string | undefined): readonly [number, string, string, string] {
  if (code === 'HPE_HEADER_OVERFLOW') return [431, 'Request Header Fields Too Large', 'too-costly', 'The request headers are too large.'];
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'Request Timeout', 'timeout', 'The request was not received in time: send the whole request at once.'];
  return [400, 'Bad Request', 'structure', 'The request is not valid HTTP/1.1.'];
}

/**
 * Answers a request that Node's parser refused (malformed, headers too large, or too slow to arrive) as every
 * other refusal is answered: a FHIR OperationOutcome saying what is wrong, not Node's empty body. Nothing from
 * the request is echoed. A connection whose answer is already under way, or that can no longer be written to,
 * is only closed.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket, state: ConnectionState | undefined): void {
  if (error.code === 'ECONNRESET' || !socket.writable || state?.response?.headersSent === true) {
    socket.destroy();
    return;
  }
  const [status, reason, issueCode, text] = clientErrorAnswer(error.code);
  const body = JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: issueCode, details: { text } }] });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/fhir+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`
  );
}

const drains = new WeakMap<http.Server, (options: CloseOptions) => Promise<void>>();

export function createHttpServer(app: RequestListener, timeouts: HttpServerTimeouts = HTTP_TIMEOUTS): http.Server {
  const server = http.createServer(
    { connectionsCheckingInterval: timeouts.checkIntervalMs, headersTimeout: timeouts.headersTimeoutMs, requestTimeout: timeouts.requestTimeoutMs },
    app
  );
  server.keepAliveTimeout = timeouts.keepAliveTimeoutMs;
  const quietMs = timeouts.drainQuietMs ?? DRAIN_QUIET_MS;
  const listenerMaxMs = timeouts.drainListenerMaxMs ?? DRAIN_LISTENER_MAX_MS;
  // The answers being worked on, so that a shutdown can tell their clients not to reuse the connection,
  // and every open connection with what it is doing, so that a shutdown closes only the quiet ones.
  const inFlight = new Set<http.ServerResponse>();
  const connections = new Map<Socket, ConnectionState>();
  let draining = false;
  server.on('connection', (socket: Socket) => {
    connections.set(socket, { busy: 0, idleSince: performance.now(), bytesAtIdle: socket.bytesRead });
    socket.once('close', () => connections.delete(socket));
  });
  server.on('clientError', (error: Error & { code?: string }, socket: Socket) => answerClientError(error, socket, connections.get(socket)));
  server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const connection = connections.get(req.socket);
    if (connection) {
      connection.busy++;
      connection.response = res;
      res.once('close', () => {
        connection.busy--;
        if (connection.response === res) delete connection.response;
        connection.idleSince = performance.now();
        connection.bytesAtIdle = req.socket.bytesRead;
      });
    }
    if (draining) {
      res.setHeader('Connection', 'close');
      return;
    }
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });
  // Connections handed to this process, for a cluster worker's drain (see stopListening below).
  let connectionsSeen = 0;
  let lastConnectionAt = 0;
  server.on('connection', () => {
    connectionsSeen++;
    lastConnectionAt = performance.now();
  });
  let drainStartedAt = 0;
  /**
   * Closes the connections with no request on them and nothing read for at least quietMs, counted from the
   * later of their last activity and the start of the drain. Bytes read while no request is open restart the
   * clock rather than keep the connection open for good: the rest of a body after an early answer (a 415 or
   * 401 sent before the body was read), or a stray CRLF after a request, which HTTP servers ignore, would
   * otherwise hold the stop until its deadline.
   *
   * The clock is wall-clock time, which runs on while this process's event loop is busy and reads nothing:
   * a request already waiting in the socket is not yet counted in bytesRead. So no connection is closed in
   * the turn that finds it quiet (the drain's own turn included): it is looked at again after the event
   * loop has read what was waiting (setImmediate runs after the poll phase), and closed only if nothing came.
   */
  const closeQuiet = (): void => {
    const now = performance.now();
    const quiet: [Socket, ConnectionState, number][] = [];
    for (const [socket, state] of connections) {
      if (state.busy > 0) continue;
      if (socket.bytesRead !== state.bytesAtIdle) {
        state.bytesAtIdle = socket.bytesRead;
        state.idleSince = now;
      } else if (now - Math.max(state.idleSince, drainStartedAt) >= quietMs) {
        quiet.push([socket, state, state.bytesAtIdle]);
      }
    }
    if (quiet.length === 0) return;
    setImmediate(() => {
      for (const [socket, state, bytes] of quiet) {
        if (state.busy === 0 && socket.bytesRead === bytes && connections.get(socket) === state) socket.destroy();
      }
    });
  };
  /**
   * Stops accepting connections. One process closes its listening socket at once (new connections are then
   * refused). A cluster worker does not own the listening socket: the primary accepts the connections and
   * queues them for the workers (Node's round-robin cluster), and closes the queued ones, which resets
   * them, when the last worker stops listening. On a stop the primary closes its listening socket first
   * (src/cluster/primary.ts); a worker then goes on taking the connections already queued for it, and stops
   * listening once none has been handed to it for quietMs (checked again after the event loop has read
   * its IPC channel), or after listenerMaxMs in any case (a worker stopped on its own, while the
   * primary keeps accepting: the other workers take the connections).
   */
  const stopListening = (takeQueued: boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      const close = (): void => {
        net.Server.prototype.close.call(server, (err?: Error) => (err ? reject(err) : resolve()));
      };
      if (!cluster.isWorker || !server.listening || !takeQueued) {
        close();
        return;
      }
      let looking = false;
      const check = setInterval(() => {
        const now = performance.now();
        const overdue = now - drainStartedAt >= listenerMaxMs;
        if (looking || (!overdue && now - Math.max(lastConnectionAt, drainStartedAt) < quietMs)) return;
        looking = true;
        const seen = connectionsSeen;
        setImmediate(() => {
          looking = false;
          if (!overdue && connectionsSeen !== seen) return;
          clearInterval(check);
          close();
        });
      }, Math.min(DRAIN_SWEEP_MS, quietMs));
    });
  drains.set(server, (options) => {
    if (!draining) {
      draining = true;
      drainStartedAt = performance.now();
      for (const res of inFlight) {
        if (!res.headersSent) res.setHeader('Connection', 'close');
      }
      const sweep = setInterval(closeQuiet, Math.min(DRAIN_SWEEP_MS, quietMs));
      sweep.unref();
      server.once('close', () => clearInterval(sweep));
    }
    return stopListening(options.takeQueued ?? true);
  });
  return server;
}

/**
 * Stops a server made by createHttpServer cleanly while clients keep their connections open (EHRs and
 * proxies do): it stops accepting connections (a cluster worker once the connections the primary queued
 * for it have been handed over, see stopListening above); every answer not yet sent, and every later one, says
 * "Connection: close" (the client then opens a new connection, to another replica, instead of sending on
 * this one as it closes); and connections are closed once they have been quiet for `drainQuietMs` since
 * the drain began or their last activity, whichever is later (a request that arrives before that is
 * answered, with "Connection: close").
 *
 * Not `server.close()`: since Node 19 it also closes every idle connection at once, which resets a request
 * the client sent just after its previous answer. The listening socket is closed as net.Server closes it
 * (http.Server's timeout check, an unref'd timer, then finds no connection to check).
 * @param server - From {@link createHttpServer} (another server is closed with `server.close()`).
 * @returns Resolves when the last connection has closed.
 */
export function closeHttpServer(server: http.Server, options: CloseOptions = {}): Promise<void> {
  const drain = drains.get(server);
  if (!drain) {
    return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  }
  return drain(options);
}

/** How {@link closeHttpServer} stops. */
export interface CloseOptions {
  /**
   * A cluster worker goes on taking the connections the primary queued for it before it stops listening (default
   * true): right for a stop of the whole service, where the primary closed its listening socket first. False for a
   * worker stopping on its own (an uncaught exception): the primary goes on accepting and would keep handing it
   * new connections until its deadline cut them off (reset, or never answered); it stops listening at once, and the
   * primary gives new connections to the other workers.
   */
  readonly takeQueued?: boolean;
}
