import type { Dosage, Medication } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { opioidMme, summariseMme } from '../../../src/facts/dose/index.ts';
import { classifier, coded, every, mmeOf, order, statement } from './helpers.ts';

function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

describe('CDC 2022 worked examples', () => {
  it('hydrocodone 5 mg four times a day = 20 MME/day', () => {
    const m = only(mmeOf(order('Acetaminophen 325 MG / Hydrocodone Bitartrate 5 MG Oral Tablet', [every(1, 'tablet', 4)])));
    expect(m).toMatchObject({ ingredient: 'hydrocodone', mgPerDay: 20, unit: 'mg/day', factor: 1, factorSource: 'cdc-2022', mmePerDay: 20 });
  });

  it('oxycodone ER 10 mg twice a day = 30 MME/day', () => {
    const m = only(mmeOf(order('12 HR Oxycodone Hydrochloride 10 MG Extended Release Oral Tablet', [every(1, 'tablet', 2)])));
    expect(m).toMatchObject({ ingredient: 'oxycodone', mgPerDay: 20, factor: 1.5, mmePerDay: 30 });
  });
});

describe('opioidMme by drug', () => {
  it('oxycodone/APAP 5/325 1-2 tablets q4-6h PRN, max 8 tablets/day = 60', () => {
    const dosage: Dosage = {
      asNeededBoolean: true,
      timing: { repeat: { frequency: 1, period: 4, periodMax: 6, periodUnit: 'h' } },
      doseAndRate: [{ doseRange: { low: { value: 1, unit: 'tablet' }, high: { value: 2, unit: 'tablet' } } }],
      maxDosePerPeriod: { numerator: { value: 8, unit: 'tablet' }, denominator: { value: 1, unit: 'd' } },
    };
    const m = only(mmeOf(order('Percocet 5/325', [dosage])));
    expect(m).toMatchObject({ ingredient: 'oxycodone', mgPerDay: 40, mmePerDay: 60 });
  });

  it('fentanyl 25 mcg/hr patch = 60; two patches = 120', () => {
    const patch = (count: number): Dosage => ({
      timing: { repeat: { frequency: 1, period: 72, periodUnit: 'h' } },
      doseAndRate: [{ doseQuantity: { value: count, unit: 'patch' } }],
    });
    expect(only(mmeOf(order('fentanyl 25 mcg/hr patch', [patch(1)])))).toMatchObject({
      ingredient: 'fentanyl',
      mgPerDay: 25,
      unit: 'mcg/hr',
      factor: 2.4,
      mmePerDay: 60,
    });
    expect(only(mmeOf(order('72 HR Fentanyl 0.025 MG/HR Transdermal System', [patch(2)]))).mmePerDay).toBe(120);
  });

  it('fentanyl patch: no dose quantity means one patch; a dose in mcg/h or mcg is read as mcg/hr', () => {
    expect(only(mmeOf(order('72 HR Fentanyl 0.05 MG/HR Transdermal System', [])))).toMatchObject({ mgPerDay: 50, mmePerDay: 120 });
    const rate: Dosage = { doseAndRate: [{ doseQuantity: { value: 12, unit: 'mcg/h', code: 'ug/h' } }] };
    expect(only(mmeOf(order('fentanyl transdermal patch', [rate])))).toMatchObject({ mgPerDay: 12, mmePerDay: 28.8 });
    const mass: Dosage = { doseAndRate: [{ doseQuantity: { value: 75, unit: 'mcg' } }], timing: { code: { text: 'Q72H' } } };
    expect(only(mmeOf(order('fentanyl patch', [mass])))).toMatchObject({ mgPerDay: 75, mmePerDay: 180 });
    expect(only(mmeOf(order('fentanyl 50 mcg patch', [every(1, 'patch', 1, 3, 'd')])))).toMatchObject({ mgPerDay: 50, mmePerDay: 120 });
  });

  it('fentanyl patch: a dose written but unreadable is unknown, not one patch; "patch(es)" is read', () => {
    const name = '72 HR Fentanyl 0.05 MG/HR Transdermal System';
    const dose = (quantity: Record<string, unknown>): Dosage => ({ timing: { repeat: { frequency: 1, period: 72, periodUnit: 'h' } }, doseAndRate: [{ doseQuantity: quantity }] });
    // Two 50 mcg/hr patches are 240 MME/day: reading them as one (120) would hide a high dose.
    for (const quantity of [{ value: 2, unit: 'application' }, { value: 2, unit: 'Patch 72 hr' }, { value: 2 }]) {
      const m = only(mmeOf(order(name, [dose(quantity)])));
      expect(m.mmePerDay).toBeNull();
      expect(m.reason).toMatch(/unrecognised dose unit/);
    }
    const range: Dosage = { doseAndRate: [{ doseRange: { high: { value: 2, unit: 'box' } } }] };
    expect(only(mmeOf(order(name, [range]))).mmePerDay).toBeNull();
    expect(only(mmeOf(order(name, [dose({ value: 2, unit: 'patch(es)' })])))).toMatchObject({ mgPerDay: 100, mmePerDay: 240 });
    // Only text: still one patch, as documented.
    expect(only(mmeOf(order(name, [{ text: 'apply one patch every 72 hours' }])))).toMatchObject({ mmePerDay: 120 });
  });

  it('the iontophoretic fentanyl system (Ionsys) is not a patch: unknown', () => {
    const m = only(mmeOf(order('Fentanyl 0.04 MG Transdermal System [Ionsys]', [every(1, 'unit', 6)])));
    expect(m).toMatchObject({ mmePerDay: null, reason: 'no CDC 2022 conversion factor for fentanyl other than transdermal' });
  });

  it('fentanyl other than transdermal has no factor: unknown with reason', () => {
    const m = only(mmeOf(order('Fentanyl 0.2 MG Buccal Tablet', [every(1, 'tablet', 4)])));
    expect(m).toMatchObject({ ingredient: 'fentanyl', mgPerDay: 0.8, factor: null, mmePerDay: null });
    expect(m.reason).toBe('no CDC 2022 conversion factor for fentanyl other than transdermal');
  });

  it('methadone 10 mg BID = 94 (CDC 2022 single factor 4.7)', () => {
    expect(only(mmeOf(order('Methadone Hydrochloride 10 MG Oral Tablet', [coded(1, 'tablet', 'BID')])))).toMatchObject({
      mgPerDay: 20,
      factor: 4.7,
      mmePerDay: 94,
    });
  });

  it('hydromorphone 2 mg q4h = 60 (factor 5)', () => {
    expect(only(mmeOf(order('Hydromorphone Hydrochloride 2 MG Oral Tablet', [every(1, 'tablet', 1, 4, 'h')])))).toMatchObject({
      mgPerDay: 12,
      factor: 5,
      mmePerDay: 60,
    });
  });

  it('tramadol 50 mg QID = 40 (factor 0.2)', () => {
    expect(only(mmeOf(order('tramadol hydrochloride 50 MG Oral Tablet', [coded(50, 'mg', 'QID')])))).toMatchObject({ mgPerDay: 200, mmePerDay: 40 });
  });

  it('tapentadol, oxymorphone, morphine liquid, codeine syrup', () => {
    expect(only(mmeOf(order('tapentadol 50 MG Oral Tablet', [every(1, 'tablet', 4)]))).mmePerDay).toBe(80);
    expect(only(mmeOf(order('Oxymorphone Hydrochloride 5 MG Oral Tablet', [every(1, 'tablet', 2)]))).mmePerDay).toBe(30);
    expect(only(mmeOf(order('Morphine Sulfate 20 MG/ML Oral Solution', [every(0.5, 'mL', 1, 4, 'h')]))).mmePerDay).toBe(60);
    const syrup = 'Codeine Phosphate 10 MG / Guaifenesin 100 MG per 5 ML Oral Solution';
    expect(only(mmeOf(order(syrup, [every(10, 'mL', 4)])))).toMatchObject({ ingredient: 'codeine', mgPerDay: 80, mmePerDay: 12 });
  });

  it('meperidine uses 0.1, labelled as not a CDC 2022 value', () => {
    expect(only(mmeOf(order('Meperidine Hydrochloride 50 MG Oral Tablet', [every(1, 'tablet', 4)])))).toMatchObject({
      mgPerDay: 200,
      factor: 0.1,
      factorSource: 'cdc-2017-not-2022',
      mmePerDay: 20,
    });
  });

  it('levorphanol and dihydrocodeine have no factor: unknown with the reason, dose still reported', () => {
    const levorphanol = only(mmeOf(order('Levorphanol Tartrate 2 MG Oral Tablet', [every(1, 'tablet', 3)])));
    expect(levorphanol).toMatchObject({ mgPerDay: 6, factor: null, mmePerDay: null, reason: 'no CDC 2022 conversion factor for levorphanol' });
    const dhc = only(mmeOf(order('Acetaminophen 325 MG / Caffeine 30 MG / dihydrocodeine bitartrate 16 MG Oral Tablet', [every(2, 'tablet', 4)])));
    expect(dhc).toMatchObject({ ingredient: 'dihydrocodeine', mgPerDay: 128, mmePerDay: null, reason: 'no CDC 2022 conversion factor for dihydrocodeine' });
  });

  it('excludes buprenorphine (not counted, not unknown)', () => {
    expect(mmeOf(order('Buprenorphine 8 MG / Naloxone 2 MG Sublingual Tablet', [every(1, 'tablet', 1)]))).toEqual([]);
    expect(mmeOf(order('7 DAY Buprenorphine 0.01 MG/HR Transdermal System [Butrans]', [every(1, 'patch', 1, 1, 'wk')]))).toEqual([]);
    expect(mmeOf(order('Buprenex 0.3 mg/mL injection', [every(1, 'mL', 4)]))).toEqual([]);
  });

  it('returns [] for non-opioids', () => {
    expect(mmeOf(order('Acetaminophen 500 MG Oral Tablet', [every(1, 'tablet', 4)]))).toEqual([]);
    expect(mmeOf(order('alprazolam 0.5 mg tablet', [every(1, 'tablet', 3)]))).toEqual([]);
    expect(mmeOf(order('naloxone 4 mg nasal spray', []))).toEqual([]);
  });
});

