import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_LISTED, OVERRIDE_REASON_SYSTEM, RULE_TOPIC_SYSTEM } from '../../src/cards/index.ts';
import { MAX_DRAFT_ENTRIES, MAX_DRAFT_ORDERS } from '../../src/protocol/parse-order-hook-request.ts';
import { ORDER_SELECT, ORDER_SIGN, createTestApp, expectConformant, fixture, topics } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

const FIRES = [
  'opioid-draft-with-active-benzodiazepine.json',
  'benzodiazepine-draft-with-active-opioid.json',
  'opioid-and-benzodiazepine-both-draft.json',
  'opioid-draft-contained-medication.json',
  'opioid-draft-bundled-medication.json',
  'unknown-fields-and-extensions.json',
];
const SILENT = ['opioid-draft-no-benzodiazepine.json', 'opioid-draft-benzodiazepine-stopped.json', 'non-medication-orders-only.json', 'opioid-draft-prefetch-null.json'];

describe('POST /cds-services/{id} order-sign with full prefetch', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });

  for (const name of FIRES) {
    it(`returns an opioid-benzodiazepine card for ${name}`, async () => {
      const res = await request(t.app).post(ORDER_SIGN).send(fixture(`order-sign/${name}`));
      expect(res.status).toBe(200);
      const cards = expectConformant(res.body);
      expect(topics(cards)).toContain('opioid-benzodiazepine');
    });
  }

  for (const name of SILENT) {
    it(`returns no opioid-benzodiazepine card for ${name}`, async () => {
      const res = await request(t.app).post(ORDER_SIGN).send(fixture(`order-sign/${name}`));
      expect(res.status).toBe(200);
      const cards = expectConformant(res.body);
      expect(topics(cards)).not.toContain('opioid-benzodiazepine');
    });
  }

  it('builds a card a clinician can act on: names the draft order and the interacting drug, offers coded reasons, links evidence', async () => {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const draft = body.context.draftOrders.entry.find((e: any) => e.resource.resourceType === 'MedicationRequest').resource;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    const [card] = expectConformant(res.body).filter((c) => c.source.topic?.code === 'opioid-benzodiazepine');
    expect(card).toBeDefined();
    expect(card!.indicator).toBe('warning');
    expect(card!.summary.length).toBeLessThan(140);
    expect(card!.source.topic).toEqual({ system: RULE_TOPIC_SYSTEM, code: 'opioid-benzodiazepine', display: 'Opioid with a benzodiazepine' });
    expect(card!.detail).toMatch(/Draft order:/);
    expect(card!.detail).toMatch(/oxycodone/i);
    expect(card!.detail).toMatch(/alprazolam/i);
    expect(card!.detail).toMatch(/naloxone/i);
    expect(card!.overrideReasons!.length).toBeGreaterThan(0);
    for (const reason of card!.overrideReasons!) {
      expect(reason.system).toBe(OVERRIDE_REASON_SYSTEM);
      expect(reason.display!.length).toBeGreaterThan(3);
    }
    expect(card!.links!.every((l) => l.url.startsWith('https://') && l.type === 'absolute')).toBe(true);
    expect(card!.selectionBehavior).toBe('at-most-one');
    expect(card!.suggestions![0]!.actions).toEqual([
      { type: 'delete', description: expect.stringMatching(/unsigned order/), resourceId: `MedicationRequest/${draft.id}` },
    ]);
  });

  it('shows one card, not two, when the opioid and the benzodiazepine are both being signed', async () => {
    const res = await request(t.app).post(ORDER_SIGN).send(fixture('order-sign/opioid-and-benzodiazepine-both-draft.json'));
    const cards = expectConformant(res.body).filter((c) => c.source.topic?.code === 'opioid-benzodiazepine');
    expect(cards).toHaveLength(1);
    expect(cards[0]!.detail).toMatch(/another unsigned order in this session/);
  });

  it('names a draft sent as a code only by its ingredient and code, not as "unnamed"', async () => {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const entry = body.context.draftOrders.entry.find((e: any) => e.resource.resourceType === 'MedicationRequest');
    entry.resource.medicationCodeableConcept = { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '7804' }] };
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    const card = expectConformant(res.body).find((c) => c.source.topic?.code === 'opioid-benzodiazepine')!;
    expect(card.detail).toMatch(/^\*\*Draft order:\*\* oxycodone \(RxNorm 7804\)/);
  });

  it('gives every card and suggestion a fresh uuid on every call', async () => {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const a = await request(t.app).post(ORDER_SIGN).send(body);
    const b = await request(t.app).post(ORDER_SIGN).send(body);
    expect(a.body.cards[0].uuid).not.toBe(b.body.cards[0].uuid);
  });

  it('answers an order with only lab and nutrition orders with cards: [] and no data access', async () => {
    const body = fixture('order-sign/non-medication-orders-only.json');
    delete body.prefetch;
    delete body.fhirServer;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ cards: [] });
  });

  it('treats null prefetch values as "no data": no card, no incomplete-check card', async () => {
    const res = await request(t.app).post(ORDER_SIGN).send(fixture('order-sign/opioid-draft-prefetch-null.json'));
    expect(res.status).toBe(200);
    expect(expectConformant(res.body)).toEqual([]);
  });

  it('still counts an active benzodiazepine whose id the draft happens to share (only the same therapy is the re-signed order)', async () => {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    body.context.draftOrders.entry[0].resource.id = body.prefetch.medicationRequests.entry[0].resource.id;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
  });

  it('recognises a Medication whose ingredient is given as a reference with a display', async () => {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const benzo = body.prefetch.medicationRequests.entry[0].resource;
    delete benzo.medicationCodeableConcept;
    benzo.contained = [{ resourceType: 'Medication', id: 'med1', ingredient: [{ itemReference: { reference: 'Substance/s1', display: 'Alprazolam' } }] }];
    benzo.medicationReference = { reference: '#med1' };
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
  });

  it("reads a medicationReference's display when its Medication is not in the record (and still says the check is incomplete)", async () => {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const benzo = body.prefetch.medicationRequests.entry[0].resource;
    delete benzo.medicationCodeableConcept;
    benzo.medicationReference = { reference: 'Medication/not-sent', display: 'Alprazolam 0.5 mg' };
    delete body.fhirServer;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    const codes = topics(expectConformant(res.body));
    expect(codes).toContain('opioid-benzodiazepine');
    expect(codes).toContain('check-incomplete');
  });

  it("reads a medicationReference's display beside a Medication that has only a local code and no name", async () => {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const benzo = body.prefetch.medicationRequests.entry[0].resource;
    delete benzo.medicationCodeableConcept;
    benzo.contained = [{ resourceType: 'Medication', id: 'local', code: { coding: [{ system: 'urn:oid:1.2.3.4.5.6', code: 'RX-778812' }] } }];
    benzo.medicationReference = { reference: '#local', display: 'Alprazolam 0.5 mg tablet' };
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
  });

  it('records which rule set answered in the X-Rule-Set-Version header', async () => {
    const res = await request(t.app).post(ORDER_SIGN).send(fixture('order-sign/opioid-draft-with-active-benzodiazepine.json'));
    expect(res.headers['x-rule-set-version']).toBe(t.ruleSet.version);
  });

  it('does not evaluate a draft twice when the EHR also lists it among active orders (re-sign)', async () => {
    const body = fixture('order-sign/opioid-draft-no-benzodiazepine.json');
    const draft = body.context.draftOrders.entry.find((e: any) => e.resource.resourceType === 'MedicationRequest').resource;
    body.prefetch.medicationRequests.entry.push({ resource: { ...draft, status: 'active' } });
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(expectConformant(res.body)).toEqual([]);
  });
});

