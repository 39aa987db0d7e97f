// One order with a scheduled dose and an as-needed dose for breakthrough pain, sent as two dosage
// instructions without a `sequence` ("oxycodone 10 mg: 1 tab q12h" + "1 tab q4h PRN, max 3/day"): the
// patient may take both in a day, so the daily dose is their sum (CDC 2022: sum each opioid's daily
// dose), 20 + 30 = 50 mg = 75 MME/day. Taking the higher one (30 mg = 45 MME) put the order under the
// 50 MME/day line used beside a benzodiazepine. Instructions of the same kind stay alternatives and
// sequenced steps stay a taper (src/facts/dose/doses-per-day.ts, combineDaily).
import type { Dosage } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { engineFactsFor } from '../../src/facts/index.ts';
import { dosesPerDay } from '../../src/facts/dose/index.ts';
import { draftFacts, everyHours, medicationRequest, patientRecord, plainTablets } from '../support/fhir-builders.ts';

const NOW = new Date('2026-11-22T12:00:00Z');

const q12h: Dosage = everyHours(12, plainTablets(1));
const q4hPrnMax3: Dosage = {
  asNeededBoolean: true,
  ...everyHours(4, plainTablets(1)),
  maxDosePerPeriod: { numerator: { value: 3, unit: 'tablet' }, denominator: { value: 1, unit: 'd' } },
};
const q6hPrnNoMax: Dosage = { asNeededBoolean: true, ...everyHours(6, plainTablets(1)) };

describe('daily dose of a scheduled plus an as-needed instruction in one order (no sequence)', () => {
  it('adds them (2 scheduled + at most 3 as needed = 5 tablets a day); same-kind instructions stay alternatives, sequenced ones a taper', () => {
    expect(dosesPerDay([q12h, q4hPrnMax3])).toEqual({ perDay: 5, unit: 'tablet' });
    expect(dosesPerDay([q4hPrnMax3, q12h])).toEqual({ perDay: 5, unit: 'tablet' });
    const q6h: Dosage = everyHours(6, plainTablets(1));
    expect(dosesPerDay([q12h, q6h])).toEqual({ perDay: 4, unit: 'tablet' });
    expect(dosesPerDay([q4hPrnMax3, q6hPrnNoMax])).toEqual({ perDay: 4, unit: 'tablet' });
    expect(dosesPerDay([{ ...q12h, sequence: 1 }, { ...q4hPrnMax3, sequence: 2 }])).toEqual({ perDay: 3, unit: 'tablet' });
  });

  it('counts an as-needed instruction without a maximum as it would on its own (its frequency; unknown without one)', () => {
    // 2 a day scheduled + q6h PRN (4 a day) = 6.
    expect(dosesPerDay([q12h, q6hPrnNoMax])).toEqual({ perDay: 6, unit: 'tablet' });
    const prnBare: Dosage = { asNeededBoolean: true, doseAndRate: [{ doseQuantity: plainTablets(1) }] };
    expect(dosesPerDay([q12h, prnBare])).toEqual({ perDay: null, reason: 'as-needed dose with no frequency and no maximum per period' });
  });
});

describe('MME fact of that order', () => {
  const draft = medicationRequest('draft-1', 'draft', 'oxycodone hydrochloride 10 mg oral tablet', { dosageInstruction: [q12h, q4hPrnMax3] });
  const record = patientRecord([], { birthDate: '1976-01-01' });

  it('is 75 MME/day (50 mg oxycodone x 1.5), at or above the 50 MME/day line, not 45', () => {
    const facts = draftFacts(record, draft, NOW);
    const order = facts.orders[0]!;
    expect(order.mme.totalKnown).toBe(75);
    expect(order.mme.unknownCount).toBe(0);
    const engine = engineFactsFor(facts, order);
    expect(engine.totalMme).toBe(75);
    expect(engine.totalMme).toBeGreaterThanOrEqual(50);
  });
});
