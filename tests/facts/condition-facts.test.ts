// Which recorded conditions count, by clinical and verification status: a diagnosis that softens or
// silences a warning must be confirmed (or carry no verification status); a risk condition counts on
// the safe side; chronic conditions count in remission; the HL7 status coding is read even when a local
// coding comes first.
import type { Condition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { conditionFacts } from '../../src/facts/condition-facts.ts';

const NOW = new Date('2026-11-21T15:00:00Z');
const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';
const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';

function condition(code: string, options: { clinical?: string; verification?: string; abatement?: string; localFirst?: boolean } = {}): Condition {
  return {
    resourceType: 'Condition',
    subject: { reference: 'Patient/p' },
    code: { coding: [{ system: ICD10, code }] },
    ...(options.clinical
      ? { clinicalStatus: { coding: [...(options.localFirst ? [{ system: 'urn:local:status', code: 'A' }] : []), { system: CLINICAL, code: options.clinical }] } }
      : {}),
    ...(options.verification ? { verificationStatus: { coding: [{ system: VERIFICATION, code: options.verification }] } } : {}),
    ...(options.abatement ? { abatementDateTime: options.abatement } : {}),
  };
}

const groups = (c: Condition): string[] => conditionFacts([c], NOW).map((f) => f.group);

describe('conditionFacts', () => {
  it('counts a cancer or palliative care diagnosis, which silences some warnings, only when confirmed or unqualified', () => {
    expect(groups(condition('C34.90', { clinical: 'active' }))).toContain('cancer');
    expect(groups(condition('C34.90', { clinical: 'active', verification: 'confirmed' }))).toContain('cancer');
    for (const verification of ['provisional', 'differential', 'unconfirmed']) {
      expect(groups(condition('C34.90', { clinical: 'active', verification }))).not.toContain('cancer');
      expect(groups(condition('Z51.5', { clinical: 'active', verification }))).not.toContain('palliative-care');
    }
  });

  it('counts a risk condition (COPD, sleep apnea) even when unconfirmed: the safe side is to warn', () => {
    expect(groups(condition('J44.9', { clinical: 'active', verification: 'provisional' }))).toContain('copd');
    expect(groups(condition('G47.33', { verification: 'unconfirmed' }))).toContain('sleep-apnea');
    expect(groups(condition('J44.9', { clinical: 'active', verification: 'refuted' }))).toEqual([]);
  });

  it('reads the HL7 clinical status even when a local coding comes first', () => {
    expect(groups(condition('G47.33', { clinical: 'active', localFirst: true }))).toContain('sleep-apnea');
    expect(groups(condition('J44.9', { clinical: 'resolved', localFirst: true }))).toEqual([]);
  });

  it('counts chronic conditions in remission or inactive, not once resolved', () => {
    expect(groups(condition('J44.9', { clinical: 'remission' }))).toContain('copd');
    expect(groups(condition('G47.33', { clinical: 'inactive' }))).toContain('sleep-apnea');
    expect(groups(condition('J44.9', { clinical: 'resolved' }))).toEqual([]);
    // Not a chronic group: an inactive cancer does not silence a warning.
    expect(groups(condition('C34.90', { clinical: 'inactive' }))).toEqual([]);
  });

  it('counts a condition that abates today (a date without a time) for the rest of that day', () => {
    expect(groups(condition('G47.33', { abatement: '2026-11-21' }))).toContain('sleep-apnea');
    expect(groups(condition('G47.33', { abatement: '2026-11-20' }))).toEqual([]);
    expect(groups(condition('G47.33', { abatement: '2026-11-21T14:00:00Z' }))).toEqual([]);
  });
});