describe('POST /cds-services/{id} with many draft orders (an order set, or a hostile client)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });

  /** The fixture's opioid draft repeated `count` times (distinct ids), with an active benzodiazepine. */
  function manyDrafts(count: number): Record<string, any> {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const draft = body.context.draftOrders.entry[0].resource;
    body.context.draftOrders.entry = Array.from({ length: count }, (_, i) => ({ resource: { ...draft, id: `draft-${i}` } }));
    return body;
  }

  it(`checks up to ${MAX_DRAFT_ORDERS} drafts; each card lists at most ${MAX_LISTED} medicines per list and counts the rest`, async () => {
    const res = await request(t.app).post(ORDER_SIGN).send(manyDrafts(MAX_DRAFT_ORDERS));
    expect(res.status).toBe(200);
    expectConformant(res.body);
    const cards = res.body.cards as { detail?: string; source: { topic?: { code?: string } } }[];
    // One opioid-benzodiazepine card per draft, as with one draft.
    expect(cards.filter((c) => c.source.topic?.code === 'opioid-benzodiazepine')).toHaveLength(MAX_DRAFT_ORDERS);
    // The MME breakdown names every opioid draft: capped, with the count of the others.
    const withMme = cards.filter((c) => c.detail?.includes('MME/day ('));
    expect(withMme.length).toBeGreaterThan(0);
    for (const card of withMme) {
      expect(card.detail).toContain(`- and ${MAX_DRAFT_ORDERS - MAX_LISTED} more (see the medication list)`);
    }
  });

  it('lists a benzodiazepine being signed now among the interacting medicines shown, however many active ones there are', async () => {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const active = body.prefetch.medicationRequests.entry[0].resource;
    body.prefetch.medicationRequests.entry = Array.from({ length: MAX_LISTED + 3 }, (_, i) => ({ resource: { ...active, id: `active-benzo-${i}` } }));
    body.context.draftOrders.entry.push({ resource: { ...active, id: 'draft-benzo', status: 'draft', medicationCodeableConcept: { text: 'Lorazepam 1 MG Oral Tablet' } } });
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    const card = (res.body.cards as { detail?: string; source: { topic?: { code?: string } } }[]).find((c) => c.source.topic?.code === 'opioid-benzodiazepine' && c.detail?.includes('Oxycodone'));
    expect(card?.detail).toContain('Lorazepam 1 MG Oral Tablet (another unsigned order in this session)');
    expect(card?.detail).toMatch(/- and \d+ more \(see the medication list\)/);
  });

  it(`refuses more than ${MAX_DRAFT_ORDERS} drafts with a 400 that says why, naming the field`, async () => {
    const res = await request(t.app).post(ORDER_SIGN).send(manyDrafts(MAX_DRAFT_ORDERS + 1));
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].expression).toEqual(['context.draftOrders.entry']);
    expect(res.body.issue[0].details.text).toMatch(/more than 100 MedicationRequest entries/);
  });

  /** `count` lab orders (ServiceRequest) for the request's patient: orders the service never reads. */
  function labOrders(body: Record<string, any>, count: number): Record<string, any>[] {
    return Array.from({ length: count }, (_, i) => ({
      resource: { resourceType: 'ServiceRequest', id: `lab-${i}`, status: 'draft', intent: 'order', subject: { reference: `Patient/${body.context.patientId}` }, code: { text: `Lab ${i}` } },
    }));
  }

  it(`checks one medicine signed in an order set of more than ${MAX_DRAFT_ORDERS} orders (the others labs)`, async () => {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    body.context.draftOrders.entry.push(...labOrders(body, MAX_DRAFT_ORDERS + 50));
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
  });

  it(`order-select: checks the selected medicine when the session holds more than ${MAX_DRAFT_ORDERS} unsigned orders of other kinds`, async () => {
    const body = fixture('order-select/order-select-opioid-selected.json');
    body.context.draftOrders.entry.push(...labOrders(body, MAX_DRAFT_ORDERS + 50));
    const res = await request(t.app).post(ORDER_SELECT).send(body);
    expect(res.status).toBe(200);
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
  });

  it(`refuses more than ${MAX_DRAFT_ENTRIES} orders of any kind with a 400 of its own, naming the field`, async () => {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    body.context.draftOrders.entry.push(...labOrders(body, MAX_DRAFT_ENTRIES));
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['context.draftOrders.entry']);
    expect(res.body.issue[0].details.text).toMatch(/more than 1000 entries \(orders of any kind\)/);
  });
});

describe('POST /cds-services/{id} order-select', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  const SELECT = '/cds-services/cns-depressant-order-select';

  it('evaluates the selected opioid against an active benzodiazepine', async () => {
    const res = await request(t.app).post(SELECT).send(fixture('order-select/order-select-opioid-selected.json'));
    expect(res.status).toBe(200);
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
  });

  it('uses the unselected draft orders as context', async () => {
    const res = await request(t.app).post(SELECT).send(fixture('order-select/order-select-benzodiazepine-in-other-draft.json'));
    expect(res.status).toBe(200);
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
  });

  it('does not evaluate orders that are not selected', async () => {
    const res = await request(t.app).post(SELECT).send(fixture('order-select/order-select-unrelated-selected.json'));
    expect(res.status).toBe(200);
    expect(expectConformant(res.body)).toEqual([]);
  });

  it('refuses an order-select call on the order-sign service (hook mismatch) with 400', async () => {
    const res = await request(t.app).post(ORDER_SIGN).send(fixture('order-select/order-select-opioid-selected.json'));
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });
});
