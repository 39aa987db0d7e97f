/**
 * Methadone oral concentrates: Methadose and the generic concentrates of opioid treatment programmes are OUD-only, so
 * an order of one is OUD treatment (the "do not withhold OUD treatment" card beside a benzodiazepine). Hikma's
 * Methadone Hydrochloride Intensol is labelled for pain too, and any OUD-only form ordered for pain is a pain
 * opioid: both got the OUD card, and the interaction card for a pain opioid beside a benzodiazepine gave way.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ORDER_SIGN, createTestApp, expectConformant, fixture, topics } from '../support/test-app.ts';

const NOW = new Date('2026-11-21T12:00:00Z');

/** The shipped oxycodone-beside-alprazolam request, its draft replaced by methadone 5 mg three times a day. */
function methadoneBesideBenzodiazepine(product: string, reasonCode?: unknown[]): Record<string, any> {
  const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
  const draft = body.context.draftOrders.entry[0].resource;
  draft.medicationCodeableConcept = { text: product };
  draft.dosageInstruction = [
    { text: '5 mg by mouth three times a day', timing: { repeat: { frequency: 3, period: 1, periodUnit: 'd' } }, doseAndRate: [{ doseQuantity: { value: 5, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' } }] },
  ];
  if (reasonCode) {
    draft.reasonCode = reasonCode;
  }
  return body;
}

async function cardTopics(body: Record<string, any>): Promise<string[]> {
  const t = await createTestApp({ now: () => NOW });
  const res = await request(t.app).post(ORDER_SIGN).send(body);
  expect(res.status).toBe(200);
  return topics(expectConformant(res.body));
}

describe('methadone oral concentrate beside a benzodiazepine', () => {
  it('Methadone Intensol (labelled for pain too) gets the pain opioid interaction card, not the OUD card', async () => {
    const shown = await cardTopics(methadoneBesideBenzodiazepine('Methadone Hydrochloride Intensol 10 MG/ML Oral Concentrate'));
    expect(shown).toContain('opioid-benzodiazepine');
    expect(shown).not.toContain('moud-benzodiazepine');
  });

  it('an OUD-only concentrate ordered for pain (ICD-10-CM G89.29) gets the pain cards; with no reason, the OUD card', async () => {
    const forPain = await cardTopics(methadoneBesideBenzodiazepine('methadone oral concentrate 10 mg/mL', [{ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'G89.29' }] }]));
    expect(forPain).toContain('opioid-benzodiazepine');
    expect(forPain).not.toContain('moud-benzodiazepine');
    const noReason = await cardTopics(methadoneBesideBenzodiazepine('methadone oral concentrate 10 mg/mL'));
    expect(noReason).toContain('moud-benzodiazepine');
    expect(noReason).not.toContain('opioid-benzodiazepine');
  });
});
