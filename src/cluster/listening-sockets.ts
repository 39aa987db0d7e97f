/**
 * The cluster primary's listening sockets, so that a stop closes them first.
 *
 * In Node's round-robin cluster (the default except on Windows) the primary owns the listening socket: it
 * accepts every connection and queues it until a worker takes it. It closes that socket only when the
 * last worker has stopped listening, and then closes the connections still queued, which resets them (a
 * POST the client had already sent goes unanswered). Workers stop listening only once they have handled
 * their SIGTERM, a few hundred ms later under load, and meanwhile the primary goes on accepting. Closing
 * the primary's socket at the start of the stop makes new connections refused at once (ECONNREFUSED,
 * which a proxy retries on another replica), while the connections already queued are still handed to
 * the workers, which go on taking them until none comes (src/server/http-server.ts, stopListening).
 *
 * Node does not expose that socket. It is created with net.Server.listen in the primary (its
 * RoundRobinHandle), which publishes on the documented diagnostics channel
 * `tracing:net.server.listen:asyncEnd` with the server, whose `_handle` is the socket at that moment (the
 * round-robin handle takes it over right after). The primary serves nothing itself, so every server listening
 * there is one of the cluster's (a test running a primary in its own process may listen too: only sockets a
 * round-robin handle took over from their server are closed).
 */
import dc from 'node:diagnostics_channel';

/** The part of a libuv stream handle (a TCP or pipe wrap) used here. */
interface ListeningHandle {
  close(): void;
}

const LISTEN_END = 'tracing:net.server.listen:asyncEnd';

export interface ListeningSockets {
  /** How many were seen (0: none yet, or Node no longer publishes them: a stop cannot close them first). */
  count(): number;
  /** Closes them all (new connections are refused; those already accepted are not touched); returns how many. */
  closeAll(): number;
}

/**
 * Starts recording the listening sockets this process opens from now on. Call it in the primary before
 * forking the workers.
 */
export function recordListeningSockets(): ListeningSockets {
  const seen: { server: { _handle?: unknown }; handle: ListeningHandle }[] = [];
  const onListen = (message: unknown): void => {
    const server = (message as { server?: { _handle?: unknown } } | undefined)?.server;
    const handle = server?._handle;
    if (server && handle && typeof (handle as ListeningHandle).close === 'function') seen.push({ server, handle: handle as ListeningHandle });
  };
  dc.subscribe(LISTEN_END, onListen);
  // The round-robin handle takes the socket from its server (whose _handle is then null); a server of this
  // process's own (a test's) keeps its socket and is left alone.
  const taken = (): ListeningHandle[] => seen.filter((s) => s.server._handle == null).map((s) => s.handle);
  return {
    count: () => taken().length,
    closeAll: () => {
      dc.unsubscribe(LISTEN_END, onListen);
      const handles = taken();
      // Closing a handle that is already closed (its last worker left) does nothing.
      for (const handle of handles) handle.close();
      seen.length = 0;
      return handles.length;
    },
  };
}
