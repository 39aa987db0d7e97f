// A timing that works out at thousands (or 1e300) of administrations a day is not a dosing schedule:
// multiplied into a daily dose it put "Opioid dose 7.500000000000001e+300 MME/day" on a card. The dose
// is unreadable instead, so the clinician is told the check is incomplete.
import type { Dosage } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { dosesPerDay } from '../../../src/facts/dose/index.ts';
import { mmeOf, order } from './helpers.ts';

const tablet = [{ doseQuantity: { value: 1, unit: 'tablet', system: 'http://unitsofmeasure.org', code: '{tbl}' } }];
const withRepeat = (repeat: Record<string, unknown>): Dosage => ({ timing: { repeat } as Dosage['timing'], doseAndRate: tablet });
const OXYCODONE = 'Acetaminophen 325 MG / Oxycodone Hydrochloride 5 MG Oral Tablet';

describe('dosesPerDay: implausible frequencies are unreadable, not multiplied', () => {
  it.each([
    ['a period of 1e-300 days', { frequency: 1, period: 1e-300, periodUnit: 'd' }],
    ['a frequency of 1e300 a day', { frequency: 1e300, period: 1, periodUnit: 'd' }],
    ['a period so short the division gives Infinity', { frequency: 1, period: 5e-324, periodUnit: 'd' }],
    ['a frequency written as a 400-digit string (Infinity)', { frequency: `1${'0'.repeat(400)}`, period: 1, periodUnit: 'd' }],
    ['every minute', { frequency: 1, period: 1, periodUnit: 'min' }],
    ['every 4 minutes', { frequency: 1, period: 4, periodUnit: 'min' }],
    ['300 times of day', { timeOfDay: Array.from({ length: 300 }, (_, i) => `${String(Math.floor(i / 60) + 6).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00`) }],
  ])('%s', (_label, repeat) => {
    const result = dosesPerDay([withRepeat(repeat)]);
    expect(result.perDay).toBeNull();
    expect('reason' in result && result.reason).toMatch(/more than 288 administrations a day/);
  });

  it('a total count of 1e300 doses with no frequency is unknown too (a total, not a daily figure)', () => {
    expect(dosesPerDay([withRepeat({ count: 1e300 })]).perDay).toBeNull();
  });

  it('does not fall back to the code when the repeat is implausible (BID beside 1e300 a day)', () => {
    const timing = { repeat: { frequency: 1e300, period: 1, periodUnit: 'd' }, code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation', code: 'BID' }] } };
    const dosage: Dosage = { timing: timing as Dosage['timing'], doseAndRate: tablet };
    expect(dosesPerDay([dosage]).perDay).toBeNull();
  });

  it('still reads frequent but plausible schedules up to every 5 minutes (acute-care as-needed orders)', () => {
    expect(dosesPerDay([withRepeat({ frequency: 1, period: 5, periodUnit: 'min' })]).perDay).toBeCloseTo(288);
    expect(dosesPerDay([withRepeat({ frequency: 1, period: 15, periodUnit: 'min' })]).perDay).toBeCloseTo(96);
    expect(dosesPerDay([withRepeat({ frequency: 1, period: 30, periodUnit: 'min' })]).perDay).toBeCloseTo(48);
    expect(dosesPerDay([withRepeat({ frequency: 2, period: 1, periodUnit: 'h' })])).toEqual({ perDay: 48, unit: 'tablet' });
    expect(dosesPerDay([withRepeat({ frequency: 1, period: 1, periodUnit: 'h' })])).toEqual({ perDay: 24, unit: 'tablet' });
  });

  it('gives an opioid with an absurd frequency no MME figure, with the reason', () => {
    const [mme] = mmeOf(order(OXYCODONE, [withRepeat({ frequency: 1, period: 1e-300, periodUnit: 'd' })]));
    expect(mme?.mmePerDay).toBeNull();
    expect(mme?.reason).toMatch(/not a plausible schedule/);
  });
});
