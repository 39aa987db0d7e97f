// A long audit purge lets other work run between its batches (on PGlite, statements chained with await
// never let timers or messages through: the store thread's heartbeat would stop, and its watchdog end it).
import { describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/index.ts';
import { captureLogger, sqlOf } from './helpers.ts';

describe('purgeAuditOlderThan', () => {
  it('lets timers run between its batches, and deletes every old row', async () => {
    const store = await createStore({ logger: captureLogger().logger });
    try {
      await sqlOf(store).exec(
        `INSERT INTO invocations SELECT gen_random_uuid(), 'hi-' || g, 'svc', 'order-sign', timestamptz '2020-01-01' + (g || ' seconds')::interval, 5, 200, 'v1', 'pk', NULL FROM generate_series(1, 12000) g`
      );
      let ticks = 0;
      const timer = setInterval(() => ticks++, 0);
      const purged = await store.purgeAuditOlderThan(new Date('2021-01-01T00:00:00Z'));
      clearInterval(timer);
      expect(purged).toBe(12000);
      expect(ticks).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  }, 60_000);
});
