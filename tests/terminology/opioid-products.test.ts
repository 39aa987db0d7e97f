import { describe, expect, it } from 'vitest';
import { classesOfText, classifier, text } from './helpers.ts';

describe('opioid cough products', () => {
  it.each([
    'promethazine hydrochloride 1.25 MG/ML / codeine phosphate 2 MG/ML Oral Solution',
    'Phenergan with Codeine syrup',
    'guaifenesin / codeine 100-10 mg/5 mL liquid',
    'Cheratussin AC',
    'homatropine methylbromide 1.5 MG / hydrocodone bitartrate 5 MG Oral Tablet',
    'Hycodan syrup',
    'Tussigon',
    '12 HR chlorpheniramine polistirex 1.6 MG/ML / hydrocodone polistirex 2 MG/ML Extended Release Suspension',
    'Tussionex Pennkinetic',
    'Tuzistra XR',
    'hydrocodone cough syrup',
    'codeine antitussive 10 mg/5 mL',
  ])('%s -> opioid-antitussive', (value) => {
    expect(classesOfText(value)).toEqual(['opioid-antitussive']);
  });

  it('codeine with acetaminophen or alone stays an analgesic', () => {
    expect(classesOfText('acetaminophen 300 MG / codeine phosphate 30 MG Oral Tablet')).toEqual(['opioid-analgesic']);
    expect(classesOfText('codeine sulfate 6 MG/ML Oral Solution')).toEqual(['opioid-analgesic']);
    expect(classesOfText('Tylenol with Codeine #3')).toEqual(['opioid-analgesic']);
    expect(classesOfText('Tylenol #3')).toEqual(['opioid-analgesic']);
    expect(classesOfText('Tylenol No. 4')).toEqual(['opioid-analgesic']);
    expect(classesOfText('Tylenol 500 mg')).toEqual([]);
  });

  it('benzonatate and dextromethorphan cough products are not opioids', () => {
    expect(classesOfText('benzonatate 100 MG Oral Capsule')).toEqual([]);
    expect(classesOfText('Tessalon Perles')).toEqual([]);
    expect(classesOfText('dextromethorphan / guaifenesin cough syrup')).toEqual([]);
    expect(classesOfText('promethazine / dextromethorphan syrup')).toEqual([]);
  });
});

describe('buprenorphine: OUD treatment vs pain', () => {
  it.each([
    'buprenorphine 8 MG / naloxone 2 MG Sublingual Film [Suboxone]',
    'buprenorphine/naloxone 8-2 mg SL film',
    'Suboxone 8 mg-2 mg',
    'Zubsolv 5.7/1.4',
    'Bunavail buccal film',
    'buprenorphine 2.1 MG / naloxone 0.3 MG Buccal Film',
    'buprenorphine 8 MG Sublingual Tablet',
    'Subutex 8 mg',
    'Sublocade 300 mg/1.5 mL',
    '0.5 ML buprenorphine 200 MG/ML Prefilled Syringe',
    'Brixadi weekly 16 mg',
    'buprenorphine 74.2 MG Drug Implant',
    'buprenorphine 8 mg',
    // Long-acting injections for opioid use disorder, as order names and Medication forms give them.
    'buprenorphine ER 300 mg/1.5 mL SC inj',
    'buprenorphine 100 MG/0.5ML INJECTION, SOLUTION, EXTENDED RELEASE',
    'buprenorphine 64 mg prolonged-release solution for injection',
    'Buvidal 96 mg',
    'buprenorphine depot injection',
    'buprenorphine subcutaneous injection',
  ])('%s -> oud-treatment only', (value) => {
    expect(classesOfText(value)).toEqual(['oud-treatment']);
  });

  it('buprenorphine/naloxone is never counted as a naloxone rescue kit', () => {
    const result = classifier.classify(text('buprenorphine / naloxone sublingual tablet'));
    expect(result.classes).not.toContain('naloxone-rescue');
    expect(result.ingredients).toEqual(['buprenorphine', 'naloxone']);
  });

  it.each([
    'Butrans 10 mcg/hr patch',
    '168 HR buprenorphine 0.01 MG/HR Transdermal System',
    'Belbuca 300 mcg buccal film',
    'buprenorphine 0.3 MG Buccal Film',
    'Buprenex 0.3 mg/mL injection',
    '1 ML buprenorphine 0.3 MG/ML Injection',
    // As EHR order names abbreviate them.
    'buprenorphine 10 MCG/HR TD PTWK',
    'buprenorphine 5 mcg/hr patch weekly',
    'buprenorphine 20 mcg/h',
    'buprenorphine TD',
    'buprenorphine 0.3 MG/ML INJ SOLN',
  ])('%s -> opioid-analgesic', (value) => {
    expect(classesOfText(value)).toEqual(['opioid-analgesic']);
  });
});

