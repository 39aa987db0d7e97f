/**
 * The benchmark's open-loop pacer offers the load its report names (scripts/bench/load.ts
 * `arrivalTimes`): evenly spaced instants at the rate, or random instants whose gaps are exponential
 * with the same mean (a Poisson process), the same instants in every run so runs can be compared.
 */
import { describe, expect, it } from 'vitest';
import { arrivalTimes } from '../../scripts/bench/load.ts';

describe('open-loop arrival instants', () => {
  it('evenly spaced: request i is due at i / rate', () => {
    const at = arrivalTimes(5, 1000, 'even');
    expect([...at]).toEqual([0, 1, 2, 3, 4]);
  });

  it('random: exponential gaps with mean 1 / rate, rising, the same for every run', () => {
    const count = 200_000;
    const at = arrivalTimes(count, 1000, 'poisson');
    expect([...arrivalTimes(1000, 1000, 'poisson')]).toEqual([...at.subarray(0, 1000)]);
    const gaps: number[] = [];
    for (let i = 1; i < count; i++) gaps.push(at[i]! - at[i - 1]!);
    expect(gaps.every((g) => g >= 0)).toBe(true);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
    // 1 ms at 1,000/s; an exponential's standard deviation equals its mean (evenly spaced gaps have none).
    expect(mean).toBeCloseTo(1, 1);
    expect(sd / mean).toBeCloseTo(1, 1);
    // Bursts happen: some gaps far shorter than the mean, some several times longer.
    expect(gaps.filter((g) => g < 0.1).length / gaps.length).toBeCloseTo(1 - Math.exp(-0.1), 2);
    expect(gaps.filter((g) => g > 3).length / gaps.length).toBeCloseTo(Math.exp(-3), 2);
  });
});
