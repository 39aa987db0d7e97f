// One bundled Medication with a long name, named by many active orders in one request, was classified afresh
// for every order: the memo did not keep keys over 1,024 characters, and every character was read each time
// (a 100 KB name named 1,000 times blocked the server for 27 s). Each classification now reads a bounded part
// of the medication and a long key is memoised by its digest. No timing is asserted: vitest's 5-second timeout
// is the bound (the old code needs minutes for these cases), and each case checks the usual answer.
import type { Medication } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createClassifier, RXNORM_SYSTEM } from '../../src/terminology/index.ts';

const MB = 1_000_000;

describe('a large medication named by many orders', () => {
  it('a 1 MB name, classified for 200 orders, is a benzodiazepine every time', () => {
    const classifier = createClassifier();
    const medication: Medication = { resourceType: 'Medication', id: 'big', code: { text: `alprazolam 0.5 mg tablet ${'a '.repeat(MB / 2)}` } };
    for (let i = 0; i < 200; i++) {
      expect(classifier.classify(undefined, medication).classes).toEqual(['benzodiazepine']);
    }
  });

  it('a medication of many long fields and codings (a key over the memo bound) is classified the same each time', () => {
    const classifier = createClassifier();
    // About 4 MB as JSON: a request may be 5 MB.
    const long = 'x '.repeat(1000);
    const medication: Medication = {
      resourceType: 'Medication',
      code: {
        coding: [{ system: RXNORM_SYSTEM, code: '7804', display: `oxycodone ${long}` }, ...Array.from({ length: 1000 }, (_, i) => ({ system: 'urn:local', code: `L${i}`, display: long }))],
        text: long,
      },
      ingredient: Array.from({ length: 1000 }, () => ({ itemCodeableConcept: { text: long } })),
    };
    for (let i = 0; i < 100; i++) {
      expect(classifier.classify(undefined, medication)).toMatchObject({ classes: ['opioid-analgesic'], ingredients: ['oxycodone'] });
    }
  });

  it('names within the first 1,000 characters of each field are still read, and the display is kept', () => {
    const classifier = createClassifier();
    const result = classifier.classify({ text: `${'compounded '.repeat(80)}lorazepam 1 mg/mL suspension` });
    expect(result.classes).toEqual(['benzodiazepine']);
    expect(result.display?.startsWith('compounded compounded')).toBe(true);
  });
});
