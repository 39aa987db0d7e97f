import type { Medication } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { ingredientStrength, readProduct, strengthsFromName } from '../../../src/facts/dose/index.ts';
import type { Strength } from '../../../src/facts/dose/index.ts';
import { order } from './helpers.ts';

const opioidFirst = (ingredient: string): boolean => ingredient !== 'acetaminophen' && ingredient !== 'promethazine';

function of(name: string, ingredient: string): Omit<Strength, 'source'> | undefined {
  const s = strengthsFromName(name, opioidFirst).get(ingredient);
  return s === undefined ? undefined : { mg: s.mg, perAmount: s.perAmount, per: s.per };
}

const perUnit = (mg: number): Omit<Strength, 'source'> => ({ mg, perAmount: 1, per: 'unit' });

describe('strength from RxNorm-style names', () => {
  it('reads single-ingredient tablets', () => {
    expect(of('Oxycodone Hydrochloride 5 MG Oral Tablet', 'oxycodone')).toEqual(perUnit(5));
    expect(of('12 HR Oxycodone Hydrochloride 10 MG Extended Release Oral Tablet', 'oxycodone')).toEqual(perUnit(10));
  });

  it('matches each strength of a combination to its ingredient by position', () => {
    const name = 'Acetaminophen 325 MG / Oxycodone Hydrochloride 5 MG Oral Tablet';
    expect(of(name, 'oxycodone')).toEqual(perUnit(5));
    expect(of(name, 'acetaminophen')).toEqual(perUnit(325));
    const three = 'Aspirin 325 MG / butalbital 50 MG / Caffeine 40 MG / Codeine Phosphate 30 MG Oral Capsule';
    expect(of(three, 'codeine')).toEqual(perUnit(30));
  });

  it('reads per-hour patch strengths', () => {
    expect(of('72 HR Fentanyl 0.025 MG/HR Transdermal System', 'fentanyl')).toEqual({ mg: 0.025, perAmount: 1, per: 'h' });
    expect(of('fentanyl 25 mcg/hr patch', 'fentanyl')).toEqual({ mg: 0.025, perAmount: 1, per: 'h' });
  });

  it('reads liquids per mL, including a trailing "per 5 ML" shared by every ingredient', () => {
    expect(of('Morphine Sulfate 20 MG/ML Oral Solution', 'morphine')).toEqual({ mg: 20, perAmount: 1, per: 'mL' });
    expect(of('methadone hydrochloride 10 MG/ML', 'methadone')).toEqual({ mg: 10, perAmount: 1, per: 'mL' });
    expect(of('codeine phosphate 10 mg/5 mL oral solution', 'codeine')).toEqual({ mg: 10, perAmount: 5, per: 'mL' });
    const syrup = 'Hydrocodone Bitartrate 2.5 MG / Promethazine Hydrochloride 6.25 MG per 5 ML Oral Solution';
    expect(of(syrup, 'hydrocodone')).toEqual({ mg: 2.5, perAmount: 5, per: 'mL' });
  });

  it('reads per-actuation sprays and ignores package counts and bracketed brands', () => {
    expect(of('{2 (Fentanyl 0.6 MG/ACTUAT Mucosal Spray [Subsys]) } Pack [Subsys 1200 MCG]', 'fentanyl')).toEqual({
      mg: 0.6,
      perAmount: 1,
      per: 'actuation',
    });
    expect(of('1 ML Morphine Sulfate 4 MG/ML Injection', 'morphine')).toEqual({ mg: 4, perAmount: 1, per: 'mL' });
    expect(of('Acetaminophen 325 MG / Oxycodone Hydrochloride 10 MG Oral Tablet [Percocet]', 'oxycodone')).toEqual(perUnit(10));
  });
});

