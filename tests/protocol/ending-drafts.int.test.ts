// order-sign also fires on re-sign, and an EHR may send the order being discontinued (stopped, cancelled) or
// voided (entered-in-error) among the drafts. Such an order is not one being started: it was checked as one ("This
// order would put the patient on an opioid and a benzodiazepine" on the lorazepam being stopped), and counted
// beside the other drafts. And order-select's selection of a draft with an empty id selected nothing: 200 with no
// cards while a benzodiazepine was active (conformance review).
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ORDER_SIGN, createTestApp, expectConformant, fixture, topics } from '../support/test-app.ts';

const ORDER_SELECT = '/cds-services/cns-depressant-order-select';

describe('drafts the session ends', () => {
  it.each(['stopped', 'cancelled', 'entered-in-error'])('a lorazepam draft with status %s beside an active opioid gets no card about starting it', async (status) => {
    const t = await createTestApp();
    const body = fixture('order-sign/benzodiazepine-draft-with-active-opioid.json');
    const control = await request(t.app).post(ORDER_SIGN).send(body);
    expect(topics(expectConformant(control.body))).toContain('opioid-benzodiazepine');
    body.context.draftOrders.entry[0].resource.status = status;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    expect(expectConformant(res.body)).toEqual([]);
  });

  it('an opioid draft beside the benzodiazepine the session stops (also on the active list) gets no interaction card; beside a new one it does', async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const benzo = body.prefetch.medicationRequests.entry.find((e: any) => /lorazepam|alprazolam|diazepam|clonazepam/i.test(JSON.stringify(e.resource.medicationCodeableConcept ?? '')));
    expect(benzo).toBeDefined();
    const stopping = { resource: { ...structuredClone(benzo.resource), status: 'stopped' } };
    body.context.draftOrders.entry.push(stopping);
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    expect(topics(expectConformant(res.body))).not.toContain('opioid-benzodiazepine');

    // The same benzodiazepine as a draft being signed (status draft) still meets the opioid.
    stopping.resource.status = 'draft';
    const both = await request(t.app).post(ORDER_SIGN).send(body);
    expect(topics(expectConformant(both.body))).toContain('opioid-benzodiazepine');
  });
});

describe('order-select selections', () => {
  it('a selection of a draft whose id is empty is refused with 400, never answered with no cards', async () => {
    const t = await createTestApp();
    const body = fixture('order-select/order-select-opioid-selected.json');
    const selected = body.context.draftOrders.entry.find((e: any) => e.resource.id === 'draft-oxycodone');
    selected.resource.id = '';
    body.context.selections = ['MedicationRequest/'];
    const res = await request(t.app).post(ORDER_SELECT).send(body);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(res.body)).toMatch(/context\.selections/);
  });
});
