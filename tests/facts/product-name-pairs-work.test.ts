// Each draft was compared with each same-drug order of the record by spelling both product names again for every
// pair (product-name.ts, five regular-expression passes per name). 100 oxycodone drafts beside 500 active oxycodone
// orders with long names, a 1 MiB call, held the event loop for 36-41 s (hostile-input review, finding 3). Each
// medication's names are now spelt once. No timing is asserted: vitest's timeout is the bound (the old code needs
// about 40 s here), and the case checks the answer: the one active order the first draft renews, spelt another way,
// is still taken for its renewal (left out of the total), and the others still count.
import type { MedicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { deriveFacts } from '../../src/facts/index.ts';
import { everyHours, medicationRequest, patientRecord, testClassifier } from '../support/fhir-builders.ts';

const NOW = new Date('2026-11-21T15:00:00Z');
const DRAFTS = 100;
const ACTIVE = 500;
/** About 1,500 characters of words that tell the names apart only at their end. */
const padding = (tag: string): string => `${'lot batch '.repeat(150)}${tag}`;

/** Oxycodone 5 mg every 6 hours, ordered on 1 November. */
function oxycodone(id: string, status: 'draft' | 'active', name: string): MedicationRequest {
  return medicationRequest(id, status, name, { authoredOn: '2026-11-01', dosageInstruction: [everyHours(6, { value: 5, unit: 'mg' })] });
}

describe('product names of many drafts beside many orders of the same drug', () => {
  it('are spelt once per medication: the renewal spelt another way is found, every other order still counts', () => {
    const drafts = Array.from({ length: DRAFTS }, (_, i) => oxycodone(`d${i}`, 'draft', `Oxycodone Hydrochloride 5 MG Oral Tablet ${padding(`d${i}`)}`));
    const active = [
      oxycodone('renewed', 'active', `oxycodone HCl 5mg tab ${padding('d0')}`),
      ...Array.from({ length: ACTIVE - 1 }, (_, i) => oxycodone(`a${i}`, 'active', `Oxycodone Hydrochloride 5 MG Oral Tablet ${padding(`a${i}`)}`)),
    ];
    const record = patientRecord(active, { birthDate: '1970-01-01' });
    const facts = deriveFacts(record, drafts.map((d) => ({ resource: d, fallbackRef: `MedicationRequest/${d.id}`, evaluate: true })), testClassifier(), NOW);
    const refs = facts.orders[0]!.mme.perDrug.map((d) => d.ref);
    expect(refs).not.toContain('MedicationRequest/renewed');
    expect(refs).toContain('MedicationRequest/a0');
    expect(refs).toContain('MedicationRequest/d1');
    expect(refs).toHaveLength(DRAFTS + ACTIVE - 1);
  });
});
