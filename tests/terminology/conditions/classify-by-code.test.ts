import { describe, expect, it } from 'vitest';
import { CONDITION_GROUPS, conditionGroupLabel, isConditionGroup } from '../../../src/terminology/index.ts';
import { classifyConditionCode } from '../../../src/terminology/index.ts';
import { SNOMED_CONCEPTS, SNOMED_SOURCES } from '../../../src/terminology/conditions/data/snomed-concepts.ts';
import { ICD10_RULES } from '../../../src/terminology/conditions/data/icd10-rules.ts';
import { AUD, groupsOf, groupsOfText, icd10, icd10cm, OUD, snomed, SUD } from './helpers.ts';

describe('ICD-10-CM codes, with and without the dot', () => {
  it.each([
    // COPD: J41-J44 (chronic bronchitis counts; J40 and asthma do not)
    ['J44.9', ['copd']],
    ['J44.1', ['copd']],
    ['J43.9', ['copd']],
    ['J41.0', ['copd']],
    ['J42', ['copd']],
    // Sleep-disordered breathing
    ['G47.33', ['sleep-apnea']],
    ['G47.30', ['sleep-apnea']],
    ['G47.31', ['sleep-apnea']],
    ['G47.37', ['sleep-apnea']],
    ['E66.2', ['sleep-apnea']],
    // Opioid use disorder, incl. remission; "use, unspecified" is substance use only
    ['F11.10', OUD],
    ['F11.11', OUD],
    ['F11.20', OUD],
    ['F11.21', OUD],
    ['F11.23', OUD],
    ['F11.282', OUD],
    ['F11.90', SUD],
    ['F11.93', SUD],
    // Alcohol and other substances
    ['F10.20', AUD],
    ['F10.11', AUD],
    ['F10.939', SUD],
    ['F12.20', SUD],
    ['F13.20', SUD],
    ['F14.10', SUD],
    ['F15.20', SUD],
    ['F16.20', SUD],
    ['F18.20', SUD],
    ['F19.20', SUD],
    ['Z71.41', AUD],
    ['Z71.51', SUD],
    ['K70.30', AUD],
    // Overdose: poisoning intents 1-4, initial, subsequent or sequela
    ['T40.2X1A', ['overdose-history']],
    ['T40.1X4A', ['overdose-history']],
    ['T40.0X2D', ['overdose-history']],
    ['T40.3X1S', ['overdose-history']],
    ['T40.411A', ['overdose-history']],
    ['T40.421A', ['overdose-history']],
    ['T40.491A', ['overdose-history']],
    ['T40.4X1A', ['overdose-history']],
    ['T40.601A', ['overdose-history']],
    ['T42.4X1A', ['overdose-history']],
    ['T42.4X3A', ['overdose-history']],
    // Cancer
    ['C34.90', ['cancer']],
    ['C50.911', ['cancer']],
    ['C79.51', ['cancer']],
    ['C43.9', ['cancer']],
    ['C4A.9', ['cancer']],
    ['C7A.00', ['cancer']],
    ['C91.00', ['cancer']],
    ['C92.02', ['cancer']],
    ['C94.6', ['cancer']],
    ['G89.3', ['cancer']],
    // Palliative care, sickle cell, depression
    ['Z51.5', ['palliative-care']],
    ['D57.00', ['sickle-cell']],
    ['D57.1', ['sickle-cell']],
    ['D57.20', ['sickle-cell']],
    ['D57.419', ['sickle-cell']],
    ['D57.819', ['sickle-cell']],
    ['F32.9', ['depression']],
    ['F32.A', ['depression']],
    ['F32.5', ['depression']],
    ['F33.1', ['depression']],
    ['F33.42', ['depression']],
    ['F53.0', ['depression']],
  ])('%s -> %j', (code, expected) => {
    expect(groupsOf(icd10cm(code))).toEqual(expected);
    expect(groupsOf(icd10cm(code.replace('.', '')))).toEqual(expected);
    expect(groupsOf(icd10cm(` ${code.toLowerCase()} `))).toEqual(expected);
  });

  it('accepts the ICD-10-CM OID as the system, with or without urn:oid:', () => {
    for (const system of ['urn:oid:2.16.840.1.113883.6.90', '2.16.840.1.113883.6.90', 'http://hl7.org/fhir/sid/icd-10-cm/']) {
      expect(groupsOf({ coding: [{ system, code: 'F11.20' }] })).toEqual(OUD);
    }
  });

  it('reads an https:// copy of a canonical system URI as that system (a code with no display was missed)', () => {
    for (const system of ['https://hl7.org/fhir/sid/icd-10-cm', 'HTTPS://hl7.org/fhir/sid/icd-10-cm/', 'https://hl7.org/fhir/sid/icd-10']) {
      expect(groupsOf({ coding: [{ system, code: 'F11.20' }] })).toEqual(OUD);
    }
    expect(groupsOf({ coding: [{ system: 'https://snomed.info/sct', code: '127040003' }] })).toEqual(['sickle-cell']);
    // Only the scheme is forgiven: another host is another system.
    expect(groupsOf({ coding: [{ system: 'https://example.org/fhir/sid/icd-10-cm', code: 'F11.20' }] })).toEqual([]);
  });

  it('is decided by the code: the display of a known ICD-10-CM code is not read', () => {
    // Z71.42 is the relative's counselling code even though its display names an alcoholic.
    expect(groupsOf(icd10cm('Z71.42', 'Counseling for family member of alcoholic'))).toEqual([]);
    expect(groupsOf(icd10cm('F11.90', 'Opioid use disorder'))).toEqual(SUD);
  });

  it('falls back to the display when the code is not shaped like an ICD-10 code', () => {
    expect(groupsOf(icd10cm('OUD-1', 'Opioid use disorder'))).toEqual(OUD);
    expect(groupsOf(icd10cm('J44.9.1', 'Emphysema'))).toEqual(['copd']);
  });
});

