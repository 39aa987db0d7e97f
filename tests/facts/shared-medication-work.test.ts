// One bundled Medication with a huge ingredient list, named by many orders, was copied (every ingredient) once
// per order: 40,000 ingredients named by 1,500 orders took about three minutes of CPU in one request. Each
// Medication is now reduced once per request, to its first MAX_MEDICATION_INGREDIENTS ingredients. No timing is
// asserted: vitest's 5-second timeout is the bound (the old code needs minutes), and each case checks the answer.
import type { Medication, MedicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { deriveFacts } from '../../src/facts/index.ts';
import { MAX_MEDICATION_INGREDIENTS, sanitizeMedication } from '../../src/facts/sanitize.ts';
import { patientRecord } from '../support/fhir-builders.ts';
import { createClassifier } from '../../src/terminology/index.ts';

const NOW = new Date('2026-11-22T12:00:00Z');

function order(id: string, medication: MedicationRequest['medicationReference'] | undefined, text?: string): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id,
    status: id === 'draft' ? 'draft' : 'active',
    intent: 'order',
    subject: { reference: 'Patient/p' },
    ...(medication ? { medicationReference: medication } : { medicationCodeableConcept: { text } }),
  };
}

describe('a Medication with many ingredients named by many orders', () => {
  it('is reduced once and read to its first ingredients: the benzodiazepine it names still meets the opioid draft', () => {
    const ingredient = [{ itemCodeableConcept: { text: 'lorazepam' } }, ...Array.from({ length: 40_000 }, (_, i) => ({ itemCodeableConcept: { text: `excipient ${i % 10}` } }))];
    const big: Medication = { resourceType: 'Medication', id: 'big', code: { text: 'lorazepam 1 mg tablet' }, ingredient };
    const orders = Array.from({ length: 1_500 }, (_, i) => order(`o${i}`, { reference: 'Medication/big' }));
    const record = patientRecord(orders, { birthDate: '1960-01-01', medications: new Map([['Medication/big', big]]) });
    const draft = order('draft', undefined, 'oxycodone hydrochloride 5 mg oral tablet');
    const facts = deriveFacts(record, [{ resource: draft, fallbackRef: 'MedicationRequest/draft', evaluate: true }], createClassifier(), NOW);
    expect(facts.orders[0]!.cnsDrugs.map((d) => d.classes).flat()).toEqual(expect.arrayContaining(['opioid-analgesic', 'benzodiazepine']));
  });

  it('gives every order naming the same Medication the same reduced copy, with at most the bound of ingredients', () => {
    const big: Medication = { resourceType: 'Medication', ingredient: Array.from({ length: 500 }, () => ({ itemCodeableConcept: { text: 'x' } })) };
    const first = sanitizeMedication(big);
    expect(sanitizeMedication(big)).toBe(first);
    expect(first?.ingredient).toHaveLength(MAX_MEDICATION_INGREDIENTS);
  });
});