describe('strength from shorthand names', () => {
  it('reads brand shorthand with the opioid first', () => {
    expect(of('Percocet 5/325', 'oxycodone')).toEqual(perUnit(5));
    expect(of('Percocet 5/325', 'acetaminophen')).toEqual(perUnit(325));
    expect(of('Norco 10/325 tablet', 'hydrocodone')).toEqual(perUnit(10));
  });

  it('reads "a/b 5/325 mg" in the order the ingredients are written', () => {
    expect(of('oxycodone/APAP 5/325 mg', 'oxycodone')).toEqual(perUnit(5));
    expect(of('acetaminophen-hydrocodone 325-7.5 mg tab', 'hydrocodone')).toEqual(perUnit(7.5));
    expect(of('hydrocodone/acetaminophen 10 mg/325 mg', 'hydrocodone')).toEqual(perUnit(10));
  });

  it('reads a strength written before the name, tall-man lettering and mcg', () => {
    expect(of('5 mg oxyCODONE tablet', 'oxycodone')).toEqual(perUnit(5));
    expect(of('HYDROmorphone 2mg tab', 'hydromorphone')).toEqual(perUnit(2));
    expect(of('clonazepam 500 mcg tablet', 'clonazepam')).toEqual(perUnit(0.5));
  });

  it('does not read sig numbers as strengths', () => {
    expect(of('hydrocodone-acetaminophen 10-325 mg tab, 1-2 q4-6h', 'hydrocodone')).toEqual(perUnit(10));
    expect(of('Tylenol with Codeine #3', 'codeine')).toBeUndefined();
    expect(of('oxycodone tablet', 'oxycodone')).toBeUndefined();
  });
});

describe('ingredientStrength', () => {
  const tablet: Medication = {
    resourceType: 'Medication',
    code: { text: 'Oxycodone 10 MG Oral Tablet' },
    ingredient: [{ itemCodeableConcept: { text: 'oxycodone hydrochloride' }, strength: { numerator: { value: 5, unit: 'mg' }, denominator: { value: 1, unit: 'tablet' } } }],
  };

  it('prefers Medication.ingredient.strength over the name', () => {
    const result = ingredientStrength(readProduct(order('oxycodone', []), tablet), 'oxycodone', opioidFirst);
    expect(result.strength).toMatchObject({ mg: 5, perAmount: 1, per: 'unit', source: 'medication' });
  });

  it('reads per-mL and per-hour ratios', () => {
    const liquid: Medication = {
      resourceType: 'Medication',
      ingredient: [{ itemCodeableConcept: { text: 'morphine sulfate' }, strength: { numerator: { value: 1, unit: 'mg' }, denominator: { value: 1, unit: 'mL' } } }],
    };
    expect(ingredientStrength(readProduct(order('morphine', []), liquid), 'morphine', opioidFirst).strength).toMatchObject({ mg: 1, per: 'mL' });
    const patch: Medication = {
      resourceType: 'Medication',
      ingredient: [{ itemCodeableConcept: { text: 'fentanyl' }, strength: { numerator: { value: 25, unit: 'mcg' }, denominator: { value: 1, unit: 'h' } } }],
    };
    expect(ingredientStrength(readProduct(order('fentanyl', []), patch), 'fentanyl', opioidFirst).strength).toMatchObject({ mg: 0.025, perAmount: 1, per: 'h' });
  });

  it('falls back to the name and says why when nothing is found', () => {
    expect(ingredientStrength(readProduct(order('oxycodone tablet', []), undefined), 'oxycodone', opioidFirst)).toEqual({
      strength: undefined,
      reason: 'strength not found in product name',
    });
    const noName = { resourceType: 'MedicationRequest', medicationCodeableConcept: { coding: [{ code: '7804' }] } };
    expect(ingredientStrength(readProduct(noName, undefined), 'oxycodone', opioidFirst)).toEqual({
      strength: undefined,
      reason: 'no product name to read the strength from',
    });
  });

  it('survives malformed Medication resources', () => {
    const junk = { resourceType: 'Medication', code: 7, ingredient: [null, 'x', { strength: 'lots', itemCodeableConcept: { text: 5 } }] };
    expect(ingredientStrength(readProduct(order('oxycodone 5 mg', []), junk), 'oxycodone', opioidFirst).strength).toMatchObject({ mg: 5 });
  });
});
