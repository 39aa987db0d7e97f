// Review finding F11: "Hospice: no" counted as hospice care (the text was cut at ":", so the "no" was read as
// a statement of its own). A negation or a form's answer after the term does not count, for every group.
import { describe, expect, it } from 'vitest';
import { groupsOfText } from './helpers.ts';

describe('a negation after the term', () => {
  it.each([
    'Hospice: no',
    'Hospice care: no',
    'Hospice: none',
    'Hospice - denied',
    'Hospice (no)',
    'Hospice: N/A',
    'Hospice - not at this time',
    'Hospice: unknown',
    'Hospice: ruled out',
    'Hospice: referred',
    'Palliative care: no',
    'Cancer: no',
    'Malignant neoplasm of breast: no',
    'Cancer, metastatic to liver: no',
    'Cancer: ruled out',
    'Cancer: suspected',
    'COPD: no',
    'OSA: none',
    'Obstructive sleep apnea syndrome: no',
    'OSA - ruled out',
    'Opioid use disorder: denies',
    'Heroin overdose: no',
    'History of overdose: none',
    'Sickle cell disease: negative',
    'Depression: no',
    'Family history: alcoholism',
  ])('%s -> no group', (text) => {
    expect(groupsOfText(text)).toEqual([]);
  });

  it.each([
    ['Hospice: yes', ['hospice']],
    ['Hospice: enrolled', ['hospice']],
    ['Palliative care: active', ['palliative-care']],
    ['Sickle cell disease: yes', ['sickle-cell']],
    ['Opioid use disorder: severe', ['opioid-use-disorder', 'substance-use-disorder']],
    ['COPD, no exacerbation this year', ['copd']],
    // for a group that warns, a "no" about something else named in between does not remove the condition
    ['Sleep apnea, CPAP: no', ['sleep-apnea']],
    ['Hospice: no. Metastatic lung cancer', ['cancer']],
  ])('%s -> %j', (text, groups) => {
    expect(groupsOfText(text)).toEqual(groups);
  });
});
