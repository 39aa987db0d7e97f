// Review finding F4: a cancer diagnosis written as uncertain ("likely malignant", "suspicious for malignancy",
// "presumed", "pending biopsy") or as gone ("no evidence of disease", "NED") was read as active cancer, and
// active cancer silences the high-dose and new-methadone warnings. Uncertain diagnoses do not count for any
// group (README); a disease said to be gone does not count for the groups that soften a warning.
import { describe, expect, it } from 'vitest';
import { AUD, groupsOfText, OUD } from './helpers.ts';

describe('uncertain wording is not a diagnosis, in every group', () => {
  it.each([
    'Pancreatic mass, likely malignant',
    'Likely lymphoma',
    'Most likely metastatic carcinoma',
    'Thyroid nodule, suspicious for malignancy',
    'Suspicious for lymphoma',
    'Presumed pancreatic cancer',
    'Presumptive diagnosis of lung cancer',
    'Cancer pending biopsy',
    'Lung cancer, biopsy pending',
    'Lung mass, malignancy pending pathology',
    'Equivocal for malignancy',
    'Pulmonary nodule, worrisome for cancer',
    'Highly suggestive of malignancy',
    'Indeterminate lesion, query lymphoma',
    'Lymphoma, likely',
    'Lymphoma, presumed',
    'Differential diagnosis includes lymphoma',
    // the other groups that soften a warning, and the older uncertainty words in every group
    'Presumed sickle cell disease',
    'Likely hospice candidate',
    'Sleep apnea, suspected',
    'Possible OSA',
    'Probable COPD',
  ])('%s -> no group', (text) => {
    expect(groupsOfText(text)).toEqual([]);
  });

  // For the groups that warn, "likely OSA" is still a reason to warn (the safe side), and these words reach six
  // words back over commas: "likely" about a lung nodule cancelled the overdose history after it (no naloxone card).
  it.each([
    ['Likely COPD', ['copd']],
    ['COPD, probable', ['copd']],
    ['Presumed obstructive sleep apnea', ['sleep-apnea']],
    ['Suspicious for opioid use disorder', OUD],
    ['Likely alcohol use disorder', AUD],
    ['Lung nodule likely benign, history of heroin overdose', ['overdose-history']],
  ])('%s -> still counts for the groups that warn', (text, groups) => {
    expect(groupsOfText(text)).toEqual(expect.arrayContaining(groups as string[]));
  });

  it.each([
    // the diagnosis is certain; the uncertainty is about something else
    ['Breast cancer, likely metastatic to bone', ['cancer']],
    ['Lung cancer, chemotherapy pending', ['cancer']],
    ['Lung cancer pending staging', ['cancer']],
    ['Adenocarcinoma consistent with pancreatic primary', ['cancer']],
    ['Malignancy of unknown primary', ['cancer']],
    ['Metastatic lung cancer with no evidence of brain metastases', ['cancer']],
    ['Pancreatic cancer, no evidence of disease progression', ['cancer']],
    ['Lung cancer, no evidence of metastatic disease', ['cancer']],
    ['Opioid use disorder, likely severe', OUD],
    ['OUD, awaiting treatment', OUD],
    ['Alcohol use disorder, likely to relapse', AUD],
    // genuine diagnoses still count
    ['Pancreatic adenocarcinoma', ['cancer']],
    ['Malignant neoplasm of breast', ['cancer']],
    ['Diffuse large B-cell lymphoma', ['cancer']],
    ['COPD', ['copd']],
    ['Obstructive sleep apnea', ['sleep-apnea']],
  ])('%s -> %j', (text, groups) => {
    expect(groupsOfText(text)).toEqual(groups);
  });
});

describe('a cancer said to be gone is not active cancer', () => {
  it.each([
    'Breast cancer, no evidence of disease',
    'Breast cancer, NED',
    'Breast cancer - NED',
    'Breast cancer: NED',
    'Breast cancer. NED.',
    'Breast cancer, no evidence of recurrence',
    'Breast cancer, no evidence of disease since 2019',
    'Colon cancer, disease free since 2019',
    'Hodgkin lymphoma, cancer free',
    'Leukemia. In remission.',
    'Lymphoma: in remission',
  ])('%s -> no group', (text) => {
    expect(groupsOfText(text)).toEqual([]);
  });

  it('still counts remission for the risk groups', () => {
    expect(groupsOfText('Opioid use disorder. In sustained remission.')).toEqual(OUD);
  });
});
