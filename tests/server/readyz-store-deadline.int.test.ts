// /readyz with a store whose thread is stuck: the probe must answer, and say why, before the store does
// (which, for the real store, is only when its watchdog replaces the thread: 30 s by default). Review
// finding F7. No timings are asserted: the fake store answers only long after the readiness deadline,
// and the test says which answered first.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.ts';
import { createTestApp } from '../support/test-app.ts';

/** A store that only answers ping, with what `answer` gives; nothing else of it is used by /readyz. */
function pingOnly(answer: () => Promise<boolean>): Store {
  return { ping: answer } as unknown as Store;
}

describe('/readyz: the store check has its own deadline', () => {
  it('a store that does not answer its ping: 503, store "not answering", given before the store answers', async () => {
    let storeAnswered = false;
    // Answers at last (as the watchdog's replacement thread would), long after the readiness deadline:
    // a /readyz still waiting for it would then say "ok".
    const stuck = pingOnly(
      () =>
        new Promise((resolve) =>
          setTimeout(() => {
            storeAnswered = true;
            resolve(true);
          }, 8_000).unref()
        )
    );
    const t = await createTestApp({ store: stuck });
    const ready = await request(t.app).get('/readyz');
    expect(storeAnswered).toBe(false);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not-ready', store: 'not answering', ruleSetVersion: t.ruleSet.version });
  }, 20_000);

  it('a ping that fails or says no is "unreachable"; one that answers is "ok"', async () => {
    for (const [ping, status, store] of [
      [() => Promise.reject(new Error('the store is closing')), 503, 'unreachable'],
      [() => Promise.resolve(false), 503, 'unreachable'],
      [() => Promise.resolve(true), 200, 'ok'],
    ] as const) {
      const ready = await request((await createTestApp({ store: pingOnly(ping) })).app).get('/readyz');
      expect(ready.status, store).toBe(status);
      expect(ready.body.store).toBe(store);
    }
  });
});
