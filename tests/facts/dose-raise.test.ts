// The fact orderRaisesDailyDose (src/facts/order-facts.ts) decides whether a methadone order for pain gets the
// dose-increase card (methadone-dose-increase): methadone levels keep rising for days after each increase (CDC
// 2022). It compares the daily total of the ingredient if the order is signed with the total now: a renewal at a
// higher dose raises it, one at the same or a lower dose does not, an order taken as well as the current one (an
// as-needed add-on) does; a new start is not an increase (the new-start card covers it); and when the dose of the
// order or of the medication it renews cannot be read, the answer is unknown (null) and the check-incomplete card
// says so, rather than a silent "no increase".
import type { MedicationRequest, MedicationStatement } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { deriveFacts, engineFactsFor } from '../../src/facts/index.ts';
import type { Facts } from '../../src/facts/index.ts';
import type { PatientRecord } from '../../src/patient/index.ts';
import { createClassifier } from '../../src/terminology/index.ts';

const classifier = createClassifier();
const NOW = new Date('2026-11-21T12:00:00Z');
const METHADONE_5 = 'Methadone Hydrochloride 5 MG Oral Tablet';

interface Dose {
  readonly tablets: number;
  readonly everyHours: number;
  readonly asNeeded?: boolean;
}

function dosage(dose: Dose | undefined): Pick<MedicationRequest, 'dosageInstruction'> {
  if (dose === undefined) return {};
  return {
    dosageInstruction: [
      {
        timing: { repeat: { frequency: 1, period: dose.everyHours, periodUnit: 'h' } },
        doseAndRate: [{ doseQuantity: { value: dose.tablets, unit: 'tablet' } }],
        ...(dose.asNeeded ? { asNeededBoolean: true } : {}),
      },
    ],
  };
}

function request(id: string, status: MedicationRequest['status'], text: string, dose: Dose | undefined, extra: Partial<MedicationRequest> = {}): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id,
    status,
    intent: 'order',
    subject: { reference: 'Patient/p' },
    authoredOn: status === 'draft' ? '2026-11-21' : '2026-11-01',
    medicationCodeableConcept: { text },
    reasonCode: [{ text: 'Chronic low back pain' }],
    ...dosage(dose),
    ...extra,
  };
}

function factsFor(draft: MedicationRequest, requests: readonly MedicationRequest[], statements: readonly MedicationStatement[] = []): Facts {
  const record: PatientRecord = {
    patientId: 'p',
    patient: { resourceType: 'Patient', id: 'p', birthDate: '1965-01-01' },
    resources: new Map<string, (MedicationRequest | MedicationStatement)[]>([
      ['MedicationRequest', [...requests]],
      ['MedicationStatement', [...statements]],
    ]) as PatientRecord['resources'],
    medications: new Map(),
    gaps: [],
    sources: {},
  };
  return deriveFacts(record, [{ resource: draft, fallbackRef: 'MedicationRequest/#0', evaluate: true }], classifier, NOW);
}

function raises(draft: MedicationRequest, requests: readonly MedicationRequest[], statements: readonly MedicationStatement[] = []): boolean | null {
  const facts = factsFor(draft, requests, statements);
  return engineFactsFor(facts, facts.orders[0]!).orderRaisesDailyDose;
}

const active = (dose: Dose | undefined, text = METHADONE_5): MedicationRequest => request('active-methadone', 'active', text, dose);
const draft = (dose: Dose | undefined, text = METHADONE_5, extra: Partial<MedicationRequest> = {}): MedicationRequest => request('draft-methadone', 'draft', text, dose, extra);

describe('orderRaisesDailyDose', () => {
  it('is true for a renewal of the same methadone tablet at a higher daily dose (15 to 30 mg/day)', () => {
    expect(raises(draft({ tablets: 2, everyHours: 8 }), [active({ tablets: 1, everyHours: 8 })])).toBe(true);
  });

  it('is true for another methadone product that replaces the active one (priorPrescription) at a higher daily dose', () => {
    const order = draft({ tablets: 1, everyHours: 8 }, 'Methadone Hydrochloride 10 MG Oral Tablet', { priorPrescription: { reference: 'MedicationRequest/active-methadone' } });
    expect(raises(order, [active({ tablets: 1, everyHours: 8 })])).toBe(true);
  });

  it('is true for methadone taken as well as the current one (an as-needed add-on beside a scheduled order)', () => {
    expect(raises(draft({ tablets: 1, everyHours: 12, asNeeded: true }), [active({ tablets: 1, everyHours: 8 })])).toBe(true);
  });

  it('is true when the patient reports a lower methadone dose than the one ordered', () => {
    const reported: MedicationStatement = {
      resourceType: 'MedicationStatement',
      id: 'reported-methadone',
      status: 'active',
      subject: { reference: 'Patient/p' },
      medicationCodeableConcept: { text: METHADONE_5 },
      dosage: [{ timing: { repeat: { frequency: 1, period: 12, periodUnit: 'h' } }, doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }] }],
    };
    expect(raises(draft({ tablets: 1, everyHours: 8 }), [], [reported])).toBe(true);
  });

  it('is false for a renewal at the same or a lower daily dose', () => {
    expect(raises(draft({ tablets: 1, everyHours: 8 }), [active({ tablets: 1, everyHours: 8 })])).toBe(false);
    expect(raises(draft({ tablets: 1, everyHours: 8 }), [active({ tablets: 2, everyHours: 8 })])).toBe(false);
  });

  it('is false for a new start (no active methadone)', () => {
    expect(raises(draft({ tablets: 1, everyHours: 8 }), [])).toBe(false);
  });

  it('is unknown (null) when the dose of the order or of the methadone it renews cannot be read, and the check-incomplete list says so', () => {
    expect(raises(draft({ tablets: 2, everyHours: 8 }), [active(undefined)])).toBeNull();
    expect(raises(draft(undefined), [active({ tablets: 1, everyHours: 8 })])).toBeNull();
    const facts = factsFor(draft({ tablets: 2, everyHours: 8 }), [active(undefined)]);
    expect(facts.gaps.map((g) => g.purpose)).toContain(`whether this order raises the daily methadone dose (the daily dose of ${METHADONE_5})`);
  });
});
