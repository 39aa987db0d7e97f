// Regressions of the day's last changes, found by a review of them (patches in place, methadone beside methadone for
// OUD, stop and re-order with two orders of one product): each failed on the code before its fix.
import { describe, expect, it } from 'vitest';
import { deriveFacts, engineFactsFor, selectDraftOrders } from '../../src/facts/index.ts';
import type { PatientRecord } from '../../src/patient/index.ts';
import { createClassifier } from '../../src/terminology/index.ts';

const NOW = new Date('2026-11-21T15:00:00Z');
const classifier = createClassifier();
const subject = { reference: 'Patient/p' };
const tablet = (n: number) => ({ value: n, unit: 'tablet', system: 'http://unitsofmeasure.org', code: '{tbl}' });
const every = (h: number) => [{ timing: { repeat: { frequency: 1, period: h, periodUnit: 'h' } }, doseAndRate: [{ doseQuantity: tablet(1) }] }];
const daily = (n: number, when: string) => [{ timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd', when: [when] } }, doseAndRate: [{ doseQuantity: tablet(n) }] }];

function first(resources: Record<string, unknown[]>, drafts: unknown[]) {
  const record = { patientId: 'p', patient: { resourceType: 'Patient', id: 'p', birthDate: '1970-01-01' }, resources: new Map(Object.entries(resources)), medications: new Map(), gaps: [], sources: {} } as unknown as PatientRecord;
  const facts = deriveFacts(record, selectDraftOrders({ resourceType: 'Bundle', type: 'collection', entry: drafts.map((resource) => ({ resource })) } as never), classifier, NOW);
  return engineFactsFor(facts, facts.orders[0]!);
}

describe('patches in place and methadone renewals: regressions found by review', () => {
  it('a patch in place of another strength than the one patch order is a second patch, still counted', () => {
    const order12 = { resourceType: 'MedicationRequest', id: 'po', status: 'active', intent: 'order', subject, authoredOn: '2026-11-20', medicationCodeableConcept: { text: 'fentanyl 12 MCG/HR 72 HR Transdermal System' },
      dosageInstruction: [{ timing: { repeat: { frequency: 1, period: 72, periodUnit: 'h' } }, doseAndRate: [{ doseQuantity: { value: 1, unit: 'patch' } }] }] };
    const patch25 = { resourceType: 'MedicationAdministration', id: 'a', status: 'in-progress', subject, medicationCodeableConcept: { text: 'fentanyl 25 MCG/HR 72 HR Transdermal System' }, effectivePeriod: { start: '2026-11-20T19:00:00Z' }, dosage: { route: { text: 'Transdermal' } } };
    const oxy = { resourceType: 'MedicationRequest', id: 'd', status: 'draft', intent: 'order', subject, medicationCodeableConcept: { text: 'Oxycodone Hydrochloride 5 MG Oral Tablet' }, dosageInstruction: every(12) };
    const f = first({ MedicationRequest: [order12], MedicationAdministration: [patch25] }, [oxy]);
    expect(f.totalMme).toBeCloseTo(15 + 28.8 + 60);
  });

  it('a same-dose renewal of methadone for pain does not raise the dose because the patient also takes methadone for OUD', () => {
    const pain = { resourceType: 'MedicationRequest', id: 'pain', status: 'active', intent: 'order', subject, authoredOn: '2026-10-01', medicationCodeableConcept: { text: 'Methadone Hydrochloride 5 MG Oral Tablet' }, reasonCode: [{ text: 'Chronic low back pain' }], dosageInstruction: every(8) };
    const oud = { resourceType: 'MedicationRequest', id: 'oud', status: 'active', intent: 'order', subject, authoredOn: '2026-06-01', medicationCodeableConcept: { text: 'Methadone Hydrochloride 10 MG Oral Tablet' }, reasonCode: [{ text: 'Opioid use disorder' }], dosageInstruction: daily(6, 'MORN') };
    expect(first({ MedicationRequest: [pain, oud] }, [{ ...pain, id: 'renewal', status: 'draft' }]).orderRaisesDailyDose).toBe(false);
  });

  it('stop one of two same-product methadone orders and re-order it higher: the dose goes up', () => {
    const m10 = { resourceType: 'MedicationRequest', intent: 'order', subject, medicationCodeableConcept: { text: 'Methadone Hydrochloride 10 MG Oral Tablet' }, reasonCode: [{ text: 'Chronic low back pain' }] };
    const am = { ...m10, id: 'am', status: 'active', authoredOn: '2026-09-01', dosageInstruction: daily(1, 'MORN') };
    const pm = { ...m10, id: 'pm', status: 'active', authoredOn: '2026-09-01', dosageInstruction: daily(1, 'NIGHT') };
    const f = first({ MedicationRequest: [am, pm] }, [{ ...pm, status: 'stopped' }, { ...m10, id: 'new-pm', status: 'draft', dosageInstruction: daily(2, 'NIGHT') }]);
    expect(f.orderRaisesDailyDose).toBe(true);
    // The morning order goes on: 10 + 20 mg/day, 141 MME/day (not the new night dose alone, 94).
    expect(f.totalMme).toBeCloseTo(30 * 4.7);
  });
});
