/**
 * Whether the JWT replay store can record tokens now: with CDS client authentication on, every call's `jti`
 * is written there before the call is answered (verifier.ts), so when those writes fail (a full disk, a
 * read-only database) every hook call is refused with 503 even though the store still answers a read.
 * /readyz asks this (create-app.ts) so that a load balancer takes such an instance out of service.
 *
 * It costs the calls nothing: the verifier tells it how each call's write went (`observe`), and /readyz reads
 * the latest outcome. Only when no call has written for `freshMs` (an idle instance, or one the load
 * balancer has already taken out) does /readyz make a write of its own: one key under a name no client
 * token gives (`cds-readiness-probe|<uuid>`) that expires a minute later, at most one at a time. That is also
 * how an instance taken out of service finds, with no calls coming, that writes succeed again.
 *
 * A failure is logged at error level with the store's own error (ENOSPC, "could not extend file"), never a
 * token or its key: the first, then at most one line per `logIntervalMs` with the number of failures since
 * the last line; the first success after a logged failure says the store records tokens again.
 */
import { randomUUID } from 'node:crypto';
import type { ReplayStore, ReplayStoreOutcome } from './types.ts';

/**
 * What /readyz says of the replay store's writes: `not writable` when the last write failed, `not answering`
 * when it gave no answer in time.
 */
export type ReplayWriteStatus = 'ok' | 'not writable' | 'not answering';

export interface ReplayHealthLogger {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface ReplayStoreHealthOptions {
  /** The store the verifier writes to; probed with a write of its own only when no outcome is recent. */
  readonly store: ReplayStore;
  readonly logger?: ReplayHealthLogger;
  /** Longest wait for a probe's write, ms (as the verifier's replayTimeoutMs). Default 1000. */
  readonly timeoutMs?: number;
  /** An outcome younger than this answers status() without a write, ms. Default 5000. */
  readonly freshMs?: number;
  /** While writes keep failing, at most one error line per this many ms. Default 10000. */
  readonly logIntervalMs?: number;
  /** Clock, epoch ms. Default Date.now. */
  readonly now?: () => number;
}

export interface ReplayStoreHealth {
  /** Told how each token's replay-store write went (the verifier's `onReplayStoreOutcome`). Synchronous and cheap. */
  observe(outcome: ReplayStoreOutcome): void;
  /**
   * The latest outcome when it is younger than `freshMs`; else the outcome of a write made now (one at a time:
   * callers meanwhile share it). Never rejects; answers within `timeoutMs` or so.
   */
  status(): Promise<ReplayWriteStatus>;
}

/** Prefix of the probe's keys: an issuer no trusted client has (issuers are URLs), so no real token's key. */
export const READINESS_PROBE_KEY_PREFIX = 'cds-readiness-probe|';
/** How long a probe's key is kept: long enough to be a real write, short enough to be swept soon after. */
const PROBE_KEY_TTL_MS = 60_000;
const MAX_LOGGED_ERROR_LENGTH = 300;

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > MAX_LOGGED_ERROR_LENGTH ? `${text.slice(0, MAX_LOGGED_ERROR_LENGTH)}…` : text;
}

export function createReplayStoreHealth(options: ReplayStoreHealthOptions): ReplayStoreHealth {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 1000;
  const freshMs = options.freshMs ?? 5000;
  const logIntervalMs = options.logIntervalMs ?? 10_000;
  const logger = options.logger;
  let last: { readonly at: number; readonly status: ReplayWriteStatus } | undefined;
  /** Consecutive failures, and when the first of them happened. */
  let failures = 0;
  let failingSince = 0;
  /** Failures since the last error line, and when it was written. */
  let unlogged = 0;
  let lastLineAt = Number.NEGATIVE_INFINITY;
  /** An error line was written since the last "records tokens again" line. */
  let told = false;
  let probe: Promise<ReplayWriteStatus> | undefined;

  function observe(outcome: ReplayStoreOutcome): void {
    const at = now();
    if (outcome.ok) {
      if (told) {
        logger?.warn({ failures, failingForMs: at - failingSince }, 'the JWT replay store records tokens again: authenticated CDS calls are accepted again');
        told = false;
      }
      failures = 0;
      unlogged = 0;
      last = { at, status: 'ok' };
      return;
    }
    if (failures === 0) failingSince = at;
    failures += 1;
    unlogged += 1;
    last = { at, status: outcome.timedOut ? 'not answering' : 'not writable' };
    if (at - lastLineAt >= logIntervalMs) {
      logger?.error(
        { err: describe(outcome.error), timedOut: outcome.timedOut, failures, failuresSinceLastLine: unlogged, failingForMs: at - failingSince },
        'the JWT replay store could not record a token: every authenticated CDS call is refused (503) and /readyz answers 503 until it can (a full disk? a read-only or unreachable database?)'
      );
      lastLineAt = at;
      unlogged = 0;
      told = true;
    }
  }

  async function write(): Promise<ReplayWriteStatus> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = Symbol('timed out');
    try {
      const answer = await Promise.race([
        options.store.remember(`${READINESS_PROBE_KEY_PREFIX}${randomUUID()}`, now() + PROBE_KEY_TTL_MS),
        new Promise<typeof timedOut>((resolve) => {
          timer = setTimeout(() => resolve(timedOut), timeoutMs);
        }),
      ]);
      if (answer === timedOut) {
        observe({ ok: false, timedOut: true, error: new Error(`the replay store did not answer a readiness write within ${timeoutMs} ms`) });
        return 'not answering';
      }
      observe({ ok: true });
      return 'ok';
    } catch (error) {
      observe({ ok: false, timedOut: false, error });
      return 'not writable';
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    observe,
    status(): Promise<ReplayWriteStatus> {
      if (last !== undefined && now() - last.at < freshMs) {
        return Promise.resolve(last.status);
      }
      probe ??= write().finally(() => {
        probe = undefined;
      });
      return probe;
    },
  };
}
