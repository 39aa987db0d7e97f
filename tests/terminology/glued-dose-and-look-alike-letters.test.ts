import { describe, expect, it } from 'vitest';
import { classesOfText, classifier, rxnorm, text } from './helpers.ts';

describe('a dose glued to the medication name', () => {
  it.each([
    ['alprazolam0.5mg tab', ['benzodiazepine']],
    ['ALPRAZolam0.5MG Oral Tablet', ['benzodiazepine']],
    ['lorazepam1mg', ['benzodiazepine']],
    ['oxycodone5mg tab', ['opioid-analgesic']],
    ['traMADol50mg tab', ['opioid-analgesic']],
    ['hydrocodone10mg/acetaminophen325mg tablet', ['opioid-analgesic']],
  ])('reads %j as the name plus a dose', (name, classes) => {
    expect(classesOfText(name)).toEqual(classes);
  });

  it('classifies the glued and the spaced spelling alike', () => {
    expect(classifier.classify(text('alprazolam0.5mg tab'))).toMatchObject({
      classes: ['benzodiazepine'],
      ingredients: ['alprazolam'],
      matchedBy: ['text'],
    });
    expect(classifier.classify(text('oxycodone5mg tab')).ingredients).toEqual(classifier.classify(text('oxycodone 5mg tab')).ingredients);
  });

  it('reads a brand with its number glued on ("Tylenol3") as the numbered brand', () => {
    expect(classifier.classify(text('Tylenol3 tablet'))).toMatchObject({ classes: ['opioid-analgesic'], ingredients: ['acetaminophen', 'codeine'] });
  });

  it('reads a glued display on a coding the same way', () => {
    expect(classifier.classify(rxnorm('site-local-alp', 'alprazolam0.25mg')).classes).toEqual(['benzodiazepine']);
  });
});

describe('Cyrillic and Greek letters that look like Latin ones', () => {
  it.each([
    ['\u0410lprazolam 0.5 mg tab', ['benzodiazepine']], // Cyrillic capital A
    ['alpr\u0430z\u043El\u0430m 0.5 mg', ['benzodiazepine']], // Cyrillic small a, o
    ['\u043Exy\u0441\u043Ed\u043Ene 5 mg', ['opioid-analgesic']], // Cyrillic o, c
    ['\u039Fxycodone 5 mg', ['opioid-analgesic']], // Greek capital omicron
    ['\u0410lprazolam0.5mg', ['benzodiazepine']], // look-alike letter and glued dose together
  ])('reads %j as the Latin name', (name, classes) => {
    expect(classesOfText(name)).toEqual(classes);
  });

  it('does not read a name written wholly in Cyrillic as a Latin name', () => {
    expect(classesOfText('\u043E\u043A\u0441\u0438\u043A\u043E\u0434\u043E\u043D')).toEqual([]);
  });
});

describe('characters that do not show', () => {
  it.each([
    ['Alpra\u00ADzolam 0.5 mg', ['benzodiazepine']], // soft hyphen inside the name
    ['Oxy\u200Bcodone 5 mg', ['opioid-analgesic']], // zero-width space inside the name
    ['gabapentin\u200Boxycodone', ['gabapentinoid', 'opioid-analgesic']], // zero-width space between two names
    ['Lorazepam\uFEFFoxycodone', ['benzodiazepine', 'opioid-analgesic']], // zero-width no-break space between two names
  ])('reads %j whether the character splits a word or joins two', (name, classes) => {
    expect([...classesOfText(name)].sort()).toEqual([...classes].sort());
  });
});
