/**
 * A safety check never fails silently: when the facts cannot be established (age unknown, a bare code
 * we do not recognise, an opioid dose we cannot calculate, a benzodiazepine dose beside a ketamine session
 * for depression) the clinician gets the "incomplete" card.
 */
import type { MedicationStatement } from '@medplum/fhirtypes';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORDER_SIGN, createTestApp, expectConformant, fixture, prefetchResources } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

describe('incomplete-check card for facts that cannot be established', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: () => new Date('2026-11-21T12:00:00Z') });
  });

  async function incompleteDetail(body: Record<string, any>): Promise<string | undefined> {
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    return expectConformant(res.body).find((c) => c.source.topic?.code === 'check-incomplete')?.detail;
  }

  it('says so when an active medication is a product code it does not recognise and has no name', async () => {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const active = body.prefetch.medicationRequests.entry[0].resource;
    active.medicationCodeableConcept = { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '308048' }] };
    expect(await incompleteDetail(body)).toMatch(/RxNorm 308048.*code only/);
  });

  it("says so when an opioid is ordered and the patient's age is unknown", async () => {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    delete body.prefetch.patient.birthDate;
    expect(await incompleteDetail(body)).toMatch(/patient's age/);
  });

  it('says so when an opioid daily dose cannot be calculated', async () => {
    const body = fixture('rules/opioid-high-mme/oxycodone-10mg-every-4h-90-mme.json');
    const draft = body.context.draftOrders.entry.find((e: any) => e.resource.resourceType === 'MedicationRequest').resource;
    draft.dosageInstruction = [{ text: '10 mg by mouth every 4 hours' }];
    expect(await incompleteDetail(body)).toMatch(/daily opioid dose/);
  });

  it('says so when a benzodiazepine dose beside a ketamine session for depression cannot be calculated (the timing rule stays silent)', async () => {
    const body = fixture('rules/ketamine-benzodiazepine-timing/spravato-lorazepam-statement-36h-before-session.json');
    expect(await incompleteDetail(body)).toBeUndefined();
    const statements = prefetchResources(body).filter((r): r is MedicationStatement => r.resourceType === 'MedicationStatement');
    expect(statements).toHaveLength(1);
    delete statements[0]!.dosage;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(expectConformant(res.body).map((c) => c.source.topic?.code)).not.toContain('ketamine-benzodiazepine-timing');
    expect(await incompleteDetail(body)).toMatch(/daily benzodiazepine dose of Lorazepam.*ketamine session for depression/);
  });

  it('stays quiet when everything is known', async () => {
    expect(await incompleteDetail(fixture('rules/opioid-high-mme/oxycodone-10mg-every-4h-90-mme.json'))).toBeUndefined();
  });
});
