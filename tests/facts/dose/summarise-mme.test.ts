import { describe, expect, it } from 'vitest';
import { summariseMme } from '../../../src/facts/dose/index.ts';
import type { OpioidMme } from '../../../src/facts/dose/index.ts';

const known = (ingredient: string, mme: number): OpioidMme => ({ ingredient, mgPerDay: mme, unit: 'mg/day', factor: 1, factorSource: 'cdc-2022', mmePerDay: mme });
const unknown: OpioidMme = { ingredient: 'levorphanol', mgPerDay: 6, unit: 'mg/day', factor: null, mmePerDay: null, reason: 'no CDC 2022 conversion factor for levorphanol' };

describe('summariseMme', () => {
  it('adds known MME across orders and flags the unknown ones', () => {
    const summary = summariseMme([
      { ref: 'MedicationRequest/1', display: 'hydrocodone/APAP', mme: [known('hydrocodone', 20)] },
      { ref: 'MedicationRequest/2', display: 'oxycodone ER', mme: [known('oxycodone', 30.5)] },
      { ref: 'MedicationStatement/3', display: 'levorphanol', mme: [unknown] },
    ]);
    expect(summary.totalKnown).toBe(50.5);
    expect(summary.unknownCount).toBe(1);
    expect(summary.complete).toBe(false);
    expect(summary.perDrug.map((d) => [d.ref, d.ingredient, d.mmePerDay])).toEqual([
      ['MedicationRequest/1', 'hydrocodone', 20],
      ['MedicationRequest/2', 'oxycodone', 30.5],
      ['MedicationStatement/3', 'levorphanol', null],
    ]);
  });

  it('is complete and 0 for no opioids (buprenorphine-only orders carry no entries)', () => {
    expect(summariseMme([{ ref: 'MedicationRequest/1', display: 'buprenorphine/naloxone', mme: [] }])).toEqual({
      perDrug: [],
      totalKnown: 0,
      unknownCount: 0,
      complete: true,
    });
  });

  it('tolerates malformed items', () => {
    const summary = summariseMme([null, { ref: 'x', display: 'y', mme: 'z' }] as never);
    expect(summary).toMatchObject({ totalKnown: 0, unknownCount: 0, complete: true });
  });
});
