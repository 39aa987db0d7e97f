// The fact orderInpatientOnly (src/facts/derive-facts.ts) lets a rule whose advice is for a patient going home
// (naloxone-co-prescribe: a take-home kit, CDC 2022 recommendation 8) skip an order for use on the ward only. Only
// an order categorised inpatient and nothing that goes home is inpatient only: a discharge, outpatient or community
// order, or one the EHR did not categorise, is not, so the card still fires when the EHR does not say.
import { describe, expect, it } from 'vitest';
import { engineFactsFor } from '../../src/facts/index.ts';
import { draftFacts, medicationRequest, patientRecord } from '../support/fhir-builders.ts';

const NOW = new Date('2026-11-21T12:00:00Z');
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/medicationrequest-category';

function inpatientOnly(codes: readonly string[] | undefined): boolean {
  const draft = medicationRequest('draft-1', 'draft', 'Oxycodone Hydrochloride 5 MG Oral Tablet', codes === undefined ? {} : { category: codes.map((code) => ({ coding: [{ system: CATEGORY, code }] })) });
  const facts = draftFacts(patientRecord([], { birthDate: '1970-01-01' }), draft, NOW);
  return engineFactsFor(facts, facts.orders[0]!).orderInpatientOnly;
}

describe('orderInpatientOnly', () => {
  it('is true for an order categorised inpatient only (the ward supply)', () => {
    expect(inpatientOnly(['inpatient'])).toBe(true);
  });

  it('is false for a discharge, outpatient or community order, for inpatient together with discharge, and for an uncategorised order', () => {
    expect(inpatientOnly(['discharge'])).toBe(false);
    expect(inpatientOnly(['outpatient'])).toBe(false);
    expect(inpatientOnly(['community'])).toBe(false);
    expect(inpatientOnly(['inpatient', 'discharge'])).toBe(false);
    expect(inpatientOnly(undefined)).toBe(false);
  });
});
