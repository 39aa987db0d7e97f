import { describe, expect, it } from 'vitest';
import { CNS_DEPRESSANT_CLASSES } from '../../src/terminology/index.ts';
import { classesOfText, classifier, text } from './helpers.ts';

describe('medications that must not be classified as opioids or depressants', () => {
  it.each([
    ['loperamide 2 MG Oral Capsule', 'loperamide'],
    ['Imodium A-D', 'loperamide'],
    ['diphenoxylate hydrochloride 2.5 MG / atropine sulfate 0.025 MG Oral Tablet', 'diphenoxylate'],
    ['Lomotil', 'diphenoxylate'],
    ['dextromethorphan hydrobromide 30 MG Oral Capsule', 'dextromethorphan'],
    ['benzonatate 200 MG Oral Capsule', 'benzonatate'],
    ['methylnaltrexone bromide 150 MG Oral Tablet', 'methylnaltrexone'],
    ['Relistor 12 mg/0.6 mL injection', 'methylnaltrexone'],
    ['naloxegol 25 MG Oral Tablet', 'naloxegol'],
    ['phentermine hydrochloride 37.5 MG Oral Tablet', 'phentermine'],
    ['methamphetamine hydrochloride 5 MG Oral Tablet', 'methamphetamine'],
    ['diethylpropion hydrochloride 25 MG Oral Tablet', 'diethylpropion'],
    ['phendimetrazine tartrate 35 MG Oral Tablet', 'phendimetrazine'],
    ['benzphetamine hydrochloride 50 MG Oral Tablet', 'benzphetamine'],
    ['dantrolene sodium 25 MG Oral Capsule', 'dantrolene'],
  ])('%s -> no class', (value, ingredient) => {
    const result = classifier.classify(text(value));
    expect(result.classes).toEqual([]);
    expect(result.ingredients).toContain(ingredient);
  });

  it('methylnaltrexone is neither a rescue product nor an antagonist class', () => {
    expect(classesOfText('methylnaltrexone')).not.toContain('naloxone-rescue');
    expect(classesOfText('methylnaltrexone')).not.toContain('opioid-antagonist');
  });

  it('naltrexone and naltrexone/bupropion are antagonists, never opioids', () => {
    for (const value of ['naltrexone 50 mg', 'Vivitrol', 'naltrexone/bupropion ER']) {
      const classes = classesOfText(value);
      expect(classes).toEqual(['opioid-antagonist']);
      expect(classes.some((c) => CNS_DEPRESSANT_CLASSES.includes(c as never))).toBe(false);
    }
  });

  it('phentermine/topiramate is not a depressant', () => {
    expect(classesOfText('Qsymia 7.5/46')).toEqual([]);
  });

  it('does not match names inside longer words or unrelated text', () => {
    expect(classesOfText('hydroxyzine 25 mg')).toEqual([]);
    expect(classesOfText('morphology consult')).toEqual([]);
    expect(classesOfText('acetaminophen 500 mg')).toEqual([]);
  });

  it('returns an empty classification for nothing', () => {
    const result = classifier.classify(undefined);
    expect(result).toEqual({ classes: [], ingredients: [], matchedBy: [], isMethadone: false, methadoneOudForm: false });
  });
});