describe("a Medication's form", () => {
  it('decides a buprenorphine product given only by its ingredient (the form apart from the name)', () => {
    const medication = (form: string) => ({ resourceType: 'Medication' as const, code: { text: 'buprenorphine' }, form: { text: form } });
    expect(classifier.classify(undefined, medication('Transdermal patch')).classes).toEqual(['opioid-analgesic']);
    expect(classifier.classify(undefined, medication('Injection, solution')).classes).toEqual(['opioid-analgesic']);
    expect(classifier.classify(undefined, medication('Sublingual tablet')).classes).toEqual(['oud-treatment']);
    expect(classifier.classify(undefined, medication('Prolonged-release solution for injection')).classes).toEqual(['oud-treatment']);
    expect(classifier.classify(undefined, medication('INJECTION, SOLUTION, EXTENDED RELEASE')).classes).toEqual(['oud-treatment']);
  });
});

describe('methadone flags', () => {
  it('methadone tablets are an opioid analgesic flagged as methadone', () => {
    const result = classifier.classify(text('methadone hydrochloride 10 MG Oral Tablet [Dolophine]'));
    expect(result.classes).toEqual(['opioid-analgesic']);
    expect(result.isMethadone).toBe(true);
    expect(result.methadoneOudForm).toBe(false);
  });

  it.each([
    'methadone hydrochloride 40 MG Tablet for Oral Suspension [Diskets]',
    'Methadose dispersible 40 mg tablet',
    'methadone hydrochloride 40 MG Tablet for Oral Suspension',
    'Methadose oral concentrate 10 mg/mL',
    'methadone hydrochloride 10 MG/ML Oral Solution [Methadose]',
    'methadone oral concentrate 10 mg/mL',
  ])('%s is an OUD-only methadone form', (value) => {
    const result = classifier.classify(text(value));
    expect(result.classes).toEqual(['opioid-analgesic']);
    expect(result.isMethadone).toBe(true);
    expect(result.methadoneOudForm).toBe(true);
  });

  // Its label indicates it for pain as well as for OUD (DailyMed setid d0e6a966-179a-45e0-8444-4c1b8523f8d2): an
  // Intensol ordered for pain beside a benzodiazepine was read as OUD treatment, and the critical card gave way.
  it('Methadone Hydrochloride Intensol (an oral concentrate labelled for pain too) is not an OUD-only form', () => {
    for (const value of ['Methadone Hydrochloride Intensol 10 MG/ML Oral Concentrate', 'methadone hydrochloride oral concentrate (Intensol) 10 mg/mL']) {
      const result = classifier.classify(text(value));
      expect(result.classes, value).toEqual(['opioid-analgesic']);
      expect(result.methadoneOudForm, value).toBe(false);
    }
  });

  it('Methadose tablets and the 1 mg/mL oral solution are not OUD-only forms', () => {
    expect(classifier.classify(text('methadone hydrochloride 10 MG Oral Tablet [Methadose]')).methadoneOudForm).toBe(false);
    expect(classifier.classify(text('methadone hydrochloride 1 MG/ML Oral Solution')).methadoneOudForm).toBe(false);
  });

  it('non-methadone opioids are not flagged', () => {
    const result = classifier.classify(text('oxycodone 5 mg'));
    expect(result.isMethadone).toBe(false);
    expect(result.methadoneOudForm).toBe(false);
  });
});

describe('naloxone', () => {
  it.each(['Narcan', 'naloxone 4 mg nasal spray', 'naloxone HCl 0.4 mg/mL injection', 'Zimhi', 'Kloxxado', 'Evzio auto-injector'])(
    '%s alone is a rescue product',
    (value) => {
      expect(classesOfText(value)).toEqual(['naloxone-rescue']);
    },
  );

  it('pentazocine/naloxone is an analgesic, not a rescue product', () => {
    expect(classesOfText('pentazocine 50 MG / naloxone 0.5 MG Oral Tablet')).toEqual(['opioid-analgesic']);
  });

  it('oxycodone/naloxone and morphine/naltrexone are analgesics only', () => {
    expect(classesOfText('Targiniq ER')).toEqual(['opioid-analgesic']);
    expect(classesOfText('Embeda 20 mg/0.8 mg')).toEqual(['opioid-analgesic']);
  });
});
