import { describe, expect, it } from 'vitest';
import { isInpatientOnly } from '../../src/facts/care-setting.ts';

const REQUEST = 'http://terminology.hl7.org/CodeSystem/medicationrequest-category';
const STATEMENT = 'http://terminology.hl7.org/CodeSystem/medication-statement-category';
const concept = (system: string, code: string) => ({ coding: [{ system, code }] });

describe('isInpatientOnly', () => {
  it('is true for an order or statement categorised inpatient (array or single concept, any case)', () => {
    expect(isInpatientOnly([concept(REQUEST, 'inpatient')])).toBe(true);
    expect(isInpatientOnly(concept(STATEMENT, ' Inpatient '))).toBe(true);
  });

  it('reads a pharmacy fill\'s category (MedicationDispense Category Codes, the R4 system and the later one)', () => {
    for (const system of ['http://terminology.hl7.org/fhir/CodeSystem/medicationdispense-category', 'http://terminology.hl7.org/CodeSystem/medicationdispense-category']) {
      expect(isInpatientOnly(concept(system, 'inpatient'))).toBe(true);
      expect(isInpatientOnly(concept(system, 'discharge'))).toBe(false);
    }
  });

  it('is false when also categorised for use outside the hospital (discharge, outpatient, community)', () => {
    for (const other of ['discharge', 'outpatient', 'community']) {
      expect(isInpatientOnly([concept(REQUEST, 'inpatient'), concept(REQUEST, other)])).toBe(false);
      expect(isInpatientOnly([{ coding: [{ system: REQUEST, code: other }, { system: REQUEST, code: 'inpatient' }] }])).toBe(false);
    }
  });

  it('is false when uncategorised, for another code system, or for text alone (the safe side: naloxone counts)', () => {
    expect(isInpatientOnly(undefined)).toBe(false);
    expect(isInpatientOnly([])).toBe(false);
    expect(isInpatientOnly([concept('http://example.org/local', 'inpatient')])).toBe(false);
    expect(isInpatientOnly([{ text: 'Inpatient' }])).toBe(false);
  });

  it('never throws on values that are not concepts', () => {
    for (const value of [null, 42, 'inpatient', [null, 1, 'x', { coding: 'inpatient' }], { coding: [{ system: REQUEST, code: 7 }] }, { toString: 1 }]) {
      expect(isInpatientOnly(value)).toBe(false);
    }
  });
});
