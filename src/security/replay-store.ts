/**
 * In-memory {@link ReplayStore} for a single replica. Entries expire when the token could no longer be
 * accepted; expired entries are swept periodically and whenever the store is full. When it is still
 * full after a sweep it refuses (throws) rather than forget a live jti: replay protection fails closed.
 */
import type { ReplayStore } from './types.ts';

export class ReplayStoreFullError extends Error {
  constructor(maxEntries: number) {
    super(`replay store is full (${maxEntries} live entries)`);
    this.name = 'ReplayStoreFullError';
  }
}

export interface MemoryReplayStoreOptions {
  /** Most live entries kept. Default 100000. */
  readonly maxEntries?: number;
  /** Clock, epoch ms. Default Date.now. */
  readonly now?: () => number;
  /** Sweep expired entries at least this often, ms. Default 60000. */
  readonly sweepIntervalMs?: number;
}

export interface MemoryReplayStore extends ReplayStore {
  /** Live entries (after dropping expired ones). */
  size(): number;
}

export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): MemoryReplayStore {
  const maxEntries = options.maxEntries ?? 100_000;
  const now = options.now ?? Date.now;
  const sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError('maxEntries must be a positive integer');
  }
  const entries = new Map<string, number>();
  let lastSweep = now();

  const sweep = (at: number): void => {
    for (const [key, expiresAt] of entries) {
      if (expiresAt <= at) {
        entries.delete(key);
      }
    }
    lastSweep = at;
  };

  return {
    async remember(key: string, expiresAtMs: number): Promise<boolean> {
      const at = now();
      if (at - lastSweep >= sweepIntervalMs) {
        sweep(at);
      }
      if (expiresAtMs <= at) {
        // Past its expiry already (it expired while its signature was being checked): refused, since its
        // earlier use may have been swept away.
        return false;
      }
      const existing = entries.get(key);
      if (existing !== undefined && (existing > at || existing >= expiresAtMs)) {
        // Seen and still live, or seen with this same expiry (the same token): a replay.
        return false;
      }
      if (existing === undefined && entries.size >= maxEntries) {
        sweep(at);
        if (entries.size >= maxEntries) {
          throw new ReplayStoreFullError(maxEntries);
        }
      }
      entries.set(key, expiresAtMs);
      return true;
    },
    size(): number {
      sweep(now());
      return entries.size;
    },
  };
}
