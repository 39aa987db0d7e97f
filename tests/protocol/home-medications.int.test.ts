/**
 * Medicines as EHRs really record them must not slip past the check (a clinical review's silent misses):
 * a home medication the patient reports (intent "plan"), an order whose fill window ended while its supply
 * lasts, and a buprenorphine patch named with the usual abbreviations or with its form only in the Medication.
 */
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORDER_SIGN, createTestApp, expectConformant, fixture } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

describe('medicines as EHRs record them', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: () => new Date('2026-11-21T12:00:00Z') });
  });

  async function cardsFor(name: string): Promise<{ topic: string | undefined; indicator: string }[]> {
    const res = await request(t.app).post(ORDER_SIGN).send(fixture(`order-sign/${name}.json`));
    expect(res.status).toBe(200);
    return expectConformant(res.body).map((c) => ({ topic: c.source.topic?.code, indicator: c.indicator }));
  }

  it('warns about an opioid ordered for a patient who reports taking alprazolam at home (intent plan), and the reverse', async () => {
    expect((await cardsFor('opioid-draft-with-reported-home-benzodiazepine')).map((c) => c.topic)).toContain('opioid-benzodiazepine');
    expect((await cardsFor('benzodiazepine-draft-with-reported-home-opioid')).map((c) => c.topic)).toContain('opioid-benzodiazepine');
  });

  it('warns about a benzodiazepine whose fill window ended yesterday, with its 30-day supply still lasting', async () => {
    expect((await cardsFor('opioid-draft-benzodiazepine-fill-window-ended')).map((c) => c.topic)).toContain('opioid-benzodiazepine');
  });

  it('reads a buprenorphine patch named "TD PTWK" as an opioid for pain: with alprazolam the opioid-benzodiazepine warning, with gabapentin the CNS depressant warning', async () => {
    const withBenzodiazepine = await cardsFor('buprenorphine-patch-abbreviated-with-benzodiazepine');
    expect(withBenzodiazepine).toContainEqual({ topic: 'opioid-benzodiazepine', indicator: 'warning' });
    expect(withBenzodiazepine.map((c) => c.topic)).not.toContain('moud-benzodiazepine');
    expect((await cardsFor('buprenorphine-patch-abbreviated-with-gabapentin')).map((c) => c.topic)).toContain('opioid-cns-depressant');
  });

  it("reads a buprenorphine whose form is only in the Medication's form as that form", async () => {
    expect((await cardsFor('buprenorphine-form-only-in-medication')).map((c) => c.topic)).toContain('opioid-cns-depressant');
  });

  it('counts a monthly renewal chain once: an older link the newer one names as its priorPrescription adds no dose', async () => {
    const body = fixture('order-sign/opioid-draft-no-benzodiazepine.json');
    const patient = body.context.patientId;
    const draft = body.context.draftOrders.entry.find((e: any) => e.resource.resourceType === 'MedicationRequest').resource;
    const oxycodone = (id: string, prior: string | undefined, start: string, end: string) => ({
      resourceType: 'MedicationRequest',
      id,
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: { text: 'Oxycodone Hydrochloride 5 MG Oral Tablet' },
      subject: { reference: `Patient/${patient}` },
      authoredOn: start,
      dosageInstruction: [{ text: 'Take 1 tablet by mouth every 4 hours', timing: { repeat: { frequency: 1, period: 4, periodUnit: 'h' } }, doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }] }],
      // The older links still say active; their fill windows ended, their supply may last (90 days).
      dispenseRequest: { validityPeriod: { start, end }, quantity: { value: 180, unit: 'tablet' } },
      ...(prior ? { priorPrescription: { reference: `MedicationRequest/${prior}` } } : {}),
    });
    Object.assign(draft, {
      medicationCodeableConcept: { text: 'Oxycodone Hydrochloride 5 MG Oral Tablet' },
      dosageInstruction: [{ text: 'Take 1 tablet by mouth every 4 hours', timing: { repeat: { frequency: 1, period: 4, periodUnit: 'h' } }, doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }] }],
      priorPrescription: { reference: 'MedicationRequest/oxycodone-nov' },
    });
    body.prefetch.medicationRequests = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        { resource: oxycodone('oxycodone-nov', 'oxycodone-oct', '2026-11-01', '2026-11-30') },
        { resource: oxycodone('oxycodone-oct', 'oxycodone-sep', '2026-10-01', '2026-10-31') },
        { resource: oxycodone('oxycodone-sep', undefined, '2026-09-01', '2026-09-30') },
      ],
    };
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    // One oxycodone 5 mg every 4 hours: 45 MME a day, below the 50 MME threshold. Counted three times it was 135.
    const codes = expectConformant(res.body).map((c) => c.source.topic?.code);
    expect(codes).not.toContain('opioid-high-mme');
  });

  it('keeps alprazolam orders whose priorPrescriptions name each other (a cycle, no newest link): the opioid-benzodiazepine warning is shown', async () => {
    for (const length of [2, 3]) {
      const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
      const entries = body.prefetch.medicationRequests.entry;
      const alprazolam = entries[0].resource;
      // A renews the last, each other one renews the one before: A -> C -> B -> A for three.
      const ids = Array.from({ length }, (_, i) => (i === 0 ? alprazolam.id : `${alprazolam.id}-${i}`));
      const orders = ids.map((id, i) => ({ ...structuredClone(alprazolam), id, priorPrescription: { reference: `MedicationRequest/${ids[(i + length - 1) % length]}` } }));
      body.prefetch.medicationRequests = { ...body.prefetch.medicationRequests, total: length, entry: orders.map((resource) => ({ resource })) };
      const res = await request(t.app).post(ORDER_SIGN).send(body);
      expect(res.status).toBe(200);
      const codes = expectConformant(res.body).map((c) => c.source.topic?.code);
      // Both members were dropped before: no card at all, not even the check-incomplete one.
      expect(codes, `a cycle of ${length}`).toContain('opioid-benzodiazepine');
    }
  });
});
