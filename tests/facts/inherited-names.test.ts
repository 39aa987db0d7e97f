// EHR text that names what every JavaScript object has ("constructor", "__proto__") as a unit, a period
// unit or a code system: read as unrecognised, with the reason, never as a number of milligrams or days
// (which made a daily dose NaN: neither a figure nor a gap, a check that silently failed).
import { describe, expect, it } from 'vitest';
import { dosesPerDay } from '../../src/facts/dose/index.ts';
import { draftFacts, medicationRequest, patientRecord } from '../support/fhir-builders.ts';

const INHERITED = ['constructor', '__proto__', 'Constructor'];

describe('names every object has, in EHR text', () => {
  it('are no period unit: the dose is unknown, and says why', () => {
    for (const unit of INHERITED) {
      const result = dosesPerDay([{ timing: { repeat: { frequency: 2, period: 1, periodUnit: unit as 'd' } }, doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }] }]);
      expect(result, unit).toEqual({ perDay: null, reason: expect.stringContaining('period unit') });
    }
  });

  it('are no dose unit: the dose is unknown, not NaN', () => {
    for (const unit of INHERITED) {
      const result = dosesPerDay([{ timing: { repeat: { frequency: 2, period: 1, periodUnit: 'd' } }, doseAndRate: [{ doseQuantity: { value: 1, unit } }] }]);
      expect(result.perDay, unit).toBeNull();
    }
  });

  it('are no code system: a bare code is named as a code, not as a JavaScript function', () => {
    const draft = medicationRequest('d', 'draft', 'oxycodone 5 MG Oral Tablet');
    const orders = INHERITED.map((system, i) => medicationRequest(`a${i}`, 'active', { coding: [{ system, code: `99${i}` }] }));
    const facts = draftFacts(patientRecord(orders, { birthDate: '1960-01-01' }), draft, new Date('2026-11-22T12:00:00Z'));
    const purposes = facts.gaps.map((g) => g.purpose).filter((p) => p.startsWith('the medication'));
    expect(purposes).toHaveLength(INHERITED.length);
    for (const purpose of purposes) {
      expect(purpose).toMatch(/^the medication with code 99\d$/);
    }
  });
});
