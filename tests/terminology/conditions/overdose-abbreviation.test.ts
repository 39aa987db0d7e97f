// Review finding F5: "OD", the usual abbreviation for overdose, was not read, so "h/o heroin OD" gave no
// overdose history and the naloxone card was lost. "OD" also means the right eye (oculus dexter) and "once
// daily": it counts only beside an opioid or benzodiazepine name or history wording.
import { describe, expect, it } from 'vitest';
import { groupsOfText, OUD } from './helpers.ts';

describe('"OD" for overdose', () => {
  it.each([
    'h/o heroin OD',
    'Hx of heroin OD',
    'Heroin OD',
    'Fentanyl OD 2024',
    'Opioid OD',
    'Accidental fentanyl OD',
    'Benzodiazepine OD',
    'Alprazolam OD, intentional',
    'OD on fentanyl',
    'History of OD',
    'Prior OD',
    'Previous ODs',
    'Accidental OD',
    'Drug OD',
    'Multiple ODs',
  ])('%s -> overdose history', (text) => {
    expect(groupsOfText(text)).toEqual(['overdose-history']);
  });

  it.each([
    // the right eye
    'Cataract OD',
    'Glaucoma, OD',
    'Retinal detachment OD 2023',
    'Cataract OD, s/p',
    'Primary open angle glaucoma OD',
    'Pseudophakia, prior OD cataract surgery',
    'History of OD and OS laser',
    // once daily
    'Chronic pain on morphine OD',
    'Morphine 10 mg OD',
    // negated, other persons, other drugs
    'No history of OD',
    'Denies heroin OD',
    'Brother with fentanyl OD',
    'Cocaine OD',
    'Acetaminophen OD',
  ])('%s -> no overdose history', (text) => {
    expect(groupsOfText(text)).not.toContain('overdose-history');
  });

  it('keeps the dose reading of OD inside an OUD diagnosis', () => {
    expect(groupsOfText('Opioid dependence on methadone 80 mg OD')).toEqual(OUD);
  });
});
