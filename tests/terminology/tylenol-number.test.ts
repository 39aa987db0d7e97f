// "Tylenol 2/3/4" was read as Tylenol with Codeine whatever followed the number, so plain acetaminophen written
// as a home medicine ("Tylenol 2 tabs prn") became an opioid: a patient on alprazolam got the opioid +
// benzodiazepine warning naming Tylenol as the interacting opioid. Only the product's number means codeine.
import { describe, expect, it } from 'vitest';
import { classifier, text } from './helpers.ts';

describe('Tylenol and its number', () => {
  it.each(['Tylenol 2 tabs prn', 'Tylenol 3 times daily', 'Tylenol 4 hourly as needed', 'Tylenol 2 tablets by mouth every 6 hours', 'Tylenol 500 mg'])(
    '%s is plain acetaminophen, not an opioid',
    (value) => {
      expect(classifier.classify(text(value))).toMatchObject({ classes: [], ingredients: ['acetaminophen'] });
    },
  );

  it.each([
    'Tylenol #3',
    'Tylenol # 4 tablet',
    'Tylenol No. 3',
    'TYLENOL NO.4 1 tab q6h prn',
    'Tylenol number 3',
    'Tylenol3 tablet',
    'Tylenol 3',
    'Tylenol with Codeine 3',
    'Tylenol w/ codeine #3 1 tab q4h',
    'Tylenol-Codeine',
  ])('%s is acetaminophen with codeine (opioid-analgesic)', (value) => {
    expect(classifier.classify(text(value))).toMatchObject({ classes: ['opioid-analgesic'], ingredients: ['acetaminophen', 'codeine'] });
  });
});
