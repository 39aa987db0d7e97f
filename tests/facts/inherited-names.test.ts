// EHR text that names what every JavaScript object has ("constructor", "__proto__") as a unit, a period
// unit or a code system: read as unrecognised, with the reason, never as a number of milligrams or days
// (which made a daily dose NaN: neither a figure nor a gap, a check that silently failed).
import type { MedicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { dosesPerDay } from '../../src/facts/dose/index.ts';
import { deriveFacts } from '../../src/facts/index.ts';
import type { PatientRecord } from '../../src/patient/index.ts';
import { createClassifier } from '../../src/terminology/index.ts';

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
    const draft: MedicationRequest = {
      resourceType: 'MedicationRequest',
      id: 'd',
      status: 'draft',
      intent: 'order',
      subject: { reference: 'Patient/p' },
      medicationCodeableConcept: { text: 'oxycodone 5 MG Oral Tablet' },
    };
    const record: PatientRecord = {
      patientId: 'p',
      patient: { resourceType: 'Patient', id: 'p', birthDate: '1960-01-01' },
      resources: new Map([['MedicationRequest', INHERITED.map((system, i) => ({ resourceType: 'MedicationRequest', id: `a${i}`, status: 'active', intent: 'order', subject: { reference: 'Patient/p' }, medicationCodeableConcept: { coding: [{ system, code: `99${i}` }] } }))]]),
      medications: new Map(),
      gaps: [],
      sources: {},
    };
    const facts = deriveFacts(record, [{ resource: draft, fallbackRef: 'MedicationRequest/#0', evaluate: true }], createClassifier(), new Date('2026-11-22T12:00:00Z'));
    const purposes = facts.gaps.map((g) => g.purpose).filter((p) => p.startsWith('the medication'));
    expect(purposes).toHaveLength(INHERITED.length);
    for (const purpose of purposes) {
      expect(purpose).toMatch(/^the medication with code 99\d$/);
    }
  });
});
