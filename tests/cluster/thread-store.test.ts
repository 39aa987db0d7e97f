// Embedded PGlite on its own thread (src/cluster/thread-store.ts): the store the service opens when it
// has no DATABASE_URL, in the cluster primary and in a single process. Real threads, real PGlite files.
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdtemp, open as openFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StoreUnavailableError } from '../../src/cluster/index.ts';
import { StoreCloseError, ThreadStore } from '../../src/cluster/thread-store.ts';
import { createStore } from '../../src/store/index.ts';
import { captureLogger, card, invocation, sqlOf } from '../store/helpers.ts';

const MISBEHAVING = new URL('../support/misbehaving-store-thread.ts', import.meta.url);
const NEVER_READY = new URL('../support/never-ready-store-thread.ts', import.meta.url);

describe('ThreadStore (embedded PGlite on its own thread)', () => {
  let dir: string;
  let open: ThreadStore[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'thread-store-'));
    open = [];
  });

  afterEach(async () => {
    await Promise.all(open.map((s) => s.close().catch(() => undefined)));
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (options: Partial<Parameters<typeof ThreadStore.open>[0]> = {}): Promise<ThreadStore> => {
    const store = await ThreadStore.open({ store: { dataDir: dir, flushIntervalMs: 10 }, logger: captureLogger().logger, ...options });
    open.push(store);
    return store;
  };

  it('answers store calls, keeps snooze horizons, and writes its audit queue on close', async () => {
    const store = await start();
    expect(store.kind).toBe('pglite');
    expect(await store.ping()).toBe(true);
    const first = card();
    store.enqueueInvocation(invocation({ cards: [first] }));
    await store.flush();
    expect((await store.findIssuedCards([first.uuid])).map((c) => c.uuid)).toEqual([first.uuid]);

    const patientKey = `pk-${randomUUID()}`;
    const now = new Date();
    const expiresAt = new Date(now.getTime() + 3_600_000);
    const snooze = (await store.createSnooze({ ruleId: 'opioid-benzodiazepine', patientKey, createdAt: now.toISOString(), expiresAt: expiresAt.toISOString(), reasonCode: 'benefit-outweighs-risk', cardUuid: first.uuid }))!;
    expect((await store.activeSnoozes(patientKey, now)).map((s) => s.id)).toEqual([snooze.id]);
    // What the cluster primary hands to a new worker.
    expect(await store.snoozeHorizons()).toContainEqual([patientKey, expiresAt.getTime()]);
    await vi.waitFor(() => expect(store.auditQueueStats().written).toBe(1), { timeout: 5000 });

    // A record still queued when the store closes is written by the thread before it ends.
    const last = card();
    store.enqueueInvocation(invocation({ cards: [last] }));
    await store.close();
    const direct = await createStore({ dataDir: dir, logger: captureLogger().logger });
    try {
      expect((await direct.findIssuedCards([first.uuid, last.uuid])).map((c) => c.uuid).sort()).toEqual([first.uuid, last.uuid].sort());
    } finally {
      await direct.close();
    }
  }, 60_000);

  it('rejects with the reason when the database cannot be opened', async () => {
    const file = path.join(dir, 'not-a-directory');
    await writeFile(file, 'x');
    await expect(ThreadStore.open({ store: { dataDir: file }, logger: captureLogger().logger })).rejects.toThrow(/not-a-directory/);
  }, 60_000);

  it('exits with its own code when the database cannot be opened: the thread is ended before the open is refused, so the exit is not taken for a hung thread (SIGKILL)', async () => {
    const file = path.join(dir, 'not-a-directory');
    await writeFile(file, 'x');
    const child = spawn(process.execPath, [fileURLToPath(new URL('../support/open-failing-store.ts', import.meta.url)), file], { stdio: 'ignore' });
    const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      const guard = setTimeout(() => {
        child.kill('SIGKILL');
        resolve({ code: null, signal: null });
      }, 50_000);
      child.once('exit', (code, signal) => {
        clearTimeout(guard);
        resolve({ code, signal });
      });
    });
    expect(ended).toEqual({ code: 1, signal: null });
  }, 60_000);

  it('fails to open, instead of waiting for good, when the thread never opens the store', async () => {
    await expect(ThreadStore.open({ store: { dataDir: dir }, logger: captureLogger().logger, entry: NEVER_READY, openTimeoutMs: 500 })).rejects.toThrow(/did not open the store within 500 ms/);
  }, 60_000);

  it('replaces a thread that stops answering: the stuck call fails instead of hanging, nothing written is lost, and the store answers again', async () => {
    const { logger, entries } = captureLogger();
    const restarts: string[] = [];
    const store = await start({ logger, entry: MISBEHAVING, heartbeatMs: 50, watchdogMs: 600, onRestart: (reason) => restarts.push(reason) });
    const written = card();
    store.enqueueInvocation(invocation({ cards: [written] }));
    await store.flush();

    await expect(store.listSnoozes({ ruleId: 'hang-the-store-thread' })).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(restarts).toEqual(['stuck']);
    expect(entries.some((e) => e.level === 'error' && /stopped answering/.test(e.msg))).toBe(true);

    await vi.waitFor(async () => expect(await store.ping()).toBe(true), { timeout: 30_000, interval: 100 });
    expect(store.restarts).toBe(1);
    expect((await store.findIssuedCards([written.uuid])).map((c) => c.uuid)).toEqual([written.uuid]);
    expect(store.auditQueueStats().threadRestarts).toBe(1);
  }, 60_000);

  it('counts the audit records a stuck thread held as lost to the restart, those sent to it while stuck included, and keeps what it had written', async () => {
    // The audit is written only on flush here, so the records stay queued in the thread.
    const store = await start({ store: { dataDir: dir, flushIntervalMs: 60_000 }, entry: MISBEHAVING, heartbeatMs: 50, watchdogMs: 600 });
    store.enqueueInvocation(invocation());
    await store.flush();
    for (let i = 0; i < 3; i++) store.enqueueInvocation(invocation());
    await vi.waitFor(() => expect(store.auditQueueStats().queued).toBe(3), { timeout: 5000 });

    const stuck = store.listSnoozes({ ruleId: 'hang-the-store-thread' });
    for (let i = 0; i < 5; i++) {
      store.enqueueInvocation(invocation());
      await new Promise((resolve) => setTimeout(resolve, 10)); // one message each (batches of 5 ms)
    }
    await expect(stuck).rejects.toBeInstanceOf(StoreUnavailableError);
    await vi.waitFor(async () => expect(await store.ping()).toBe(true), { timeout: 30_000, interval: 100 });
    const stats = store.auditQueueStats();
    expect(stats).toMatchObject({ written: 1, droppedRestart: 8, threadRestarts: 1, queued: 0 });
  }, 60_000);

  it('accounts for every audit record after a stuck thread is replaced mid-flow: written or counted as lost, exactly', async () => {
    const store = await start({ store: { dataDir: dir, flushIntervalMs: 10 }, entry: MISBEHAVING, heartbeatMs: 200, watchdogMs: 1500 });
    const sent = 5000;
    for (let i = 0; i < sent / 100; i++) {
      for (let j = 0; j < 100; j++) store.enqueueInvocation(invocation());
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await expect(store.listSnoozes({ ruleId: 'hang-the-store-thread' })).rejects.toBeInstanceOf(StoreUnavailableError);
    await vi.waitFor(async () => expect(await store.ping()).toBe(true), { timeout: 30_000, interval: 100 });
    const stats = store.auditQueueStats();
    await store.close();
    const direct = await createStore({ dataDir: dir, logger: captureLogger().logger });
    try {
      const rows = (await sqlOf(direct).query<{ n: number }>('SELECT count(*)::int AS n FROM invocations'))[0]!.n;
      expect(stats.written).toBe(rows);
      expect(rows + (stats.droppedRestart ?? 0) + stats.droppedFull + (stats.droppedUnreachable ?? 0)).toBe(sent);
    } finally {
      await direct.close();
    }
  }, 60_000);

  it('keeps up with thousands of calls at once (the backlog counts what the thread has taken, not what it last reported)', async () => {
    const store = await start({ heartbeatMs: 1000 });
    const expires = Date.now() + 60_000;
    const answers = await Promise.all(Array.from({ length: 3000 }, () => store.rememberJti(`iss|${randomUUID()}`, expires)));
    expect(answers.every((a) => a === true)).toBe(true);
    expect(store.auditQueueStats().droppedUnreachable ?? 0).toBe(0);
  }, 60_000);

  it('does not take its own pause (a frozen VM or container, a debugger) for the thread being stuck', async () => {
    const restarts: string[] = [];
    const store = await start({ heartbeatMs: 50, watchdogMs: 400, onRestart: (reason) => restarts.push(reason) });
    const until = performance.now() + 1200;
    while (performance.now() < until) {
      // The owner's event loop does not run (as when its process is stopped); the thread is fine.
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(restarts).toEqual([]);
    expect(await store.ping()).toBe(true);
  }, 60_000);

  it('on close with a stuck thread, counts what it held as lost and rejects, so the stop is not reported clean', async () => {
    const store = await ThreadStore.open({ store: { dataDir: dir, flushIntervalMs: 60_000 }, logger: captureLogger().logger, entry: MISBEHAVING, heartbeatMs: 50, watchdogMs: 60_000, closeTimeoutMs: 300 });
    const stuck = store.listSnoozes({ ruleId: 'hang-the-store-thread' }).catch(() => undefined);
    for (let i = 0; i < 4; i++) {
      store.enqueueInvocation(invocation());
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await expect(store.close()).rejects.toBeInstanceOf(StoreCloseError);
    await stuck;
    expect(store.auditQueueStats().droppedClosed).toBe(4);
  }, 60_000);

  it('does not hold more than maxBacklog messages for a thread that stopped reading: the rest are dropped and counted', async () => {
    const store = await start({ entry: MISBEHAVING, heartbeatMs: 50, watchdogMs: 60_000, maxBacklog: 3, closeTimeoutMs: 200 });
    expect(await store.ping()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 120)); // a heartbeat reports what the thread took
    const stuck = store.listSnoozes({ ruleId: 'hang-the-store-thread' }).catch((error: unknown) => error);
    for (let i = 0; i < 6; i++) {
      store.enqueueInvocation(invocation());
      await new Promise((resolve) => setTimeout(resolve, 10)); // one message per record (batches of 5 ms)
    }
    expect(store.auditQueueStats().droppedUnreachable).toBeGreaterThanOrEqual(3);
    // A call past the backlog fails at once rather than waiting for the watchdog.
    expect(await store.ping()).toBe(false);
    await expect(store.close()).rejects.toBeInstanceOf(StoreCloseError);
    expect(await stuck).toBeInstanceOf(StoreUnavailableError);
  }, 60_000);

  it('learns again, after a replacement, of a snooze a stuck thread committed but never announced', async () => {
    const relearned: (readonly (readonly [string, number])[])[] = [];
    const store = await start({ entry: MISBEHAVING, heartbeatMs: 50, watchdogMs: 600 });
    store.onHorizonsRelearned((entries) => relearned.push(entries));
    const patientKey = `pk-${randomUUID()}`;
    const now = new Date();
    const expiresAt = new Date(now.getTime() + 3_600_000);
    const made = store.createSnooze({ ruleId: 'hang-after-commit', patientKey, createdAt: now.toISOString(), expiresAt: expiresAt.toISOString(), reasonCode: 'x', cardUuid: randomUUID() });
    await expect(made).rejects.toBeInstanceOf(StoreUnavailableError);
    await vi.waitFor(() => expect(relearned).toHaveLength(1), { timeout: 30_000, interval: 100 });
    expect(relearned[0]).toContainEqual([patientKey, expiresAt.getTime()]);
    expect((await store.activeSnoozes(patientKey, now)).map((s) => s.ruleId)).toEqual(['hang-after-commit']);
  }, 60_000);

  it('forgets the audit messages the thread has taken (no list growing for the life of a thread)', async () => {
    const store = await start();
    for (let i = 0; i < 1000; i++) {
      store.enqueueInvocation(invocation());
      void store.ping(); // a call sends the waiting record at once: one audit message per record
    }
    await store.flush();
    store.enqueueInvocation(invocation());
    await store.ping();
    expect(store.auditMessagesTracked).toBeLessThan(10);
    await vi.waitFor(() => expect(store.auditQueueStats().written).toBe(1001), { timeout: 10_000 });
  }, 60_000);

  it('starts no new thread once closed, though a replacement was about to start', async () => {
    const { logger, entries } = captureLogger();
    let closed: Promise<void> | undefined;
    const store = await ThreadStore.open({
      store: { dataDir: dir, flushIntervalMs: 10 },
      logger,
      entry: MISBEHAVING,
      heartbeatMs: 50,
      watchdogMs: 600,
      onRestart: () => {
        closed = store.close();
      },
    });
    await expect(store.listSnoozes({ ruleId: 'hang-the-store-thread' })).rejects.toBeInstanceOf(StoreUnavailableError);
    await vi.waitFor(() => expect(closed).toBeDefined(), { timeout: 10_000 });
    await closed;
    const opensBefore = entries.filter((e) => e.msg === 'store ready').length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(entries.filter((e) => e.msg === 'store ready').length).toBe(opensBefore);
    expect(entries.some((e) => /restarted; the store is open again/.test(e.msg))).toBe(false);
  }, 60_000);

  it('closes once when asked twice (the shutdown deadline asks again)', async () => {
    const store = await start();
    store.enqueueInvocation(invocation());
    await expect(Promise.all([store.close(), store.close()])).resolves.toEqual([undefined, undefined]);
  }, 60_000);

  /** Runs `test` with CDS_TEST_FIFO naming a FIFO nobody writes to; then writes it, so a thread blocked on it can end. */
  const withBlockingFifo = async (test: () => Promise<void>): Promise<void> => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    process.env.CDS_TEST_FIFO = fifo;
    try {
      await test();
    } finally {
      delete process.env.CDS_TEST_FIFO;
      // Without blocking: when no thread is reading it (the test failed earlier), opening fails (ENXIO).
      // Opening it already lets the blocked thread go; being ended, it may close the FIFO before the
      // write (EPIPE), which is as good.
      const handle = await openFile(fifo, constants.O_WRONLY | constants.O_NONBLOCK).catch(() => undefined);
      await handle?.writeFile('x').catch(() => undefined);
      await handle?.close();
    }
  };

  it('gives up on the process when a stuck thread cannot be ended (blocked in a system call)', async () => {
    const reasons: string[] = [];
    await withBlockingFifo(async () => {
      const store = await start({ entry: MISBEHAVING, heartbeatMs: 50, watchdogMs: 500, onUnrecoverable: (reason) => reasons.push(reason) });
      const blocked = store.listSnoozes({ ruleId: 'block-in-a-system-call' }).catch((error: unknown) => error);
      expect(await blocked).toBeInstanceOf(StoreUnavailableError);
      await vi.waitFor(() => expect(reasons).toHaveLength(1), { timeout: 10_000 });
      expect(reasons[0]).toMatch(/could not be ended/);
      expect(await store.ping()).toBe(false); // no second thread on the same files
    });
  }, 60_000);

  it('on close with a thread blocked in a system call, gives up after the watchdog time instead of waiting for good', async () => {
    const reasons: string[] = [];
    await withBlockingFifo(async () => {
      const store = await ThreadStore.open({ store: { dataDir: dir }, logger: captureLogger().logger, entry: MISBEHAVING, heartbeatMs: 50, watchdogMs: 1500, closeTimeoutMs: 200, onUnrecoverable: (reason) => reasons.push(reason) });
      const blocked = store.listSnoozes({ ruleId: 'block-in-a-system-call' }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await expect(store.close()).rejects.toBeInstanceOf(StoreCloseError);
      expect(reasons).toHaveLength(1);
      await blocked;
    });
  }, 60_000);

  it('does not let the process hang on exit when a thread it could not end is blocked (it kills itself, to be restarted)', async () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const child = spawn(process.execPath, [fileURLToPath(new URL('../support/open-blocked-store.ts', import.meta.url)), path.join(dir, 'data')], {
      env: { ...process.env, CDS_TEST_FIFO: fifo },
      stdio: 'ignore',
    });
    const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      const guard = setTimeout(() => {
        child.kill('SIGKILL');
        resolve({ code: null, signal: null });
      }, 30_000);
      child.once('exit', (code, signal) => {
        clearTimeout(guard);
        resolve({ code, signal });
      });
    });
    expect(ended).toEqual({ code: null, signal: 'SIGKILL' });
  }, 60_000);

  it('counts a record that cannot even be prepared as refused, so nothing stays queued for good', async () => {
    const store = await start();
    store.enqueueInvocation(invocation());
    store.enqueueInvocation({ ...invocation(), cards: undefined } as unknown as ReturnType<typeof invocation>);
    store.enqueueInvocation(invocation());
    await store.flush();
    await vi.waitFor(() => expect(store.auditQueueStats()).toMatchObject({ written: 2, rejected: 1, queued: 0 }), { timeout: 5000 });
  }, 60_000);

  it('replaces a thread that ends with an uncaught error', async () => {
    const restarts: string[] = [];
    const store = await start({ entry: MISBEHAVING, heartbeatMs: 50, watchdogMs: 10_000, onRestart: (reason) => restarts.push(reason) });
    await expect(store.listSnoozes({ ruleId: 'crash-the-store-thread' })).rejects.toBeInstanceOf(StoreUnavailableError);
    await vi.waitFor(async () => expect(await store.ping()).toBe(true), { timeout: 30_000, interval: 100 });
    expect(restarts).toEqual(['ended']);
  }, 60_000);

  it('closes promptly while a replacement thread is still opening', async () => {
    const store = await start({ entry: MISBEHAVING, heartbeatMs: 50, watchdogMs: 600 });
    await expect(store.listSnoozes({ ruleId: 'hang-the-store-thread' })).rejects.toBeInstanceOf(StoreUnavailableError);
    // The replacement is opening now; close must not wait for it (nor for the stuck one, already ended).
    await store.close();
    expect(await store.ping()).toBe(false);
  }, 60_000);
});
