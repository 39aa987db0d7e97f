// The fact hasRescueNaloxone (src/facts/derive-facts.ts) decides whether the "offer naloxone" card fires:
// it must be true when the patient already has an opioid-overdose reversal agent, whether named by an OTC
// brand only (RiVive, Rextovy) or a nalmefene rescue product (Opvee nasal spray, nalmefene injection).
// Naltrexone (an antagonist for OUD or alcohol, not a reversal kit) and buprenorphine/naloxone never count.
import type { MedicationStatement } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { engineFactsFor } from '../../src/facts/index.ts';
import { draftFacts, medicationRequest, medicationStatement, patientRecord } from '../support/fhir-builders.ts';

const NOW = new Date('2026-11-22T12:00:00Z');

const draft = medicationRequest('draft-1', 'draft', 'oxycodone 5 mg tablet');

function reported(text: string): MedicationStatement {
  return medicationStatement(`s-${text.length}`, 'active', text);
}

function hasRescue(statementText: string): boolean {
  const facts = draftFacts(patientRecord([reported(statementText)], { birthDate: '1970-01-01' }), draft, NOW);
  return engineFactsFor(facts, facts.orders[0]!).hasRescueNaloxone;
}

describe('an overdose-reversal agent already on hand', () => {
  it('counts OTC naloxone named by brand only (RiVive, Rextovy)', () => {
    expect(hasRescue('RiVive')).toBe(true);
    expect(hasRescue('Rextovy')).toBe(true);
  });

  it('counts a nalmefene rescue product (Opvee nasal spray, nalmefene injection), not naltrexone, oral nalmefene or buprenorphine/naloxone', () => {
    expect(hasRescue('Opvee')).toBe(true);
    expect(hasRescue('nalmefene hydrochloride 2.7 mg nasal spray')).toBe(true);
    expect(hasRescue('nalmefene 1 MG/ML Injectable Solution')).toBe(true);
    expect(hasRescue('Vivitrol 380 mg')).toBe(false);
    expect(hasRescue('nalmefene 18 mg oral tablet')).toBe(false);
    expect(hasRescue('buprenorphine 8 MG / naloxone 2 MG Sublingual Film [Suboxone]')).toBe(false);
  });
});
