import type { Dosage } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { dosesPerDay } from '../../../src/facts/dose/index.ts';
import { coded, every, mmeOf, order } from './helpers.ts';

const prn = (extra: Partial<Dosage>): Dosage => ({ asNeededBoolean: true, ...extra });

describe('dosesPerDay: frequency', () => {
  it('multiplies the dose by frequency per period', () => {
    expect(dosesPerDay([every(1, 'tablet', 4)])).toEqual({ perDay: 4, unit: 'tablet' });
    expect(dosesPerDay([every(2, 'mg', 1, 4, 'h')])).toEqual({ perDay: 12, unit: 'mg' });
  });

  it('converts mcg and g doses to mg', () => {
    expect(dosesPerDay([every(500, 'mcg', 1)])).toEqual({ perDay: 0.5, unit: 'mg' });
    expect(dosesPerDay([every(0.01, 'g', 2)])).toEqual({ perDay: 20, unit: 'mg' });
  });

  it('reads UCUM and free-text count units', () => {
    expect(dosesPerDay([every(1, '{tbl}', 2)])).toEqual({ perDay: 2, unit: 'tablet' });
    expect(dosesPerDay([every(2, 'TABS', 3)])).toEqual({ perDay: 6, unit: 'tablet' });
    expect(dosesPerDay([every(1, '{pill}', 1)])).toEqual({ perDay: 1, unit: 'pill' });
    expect(dosesPerDay([every(2, 'puffs', 2)])).toEqual({ perDay: 4, unit: 'actuation' });
    expect(dosesPerDay([every(1, 'Tablet(s)', 2)])).toEqual({ perDay: 2, unit: 'tablet' });
  });

  it('uses frequencyMax and the shortest period of a range (q4-6h = 6 a day)', () => {
    const dosage: Dosage = {
      timing: { repeat: { frequency: 1, frequencyMax: 2, period: 1, periodUnit: 'd' } },
      doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }],
    };
    expect(dosesPerDay([dosage])).toEqual({ perDay: 2, unit: 'tablet' });
    const range: Dosage = {
      timing: { repeat: { frequency: 1, period: 4, periodMax: 6, periodUnit: 'h' } },
      doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }],
    };
    expect(dosesPerDay([range])).toEqual({ perDay: 6, unit: 'tablet' });
  });

  it('reads a period without a frequency as once per period, and weekly periods', () => {
    const q8h: Dosage = { timing: { repeat: { period: 8, periodUnit: 'h' } }, doseAndRate: [{ doseQuantity: { value: 10, unit: 'mg' } }] };
    expect(dosesPerDay([q8h])).toEqual({ perDay: 30, unit: 'mg' });
    const weekly = dosesPerDay([every(7, 'mg', 1, 1, 'wk')]);
    expect(weekly.perDay).toBeCloseTo(1);
  });

  it('counts when / timeOfDay events when there is no frequency', () => {
    const when: Dosage = { timing: { repeat: { when: ['MORN', 'HS'] } }, doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }] };
    expect(dosesPerDay([when])).toEqual({ perDay: 2, unit: 'tablet' });
    const times: Dosage = {
      timing: { repeat: { timeOfDay: ['08:00:00', '14:00:00', '20:00:00'] } },
      doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }],
    };
    expect(dosesPerDay([times])).toEqual({ perDay: 3, unit: 'tablet' });
  });

  it('reads a one-time order (count without frequency)', () => {
    const once: Dosage = { timing: { repeat: { count: 1 } }, doseAndRate: [{ doseQuantity: { value: 10, unit: 'mg' } }] };
    expect(dosesPerDay([once])).toEqual({ perDay: 10, unit: 'mg' });
  });

  it('reads v3-GTSAbbreviation timing codes', () => {
    expect(dosesPerDay([coded(1, 'tablet', 'BID')])).toEqual({ perDay: 2, unit: 'tablet' });
    expect(dosesPerDay([coded(1, 'tablet', 'TID')])).toEqual({ perDay: 3, unit: 'tablet' });
    expect(dosesPerDay([coded(1, 'tablet', 'QID')])).toEqual({ perDay: 4, unit: 'tablet' });
    expect(dosesPerDay([coded(1, 'tablet', 'QD')])).toEqual({ perDay: 1, unit: 'tablet' });
    expect(dosesPerDay([coded(1, 'tablet', 'Q4H')])).toEqual({ perDay: 6, unit: 'tablet' });
    expect(dosesPerDay([coded(1, 'tablet', 'Q6H')])).toEqual({ perDay: 4, unit: 'tablet' });
    expect(dosesPerDay([coded(1, 'tablet', 'Q8H')])).toEqual({ perDay: 3, unit: 'tablet' });
    expect(dosesPerDay([coded(1, 'tablet', 'Q12H')])).toEqual({ perDay: 2, unit: 'tablet' });
    expect(dosesPerDay([coded(2, 'tablet', 'QOD')])).toEqual({ perDay: 1, unit: 'tablet' });
    expect(dosesPerDay([coded(1, 'tablet', 'AM')])).toEqual({ perDay: 1, unit: 'tablet' });
    expect(dosesPerDay([coded(1, 'tablet', 'PM')])).toEqual({ perDay: 1, unit: 'tablet' });
  });
});