describe('opioidMme: dose details', () => {
  it('uses the high end of a dose range', () => {
    const dosage: Dosage = {
      timing: { repeat: { frequency: 1, period: 6, periodUnit: 'h' } },
      doseAndRate: [{ doseRange: { low: { value: 5, unit: 'mg' }, high: { value: 10, unit: 'mg' } } }],
    };
    expect(only(mmeOf(order('oxycodone 5 mg tablet', [dosage])))).toMatchObject({ mgPerDay: 40, mmePerDay: 60 });
  });

  it('reads timing.code BID', () => {
    expect(only(mmeOf(order('morphine sulfate 15 mg ER tablet', [coded(1, 'tablet', 'BID')]))).mmePerDay).toBe(30);
  });

  it('reads a mass dose of a combination as the opioid, or as units of the partner when it matches', () => {
    expect(only(mmeOf(order('oxycodone-acetaminophen 10-325 mg tablet', [every(10, 'mg', 4)]))).mgPerDay).toBe(40);
    expect(only(mmeOf(order('oxycodone-acetaminophen 10-325 mg tablet', [every(650, 'mg', 4)]))).mgPerDay).toBe(80);
    const apapMax: Dosage = {
      asNeededBoolean: true,
      maxDosePerPeriod: { numerator: { value: 4000, unit: 'mg' }, denominator: { value: 1, unit: 'd' } },
    };
    expect(only(mmeOf(order('Percocet 5/325', [apapMax])))).toMatchObject({
      mmePerDay: null,
      reason: 'mass dose of a combination product matches neither ingredient strength',
    });
  });

  it('takes the highest daily dose of a taper', () => {
    const taper = [
      { ...every(1, 'tablet', 4), sequence: 1 },
      { ...every(1, 'tablet', 2), sequence: 2 },
    ];
    expect(only(mmeOf(order('Oxycodone Hydrochloride 5 MG Oral Tablet', taper))).mmePerDay).toBe(30);
  });

  it('reads MedicationStatement.dosage and a referenced Medication with ingredient strengths', () => {
    expect(only(mmeOf(statement('Hydrocodone Bitartrate 10 MG / Acetaminophen 325 MG Oral Tablet', [every(1, 'tablet', 3)]))).mmePerDay).toBe(30);
    const medication: Medication = {
      resourceType: 'Medication',
      code: { text: 'Oxycodone IR' },
      ingredient: [
        { itemCodeableConcept: { text: 'Oxycodone hydrochloride' }, strength: { numerator: { value: 15, unit: 'mg' }, denominator: { value: 1, unit: 'TAB' } } },
      ],
    };
    const request = { ...order('x', [every(1, 'tablet', 2)]), medicationCodeableConcept: undefined, medicationReference: { reference: 'Medication/1' } };
    const result = opioidMme(request, medication, classifier.classify(undefined, medication));
    expect(only(result)).toMatchObject({ ingredient: 'oxycodone', mgPerDay: 30, mmePerDay: 45 });
  });
});

