import { describe, expect, it } from 'vitest';
import { AUD, groupsOfText, OUD, SUD } from './helpers.ts';

describe('free text and displays', () => {
  it.each([
    // COPD
    ['COPD', ['copd']],
    ['Chronic obstructive pulmonary disease', ['copd']],
    ['Chronic obstructive lung disease (disorder)', ['copd']],
    ['Acute exacerbation of chronic obstructive airways disease', ['copd']],
    ['Emphysema', ['copd']],
    ['Centrilobular emphysema of lung', ['copd']],
    ['Chronic bronchitis', ['copd']],
    ['Bronchitis, chronic', ['copd']],
    ['Asthma-COPD overlap syndrome', ['copd']],
    // Sleep-disordered breathing
    ['Obstructive sleep apnea', ['sleep-apnea']],
    ['Obstructive sleep apnoea syndrome', ['sleep-apnea']],
    ['OSA on CPAP', ['sleep-apnea']],
    ['Apnea, obstructive sleep', ['sleep-apnea']],
    ['Central sleep apnea caused by opioid', ['sleep-apnea']],
    ['Sleep-disordered breathing', ['sleep-apnea']],
    ['Obesity hypoventilation syndrome', ['sleep-apnea']],
    ['Sleep related hypoxemia', ['sleep-apnea']],
    // Opioid use disorder
    ['Opioid use disorder', OUD],
    ['Opioid use disorder, severe, in sustained remission', OUD],
    ['Opioid dependence', OUD],
    ['Opioid dependence, on agonist therapy', OUD],
    ['Opiate addiction', OUD],
    ['Heroin dependence', OUD],
    ['Dependence on diamorphine', OUD],
    ['Addicted to oxycodone', OUD],
    ['Combined opioid with non-opioid substance dependence', OUD],
    ['OUD on buprenorphine', OUD],
    ['Opioid withdrawal', SUD],
    ['Opioid use, unspecified, uncomplicated', SUD],
    // Alcohol and other substances
    ['Alcohol use disorder', AUD],
    ['Alcohol dependence', AUD],
    ['Alcoholism', AUD],
    ['Chronic alcoholic', AUD],
    ['Alcoholic cirrhosis of liver', AUD],
    ['Alcohol-induced chronic pancreatitis', AUD],
    ['EtOH abuse', AUD],
    ['Alcohol intoxication', SUD],
    ['Binge drinking', SUD],
    ['Cocaine use disorder, moderate', SUD],
    ['Cannabis dependence', SUD],
    ['Benzodiazepine dependence', SUD],
    ['Polysubstance abuse', SUD],
    ['Substance use disorder', SUD],
    ['Injecting drug user', SUD],
    ['Former IV drug user', SUD],
    ['Methamphetamine use', SUD],
    // Overdose history
    ['Heroin overdose', ['overdose-history']],
    ['History of opioid overdose', ['overdose-history']],
    ['h/o fentanyl overdose', ['overdose-history']],
    ['Accidental poisoning by methadone', ['overdose-history']],
    ['Overdose of opiate', ['overdose-history']],
    ['Benzodiazepine overdose', ['overdose-history']],
    ['Drug overdose', ['overdose-history']],
    ['History of overdose', ['overdose-history']],
    // Cancer
    ['Metastatic adenocarcinoma of pancreas', ['cancer']],
    ['Metastatic squamous cell carcinoma of the lung', ['cancer']],
    ['Malignant neoplasm of prostate', ['cancer']],
    ['Breast cancer', ['cancer']],
    ['Non-small cell lung cancer, stage IV', ['cancer']],
    ['Multiple myeloma', ['cancer']],
    ['Acute myeloid leukaemia', ['cancer']],
    ['Diffuse large B-cell lymphoma', ['cancer']],
    ['Glioblastoma multiforme', ['cancer']],
    ['Malignant melanoma of skin of back', ['cancer']],
    ['Secondary malignant neoplasm of bone', ['cancer']],
    ['Cancer-related pain', ['cancer']],
    ['Acute lymphoblastic leukemia not having achieved remission', ['cancer']],
    // Palliative care and hospice
    ['Palliative care', ['palliative-care']],
    ['Encounter for palliative care', ['palliative-care']],
    ['Seen by palliative care service', ['palliative-care']],
    ['End of life care', ['palliative-care']],
    ['Comfort measures only', ['palliative-care']],
    ['Hospice', ['hospice']],
    ['Hospice care', ['hospice']],
    ['Patient enrolled in hospice', ['hospice']],
    // Sickle cell disease
    ['Sickle cell disease', ['sickle-cell']],
    ['Sickle cell anaemia', ['sickle-cell']],
    ['Sickle-cell disease without crisis', ['sickle-cell']],
    ['Hb-SS disease with crisis', ['sickle-cell']],
    ['HbSC disease', ['sickle-cell']],
    ['Sickle cell-beta-thalassemia', ['sickle-cell']],
    // Depression
    ['Major depressive disorder', ['depression']],
    ['Major depressive disorder, recurrent, severe without psychotic features', ['depression']],
    ['Treatment-resistant depression', ['depression']],
    ['MDD, recurrent episode', ['depression']],
    ['Depression', ['depression']],
    ['Postpartum depression', ['depression']],
    ['Major depression, in full remission', ['depression']],
  ])('%s -> %j', (text, expected) => {
    expect(groupsOfText(text)).toEqual(expected);
  });

  it('finds every group in a multi-statement text and unions them', () => {
    expect(groupsOfText('COPD; OSA on CPAP. Opioid use disorder in remission, history of heroin overdose')).toEqual([
      'copd',
      'opioid-use-disorder',
      'overdose-history',
      'sleep-apnea',
      'substance-use-disorder',
    ]);
  });

  it('matches whole words and abbreviations only as words', () => {
    expect(groupsOfText('Osaka trip')).toEqual([]);
    expect(groupsOfText('Mycopdx')).toEqual([]);
    expect(groupsOfText('OSA')).toEqual(['sleep-apnea']);
    expect(groupsOfText('osa')).toEqual(['sleep-apnea']);
  });

  it('keeps "in remission" for risk groups but not for cancer', () => {
    expect(groupsOfText('Opioid dependence, in remission')).toEqual(OUD);
    expect(groupsOfText('Alcohol use disorder in early remission')).toEqual(AUD);
    expect(groupsOfText('Acute myeloid leukemia, in remission')).toEqual([]);
  });
});

describe('look-alike letters and invisible characters in condition text', () => {
  // The same folding as medication names (text-normalise.ts): a Cyrillic or Greek letter that looks like a
  // Latin one, or a soft hyphen inside a word, must not hide the condition from the COPD and OSA rules.
  it.each([
    ['\u0421OPD', ['copd']], // Cyrillic С
    ['C\u041EPD', ['copd']], // Cyrillic О
    ['Chronic obstructive pulm\u043Enary disease', ['copd']], // Cyrillic о
    ['Obstructive sleep apn\u0435a', ['sleep-apnea']], // Cyrillic е
    ['Obstructive sleep ap\u00ADnea', ['sleep-apnea']], // soft hyphen
    ['\u039FSA on CPAP', ['sleep-apnea']], // Greek Ο
    ['Obstructive sleep\u200Bapnea', ['sleep-apnea']], // zero-width space between words
    ['Chronic obstructive\uFEFFpulmonary disease', ['copd']], // zero-width no-break space between words
  ])('%s', (text, groups) => {
    expect(groupsOfText(text)).toEqual(groups);
  });

  it('a negation is still read after folding', () => {
    expect(groupsOfText('No \u0421OPD')).toEqual([]);
  });
});
