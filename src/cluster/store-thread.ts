/**
 * The store thread's entry: embedded PGlite opened and served on a `worker_threads` thread of its own
 * (thread-store.ts starts it and is the only thing that talks to it).
 *
 * PGlite runs PostgreSQL as WebAssembly on the thread that calls it, and each statement runs to its end
 * without yielding. On the thread that also accepts connections (the cluster primary hands every new
 * connection to a worker; a single process answers the hooks itself) a long statement holds everything:
 * an analytics query over a large audit stopped new connections for most of a second, and with the disk
 * full PGlite spun in its WAL flush for good, so the primary never accepted a connection or obeyed
 * SIGTERM again. Here it holds only this thread: the owner keeps serving, and its watchdog ends this
 * thread (`Worker.terminate()` also interrupts WebAssembly) and starts another when the heartbeat stops.
 *
 * Messages (protocol.ts): calls answered by call-handler.ts with the real store; audit records queued;
 * a snooze horizon announced before the answer of the call that created the snooze; the audit queue's
 * stats and a heartbeat every `heartbeatMs`; log lines forwarded to the owner's logger.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createStore } from '../store/create-store.ts';
import type { CreateStoreOptions, ServiceStore } from '../store/create-store.ts';
import type { StoreLogger } from '../store/sql.ts';
import { callHandler } from './call-handler.ts';
import { isCdsMessage, SHARED } from './protocol.ts';
import type { CallMessage, OwnerToStoreThread, ResultMessage, StoreThreadToOwner } from './protocol.ts';

/** What thread-store.ts passes as `workerData`. */
export interface StoreThreadData {
  readonly store: Pick<CreateStoreOptions, 'dataDir' | 'flushIntervalMs' | 'auditBatchSize' | 'maxQueuedInvocations'>;
  /** How often the thread says it is alive, ms. */
  readonly heartbeatMs: number;
  /** Figures shared with the owner (protocol.ts `SHARED`): written here with Atomics, read there. */
  readonly shared: BigInt64Array;
}

const port = parentPort;
if (!port) throw new Error('store-thread.ts runs as a worker thread (see thread-store.ts)');
const data = workerData as StoreThreadData;

const post = (message: StoreThreadToOwner): void => {
  try {
    port.postMessage(message);
  } catch {
    // A log object that cannot be copied (a function inside): send what can be.
    if (message.kind === 'store-log') port.postMessage({ ...message, obj: { detail: String(JSON.stringify(message.obj) ?? '') } });
  }
};

const logger: StoreLogger = {
  info: (obj, msg) => post({ cds: 1, kind: 'store-log', level: 'info', obj, msg }),
  warn: (obj, msg) => post({ cds: 1, kind: 'store-log', level: 'warn', obj, msg }),
  error: (obj, msg) => post({ cds: 1, kind: 'store-log', level: 'error', obj, msg }),
};

const publish = (slot: number, value: number): void => {
  Atomics.store(data.shared, slot, BigInt(value));
};
let store: ServiceStore | undefined;
const opening = createStore({
  ...data.store,
  logger,
  onAuditSettled: (totals) => {
    publish(SHARED.written, totals.written);
    publish(SHARED.droppedFull, totals.droppedFull);
    publish(SHARED.rejected, totals.rejected);
    publish(SHARED.droppedClosed, totals.droppedClosed);
  },
});
let handle = callHandler(undefined);
const opened = opening.then((s) => {
  store = s;
  handle = callHandler(s, (patientKey, expiresMs) => post({ cds: 1, kind: 'snooze-horizon', entries: [[patientKey, expiresMs]] }));
  return s;
});

// Records and calls that arrive while the store opens wait for it, in order.
let backlog: OwnerToStoreThread[] | undefined = [];
const beat = setInterval(() => {
  post({ cds: 1, kind: 'store-heartbeat' });
  if (store) post({ cds: 1, kind: 'stats', auditQueue: store.auditQueueStats() });
}, data.heartbeatMs);

const serve = (call: CallMessage): void => {
  void handle(call).then((answer: ResultMessage) => post(answer));
};

let closing = false;
const close = async (): Promise<void> => {
  if (closing) return;
  closing = true;
  clearInterval(beat);
  await opened.catch(() => undefined);
  try {
    await store?.close();
  } catch (error) {
    logger.error({ err: error instanceof Error ? error.message : String(error) }, 'store thread: close failed');
  }
  post({ cds: 1, kind: 'store-closed', ...(store ? { auditQueue: store.auditQueueStats() } : {}) });
  port.close();
};

const receive = (message: OwnerToStoreThread): void => {
  if (message.kind === 'store-close') {
    void close();
  } else if (!store) {
    backlog?.push(message);
  } else if (message.kind === 'enqueue') {
    Atomics.add(data.shared, SHARED.receivedRecords, 1n);
    store.enqueueInvocation(message.record);
  } else if (message.kind === 'enqueue-batch') {
    Atomics.add(data.shared, SHARED.receivedRecords, BigInt(message.records.length));
    for (const record of message.records) store.enqueueInvocation(record);
  } else if (message.kind === 'call') {
    serve(message);
  }
};

port.on('message', (message: unknown) => {
  Atomics.add(data.shared, SHARED.takenMessages, 1n);
  if (!isCdsMessage(message)) return;
  receive(message as OwnerToStoreThread);
});

opened.then(
  (s) => {
    post({ cds: 1, kind: 'store-ready', storeKind: s.kind });
    const waiting = backlog ?? [];
    backlog = undefined;
    for (const message of waiting) receive(message);
  },
  (error: unknown) => {
    clearInterval(beat);
    const e = error instanceof Error ? error : new Error(String(error));
    const cause = e.cause instanceof Error ? e.cause.message : undefined;
    post({ cds: 1, kind: 'store-open-failed', error: { name: e.name, message: e.message, ...(cause ? { cause } : {}) } });
    // The owner ends this thread when the message arrives; should it not, the thread ends itself (a
    // failed PGlite can leave handles that would keep it alive). process.exit ends this thread only.
    port.close();
    setTimeout(() => process.exit(1), 1000).unref();
  }
);
