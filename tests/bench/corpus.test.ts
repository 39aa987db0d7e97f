// The load benchmark's requests are what the issue describes: each with 1 to 3 draft medication orders and 30
// to 80 prefetched resources, built from the fixtures (scripts/bench/corpus.ts).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCandidates } from '../../scripts/bench/corpus.ts';

const FIXTURES = path.resolve(import.meta.dirname, '..', '..', 'fixtures');

describe('benchmark corpus', () => {
  it('every candidate request has 1 to 3 medication drafts and 30 to 80 prefetched resources', () => {
    const candidates = buildCandidates(FIXTURES);
    expect(candidates.length).toBeGreaterThan(100);
    const outside = candidates.filter((c) => c.drafts < 1 || c.drafts > 3 || c.prefetched < 30 || c.prefetched > 80);
    expect(outside.map((c) => `${c.name}: ${c.drafts} drafts, ${c.prefetched} resources`)).toEqual([]);
  });
});
