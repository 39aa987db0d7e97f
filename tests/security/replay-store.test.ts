import { describe, expect, it } from 'vitest';
import { createMemoryReplayStore, ReplayStoreFullError } from '../../src/security/index.ts';

describe('memory replay store', () => {
  it('first use true, replay false, until the entry expires', async () => {
    let now = 1_000_000;
    const store = createMemoryReplayStore({ now: () => now });
    expect(await store.remember('iss|a', now + 5000)).toBe(true);
    expect(await store.remember('iss|a', now + 5000)).toBe(false);
    expect(await store.remember('iss|b', now + 5000)).toBe(true);
    now += 5000;
    expect(await store.remember('iss|a', now + 5000)).toBe(true);
  });

  it('drops expired entries', async () => {
    let now = 0;
    const store = createMemoryReplayStore({ now: () => now, sweepIntervalMs: 10 });
    for (let i = 0; i < 100; i++) {
      await store.remember(`k${i}`, now + 100);
    }
    expect(store.size()).toBe(100);
    now = 200;
    await store.remember('fresh', now + 100);
    expect(store.size()).toBe(1);
  });

  it('is bounded: expired entries make room; when all are live it fails closed', async () => {
    let now = 0;
    const store = createMemoryReplayStore({ now: () => now, maxEntries: 3, sweepIntervalMs: 1e9 });
    await store.remember('a', 10);
    await store.remember('b', 1000);
    await store.remember('c', 1000);
    now = 20; // 'a' expired
    expect(await store.remember('d', 1000)).toBe(true);
    await expect(store.remember('e', 1000)).rejects.toBeInstanceOf(ReplayStoreFullError);
    // a live key is still recognised as a replay, not forgotten
    expect(await store.remember('b', 1000)).toBe(false);
  });

  it('refuses, and does not keep, a key already past its expiry (it expired while its signature was checked)', async () => {
    const store = createMemoryReplayStore({ now: () => 100 });
    expect(await store.remember('old', 50)).toBe(false);
    expect(store.size()).toBe(0);
  });

  it('refuses a replay that passed the expiry check just before its token expired and arrives just after, even once swept', async () => {
    let now = 0;
    const store = createMemoryReplayStore({ now: () => now, sweepIntervalMs: 1 });
    expect(await store.remember('iss|a', 1000)).toBe(true);
    now = 1000; // expired; the next call sweeps it away
    expect(await store.remember('iss|a', 1000)).toBe(false);
    now = 1005;
    expect(await store.remember('iss|a', 1000)).toBe(false);
  });
});
