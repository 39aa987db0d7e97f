/**
 * The HTTP server the app listens on, with the limits for slow clients.
 *
 * Node checks `headersTimeout` and `requestTimeout` only every `connectionsCheckingInterval` (30 s by
 * default, as `app.listen` leaves it): a client that sent half its headers and then nothing was cut off
 * after 30 s instead of 10, one dribbling its body after 60 s instead of 30. Checked every second here.
 */
import http from 'node:http';
import type { RequestListener } from 'node:http';

export interface HttpServerTimeouts {
  /** Longest time to receive a request's headers, ms. */
  readonly headersTimeoutMs: number;
  /** Longest time to receive a whole request, ms. */
  readonly requestTimeoutMs: number;
  /** How long an idle kept-alive connection stays open, ms (above the usual proxies' 60 s). */
  readonly keepAliveTimeoutMs: number;
  /** How often the two limits above are checked, ms. */
  readonly checkIntervalMs: number;
}

export const HTTP_TIMEOUTS: HttpServerTimeouts = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 65_000, checkIntervalMs: 1_000 };

const drains = new WeakMap<http.Server, () => void>();

export function createHttpServer(app: RequestListener, timeouts: HttpServerTimeouts = HTTP_TIMEOUTS): http.Server {
  const server = http.createServer(
    { connectionsCheckingInterval: timeouts.checkIntervalMs, headersTimeout: timeouts.headersTimeoutMs, requestTimeout: timeouts.requestTimeoutMs },
    app
  );
  server.keepAliveTimeout = timeouts.keepAliveTimeoutMs;
  // The answers being worked on, so that a shutdown can tell their clients not to reuse the connection.
  const inFlight = new Set<http.ServerResponse>();
  let draining = false;
  server.prependListener('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    if (draining) {
      res.setHeader('Connection', 'close');
      return;
    }
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });
  drains.set(server, () => {
    draining = true;
    for (const res of inFlight) {
      if (!res.headersSent) res.setHeader('Connection', 'close');
    }
    server.closeIdleConnections();
    setInterval(() => server.closeIdleConnections(), 100).unref();
  });
  return server;
}

/**
 * Lets a server made by createHttpServer stop cleanly while clients keep their connections open (EHRs
 * and proxies do): every answer not yet sent, and every later one, says "Connection: close" (the client
 * then opens a new connection, to another replica, instead of sending on this one as it closes), and
 * connections are closed as soon as they are idle. Call with server.close().
 */
export function drainHttpServer(server: http.Server): void {
  const drain = drains.get(server);
  if (drain) {
    drain();
  } else {
    server.closeIdleConnections();
  }
}
