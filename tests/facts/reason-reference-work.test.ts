// A methadone or ketamine order's reasons named by reference were each looked up by scanning every Condition (of the
// record, or contained in the order): N x M work. 50,000 references beside 50,000 Conditions, a 4.2 MiB call under
// the 5 MiB body limit, held the event loop for 40-57 s (records review, finding 3). The Conditions are now indexed
// once per list. No timing is asserted: vitest's timeout is the bound (the old code needs about a minute for each
// case below), and each case checks the answer: the one reason that names opioid use disorder, found last, still
// makes the methadone OUD treatment.
import type { Condition, MedicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { deriveFacts } from '../../src/facts/index.ts';
import { medicationRequest, patientRecord, testClassifier } from '../support/fhir-builders.ts';

const NOW = new Date('2026-11-21T15:00:00Z');
const MANY = 40_000;

const condition = (id: string, text?: string): Condition =>
  ({ resourceType: 'Condition', id, subject: { reference: 'Patient/p' }, ...(text ? { code: { text } } : {}) }) as Condition;

function methadoneDraft(extra: Partial<MedicationRequest>): MedicationRequest {
  return medicationRequest('draft', 'draft', 'Methadone Hydrochloride 10 MG Oral Tablet', extra);
}

function classesOf(draft: MedicationRequest, conditions: Condition[]): readonly string[] {
  const record = patientRecord(conditions, { birthDate: '1970-01-01' });
  const facts = deriveFacts(record, [{ resource: draft, fallbackRef: 'MedicationRequest/draft', evaluate: true }], testClassifier(), NOW);
  return facts.orders[0]!.order.classes;
}

describe('reasons named by reference, many of them beside many Conditions', () => {
  it('are looked up in the record in time linear in the call: the opioid use disorder named last is found', () => {
    const conditions = [...Array.from({ length: MANY }, (_, i) => condition(`c${i}`)), condition('oud', 'Opioid use disorder, severe')];
    const reasonReference = [...Array.from({ length: MANY }, (_, i) => ({ reference: `Condition/x${i}` })), { reference: 'Condition/oud' }];
    expect(classesOf(methadoneDraft({ reasonReference }), conditions)).toEqual(['oud-treatment']);
    // Without that reason, the same methadone is a pain opioid.
    expect(classesOf(methadoneDraft({ reasonReference: reasonReference.slice(0, MANY) }), conditions)).toEqual(['opioid-analgesic']);
  });

  it('are looked up among the Conditions contained in the order the same way', () => {
    const contained = [...Array.from({ length: MANY }, (_, i) => condition(`c${i}`)), condition('oud', 'Opioid use disorder, severe')];
    const reasonReference = [...Array.from({ length: MANY }, (_, i) => ({ reference: `#x${i}` })), { reference: '#oud' }];
    expect(classesOf(methadoneDraft({ contained, reasonReference }), [])).toEqual(['oud-treatment']);
  });

  it('the first Condition of an id is the one read, as before', () => {
    const conditions = [condition('dup', 'Opioid use disorder, severe'), condition('dup', 'Chronic low back pain')];
    expect(classesOf(methadoneDraft({ reasonReference: [{ reference: 'Condition/dup' }] }), conditions)).toEqual(['oud-treatment']);
    const reversed = [condition('dup', 'Chronic low back pain'), condition('dup', 'Opioid use disorder, severe')];
    expect(classesOf(methadoneDraft({ reasonReference: [{ reference: 'Condition/dup' }] }), reversed)).toEqual(['opioid-analgesic']);
  });
});
