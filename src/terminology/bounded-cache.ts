/**
 * Small, approximately least-recently-used cache. Classification runs per medication per request, and
 * the same few hundred products recur, so results are memoised; the bound keeps memory flat when inputs
 * are unusual (free-text orders).
 *
 * A hit moves an entry to the young end only when it has aged past half the bound (a Map delete and
 * re-insert on every hit was a measurable share of each request). So an entry used within the last
 * `limit / 2` insertions is never the one evicted; the oldest insertion is evicted when full.
 *
 * Keys longer than `maxKeyLength` are neither stored nor looked up: the key is text the EHR chose (a
 * medication's name), and 10,000 distinct names of a megabyte each would otherwise hold gigabytes between
 * requests. Real product names and codes are far shorter; a longer one is worked out afresh each time.
 */
interface Entry<V> {
  readonly value: V;
  stamp: number;
}

/** Longest key kept by default, in UTF-16 code units (the longest RxNorm display is a few hundred). */
export const MAX_CACHED_KEY_LENGTH = 1024;

export class BoundedCache<V> {
  readonly #limit: number;
  readonly #maxKeyLength: number;
  readonly #entries = new Map<string, Entry<V>>();
  #clock = 0;

  constructor(limit: number, maxKeyLength: number = MAX_CACHED_KEY_LENGTH) {
    this.#limit = Math.max(1, limit);
    this.#maxKeyLength = maxKeyLength;
  }

  get(key: string): V | undefined {
    if (key.length > this.#maxKeyLength) {
      return undefined;
    }
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
    if (key.length > this.#maxKeyLength) {
      return;
    }
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