describe('dosesPerDay: dose', () => {
  it('uses the high end of a dose range', () => {
    const dosage: Dosage = {
      timing: { repeat: { frequency: 1, period: 6, periodUnit: 'h' } },
      doseAndRate: [{ doseRange: { low: { value: 1, unit: 'tablet' }, high: { value: 2, unit: 'tablet' } } }],
    };
    expect(dosesPerDay([dosage])).toEqual({ perDay: 8, unit: 'tablet' });
  });

  it('prefers the ordered dose over a calculated one', () => {
    const dosage: Dosage = {
      timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } },
      doseAndRate: [
        { type: { coding: [{ code: 'calculated' }] }, doseQuantity: { value: 99, unit: 'mg' } },
        { type: { coding: [{ code: 'ordered' }] }, doseQuantity: { value: 10, unit: 'mg' } },
      ],
    };
    expect(dosesPerDay([dosage])).toEqual({ perDay: 10, unit: 'mg' });
  });
});

describe('dosesPerDay: as needed', () => {
  it('uses maxDosePerPeriod as the daily amount of a PRN order', () => {
    const dosage = prn({
      timing: { repeat: { frequency: 1, period: 4, periodMax: 6, periodUnit: 'h' } },
      doseAndRate: [{ doseRange: { low: { value: 1, unit: 'tablet' }, high: { value: 2, unit: 'tablet' } } }],
      maxDosePerPeriod: { numerator: { value: 8, unit: 'tablet' }, denominator: { value: 1, unit: 'd' } },
    });
    expect(dosesPerDay([dosage])).toEqual({ perDay: 8, unit: 'tablet' });
  });

  it('scales a maximum given per hours to a day', () => {
    const dosage = prn({ maxDosePerPeriod: { numerator: { value: 2, unit: 'tablet' }, denominator: { value: 12, unit: 'h' } } });
    expect(dosesPerDay([dosage])).toEqual({ perDay: 4, unit: 'tablet' });
  });

  it('uses the scheduled frequency of a PRN order without a maximum', () => {
    expect(dosesPerDay([{ ...every(1, 'tablet', 1, 6, 'h'), asNeededBoolean: true }])).toEqual({ perDay: 4, unit: 'tablet' });
  });

  it('is unknown for a PRN order with neither frequency nor maximum', () => {
    const result = dosesPerDay([prn({ doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }] })]);
    expect(result).toEqual({ perDay: null, reason: 'as-needed dose with no frequency and no maximum per period' });
  });
});

describe('dosesPerDay: a code with a total count', () => {
  it('reads "Q6H, 20 doses" as 4 a day (the count is the total, not a daily figure)', () => {
    const q6h = coded(5, 'mg', 'Q6H');
    expect(dosesPerDay([{ ...q6h, timing: { ...q6h.timing, repeat: { count: 20 } } }])).toEqual({ perDay: 20, unit: 'mg' });
  });

  it('never more a day than the total count ("Q4H, 2 doses in all" is at most 2 a day)', () => {
    const q4h = coded(5, 'mg', 'Q4H');
    expect(dosesPerDay([{ ...q4h, timing: { ...q4h.timing, repeat: { count: 2 } } }])).toEqual({ perDay: 10, unit: 'mg' });
  });
});

