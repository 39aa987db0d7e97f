// A call with no pharmacy fill in use indexed every MedicationRequest of the record by its identifiers and renewals
// all the same (dispense-facts.ts): two thirds of what the fills cost the facts stage on the benchmark corpus, which
// has none (docs/benchmark.md, 23 November). Counted (reads of each order's identifiers), never timed.
import type { MedicationDispense, MedicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { deriveFacts } from '../../src/facts/index.ts';
import type { PatientRecord } from '../../src/patient/index.ts';
import { createClassifier } from '../../src/terminology/index.ts';
import { everyHours, medicationRequest } from '../support/fhir-builders.ts';

const NOW = new Date('2026-11-23T15:00:00Z');
const classifier = createClassifier();

/** An oxycodone order of 5 mg every 6 hours, from 1 November. */
function oxycodone(id: string, status: 'draft' | 'active', name: string, extra: Partial<MedicationRequest> = {}): MedicationRequest {
  return medicationRequest(id, status, name, { subject: { reference: 'Patient/fills-index-work' }, authoredOn: '2026-11-01', dosageInstruction: [everyHours(6, { value: 5, unit: 'mg' })], ...extra });
}

function recordOf(requests: MedicationRequest[], dispenses: MedicationDispense[] = []): PatientRecord {
  return {
    patientId: 'fills-index-work',
    patient: { resourceType: 'Patient', id: 'fills-index-work', birthDate: '1970-01-01' },
    resources: new Map<string, unknown[]>([
      ['MedicationRequest', requests],
      ['MedicationDispense', dispenses],
    ]) as PatientRecord['resources'],
    medications: new Map(),
    gaps: [],
    sources: {},
  };
}

describe('a call without a pharmacy fill in use', () => {
  it('indexes no order by identifier, and reads the same orders', () => {
    let identifierReads = 0;
    const withNumber = (request: MedicationRequest, value: string): MedicationRequest =>
      Object.defineProperty(request, 'identifier', {
        enumerable: true,
        get: () => {
          identifierReads++;
          return [{ system: 'urn:oid:2.16.840.1.113883.3.999.1', value }];
        },
      });
    const requests = [withNumber(oxycodone('fiw-rx1', 'active', 'oxycodone HCl 5mg tab'), 'RX-1'), withNumber(oxycodone('fiw-rx2', 'active', 'Oxycodone Hydrochloride 10 MG Oral Tablet'), 'RX-2')];
    // A fill used up long ago (handed over in 2025, 30 days' supply): not in use.
    const oldFill: MedicationDispense = {
      resourceType: 'MedicationDispense',
      id: 'fiw-old-fill',
      status: 'completed',
      subject: { reference: 'Patient/fills-index-work' },
      medicationCodeableConcept: { text: 'Oxycodone Hydrochloride 5 MG Oral Tablet' },
      authorizingPrescription: [{ identifier: { system: 'urn:oid:2.16.840.1.113883.3.999.1', value: 'RX-1' } }],
      whenHandedOver: '2025-01-02',
      daysSupply: { value: 30, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' },
    };
    const draft = oxycodone('fiw-draft2', 'draft', 'Oxycodone Hydrochloride 5 MG Oral Tablet');
    const facts = deriveFacts(recordOf(requests, [oldFill]), [{ resource: draft, fallbackRef: 'MedicationRequest/fiw-draft2', evaluate: true }], classifier, NOW);
    expect(identifierReads).toBe(0);
    expect(facts.orders[0]!.concurrent.map((m) => m.ref)).toEqual(['MedicationRequest/fiw-rx1', 'MedicationRequest/fiw-rx2']);
  });
});
