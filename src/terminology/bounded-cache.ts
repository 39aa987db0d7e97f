/**
 * Small, approximately least-recently-used cache. Classification runs per medication per request, and
 * the same few hundred products recur, so results are memoised; the bound keeps memory flat when inputs
 * are unusual (free-text orders).
 *
 * A hit moves an entry to the young end only when it has aged past half the bound (a Map delete and
 * re-insert on every hit was a measurable share of each request). So an entry used within the last
 * `limit / 2` insertions is never the one evicted; the oldest insertion is evicted when full.
 */
interface Entry<V> {
  readonly value: V;
  stamp: number;
}

export class BoundedCache<V> {
  readonly #limit: number;
  readonly #entries = new Map<string, Entry<V>>();
  #clock = 0;

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      return undefined;
    }
    if (this.#clock - entry.stamp > this.#limit / 2) {
      // Re-insert to mark as recently used (Map keeps insertion order).
      this.#entries.delete(key);
      entry.stamp = ++this.#clock;
      this.#entries.set(key, entry);
    }
    return entry.value;
  }

  set(key: string, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, stamp: ++this.#clock });
    if (this.#entries.size > this.#limit) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
