import type { Medication } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createClassifier, RXNORM_SYSTEM } from '../../src/terminology/index.ts';
import { classifier, rxnorm, text } from './helpers.ts';

function medicationWithIngredients(...codes: { code: string; display?: string }[]): Medication {
  return {
    resourceType: 'Medication',
    ingredient: codes.map((c) => ({
      itemCodeableConcept: { coding: [{ system: RXNORM_SYSTEM, code: c.code, ...(c.display === undefined ? {} : { display: c.display }) }] },
    })),
  };
}

describe('Medication resources', () => {
  it('classifies a Medication with ingredient codes only (buprenorphine + naloxone)', () => {
    const result = classifier.classify(undefined, medicationWithIngredients({ code: '1819' }, { code: '7242' }));
    expect(result.classes).toEqual(['oud-treatment']);
    expect(result.ingredients).toEqual(['buprenorphine', 'naloxone']);
    expect(result.matchedBy).toEqual(['code']);
  });

  it('classifies codeine + promethazine ingredients as an opioid cough product', () => {
    const result = classifier.classify(undefined, medicationWithIngredients({ code: '2670' }, { code: '8745' }));
    expect(result.classes).toEqual(['opioid-antitussive']);
  });

  it('classifies oxycodone + acetaminophen ingredients as an analgesic', () => {
    const result = classifier.classify(undefined, medicationWithIngredients({ code: '7804' }, { code: '161' }));
    expect(result.classes).toEqual(['opioid-analgesic']);
    expect(result.ingredients).toEqual(['acetaminophen', 'oxycodone']);
  });

  it('classifies butalbital + acetaminophen + caffeine + codeine ingredients as two classes', () => {
    const result = classifier.classify(
      undefined,
      medicationWithIngredients({ code: '19860' }, { code: '161' }, { code: '1886' }, { code: '2670' }),
    );
    expect(result.classes).toEqual(['barbiturate', 'opioid-analgesic']);
  });

  it('reads ingredient displays when the codes are unknown', () => {
    const result = classifier.classify(
      undefined,
      medicationWithIngredients({ code: 'local-1', display: 'Alprazolam' }, { code: 'local-2', display: 'lactose' }),
    );
    expect(result.classes).toEqual(['benzodiazepine']);
    expect(result.matchedBy).toEqual(['text']);
  });

  it('combines the order concept with the Medication code and form', () => {
    const medication: Medication = {
      resourceType: 'Medication',
      code: { text: 'Butrans 5 mcg/hr' },
      ingredient: [{ itemCodeableConcept: rxnorm('1819') }],
    };
    const result = classifier.classify(undefined, medication);
    expect(result.classes).toEqual(['opioid-analgesic']);
    expect(result.matchedBy).toEqual(['code', 'text']);
    expect(result.display).toBe('Butrans 5 mcg/hr');
  });

  it('picks the display: first coding display, then text, then the Medication code', () => {
    expect(classifier.classify({ coding: [{ system: RXNORM_SYSTEM, code: '7804', display: 'oxycodone' }], text: 'Oxy IR' }).display).toBe(
      'oxycodone',
    );
    expect(classifier.classify(text('Oxy IR 5')).display).toBe('Oxy IR 5');
    expect(classifier.classify(undefined, { resourceType: 'Medication', code: { text: 'Xanax 1 mg' } }).display).toBe('Xanax 1 mg');
    expect(classifier.classify(rxnorm('7804')).display).toBeUndefined();
  });
});

describe('memoisation', () => {
  it('returns the same frozen result for the same input', () => {
    const local = createClassifier({ cacheSize: 2 });
    const first = local.classify(text('oxycodone 5 mg'));
    expect(local.classify(text('oxycodone 5 mg'))).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.classes)).toBe(true);
  });

  it('keeps working past the cache bound', () => {
    const local = createClassifier({ cacheSize: 2 });
    for (const value of ['oxycodone', 'diazepam', 'gabapentin', 'oxycodone']) {
      expect(local.classify(text(value)).classes.length).toBe(1);
    }
  });
});
