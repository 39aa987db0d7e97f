// A ketamine or esketamine session for depression beside a benzodiazepine: the timing rule also warns on a
// high daily benzodiazepine dose. When that dose cannot be calculated the check is incomplete, and the
// clinician must be told (src/facts/derive-facts.ts, factGaps) rather than the rule staying silent. Only
// there: an unknown benzodiazepine dose beside an opioid changes no check and would only add noise.
import type { MedicationRequest, MedicationStatement } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { deriveFacts } from '../../src/facts/index.ts';
import type { PatientRecord } from '../../src/patient/index.ts';
import { createClassifier } from '../../src/terminology/index.ts';

const classifier = createClassifier();
const NOW = new Date('2026-11-22T12:00:00Z');

function draft(text: string, extra: Partial<MedicationRequest> = {}): MedicationRequest {
  return { resourceType: 'MedicationRequest', id: 'draft-1', status: 'draft', intent: 'order', subject: { reference: 'Patient/p' }, medicationCodeableConcept: { text }, ...extra };
}

/** A benzodiazepine the patient reports taking, with no dose, or with one. */
function reported(text: string, dosage?: MedicationStatement['dosage']): MedicationStatement {
  return { resourceType: 'MedicationStatement', id: 'ms-1', status: 'active', subject: { reference: 'Patient/p' }, medicationCodeableConcept: { text }, ...(dosage ? { dosage } : {}) };
}

function gapsFor(order: MedicationRequest, others: MedicationStatement[]): string[] {
  const record: PatientRecord = {
    patientId: 'p',
    patient: { resourceType: 'Patient', id: 'p', birthDate: '1980-01-01' },
    resources: new Map([['MedicationStatement', others]]),
    medications: new Map(),
    gaps: [],
    sources: {},
  };
  const facts = deriveFacts(record, [{ resource: order, fallbackRef: 'MedicationRequest/#0', evaluate: true }], classifier, NOW);
  return facts.gaps.map((g) => `${g.purpose}: ${g.reason}`);
}

const SPRAVATO = 'esketamine 28 MG nasal spray (Spravato)';
const LORAZEPAM = 'Lorazepam 1 MG Oral Tablet';
const ONE_TWICE_A_DAY: MedicationStatement['dosage'] = [{ timing: { repeat: { frequency: 2, period: 1, periodUnit: 'd' } }, doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }] }];
const benzoGaps = (gaps: string[]): string[] => gaps.filter((g) => g.startsWith('the daily benzodiazepine dose'));

describe('an unknown benzodiazepine dose beside a ketamine session for depression', () => {
  it('is reported: the daily-dose warning cannot be ruled out', () => {
    const gaps = benzoGaps(gapsFor(draft(SPRAVATO), [reported(LORAZEPAM)]));
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toContain('Lorazepam 1 MG Oral Tablet');
    expect(gaps[0]).toContain('ketamine session for depression');
  });

  it('is reported when the benzodiazepine is the order and the session is the standing therapy', () => {
    const session: MedicationStatement = { ...reported(SPRAVATO), id: 'ms-2' };
    expect(benzoGaps(gapsFor(draft(LORAZEPAM), [session]))).toHaveLength(1);
  });

  it('is not reported when the dose can be calculated', () => {
    expect(benzoGaps(gapsFor(draft(SPRAVATO), [reported(LORAZEPAM, ONE_TWICE_A_DAY)]))).toEqual([]);
  });

  it('is not reported beside an opioid (no check reads the benzodiazepine dose there)', () => {
    expect(benzoGaps(gapsFor(draft('oxycodone hydrochloride 5 MG Oral Tablet'), [reported(LORAZEPAM)]))).toEqual([]);
  });

  it('is not reported for a benzodiazepine ordered as the session\'s pre-medication', () => {
    const premedication = draft(LORAZEPAM, { note: [{ text: 'pre-medication before the ketamine session' }] });
    expect(benzoGaps(gapsFor(premedication, [{ ...reported(SPRAVATO), id: 'ms-2' }]))).toEqual([]);
  });
});
