// How order entry shortens the words that decide what a buprenorphine product is for. A long-acting injection
// for opioid use disorder (Sublocade, Brixadi) written "ER", "XR", "ext-rel" or "weekly" was read as the plain
// pain injection (Buprenex), so an MOUD patient on a benzodiazepine got the pain card ("prescribe both only if
// alternatives fail") instead of "do not withhold OUD treatment"; and the buccal pain film (Belbuca) written
// "bucc" fell to the no-form default (OUD), so the boxed-warning card dropped to info.
import { describe, expect, it } from 'vitest';
import { classesOfText } from './helpers.ts';

describe('buprenorphine order abbreviations', () => {
  it.each([
    'buprenorphine ER 300 mg/1.5 mL injection',
    'buprenorphine XR 100mg inj',
    'buprenorphine ext-rel 300 mg inj',
    'buprenorphine ext. release 100 mg injection',
    'buprenorphine weekly inj 24 mg',
    'buprenorphine monthly injection 128 mg',
  ])('%s is the long-acting MOUD injection -> oud-treatment', (value) => {
    expect(classesOfText(value)).toEqual(['oud-treatment']);
  });

  it.each(['buprenorphine 0.3 mg/mL injection', 'buprenorphine 0.3 mg inj q6h prn', 'Buprenex 0.3 mg/mL inj'])(
    '%s (the plain pain injection) stays opioid-analgesic',
    (value) => {
      expect(classesOfText(value)).toEqual(['opioid-analgesic']);
    },
  );

  it.each(['buprenorphine 150 mcg bucc film', 'buprenorphine 300 mcg film, bucc', 'BUPRENORPHINE 75 MCG BUCC FILM'])(
    '%s is the buccal pain film -> opioid-analgesic',
    (value) => {
      expect(classesOfText(value)).toEqual(['opioid-analgesic']);
    },
  );

  it('buprenorphine/naloxone buccal film written "bucc" stays OUD treatment', () => {
    expect(classesOfText('buprenorphine/naloxone 4.2/0.7 mg bucc film')).toEqual(['oud-treatment']);
  });
});
