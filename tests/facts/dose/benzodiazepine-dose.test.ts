import type { Dosage } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { benzodiazepineDose } from '../../../src/facts/dose/index.ts';
import { benzoOf, classifier, coded, every, order } from './helpers.ts';

const atBedtime = (value: number, unit: string): Dosage => ({
  timing: { repeat: { when: ['HS'] } },
  doseAndRate: [{ doseQuantity: { value, unit } }],
});

describe('benzodiazepineDose (Ashton equivalents to diazepam 10 mg)', () => {
  it('alprazolam 0.5 mg TID = 1.5 mg/day = 30 mg diazepam-eq', () => {
    expect(benzoOf(order('ALPRAZolam 0.5 MG Oral Tablet', [coded(1, 'tablet', 'TID')]))).toEqual([
      { ingredient: 'alprazolam', mgPerDay: 1.5, unit: 'mg/day', diazepamEqMgPerDay: 30, equivalenceSource: 'ashton' },
    ]);
  });

  it('lorazepam 1 mg BID = 20', () => {
    expect(benzoOf(order('LORazepam 1 MG Oral Tablet', [coded(1, 'mg', 'BID')]))[0]).toMatchObject({ mgPerDay: 2, diazepamEqMgPerDay: 20 });
  });

  it('clonazepam 0.5 mg at bedtime = 10', () => {
    expect(benzoOf(order('clonazepam 0.5 MG Oral Tablet', [atBedtime(1, 'tablet')]))[0]).toMatchObject({ mgPerDay: 0.5, diazepamEqMgPerDay: 10 });
  });

  it('diazepam 5 mg once a day = 5', () => {
    expect(benzoOf(order('Diazepam 5 MG Oral Tablet', [every(5, 'mg', 1)]))[0]).toMatchObject({ mgPerDay: 5, diazepamEqMgPerDay: 5 });
  });

  it('zolpidem 10 mg at bedtime = 5 (Ashton zolpidem 20 = diazepam 10)', () => {
    expect(benzoOf(order('zolpidem tartrate 10 MG Oral Tablet', [atBedtime(1, 'tablet')]))[0]).toMatchObject({
      ingredient: 'zolpidem',
      mgPerDay: 10,
      diazepamEqMgPerDay: 5,
    });
  });

  it('uses the lower Ashton value of a range (estazolam 1-2 -> 1)', () => {
    expect(benzoOf(order('estazolam 2 MG Oral Tablet', [atBedtime(1, 'tablet')]))[0]?.diazepamEqMgPerDay).toBe(20);
  });

  it('reports the dose but no equivalent when Ashton gives none', () => {
    expect(benzoOf(order('midazolam 2 MG/ML Oral Syrup', [every(5, 'mL', 1)]))[0]).toEqual({
      ingredient: 'midazolam',
      mgPerDay: 10,
      unit: 'mg/day',
      diazepamEqMgPerDay: null,
      equivalenceSource: 'ashton',
      reason: 'no Ashton diazepam equivalent for midazolam',
    });
    expect(benzoOf(order('eszopiclone 3 mg tablet', [atBedtime(1, 'tablet')]))[0]?.diazepamEqMgPerDay).toBeNull();
  });

  it('counts only the benzodiazepine of a combination', () => {
    const result = benzoOf(order('amitriptyline 25 MG / chlordiazepoxide 10 MG Oral Tablet', [every(1, 'tablet', 3)]));
    expect(result).toEqual([{ ingredient: 'chlordiazepoxide', mgPerDay: 30, unit: 'mg/day', diazepamEqMgPerDay: 12, equivalenceSource: 'ashton' }]);
  });

  it('returns [] for other drugs and unknown with a reason for an unreadable dose', () => {
    expect(benzoOf(order('oxycodone 5 mg tablet', [every(1, 'tablet', 2)]))).toEqual([]);
    expect(benzoOf(order('lorazepam 1 mg tablet', [{ text: 'as directed' }]))[0]).toMatchObject({
      mgPerDay: null,
      diazepamEqMgPerDay: null,
      reason: 'no dose quantity',
    });
  });

  it('does not throw on malformed input', () => {
    const classification = classifier.classify({ text: 'lorazepam 1 mg' });
    for (const input of [null, 7, { dosageInstruction: { timing: 'x' } }, { dosageInstruction: [[], {}, { doseAndRate: [null] }] }]) {
      const result = benzodiazepineDose(input as never, 'junk' as never, classification);
      expect(result).toHaveLength(1);
      expect(result[0]?.diazepamEqMgPerDay).toBeNull();
      expect(result[0]?.reason).toBeTruthy();
    }
  });
});
