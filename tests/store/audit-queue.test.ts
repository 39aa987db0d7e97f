// The audit queue on its own, with a fake writer: batching, the timer, an unreachable database,
// the bound, records the database refuses, close().
import { afterEach, describe, expect, it } from 'vitest';
import { AuditQueue } from '../../src/store/audit-queue.ts';
import { captureLogger } from './helpers.ts';

const queues: AuditQueue<number>[] = [];
afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.close()));
});

function outage(): Error {
  return Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
}
function badData(): Error {
  return Object.assign(new Error('invalid input syntax'), { code: '22P02' });
}

function harness(options: { flushIntervalMs?: number; batchSize?: number; maxQueued?: number } = {}) {
  const written: number[][] = [];
  const state = { down: false, refuse: new Set<number>(), calls: 0 };
  const log = captureLogger();
  const queue = new AuditQueue<number>({
    logger: log.logger,
    flushIntervalMs: options.flushIntervalMs ?? 60_000,
    batchSize: options.batchSize ?? 3,
    maxQueued: options.maxQueued ?? 100,
    maxBackoffMs: 20,
    describe: (n) => ({ n }),
    write: async (batch) => {
      state.calls++;
      await new Promise((r) => setTimeout(r, 1));
      if (state.down) {
        throw outage();
      }
      if (batch.some((n) => state.refuse.has(n))) {
        throw badData();
      }
      written.push([...batch]);
    },
  });
  queues.push(queue);
  return { queue, written, state, log, all: () => written.flat() };
}

describe('AuditQueue', () => {
  it('enqueue returns at once; flush writes everything queued, in order, in batches', async () => {
    const { queue, written, all } = harness();
    for (let i = 1; i <= 7; i++) {
      queue.enqueue(i);
    }
    expect(written).toEqual([]);
    await queue.flush();
    expect(written).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(all()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(queue.getStats()).toMatchObject({ queued: 0, written: 7, droppedFull: 0, failures: 0 });
  });

  it('the timer writes without flush', async () => {
    const { queue, all } = harness({ flushIntervalMs: 10, batchSize: 500 });
    queue.enqueue(1);
    queue.enqueue(2);
    await expect.poll(() => all(), { timeout: 2_000, interval: 5 }).toEqual([1, 2]);
  });

  it('a full batch is written without waiting for the timer', async () => {
    const { queue, all } = harness({ flushIntervalMs: 60_000, batchSize: 2 });
    queue.enqueue(1);
    queue.enqueue(2);
    await expect.poll(() => all(), { timeout: 2_000, interval: 5 }).toEqual([1, 2]);
  });

  it('keeps records while the database is down: flush rejects, nothing is lost, a later flush writes them', async () => {
    const { queue, state, all, log } = harness();
    state.down = true;
    queue.enqueue(1);
    queue.enqueue(2);
    await expect(queue.flush()).rejects.toThrow(/ECONNREFUSED/);
    expect(queue.getStats()).toMatchObject({ queued: 2, failures: 1, lastError: 'connect ECONNREFUSED' });
    expect(log.entries.some((e) => e.level === 'warn' && /audit write failed/.test(e.msg))).toBe(true);
    queue.enqueue(3);
    state.down = false;
    await queue.flush();
    expect(all()).toEqual([1, 2, 3]);
    expect(queue.getStats()).toMatchObject({ queued: 0, failures: 0 });
    expect(log.entries.some((e) => e.level === 'info' && /work again/.test(e.msg))).toBe(true);
  });

  it('drops the oldest records beyond the bound, counts them and logs it', async () => {
    const { queue, state, all, log } = harness({ maxQueued: 5 });
    state.down = true;
    for (let i = 1; i <= 8; i++) {
      queue.enqueue(i);
    }
    expect(queue.getStats()).toMatchObject({ queued: 5, droppedFull: 3 });
    expect(log.entries.filter((e) => e.level === 'error' && /queue full/.test(e.msg))).toHaveLength(1); // rate-limited
    await expect(queue.flush()).rejects.toThrow();
    state.down = false;
    await queue.flush();
    expect(all()).toEqual([4, 5, 6, 7, 8]);
  });

  it('drops only the records the database refuses (bad data), logging each', async () => {
    const { queue, state, all, log } = harness({ batchSize: 10 });
    state.refuse.add(2);
    for (let i = 1; i <= 4; i++) {
      queue.enqueue(i);
    }
    await queue.flush();
    expect(all()).toEqual([1, 3, 4]);
    expect(queue.getStats()).toMatchObject({ queued: 0, rejected: 1, written: 3 });
    expect(log.entries.find((e) => /refused/.test(e.msg))?.obj).toMatchObject({ record: { n: 2 } });
  });

  it('flush only waits for what was queued before it was called', async () => {
    const { queue, all } = harness({ batchSize: 1 });
    queue.enqueue(1);
    const flushed = queue.flush();
    queue.enqueue(2);
    await flushed;
    expect(all()).toContain(1);
    await queue.flush();
    expect(all()).toEqual([1, 2]);
  });

  it('close writes what is queued; later records are dropped and counted, never thrown', async () => {
    const { queue, all, log } = harness();
    queue.enqueue(1);
    await queue.close();
    expect(all()).toEqual([1]);
    expect(() => queue.enqueue(2)).not.toThrow();
    expect(queue.getStats()).toMatchObject({ droppedClosed: 1 });
    expect(log.entries.some((e) => e.level === 'error' && /after the store was closed/.test(e.msg))).toBe(true);
  });

  it('close logs what it could not write (database down at shutdown) and does not throw', async () => {
    const { queue, state, log } = harness();
    state.down = true;
    queue.enqueue(1);
    queue.enqueue(2);
    await expect(queue.close()).resolves.toBeUndefined();
    expect(queue.getStats()).toMatchObject({ queued: 0, droppedClosed: 2 });
    expect(log.entries.find((e) => /before shutdown/.test(e.msg))?.obj).toMatchObject({ lost: 2 });
  });

  it('backs off while writes fail instead of retrying on every tick', async () => {
    const { queue, state } = harness({ flushIntervalMs: 5 });
    state.down = true;
    queue.enqueue(1);
    await new Promise((r) => setTimeout(r, 300));
    // maxBackoffMs is 20 here: far fewer attempts than the 60 ticks.
    expect(state.calls).toBeGreaterThan(1);
    expect(state.calls).toBeLessThan(30);
    state.down = false;
    await queue.flush();
  });
});
