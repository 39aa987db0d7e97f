// One rate limit for the whole cluster: each worker counts its own calls exactly and learns the other
// workers' counts through the primary (src/cluster/rate-limit-sync.ts). Messages are copied with
// structuredClone, as `serialization: 'advanced'` IPC does; the exchange is driven by hand (no timers).
import express from 'express';
import { rateLimit } from 'express-rate-limit';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ClusterRateLimitStore, RateLimitHub } from '../../src/cluster/index.ts';
import type { RateCountsMessage } from '../../src/cluster/protocol.ts';

const MINUTE = 60_000;

/** `count` workers and a primary; `exchange()` runs one sync period (workers → primary → workers). */
function cluster(count: number, clock: { now: number }) {
  const hub = new RateLimitHub();
  const outbox: { workerId: number; message: RateCountsMessage }[] = [];
  /** While down, workers cannot send to the primary. */
  const link = { down: false };
  const stores = Array.from({ length: count }, (_, i) => {
    const store = new ClusterRateLimitStore({
      workerId: i + 1,
      post: (message) => {
        if (link.down) return false;
        outbox.push({ workerId: i + 1, message: structuredClone(message) });
        return true;
      },
      now: () => clock.now,
      syncMs: 60_000,
    });
    store.init({ windowMs: MINUTE });
    return store;
  });
  const exchange = (): void => {
    for (const store of stores) store.sync();
    for (const { workerId, message } of outbox.splice(0)) hub.receive(workerId, message);
    const changes = hub.takeChanges();
    if (changes) for (const store of stores) store.receive(structuredClone(changes));
  };
  return { stores, hub, link, exchange, stop: () => stores.forEach((s) => s.shutdown()) };
}

describe('cluster rate limit', () => {
  it('each worker counts the calls every worker served, once they have exchanged counts', () => {
    const clock = { now: 10 * MINUTE + 1_000 };
    const { stores, exchange, stop } = cluster(3, clock);
    const [a, b, c] = stores as [ClusterRateLimitStore, ClusterRateLimitStore, ClusterRateLimitStore];
    for (let i = 0; i < 6; i++) a.increment('iss:ehr-a');
    for (let i = 0; i < 5; i++) b.increment('iss:ehr-a');
    c.increment('iss:ehr-b');
    // Before the exchange each knows only its own calls.
    expect(b.get('iss:ehr-a')?.totalHits).toBe(5);
    exchange();
    expect(a.get('iss:ehr-a')?.totalHits).toBe(11);
    expect(b.get('iss:ehr-a')?.totalHits).toBe(11);
    expect(c.increment('iss:ehr-a').totalHits).toBe(12);
    expect(a.get('iss:ehr-b')?.totalHits).toBe(1);
    // Running totals, not deltas: exchanging again with nothing new changes nothing (c's call is in).
    exchange();
    exchange();
    exchange();
    expect(a.get('iss:ehr-a')?.totalHits).toBe(12);
    expect(a.increment('iss:ehr-a')).toEqual({ totalHits: 13, resetTime: new Date(11 * MINUTE) });
    stop();
  });

  it('starts every count again in a new window and ignores counts of the old one', () => {
    const clock = { now: 10 * MINUTE + 59_000 };
    const { stores, hub, exchange, stop } = cluster(2, clock);
    const [a, b] = stores as [ClusterRateLimitStore, ClusterRateLimitStore];
    for (let i = 0; i < 4; i++) a.increment('k');
    exchange();
    expect(b.get('k')?.totalHits).toBe(4);
    const late = hub.takeChanges(); // nothing changed since
    expect(late).toBeUndefined();
    clock.now = 11 * MINUTE + 1;
    expect(b.get('k')).toBeUndefined();
    expect(b.increment('k').totalHits).toBe(1);
    // A message of the old window arriving late is ignored by the workers and the primary.
    b.receive({ cds: 1, kind: 'rate-totals', window: 10, counts: [['k', 1, 4]] });
    expect(b.get('k')?.totalHits).toBe(1);
    exchange();
    hub.receive(1, { cds: 1, kind: 'rate-counts', window: 10, counts: [['k', 4]] });
    expect(hub.takeChanges()).toBeUndefined();
    expect(a.get('k')?.totalHits).toBe(1);
    stop();
  });

  it('a worker that starts serving gets every count of the window at once', () => {
    const clock = { now: 30 * MINUTE + 5_000 };
    const { stores, hub, exchange, stop } = cluster(2, clock);
    for (let i = 0; i < 7; i++) stores[0]!.increment('iss:ehr');
    for (let i = 0; i < 2; i++) stores[1]!.increment('iss:ehr');
    exchange();
    // A replacement worker: no change is pending, so only the snapshot (sent when it listens) tells it.
    const joined = new ClusterRateLimitStore({ workerId: 3, post: () => true, now: () => clock.now });
    joined.init({ windowMs: MINUTE });
    expect(hub.takeChanges()).toBeUndefined();
    joined.receive(structuredClone(hub.snapshot()!));
    expect(joined.increment('iss:ehr').totalHits).toBe(10);
    joined.shutdown();
    stop();
  });

  it('sends counts again at the next period when they could not be sent', () => {
    const clock = { now: 40 * MINUTE + 5_000 };
    const { stores, link, exchange, stop } = cluster(2, clock);
    for (let i = 0; i < 3; i++) stores[0]!.increment('iss:ehr');
    link.down = true;
    exchange();
    expect(stores[1]!.get('iss:ehr')).toBeUndefined();
    link.down = false;
    exchange();
    expect(stores[1]!.get('iss:ehr')?.totalHits).toBe(3);
    stop();
  });

  it('through express-rate-limit: the limit holds for calls spread over two workers', async () => {
    const clock = { now: 20 * MINUTE + 1_000 };
    const { stores, exchange, stop } = cluster(2, clock);
    const apps = stores.map((store) => {
      const app = express();
      app.use(rateLimit({ windowMs: MINUTE, limit: 6, standardHeaders: 'draft-8', legacyHeaders: false, keyGenerator: () => 'iss:ehr', store, validate: { keyGeneratorIpFallback: false } }));
      app.get('/', (_req, res) => res.send('ok'));
      return app;
    });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await request(apps[i % 2]!).get('/')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    exchange();
    // Each worker served 3 of the 6 allowed: with counts kept per worker both would still answer.
    expect((await request(apps[0]!).get('/')).status).toBe(429);
    expect((await request(apps[1]!).get('/')).status).toBe(429);
    stop();
  });
});