describe('opioidMme: unknown is never 0', () => {
  it('no dose quantity -> null with reason, summary incomplete', () => {
    const m = only(mmeOf(order('Oxycodone Hydrochloride 5 MG Oral Tablet', [{ text: 'take as directed' }])));
    expect(m).toMatchObject({ mgPerDay: null, mmePerDay: null, factor: 1.5, reason: 'no dose quantity' });
    const summary = summariseMme([{ ref: 'MedicationRequest/1', display: 'oxycodone', mme: [m] }]);
    expect(summary).toMatchObject({ totalKnown: 0, unknownCount: 1, complete: false });
  });

  it('strength not found / no frequency / dose unit mismatch', () => {
    expect(only(mmeOf(order('oxycodone tablet', [every(1, 'tablet', 2)]))).reason).toBe('strength not found in product name');
    expect(only(mmeOf(order('oxycodone 5 mg tablet', [{ doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }] }]))).reason).toBe('no frequency');
    expect(only(mmeOf(order('Oxycodone 5 MG Oral Tablet', [every(5, 'mL', 2)]))).reason).toBe('dose is in mL but the strength is per unit');
  });

  it('an opioid known only by class (no ingredient) is unknown, not absent', () => {
    const classification = { classes: ['opioid-analgesic'] as const, ingredients: [], matchedBy: ['local-value-set'] as const, isMethadone: false, methadoneOudForm: false };
    const m = only(opioidMme(order('FORM-0042', [every(1, 'tablet', 2)]), undefined, classification));
    expect(m).toMatchObject({ ingredient: 'opioid', mmePerDay: null, reason: 'opioid ingredient not identified' });
  });

  it('does not throw on malformed resources', () => {
    const inputs: unknown[] = [
      { resourceType: 'MedicationRequest', medicationCodeableConcept: { text: 'oxycodone 5 mg' }, dosageInstruction: 'BID' },
      { resourceType: 'MedicationRequest', medicationCodeableConcept: { text: 'oxycodone 5 mg' }, dosageInstruction: [{ timing: [], doseAndRate: {} }] },
      { resourceType: 'MedicationRequest', medicationCodeableConcept: { text: 'oxycodone 5 mg', coding: 'x' }, dosageInstruction: [null] },
      null,
      'MedicationRequest',
    ];
    const classification = classifier.classify({ text: 'oxycodone 5 mg' });
    for (const input of inputs) {
      const result = opioidMme(input as never, { resourceType: 'Medication', ingredient: 'x' } as never, classification);
      expect(result).toHaveLength(1);
      expect(result[0]?.mmePerDay).toBeNull();
      expect(result[0]?.reason).toBeTruthy();
    }
  });
});