describe('WHO ICD-10 codes', () => {
  it.each([
    ['J44.9', ['copd']],
    ['G47.3', ['sleep-apnea']],
    ['F11.2', OUD],
    ['F11.1', OUD],
    ['F11.3', OUD],
    ['F11.9', OUD], // WHO F11.9 is an unspecified disorder, not "use, unspecified"
    ['F11.0', SUD], // acute intoxication alone
    ['F10.2', AUD],
    ['F10.0', SUD],
    ['T40.2', ['overdose-history']], // WHO T36-T50 are poisonings only
    ['T40.1', ['overdose-history']],
    ['T42.4', ['overdose-history']],
    ['C91.0', ['cancer']],
    ['C97', ['cancer']],
    ['Z51.5', ['palliative-care']],
    ['D57.0', ['sickle-cell']],
    ['F32.2', ['depression']],
  ])('%s -> %j', (code, expected) => {
    expect(groupsOf(icd10(code))).toEqual(expected);
    expect(groupsOf(icd10(code.replace('.', '')))).toEqual(expected);
  });

  it('reads a full ICD-10-CM poisoning code sent under the WHO system by its intent character', () => {
    expect(groupsOf(icd10('T40.2X1A'))).toEqual(['overdose-history']);
    expect(groupsOf(icd10('T40.2X5A'))).toEqual([]);
  });
});

describe('SNOMED CT concepts from named sources', () => {
  it.each([
    ['13645005', ['copd']],
    ['87433001', ['copd']],
    ['185086009', ['copd']],
    ['73430006', ['sleep-apnea']],
    ['78275009', ['sleep-apnea']],
    ['5602001', OUD],
    ['145121000119106', OUD],
    ['6525002', SUD],
    ['1149222004', ['overdose-history']],
    ['363346000', ['cancer']],
    ['254837009', ['cancer']],
    ['103735009', ['palliative-care']],
    ['441874000', ['palliative-care']],
    ['385763009', ['hospice']],
    ['170935008', ['hospice']],
    ['127040003', ['sickle-cell']],
    ['417357006', ['sickle-cell']],
    ['35489007', ['depression']],
    ['310496002', ['depression']],
    ['370143000', ['depression']],
    ['36923009', ['depression']],
  ])('%s -> %j by code alone', (code, expected) => {
    expect(groupsOf(snomed(code))).toEqual(expected);
    expect(groupsOf({ coding: [{ system: 'urn:oid:2.16.840.1.113883.6.96', code }] })).toEqual(expected);
  });

  it('classifies an unlisted SNOMED CT concept by its display', () => {
    expect(groupsOf(snomed('75544000', 'Opioid dependence (disorder)'))).toEqual(OUD);
    expect(groupsOf(snomed('75544000'))).toEqual([]);
  });

  it('every listed concept cites a known source and its own display classifies the same way', () => {
    const sources = new Set(SNOMED_SOURCES.map((s) => s.id));
    for (const concept of SNOMED_CONCEPTS) {
      expect(sources.has(concept.source), concept.code).toBe(true);
      expect(groupsOfText(concept.display), `${concept.code} ${concept.display}`).toEqual([...concept.groups].sort());
    }
  });
});

describe('codings, text and the public API', () => {
  it('returns the union of every coding and the text, sorted and unique', () => {
    const result = classifyConditionCode({
      coding: [
        { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'F11.20' },
        { system: 'http://snomed.info/sct', code: '5602001' },
        { system: 'http://example.org/local', code: 'X1', display: 'Obstructive sleep apnea' },
      ],
      text: 'Opioid dependence; OSA',
    });
    expect(result).toEqual(['opioid-use-disorder', 'sleep-apnea', 'substance-use-disorder']);
    expect(Object.isFrozen(result)).toBe(true);
  });

  it('lists every group once, in sorted order, each with a clinician label', () => {
    expect([...CONDITION_GROUPS]).toEqual([...new Set(CONDITION_GROUPS)].sort());
    expect(CONDITION_GROUPS).toHaveLength(11);
    expect(Object.isFrozen(CONDITION_GROUPS)).toBe(true);
    for (const group of CONDITION_GROUPS) {
      expect(isConditionGroup(group)).toBe(true);
      expect(conditionGroupLabel(group).length).toBeGreaterThan(0);
    }
    expect(conditionGroupLabel('copd')).toBe('COPD');
    expect(conditionGroupLabel('sleep-apnea')).toBe('sleep apnea');
    expect(conditionGroupLabel('opioid-use-disorder')).toBe('opioid use disorder');
    expect(conditionGroupLabel('overdose-history')).toBe('history of overdose');
    expect(isConditionGroup('asthma')).toBe(false);
  });

  it('every ICD-10 rule names its category and uses known groups', () => {
    for (const rule of ICD10_RULES) {
      expect(rule.note.length, rule.prefix).toBeGreaterThan(5);
      expect(rule.prefix).toMatch(/^[A-Z][0-9][0-9A-Z][0-9A-Z]{0,3}$/);
      for (const group of rule.groups) expect(isConditionGroup(group)).toBe(true);
    }
  });
});
