/**
 * The "check incomplete" card in a clinician's words, one line per thing not checked. The reviewer saw the age
 * listed twice (not sent, then no birth date), "the medication medication with RxNorm ...", "1 opioid dose(s)",
 * and "gave no access token (fhirAuthorization) for its FHIR server". The integrator's terms stay in the 412 of a
 * required key (tests/protocol/fhir-fallback.int.test.ts) and its log line.
 */
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Card } from '../../src/protocol/types.ts';
import { ORDER_SIGN, createTestApp, expectConformant, fixture } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: () => new Date('2026-11-21T12:00:00Z') });
});

async function cardsFor(body: Record<string, any>): Promise<Card[]> {
  body.hookInstance = crypto.randomUUID();
  const res = await request(t.app).post(ORDER_SIGN).send(body);
  expect(res.status).toBe(200);
  return expectConformant(res.body);
}

const incompleteLines = (cards: readonly Card[]): string[] =>
  (cards.find((c) => c.source.topic?.code === 'check-incomplete')?.detail ?? '').split('\n').filter((l) => l.startsWith('- '));

/** Words that mean nothing to a clinician reading the card. */
const JARGON = /fhirAuthorization|access token|FHIR|prefetch|allowlist|value set|context lacks/;

describe('the check-incomplete card', () => {
  it('no patient or conditions sent, a FHIR server but no access to it: the age is one line, in plain words', async () => {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    delete body.prefetch.patient;
    delete body.prefetch.conditions;
    body.fhirServer = 'https://ehr.example.org/fhir';
    delete body.fhirAuthorization;
    const lines = incompleteLines(await cardsFor(body));
    expect(lines).toEqual([
      "- Could not check the patient's age: the EHR did not send this data and did not give this service access to look it up; no usable birth date is recorded, so the checks for older adults could not be done.",
      "- Could not check the patient's conditions (such as COPD or sleep apnea): the EHR did not send this data and did not give this service access to look it up.",
    ]);
    for (const line of lines) expect(line).not.toMatch(JARGON);
  });

  it('a medication sent as a code only is "the medication with <code>", without advice for the EHR team', async () => {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const entry = body.prefetch.medicationRequests.entry[0];
    // A local code system and code no terminology holds (no drug code is invented).
    entry.resource.medicationCodeableConcept = { coding: [{ system: 'urn:example:local-formulary', code: 'LOCAL-1' }] };
    const lines = incompleteLines(await cardsFor(body));
    expect(lines).toEqual(['- Could not check the medication with code LOCAL-1: it was sent as a code only, without a name, and this service does not recognise the code, so what it is is not known.']);
    for (const line of lines) expect(line).not.toMatch(JARGON);
  });

  it('one opioid dose that could not be calculated is "1 opioid dose", not "1 opioid dose(s)"', async () => {
    const body = fixture('rules/opioid-high-mme/oxycodone-10mg-every-4h-90-mme.json');
    const subject = { reference: `Patient/${body.context.patientId}` };
    body.prefetch.medicationRequests.total = 1;
    body.prefetch.medicationRequests.entry = [];
    body.prefetch.medicationRequests.entry.push({
      resource: { resourceType: 'MedicationRequest', id: 'morphine-as-directed', status: 'active', intent: 'order', subject, authoredOn: '2026-11-13', medicationCodeableConcept: { text: 'Morphine Sulfate 15 MG Extended Release Oral Tablet' }, dosageInstruction: [{ text: 'as directed' }] },
    });
    const cards = await cardsFor(body);
    const text = cards.map((c) => c.detail ?? '').join('\n');
    expect(text).toContain('(1 opioid dose could not be calculated)');
    expect(text).not.toContain('dose(s)');
  });
});
