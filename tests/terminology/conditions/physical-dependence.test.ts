// Review finding F10: "Physical dependence on opioids" and "Iatrogenic opioid dependency" were labelled opioid use
// disorder. DSM-5 does not count tolerance and withdrawal on opioids taken as prescribed toward opioid use
// disorder; they are substance use only here, like "opioid withdrawal" and ICD-10-CM F11.9 (README decision).
// Every rule that tests opioid use disorder also tests substance use disorder, so the naloxone card and the
// risk-factor escalation stay; only the "opioid use disorder" label goes.
import { describe, expect, it } from 'vitest';
import { groupsOfText, OUD, SUD } from './helpers.ts';

describe('physiological dependence on opioids', () => {
  it.each([
    'Physical dependence on opioids',
    'Iatrogenic opioid dependency',
    'Physiological opioid dependence',
    'Physically dependent on oxycodone',
    'Opioid dependence, physiological',
    'Opioid dependence, iatrogenic',
    'Iatrogenic opioid withdrawal syndrome',
  ])('%s -> substance use, not opioid use disorder', (text) => {
    expect(groupsOfText(text)).toEqual(SUD);
  });

  it.each([
    'Opioid dependence',
    'Opioid dependence, uncomplicated',
    'Opioid dependence, on agonist therapy',
    'Dependence on opiates',
    'Heroin dependence',
    'Opioid use disorder with physical dependence',
    'Opioid addiction, iatrogenic',
    'Opioid use disorder, severe',
  ])('%s -> opioid use disorder', (text) => {
    expect(groupsOfText(text)).toEqual(OUD);
  });
});
