// What /readyz learns of the JWT replay store's writes (replay-health.ts), with a fake clock: the calls' own
// outcomes answer it while recent, a write of its own tells once none is (how an instance the load balancer
// took out of service finds that the disk has room again), and failures are logged at error level with the
// store's error, rate-limited. Review ops2, finding F1.
import { describe, expect, it } from 'vitest';
import { createCdsJwtVerifier, createReplayStoreHealth, devTrustedClient, generateDevKeys, mintDevToken, READINESS_PROBE_KEY_PREFIX } from '../../src/security/index.ts';
import type { ReplayStoreOutcome } from '../../src/security/index.ts';

const ENOSPC = 'could not write to file "pg_wal/xlogtemp.77": No space left on device';

function recordingLogger(): { error: (obj: object, msg?: string) => void; warn: (obj: object, msg?: string) => void; lines: { level: string; obj: Record<string, unknown>; msg?: string }[] } {
  const lines: { level: string; obj: Record<string, unknown>; msg?: string }[] = [];
  return {
    lines,
    error: (obj, msg) => lines.push({ level: 'error', obj: obj as Record<string, unknown>, ...(msg ? { msg } : {}) }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj: obj as Record<string, unknown>, ...(msg ? { msg } : {}) }),
  };
}

describe('replay store health', () => {
  it('recent call outcomes answer without a write; once they are old, a write of its own decides (and recovers)', async () => {
    let clock = 1_000_000;
    let full = true;
    const keys: string[] = [];
    const health = createReplayStoreHealth({
      store: {
        remember: async (key) => {
          keys.push(key);
          if (full) throw new Error(ENOSPC);
          return true;
        },
      },
      now: () => clock,
      freshMs: 5000,
    });
    health.observe({ ok: false, timedOut: false, error: new Error(ENOSPC) });
    expect(await health.status()).toBe('not writable');
    expect(keys).toHaveLength(0);

    // No calls any more (taken out of service), the disk gets room: the next poll after freshMs writes and sees it.
    full = false;
    clock += 4000;
    expect(await health.status()).toBe('not writable');
    clock += 2000;
    expect(await health.status()).toBe('ok');
    expect(keys).toHaveLength(1);
    expect(keys[0]?.startsWith(READINESS_PROBE_KEY_PREFIX)).toBe(true);

    // Calls written meanwhile keep it fresh: no write of its own.
    clock += 10_000;
    health.observe({ ok: true });
    expect(await health.status()).toBe('ok');
    expect(keys).toHaveLength(1);
  });

  it('a write that gives no answer in time is "not answering"; polls meanwhile share one write', async () => {
    let writes = 0;
    const health = createReplayStoreHealth({
      store: {
        remember: () => {
          writes += 1;
          return new Promise<boolean>(() => undefined);
        },
      },
      timeoutMs: 20,
    });
    const answers = await Promise.all([health.status(), health.status(), health.status()]);
    expect(answers).toEqual(['not answering', 'not answering', 'not answering']);
    expect(writes).toBe(1);
  });

  it('logs the store error at error level: the first failure, then at most one line per interval with the count; then once that it recovered', () => {
    let clock = 0;
    const logger = recordingLogger();
    const health = createReplayStoreHealth({ store: { remember: async () => true }, logger, now: () => clock, logIntervalMs: 10_000 });
    const failure: ReplayStoreOutcome = { ok: false, timedOut: false, error: new Error(ENOSPC) };
    for (let i = 0; i < 500; i++) {
      health.observe(failure);
      clock += 50;
    }
    // 25 s of failures: lines at 0, 10 and 20 s.
    const errors = logger.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(3);
    expect(errors[0]?.obj).toMatchObject({ err: ENOSPC, failures: 1 });
    expect(errors[1]?.obj).toMatchObject({ err: ENOSPC, failuresSinceLastLine: 200 });
    health.observe({ ok: true });
    health.observe({ ok: true });
    expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([expect.objectContaining({ obj: expect.objectContaining({ failures: 500 }) })]);
  });

  it('the verifier tells it each write: the store error on failure, a success when recorded (a replay too)', async () => {
    const keys = await generateDevKeys('https://ehr.hospital.test');
    const outcomes: ReplayStoreOutcome[] = [];
    let full = true;
    const verifier = await createCdsJwtVerifier({
      clients: [devTrustedClient(keys)],
      replayStore: {
        remember: async () => {
          if (full) throw new Error(ENOSPC);
          return true;
        },
      },
      onReplayStoreOutcome: (o) => outcomes.push(o),
    });
    const aud = 'https://cds.test/cds-services/x';
    expect(await verifier.verify(`Bearer ${await mintDevToken(keys, aud)}`, aud)).toMatchObject({ ok: false, reason: 'replay-store-unavailable' });
    full = false;
    expect(await verifier.verify(`Bearer ${await mintDevToken(keys, aud)}`, aud)).toMatchObject({ ok: true });
    // A token refused before the store is asked tells nothing.
    expect(await verifier.verify('Bearer not.a.token', aud)).toMatchObject({ ok: false });
    expect(outcomes).toHaveLength(2);
    expect(outcomes[0]).toMatchObject({ ok: false, timedOut: false });
    expect((outcomes[0] as { error: Error }).error.message).toBe(ENOSPC);
    expect(outcomes[1]).toEqual({ ok: true });
  });
});
