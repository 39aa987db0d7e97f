// Order abbreviations and brand spellings of opioids that got no class, so nothing warned (sources in
// src/terminology/data: ISMP's list of error-prone abbreviations for MSO4 and T3, the MSIR label, the value
// sets' "[MS Contin]" and "[Fiorinal with Codeine]").
import { describe, expect, it } from 'vitest';
import { classifier, text } from './helpers.ts';

const of = (value: string) => classifier.classify(text(value));

describe('morphine abbreviations', () => {
  it.each(['MSIR 15 mg tab', 'MSContin 30 mg', 'MS Contin 30 mg', 'MSO4 2 mg IV q2h prn', 'MSO4 4mg'])('%s is morphine', (value) => {
    expect(of(value)).toMatchObject({ classes: ['opioid-analgesic'], ingredients: ['morphine'] });
  });

  it('magnesium sulfate (MgSO4) is not morphine', () => {
    expect(of('MgSO4 2 g IV').classes).toEqual([]);
  });
});

describe('T3 (ISMP: Tylenol with codeine No. 3)', () => {
  it.each(['T3 1 tab q4h prn pain', 'T3', 'T3 #30'])('%s is acetaminophen with codeine', (value) => {
    expect(of(value)).toMatchObject({ classes: ['opioid-analgesic'], ingredients: ['acetaminophen', 'codeine'] });
  });

  it.each(['T3 25 mcg daily', 'Liothyronine (T3) 5 daily', 'Cytomel T3 25', 'T3 50ug'])('%s (liothyronine) is not codeine', (value) => {
    expect(of(value).ingredients).not.toContain('codeine');
  });
});

describe('Fiorinal and Fioricet with Codeine by number', () => {
  it.each(['Fiorinal #3', 'Fiorinal No. 3 capsule', 'Fioricet #3'])('%s keeps its codeine and its butalbital', (value) => {
    expect(of(value).classes).toEqual(['barbiturate', 'opioid-analgesic']);
    expect(of(value).ingredients).toContain('codeine');
  });

  it('plain Fiorinal is a barbiturate only', () => {
    expect(of('Fiorinal capsule').classes).toEqual(['barbiturate']);
  });
});
