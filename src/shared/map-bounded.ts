/** Runs async work over a list with at most a fixed number of calls in flight. */

/**
 * Like `Promise.all(items.map(fn))`, but with at most `limit` calls of `fn` running at once: a list
 * that came from a request (a rule's test cases) cannot open as many files or hold as much memory as it
 * has items. Results are in the order of `items`; the first rejection rejects the whole (the calls
 * already started still finish, none is started after it).
 * @param items - The inputs.
 * @param limit - Most calls running at once (at least 1).
 * @param fn - The work for one item, with its index.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}
