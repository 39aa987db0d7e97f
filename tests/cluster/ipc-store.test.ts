// The worker-side store proxy against the primary's call handler, over an in-memory channel that copies
// messages with structuredClone (what `serialization: 'advanced'` IPC does), on a real in-memory PGlite store.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callHandler } from '../../src/cluster/call-handler.ts';
import { IpcClient, IpcStore, StoreUnavailableError, workerCount } from '../../src/cluster/index.ts';
import type { IpcChannel } from '../../src/cluster/ipc-store.ts';
import { isCdsMessage } from '../../src/cluster/protocol.ts';
import type { CallMessage, EnqueueMessage } from '../../src/cluster/protocol.ts';
import { createStore, isStoreUnavailable, replayStoreFrom, StoreInputError } from '../../src/store/index.ts';
import type { ServiceStore } from '../../src/store/index.ts';
import { captureLogger, card, invocation } from '../store/helpers.ts';

type Listener = (message: unknown) => void;

/** A worker's end of the channel, wired to the primary's handler (as primary.ts does with cluster workers). */
function channelTo(store: ServiceStore | undefined, peers: Listener[][] = []): IpcChannel & { disconnect(): void; calls: CallMessage[] } {
  const listeners: { message: Listener[]; disconnect: (() => void)[] } = { message: [], disconnect: [] };
  peers.push(listeners.message);
  // As primary.ts: a new snooze is announced to every worker (every channel sharing `peers`) before the answer.
  const handle = callHandler(store, (patientKey, expiresMs) => {
    const announcement = structuredClone({ cds: 1, kind: 'snooze-horizon', entries: [[patientKey, expiresMs]] });
    for (const worker of peers) for (const l of worker) l(announcement);
  });
  const calls: CallMessage[] = [];
  const channel = {
    connected: true,
    calls,
    send(message: unknown, _h?: undefined, _o?: undefined, callback?: (error: Error | null) => void): boolean {
      const copy = structuredClone(message);
      setImmediate(() => {
        callback?.(null);
        if (!isCdsMessage(copy)) return;
        const m = copy as CallMessage | EnqueueMessage;
        if (m.kind === 'enqueue') {
          store?.enqueueInvocation(m.record);
        } else {
          calls.push(m);
          void handle(m).then((answer) => {
            const back = structuredClone(answer);
            for (const l of listeners.message) l(back);
          });
        }
      });
      return true;
    },
    on(event: 'message' | 'disconnect', listener: Listener | (() => void)) {
      (listeners[event] as unknown[]).push(listener);
      return channel;
    },
    disconnect() {
      channel.connected = false;
      for (const l of listeners.disconnect) l();
    },
  };
  return channel as IpcChannel & { disconnect(): void; calls: CallMessage[] };
}

