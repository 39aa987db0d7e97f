/**
 * A MedicationRequest on the record counts as a medication in use only when it is someone's decision (or plan) to
 * give the drug: intent "option" (one choice of a RequestGroup, an order set) and "proposal" (a suggestion, no
 * authorisation to act) are not; "plan" (how EHRs record reported home medications) and the order intents are.
 */
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORDER_SIGN, createTestApp, expectConformant, fixture } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

describe('the intent of a MedicationRequest on the record', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: () => new Date('2026-11-21T12:00:00Z') });
  });

  /** The cards' rule codes for the oxycodone order beside the record's alprazolam request with this intent. */
  async function codesWithAlprazolamIntent(intent: string): Promise<string[]> {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const alprazolam = body.prefetch.medicationRequests.entry[0].resource;
    expect(alprazolam.medicationCodeableConcept.text).toBe('Alprazolam 0.5 MG Oral Tablet');
    alprazolam.intent = intent;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    return expectConformant(res.body).map((c) => c.source.topic?.code ?? '');
  }

  it('an alprazolam that is only an option of an order set gives no opioid-benzodiazepine card', async () => {
    expect(await codesWithAlprazolamIntent('option')).not.toContain('opioid-benzodiazepine');
  });

  it('nor does a proposed one', async () => {
    expect(await codesWithAlprazolamIntent('proposal')).not.toContain('opioid-benzodiazepine');
  });

  it('an ordered, planned (a reported home medication) or misspelt-intent alprazolam still does', async () => {
    for (const intent of ['order', 'original-order', 'instance-order', 'plan', 'Option']) {
      expect(await codesWithAlprazolamIntent(intent), intent).toContain('opioid-benzodiazepine');
    }
  });
});
