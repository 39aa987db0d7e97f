// The product names a renewal comparison spells (product-name.ts, five regular-expression passes each) are the same
// few hundred in every call, and were spelt afresh for each call: the largest cost the renewal comparisons added to
// the facts stage (docs/benchmark.md, 23 November). Counted, never timed; the answer is unchanged.
import type { MedicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it, vi } from 'vitest';
import { deriveFacts } from '../../src/facts/index.ts';
import { canonicalProductName } from '../../src/facts/product-name.ts';
import type { PatientRecord } from '../../src/patient/index.ts';
import { createClassifier } from '../../src/terminology/index.ts';
import { everyHours, medicationRequest } from '../support/fhir-builders.ts';

vi.mock('../../src/facts/product-name.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/facts/product-name.ts')>();
  return { ...real, canonicalProductName: vi.fn(real.canonicalProductName) };
});

const NOW = new Date('2026-11-23T15:00:00Z');
const classifier = createClassifier();

/** An oxycodone order of 5 mg every 6 hours, from 1 November. */
function oxycodone(id: string, status: 'draft' | 'active', name: string, extra: Partial<MedicationRequest> = {}): MedicationRequest {
  return medicationRequest(id, status, name, { subject: { reference: 'Patient/product-spelling-work' }, authoredOn: '2026-11-01', dosageInstruction: [everyHours(6, { value: 5, unit: 'mg' })], ...extra });
}

function recordOf(requests: MedicationRequest[]): PatientRecord {
  return {
    patientId: 'product-spelling-work',
    patient: { resourceType: 'Patient', id: 'product-spelling-work', birthDate: '1970-01-01' },
    resources: new Map([['MedicationRequest', requests]]),
    medications: new Map(),
    gaps: [],
    sources: {},
  };
}

/** One call as a request makes it: every resource parsed afresh. */
function call(): ReturnType<typeof deriveFacts> {
  const draft = oxycodone('work-draft', 'draft', 'Oxycodone Hydrochloride 5 MG Oral Tablet');
  const record = recordOf([oxycodone('work-renewed', 'active', 'oxycodone HCl 5mg tab'), oxycodone('work-other', 'active', 'Oxycodone Hydrochloride 10 MG Oral Tablet')]);
  return deriveFacts(record, [{ resource: draft, fallbackRef: 'MedicationRequest/work-draft', evaluate: true }], classifier, NOW);
}

describe('product names met in an earlier call', () => {
  it('are not spelt again', () => {
    const first = call();
    expect(vi.mocked(canonicalProductName)).toHaveBeenCalled();
    vi.mocked(canonicalProductName).mockClear();
    const second = call();
    expect(vi.mocked(canonicalProductName)).not.toHaveBeenCalled();
    // Same answer: the renewal spelt another way is still taken for the draft's renewal; the 10 mg order counts.
    const refs = second.orders[0]!.mme.perDrug.map((d) => d.ref);
    expect(refs).toEqual(['MedicationRequest/work-draft', 'MedicationRequest/work-other']);
    expect(second).toEqual(first);
  });

});
