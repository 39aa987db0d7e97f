// The classifier's caches are keyed by text the EHR chose (a medication's name and codes). Keys were
// kept whatever their length: 10,000 distinct names of a megabyte each would hold gigabytes between
// requests. Keys longer than any real product's are now worked out afresh each time, never kept.
import { describe, expect, it } from 'vitest';
import { BoundedCache, MAX_CACHED_KEY_LENGTH } from '../../src/terminology/bounded-cache.ts';
import { createClassifier } from '../../src/terminology/index.ts';

describe('BoundedCache', () => {
  it('keeps keys up to the length limit and never a longer one', () => {
    const cache = new BoundedCache<number>(100);
    const short = 'x'.repeat(MAX_CACHED_KEY_LENGTH);
    const long = 'x'.repeat(MAX_CACHED_KEY_LENGTH + 1);
    cache.set(short, 1);
    cache.set(long, 2);
    expect(cache.get(short)).toBe(1);
    expect(cache.get(long)).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it('stays bounded in entries as before', () => {
    const cache = new BoundedCache<number>(10);
    for (let i = 0; i < 100; i++) cache.set(`k${i}`, i);
    expect(cache.size).toBe(10);
    expect(cache.get('k99')).toBe(99);
  });
});

describe('the medication classifier with very long names', () => {
  it('classifies a name padded past the cache key limit as the short name (worked out afresh, not from the cache)', async () => {
    const classifier = createClassifier();
    const concept = (text: string) => ({ text });
    const short = classifier.classify(concept('Alprazolam 0.5 MG Oral Tablet'));
    for (let i = 0; i < 20; i++) {
      const long = classifier.classify(concept(`Alprazolam 0.5 MG Oral Tablet ${i} ${'x'.repeat(200_000)}`));
      expect([...long.classes]).toEqual([...short.classes]);
    }
    expect([...short.classes]).toContain('benzodiazepine');
  });
});