describe('IpcStore (the primary holds the store)', () => {
  let store: ServiceStore;

  beforeAll(async () => {
    store = await createStore({ logger: captureLogger().logger });
  }, 60_000);

  afterAll(async () => {
    await store.close();
  });

  it('answers "no snooze" in the worker for patients without one, and learns of snoozes made through other workers', async () => {
    const peers: Listener[][] = [];
    const channelA = channelTo(store, peers);
    const channelB = channelTo(store, peers);
    const a = new IpcStore(new IpcClient(channelA), store.kind);
    const b = new IpcStore(new IpcClient(channelB), store.kind);
    expect(await a.ping()).toBe(true); // the horizons snapshot was asked for first, and answered
    expect(await b.ping()).toBe(true);
    const patientKey = `pk-${randomUUID()}`;
    const now = new Date();
    const before = channelA.calls.length;
    expect(await a.activeSnoozes(patientKey, now)).toEqual([]);
    expect(channelA.calls.length).toBe(before); // answered without asking the primary

    const snooze = (await b.createSnooze({ ruleId: 'opioid-benzodiazepine', patientKey, createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + 3_600_000).toISOString(), reasonCode: 'benefit-outweighs-risk', cardUuid: randomUUID() }))!;
    // Worker A was told before B's call was answered: it now asks the primary, which has the snooze.
    expect((await a.activeSnoozes(patientKey, now)).map((s) => s.id)).toEqual([snooze.id]);
    expect(channelA.calls.length).toBe(before + 1);
    // Past the snooze's expiry, A answers alone again.
    expect(await a.activeSnoozes(patientKey, new Date(now.getTime() + 7_200_000))).toEqual([]);
    expect(channelA.calls.length).toBe(before + 1);
  });

  it('keeps asking the primary when its store keeps no snooze horizons (a shared database)', async () => {
    const shared = await createStore({ logger: captureLogger().logger });
    const horizonless = Object.assign(Object.create(shared) as ServiceStore, { snoozeHorizons: undefined });
    const channel = channelTo(horizonless);
    const proxy = new IpcStore(new IpcClient(channel), shared.kind);
    expect(await proxy.ping()).toBe(true);
    const before = channel.calls.length;
    expect(await proxy.activeSnoozes(`pk-${randomUUID()}`, new Date())).toEqual([]);
    expect(channel.calls.length).toBe(before + 1);
    await shared.close();
  });

  it('answers store calls through the primary, Dates included', async () => {
    const proxy = new IpcStore(new IpcClient(channelTo(store)), store.kind);
    expect(await proxy.ping()).toBe(true);
    const patientKey = `pk-${randomUUID()}`;
    const now = new Date();
    const snooze = (await proxy.createSnooze({
      ruleId: 'opioid-benzodiazepine',
      patientKey,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 86_400_000).toISOString(),
      reasonCode: 'benefit-outweighs-risk',
      cardUuid: randomUUID(),
    }))!;
    const active = await proxy.activeSnoozes(patientKey, now);
    expect(active.map((s) => s.id)).toEqual([snooze.id]);
    expect(await proxy.liftSnooze(snooze.id, 'test', new Date())).toBe(true);
    expect(await proxy.activeSnoozes(patientKey, new Date())).toEqual([]);
  });

  it('sends enqueueInvocation without waiting, and a later flush writes it', async () => {
    const proxy = new IpcStore(new IpcClient(channelTo(store)), store.kind);
    const issued = card();
    expect(proxy.enqueueInvocation(invocation({ cards: [issued] }))).toBeUndefined();
    await proxy.flush();
    const found = await proxy.findIssuedCards([issued.uuid]);
    expect(found.map((c) => c.uuid)).toEqual([issued.uuid]);
  });

  it('rebuilds a StoreInputError so callers can still answer 400', async () => {
    const proxy = new IpcStore(new IpcClient(channelTo(store)), store.kind);
    const error = await proxy.ruleChangesSince(1.5).then(
      () => undefined,
      (e: unknown) => e
    );
    expect(error).toBeInstanceOf(StoreInputError);
    expect((error as Error).name).toBe('StoreInputError');
  });

  it('reports the store unreachable when the primary is gone, without throwing at the caller', async () => {
    const channel = channelTo(store);
    const proxy = new IpcStore(new IpcClient(channel), store.kind);
    channel.disconnect();
    expect(await proxy.ping()).toBe(false);
    await expect(proxy.ruleHistory('opioid-benzodiazepine')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(() => proxy.enqueueInvocation(invocation())).not.toThrow();
  });

  it('holds at most maxBacklog audit messages for a primary that stopped reading; the rest are dropped and counted', () => {
    // A channel that never finishes writing (the primary paused: its end of the pipe is full).
    const stalled = { connected: true, sent: 0, send: () => ++stalled.sent > 0, on: () => stalled };
    const proxy = new IpcStore(new IpcClient(stalled as unknown as IpcChannel, { maxBacklog: 4 }), 'pglite', { auditBatchMs: 0 });
    const before = stalled.sent;
    for (let i = 0; i < 10; i++) proxy.enqueueInvocation(invocation());
    expect(stalled.sent - before).toBe(4);
    expect(proxy.auditQueueStats()).toMatchObject({ unsentHere: 6, droppedClosed: 0 });
  });

  it('answers the primary\'s watchdog ping from its event loop', async () => {
    const listeners: ((m: unknown) => void)[] = [];
    const sent: unknown[] = [];
    const channel = { connected: true, send: (m: unknown) => sent.push(m) > 0, on: (event: string, l: (m: unknown) => void) => (event === 'message' && listeners.push(l), channel) };
    new IpcClient(channel as unknown as IpcChannel);
    for (const l of listeners) l({ cds: 1, kind: 'ping', id: 7 });
    expect(sent).toContainEqual({ cds: 1, kind: 'pong', id: 7 });
  });

  it('keeps the SQLSTATE of a store error, so a full disk is still told apart from a bug', async () => {
    const full = new Proxy(store, {
      get(target, prop) {
        if (prop === 'recordFeedback') return () => Promise.reject(Object.assign(new Error('could not extend file: No space left on device'), { code: '53100' }));
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const proxy = new IpcStore(new IpcClient(channelTo(full)), store.kind);
    const error = await proxy.recordFeedback('cns-depressant-order-sign', []).then(
      () => undefined,
      (e: unknown) => e
    );
    expect(error).toMatchObject({ code: '53100' });
    expect(isStoreUnavailable(error)).toBe(true);
  });

  it('refuses methods outside the store contract', async () => {
    const client = new IpcClient(channelTo(store));
    await expect(client.call('store', 'close', [])).rejects.toThrow(/unknown cluster call/);
  });

  it('refuses a jti in one worker after another worker saw it (both check it with the primary\'s store)', async () => {
    const workerA = replayStoreFrom(new IpcStore(new IpcClient(channelTo(store)), 'pglite'));
    const workerB = replayStoreFrom(new IpcStore(new IpcClient(channelTo(store)), 'pglite'));
    const key = `urn:test|${randomUUID()}`;
    const expires = Date.now() + 60_000;
    expect(await workerA.remember(key, expires)).toBe(true);
    expect(await workerB.remember(key, expires)).toBe(false);
  });
});

describe('workerCount', () => {
  // No container CPU limit here (tests/cluster/worker-count.test.ts covers one).
  const noLimit = () => undefined;
  it('defaults to one process outside production and to every core in production', () => {
    expect(workerCount({}, 8, noLimit)).toMatchObject({ ok: true, value: 1 });
    expect(workerCount({ NODE_ENV: 'production' }, 8, noLimit)).toMatchObject({ ok: true, value: 8 });
    expect(workerCount({ NODE_ENV: ' Production ' }, 8, noLimit)).toMatchObject({ ok: true, value: 8 }); // as config.ts reads it
    expect(workerCount({ WORKERS: 'auto' }, 4, noLimit)).toMatchObject({ ok: true, value: 4 });
    expect(workerCount({ WORKERS: '3', NODE_ENV: 'production' }, 8, noLimit)).toMatchObject({ ok: true, value: 3 });
  });

  it('refuses a value that is not a whole number in range', () => {
    for (const bad of ['0', '-1', '1.5', 'many', '100000']) {
      expect(workerCount({ WORKERS: bad }, 2, noLimit).ok).toBe(false);
    }
  });
});
