import { describe, expect, it } from 'vitest';
import { classifyConditionCode } from '../../../src/terminology/index.ts';
import { groupsOf, groupsOfText, icd10cm, OUD } from './helpers.ts';

describe('codes that must not land in a group', () => {
  it.each([
    ['Z81.1', 'Family history of alcohol abuse and dependence'],
    ['Z81.3', 'Family history of other psychoactive substance abuse and dependence'],
    ['Z80.0', 'Family history of malignant neoplasm of digestive organs'],
    ['Z80.3', 'Family history of malignant neoplasm of breast'],
    ['Z85.3', 'Personal history of malignant neoplasm of breast'],
    ['Z71.42', 'Counseling for family member of alcoholic'],
    ['Z71.52', 'Counseling for family member of drug abuser'],
    ['F17.210', 'Nicotine dependence, cigarettes, uncomplicated'],
    ['F17.200', 'Nicotine dependence, unspecified, uncomplicated'],
    ['F55.2', 'Abuse of laxatives'],
    ['I10', 'Essential (primary) hypertension'],
    ['J40', 'Bronchitis, not specified as acute or chronic'],
    ['J45.909', 'Unspecified asthma, uncomplicated'],
    ['G47.26', 'Circadian rhythm sleep disorder, shift work type'],
    ['G47.411', 'Narcolepsy with cataplexy'],
    ['E66.01', 'Morbid (severe) obesity due to excess calories'],
    ['C44.91', 'Basal cell carcinoma of skin, unspecified'],
    ['C44.92', 'Squamous cell carcinoma of skin, unspecified'],
    ['C91.01', 'Acute lymphoblastic leukemia, in remission'],
    ['C90.01', 'Multiple myeloma in remission'],
    ['D03.9', 'Melanoma in situ, unspecified'],
    ['D57.3', 'Sickle-cell trait'],
    ['F32.81', 'Premenstrual dysphoric disorder'],
    ['F31.30', 'Bipolar disorder, current episode depressed, mild or moderate severity, unspecified'],
    ['T40.2X5A', 'Adverse effect of other opioids, initial encounter'],
    ['T40.2X6A', 'Underdosing of other opioids, initial encounter'],
    ['T42.4X5A', 'Adverse effect of benzodiazepines, initial encounter'],
    ['T40.2', 'Poisoning by, adverse effect of and underdosing of other opioids'],
    ['T40.5X1A', 'Poisoning by cocaine, accidental (unintentional), initial encounter'],
    ['Z79.891', 'Long term (current) use of opiate analgesic'],
  ])('%s %s -> no group', (code, display) => {
    expect(groupsOf(icd10cm(code, display))).toEqual([]);
    expect(groupsOf(icd10cm(code))).toEqual([]);
  });
});

describe('text that must not land in a group', () => {
  it.each([
    // negation and uncertainty
    'No history of COPD',
    'COPD ruled out',
    'Denies opioid use disorder',
    'Rule out sleep apnea',
    'r/o OSA',
    '?OSA',
    'Possible obstructive sleep apnea',
    'Screening for obstructive sleep apnea',
    'Referral to sleep apnea clinic',
    'Sleep apnea assessment',
    'No history of overdose',
    'At risk of opioid overdose',
    'Patient denies drug use',
    'Never injecting drug user',
    'Negative for depression',
    'Depression screening negative',
    'Alcohol use disorders identification test',
    // family history and other persons
    'Family history of alcohol use disorder',
    'Family history of alcoholism',
    'Family history of opioid dependence',
    'Mother with breast cancer',
    'Alcoholism in family',
    'Fetal alcohol syndrome',
    'Neonatal opioid withdrawal syndrome',
    // not the condition at all
    'Nicotine dependence',
    'Tobacco use disorder',
    'Hypertension',
    'Subcutaneous emphysema',
    'Non-alcoholic fatty liver disease',
    'Opioid-induced constipation',
    'Long-term current use of opiate analgesic',
    'Chronic opioid therapy for back pain',
    'Adverse effect of opioid',
    'Acetaminophen overdose',
    'Iproniazid overdose',
    'Respiratory depression',
    'Opioid-induced respiratory depression',
    'CNS depression',
    'ST depression',
    'Bipolar depression',
    'Malignant hypertension',
    'Malignant hyperthermia',
    'Neuroleptic malignant syndrome',
    'Metastatic calcification',
    'Sickle cell trait',
    'Carrier of sickle cell gene',
    'Child sexual abuse',
    'Victim of physical abuse',
    'Gambling addiction',
    'Oxygen dependence',
    'Insulin dependent diabetes mellitus',
    'Laxative abuse',
    'Terminal ileum stricture',
    // skin cancers other than melanoma (C44 decision) and non-invasive or past cancer
    'Basal cell carcinoma of skin of nose',
    'Squamous cell carcinoma of skin of cheek',
    'Non-melanoma skin cancer',
    'Ductal carcinoma in situ of breast',
    'History of breast cancer',
    'Personal history of malignant neoplasm of prostate',
    'Colon cancer screening',
    'Leukemia, in remission',
    // hospice and palliative care that is not being received
    'Referral to hospice',
    'Discharged from hospice',
    'Hospice declined',
    'Palliative care not clinically indicated',
    'Referral to palliative care service',
    'Discussed palliative care',
  ])('%s -> no group', (text) => {
    expect(groupsOfText(text)).toEqual([]);
  });

  it('keeps a negation inside its own statement', () => {
    expect(groupsOfText('No COPD; obstructive sleep apnea')).toEqual(['sleep-apnea']);
    expect(groupsOfText('Denies alcohol abuse but reports binge drinking')).toEqual(['substance-use-disorder']);
    expect(groupsOfText('No known allergies. COPD')).toEqual(['copd']);
  });

  it('counts a relative-free history for risk groups and a patient in pregnancy as the patient', () => {
    expect(groupsOfText('Substance dependence in mother complicating pregnancy')).toEqual(['substance-use-disorder']);
    expect(groupsOfText('History of opioid use disorder')).toEqual(OUD);
  });
});

describe('malformed input', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['a string', 'J44.9'],
    ['an array', [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'J44.9' }]],
    ['coding not an array', { coding: 'J44.9' }],
    ['coding an object', { coding: { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'J44.9' } }],
    ['codings of the wrong types', { coding: [null, 1, 'x', [], { system: 5, code: {}, display: [] }] }],
    ['text not a string', { text: 12 }],
    ['empty strings', { coding: [{ system: '', code: '', display: '' }], text: '   ' }],
    ['an unknown system', { coding: [{ system: 'http://example.org', code: 'J44.9' }] }],
  ])('%s -> no group, no throw', (_label, input) => {
    expect(() => classifyConditionCode(input as never)).not.toThrow();
    expect(classifyConditionCode(input as never)).toEqual([]);
  });

  it('still reads the valid parts of a partly malformed concept', () => {
    const input = { coding: [null, { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'F11.20' }], text: 7 };
    expect(classifyConditionCode(input as never)).toEqual(OUD);
  });

  it('reads only the start of a very long text, quickly', () => {
    const started = performance.now();
    expect(classifyConditionCode({ text: 'no history of COPD '.repeat(10_000) })).toEqual([]);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