describe('dosesPerDay: a total count beside a structured frequency', () => {
  // "Oxycodone 10 mg every 4 hours, 3 doses" (a post-procedure or ED discharge order) is 30 mg in all: at most
  // 45 MME in any day, however the frequency is written. Read as 6 a day it showed "90 MME/day" and two warnings.
  const oxycodone10 = 'Oxycodone Hydrochloride 10 MG Oral Tablet';
  const tablet = { value: 1, unit: 'tablet', system: 'http://unitsofmeasure.org', code: '{tbl}' };

  it('reads "every 4 hours, 3 doses" as at most 3 doses a day, as the same order coded Q4H', () => {
    const structured: Dosage = { timing: { repeat: { frequency: 1, period: 4, periodUnit: 'h', count: 3 } }, doseAndRate: [{ doseQuantity: tablet }] };
    const gts: Dosage = { timing: { code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation', code: 'Q4H' }] }, repeat: { count: 3 } }, doseAndRate: [{ doseQuantity: tablet }] };
    expect(dosesPerDay([structured])).toEqual({ perDay: 3, unit: 'tablet' });
    const [m] = mmeOf(order(oxycodone10, [structured]));
    expect(m?.mgPerDay).toBe(30);
    expect(m?.mmePerDay).toBe(45);
    expect(mmeOf(order(oxycodone10, [gts]))[0]?.mmePerDay).toBe(45);
  });

  it('caps times of day by the count too, and leaves a count larger than a day\'s doses alone', () => {
    const twoTimes: Dosage = { timing: { repeat: { when: ['MORN', 'HS'], count: 1 } }, doseAndRate: [{ doseQuantity: tablet }] };
    expect(dosesPerDay([twoTimes])).toEqual({ perDay: 1, unit: 'tablet' });
    // "Every 6 hours, 20 doses" is still 4 a day, and countMax is the upper end of the count.
    expect(dosesPerDay([{ timing: { repeat: { frequency: 1, period: 6, periodUnit: 'h', count: 20 } }, doseAndRate: [{ doseQuantity: tablet }] }])).toEqual({ perDay: 4, unit: 'tablet' });
    expect(dosesPerDay([{ timing: { repeat: { frequency: 1, period: 4, periodUnit: 'h', count: 2, countMax: 4 } }, doseAndRate: [{ doseQuantity: tablet }] }])).toEqual({ perDay: 4, unit: 'tablet' });
  });
});

describe('dosesPerDay: a total count without a readable frequency', () => {
  it('is unknown, not that many doses a day ("every 6 hr, 20 doses" with a frequency code it cannot read)', () => {
    // Oracle Health style: SNOMED CT 307468000 "Every six hours" is not a v3-GTSAbbreviation code.
    const snomed: Dosage = {
      timing: { repeat: { count: 20 }, code: { coding: [{ system: 'http://snomed.info/sct', code: '307468000', display: 'Every six hours' }], text: 'every 6 hr' } },
      doseAndRate: [{ doseQuantity: { value: 5, unit: 'mg' } }],
    };
    expect(dosesPerDay([snomed])).toEqual({ perDay: null, reason: 'timing gives only the total number of doses, not how often' });
    expect(dosesPerDay([{ ...snomed, timing: { repeat: { count: 20 } } }]).perDay).toBeNull();
    // "Twice in all" is still at most twice a day.
    expect(dosesPerDay([{ ...snomed, timing: { repeat: { count: 2 } } }])).toEqual({ perDay: 10, unit: 'mg' });
  });

  it('gives the oxycodone of "5 mg every 6 hr x 20 doses" an unknown MME (check incomplete), not 150 MME/day', () => {
    const dosage: Dosage = {
      timing: { repeat: { count: 20 }, code: { coding: [{ system: 'http://snomed.info/sct', code: '307468000', display: 'Every six hours' }] } },
      doseAndRate: [{ doseQuantity: { value: 1, unit: 'tab(s)' } }],
    };
    const [m] = mmeOf(order('Oxycodone Hydrochloride 5 MG Oral Tablet', [dosage]));
    expect(m?.mmePerDay).toBeNull();
    expect(m?.reason).toBe('timing gives only the total number of doses, not how often');
  });
});

describe('dosesPerDay: split doses timed with the codes AM, PM and BED', () => {
  it('adds "3 tablets AM" and "1 tablet PM" sent as two instructions, as with when MORN / EVE', () => {
    expect(dosesPerDay([coded(3, 'tablet', 'AM'), coded(1, 'tablet', 'PM')])).toEqual({ perDay: 4, unit: 'tablet' });
    expect(dosesPerDay([coded(1, 'tablet', 'AM'), coded(2, 'tablet', 'BED')])).toEqual({ perDay: 3, unit: 'tablet' });
    // Two lines for the same time of day stay alternatives.
    expect(dosesPerDay([coded(3, 'tablet', 'AM'), coded(1, 'tablet', 'AM')])).toEqual({ perDay: 3, unit: 'tablet' });
    // 3 + 1 tablets of oxycodone 10 mg = 40 mg = 60 MME/day.
    const [m] = mmeOf(order('Oxycodone Hydrochloride 10 MG Oral Tablet', [coded(3, 'tablet', 'AM'), coded(1, 'tablet', 'PM')]));
    expect(m?.mmePerDay).toBe(60);
  });
});

describe('dosesPerDay: several instructions', () => {
  it('takes the highest daily amount of a taper', () => {
    const taper = [{ ...every(10, 'mg', 3), sequence: 1 }, { ...every(10, 'mg', 2), sequence: 2 }, { ...every(10, 'mg', 1), sequence: 3 }];
    expect(dosesPerDay(taper)).toEqual({ perDay: 30, unit: 'mg' });
  });

  it('adds instructions that share a sequence (taken together)', () => {
    const together = [{ ...coded(1, 'tablet', 'AM'), sequence: 1 }, { ...coded(2, 'tablet', 'PM'), sequence: 1 }];
    expect(dosesPerDay(together)).toEqual({ perDay: 3, unit: 'tablet' });
  });

  it('adds instructions without a sequence that name different times of day (split doses), else takes the highest', () => {
    const at = (value: number, time: string): Dosage => ({
      timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd', timeOfDay: [time] } },
      doseAndRate: [{ doseQuantity: { value, unit: 'tablet' } }],
    });
    expect(dosesPerDay([at(1, '08:00:00'), at(2, '20:00:00')])).toEqual({ perDay: 3, unit: 'tablet' });
    // The same time in both: alternatives, not a split dose.
    expect(dosesPerDay([at(1, '08:00:00'), at(2, '08:00:00')])).toEqual({ perDay: 2, unit: 'tablet' });
    // One without a time: cannot tell, the highest counts as before.
    expect(dosesPerDay([at(1, '08:00:00'), every(2, 'tablet', 1)])).toEqual({ perDay: 2, unit: 'tablet' });
  });

  it('ignores text-only instructions next to structured ones', () => {
    expect(dosesPerDay([every(5, 'mg', 2), { text: 'Take with food' }])).toEqual({ perDay: 10, unit: 'mg' });
  });

  it('is unknown when instructions use different units', () => {
    expect(dosesPerDay([every(5, 'mg', 2), every(1, 'tablet', 2)]).perDay).toBeNull();
  });
});

describe('dosesPerDay: unknowns never become 0', () => {
  it('gives a reason for each missing part', () => {
    expect(dosesPerDay(undefined)).toEqual({ perDay: null, reason: 'no dosage instructions' });
    expect(dosesPerDay([{ text: 'as directed' }])).toEqual({ perDay: null, reason: 'no dose quantity' });
    expect(dosesPerDay([{ timing: { repeat: { frequency: 2, period: 1, periodUnit: 'd' } } }])).toEqual({ perDay: null, reason: 'no dose quantity' });
    expect(dosesPerDay([{ doseAndRate: [{ doseQuantity: { value: 5, unit: 'mg' } }] }])).toEqual({ perDay: null, reason: 'no frequency' });
    expect(dosesPerDay([{ timing: { repeat: { frequency: 2 } }, doseAndRate: [{ doseQuantity: { value: 5, unit: 'mg' } }] }])).toEqual({
      perDay: null,
      reason: 'timing has a frequency but no period',
    });
    expect(dosesPerDay([every(0, 'mg', 2)])).toEqual({ perDay: null, reason: 'dose quantity has no positive value' });
    expect(dosesPerDay([every(5, 'bottle', 2)])).toEqual({ perDay: null, reason: "unrecognised dose unit 'bottle'" });
  });

  it('does not throw on malformed input', () => {
    const junk: unknown[] = [
      'garbage',
      42,
      [null, 5, 'x'],
      [{ timing: 'daily', doseAndRate: 'lots' }],
      [{ timing: { repeat: { frequency: 'two', period: null, periodUnit: 7 } }, doseAndRate: [{ doseQuantity: { value: '5x', unit: 3 } }] }],
      [{ timing: { code: 'BID' }, doseAndRate: [{ doseQuantity: 'ten mg' }] }],
      [{ asNeededBoolean: true, maxDosePerPeriod: { numerator: 'eight', denominator: { value: 0, unit: 'd' } } }],
      [{ doseAndRate: [{ doseRange: { low: { value: 1, unit: 'tablet' } } }], timing: { repeat: { when: 'HS' } } }],
    ];
    for (const dosage of junk) {
      const result = dosesPerDay(dosage as Dosage[]);
      expect(result.perDay).toBeNull();
      expect('reason' in result && result.reason.length > 0).toBe(true);
    }
  });

  it('accepts numeric strings, as some EHRs send them', () => {
    const dosage = { timing: { repeat: { frequency: '2', period: '1', periodUnit: 'd' } }, doseAndRate: [{ doseQuantity: { value: '5', unit: 'mg' } }] };
    expect(dosesPerDay([dosage as unknown as Dosage])).toEqual({ perDay: 10, unit: 'mg' });
  });
});
