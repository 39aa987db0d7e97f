// One spelling for product names (src/facts/product-name.ts): a renewal written in other words is the same
// product, while any word that tells products apart (strength, release, brand, form) still tells them apart.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalProductName } from '../../src/facts/product-name.ts';

describe('canonicalProductName', () => {
  it('folds case, spacing, punctuation, glued units, HCl, tab/cap/soln, plurals and "oral"', () => {
    const one = canonicalProductName('Oxycodone Hydrochloride 5 MG Oral Tablet');
    expect(one).toBe('oxycodone hydrochloride 5 mg tablet');
    for (const other of ['oxycodone HCl 5mg tab', 'OXYCODONE HCL 5 MG TABS', 'oxycodone  hydrochloride, 5 mg, tablets', 'oxycodone hcl 5 mg PO tab']) {
      expect(canonicalProductName(other), other).toBe(one);
    }
    expect(canonicalProductName('Hydrocodone Bitartrate 10 MG / Acetaminophen 325 MG Oral Tablet')).toBe(canonicalProductName('hydrocodone bitartrate 10mg/acetaminophen 325mg tabs'));
    expect(canonicalProductName('Lorazepam 0.5 MG Oral Tablet')).toBe(canonicalProductName('lorazepam 0.5mg tab'));
  });

  it('keeps strength, decimal points, release, brand and form apart', () => {
    const base = canonicalProductName('Morphine Sulfate 15 MG Oral Tablet');
    for (const other of [
      'Morphine Sulfate 15 MG Extended Release Oral Tablet',
      'morphine sulfate 15 mg ER tab',
      'MS Contin 15 MG tab',
      'morphine sulfate 1.5 mg tablet',
      'morphine sulfate 150 mg tablet',
      'morphine sulfate 15 mg/ml oral solution',
      'morphine sulfate 15 mg capsule',
    ]) {
      expect(canonicalProductName(other), other).not.toBe(base);
    }
    expect(canonicalProductName('buprenorphine 150 mcg buccal film')).not.toBe(canonicalProductName('buprenorphine 150 mcg film'));
    expect(canonicalProductName('Clonazepam .5 mg tab')).toBe(canonicalProductName('Clonazepam 0.5 MG Oral Tablet'));
    expect(canonicalProductName('Clonazepam .5 mg tab')).not.toBe(canonicalProductName('Clonazepam 5 MG Oral Tablet'));
  });

  it('is idempotent and never throws on any text', () => {
    // Dots in a row before a digit (found by this property once): a second pass must not read a new leading decimal.
    for (const text of ['A..0', '0...0', 'x.5', '.5.5']) {
      expect(canonicalProductName(canonicalProductName(text)), text).toBe(canonicalProductName(text));
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const once = canonicalProductName(text);
        expect(canonicalProductName(once)).toBe(once);
      }),
      { numRuns: 2000 }
    );
  });
});
