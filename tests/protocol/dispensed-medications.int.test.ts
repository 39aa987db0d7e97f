/**
 * A benzodiazepine filled at a pharmacy on another prescriber's order, that the EHR holds only as a dispense
 * (MedicationDispense: pharmacy fill history, outside dispense data), was invisible: the services neither asked for
 * dispenses nor read them, and an opioid signed beside it got no card. Dispenses now come from the prefetch key
 * `medicationDispenses` (else the FHIR server) and count as medications in use while their supply may last.
 */
import request from 'supertest';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFhirTestServer } from '../support/fhir-test-server.ts';
import type { FhirTestServer } from '../support/fhir-test-server.ts';
import { days, everyHours, plainTablets, searchset, tablets, timesADay } from '../support/fhir-builders.ts';
import { ORDER_SIGN, createTestApp, expectConformant, fixture, prefetchResources, topics } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

const AUTH = { access_token: 'test-access-token', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'cds-service' };

/** Draft oxycodone, only lisinopril on the record, and an alprazolam fill handed over on `when`. */
function withDispensedAlprazolam(when: string): Record<string, any> {
  const body = fixture('order-sign/opioid-draft-no-benzodiazepine.json');
  const patient = body.context.patientId as string;
  body.prefetch.medicationDispenses = searchset([
    {
      resourceType: 'MedicationDispense',
      id: 'outside-alprazolam-fill',
      status: 'completed',
      subject: { reference: `Patient/${patient}` },
      medicationCodeableConcept: { text: 'Alprazolam 0.5 MG Oral Tablet' },
      performer: [{ actor: { display: 'Community pharmacy' } }],
      authorizingPrescription: [{ reference: 'MedicationRequest/other-prescriber-alprazolam', display: 'Alprazolam from another prescriber' }],
      quantity: tablets(60),
      daysSupply: days(30),
      whenHandedOver: when,
      dosageInstruction: [{ text: 'Take 1 tablet twice a day', ...timesADay(2, plainTablets(1)) }],
    },
  ]);
  return body;
}

/**
 * Draft oxycodone 5 mg every 6 hours as needed (30 MME/day), beside oxycodone 10 mg every 8 hours (45 MME/day): last
 * month's order completed, this month's renewal of it active, and last month's fill still lasting (review diff8 F1).
 */
function withRenewalAndFillOfPreviousOrder(): Record<string, any> {
  const body = fixture('order-sign/opioid-draft-no-benzodiazepine.json');
  const patient = body.context.patientId as string;
  const oxycodone = {
    medicationCodeableConcept: { text: 'Oxycodone Hydrochloride 10 MG Oral Tablet' },
    subject: { reference: `Patient/${patient}` },
    dosageInstruction: [{ text: '1 tablet every 8 hours', ...everyHours(8, tablets(1)) }],
  };
  body.prefetch.medicationRequests.entry.push(
    { resource: { resourceType: 'MedicationRequest', id: 'oxycodone-october', status: 'completed', intent: 'order', authoredOn: '2026-10-20', ...oxycodone } },
    { resource: { resourceType: 'MedicationRequest', id: 'oxycodone-november', status: 'active', intent: 'order', authoredOn: '2026-11-18', priorPrescription: { reference: 'MedicationRequest/oxycodone-october' }, ...oxycodone } }
  );
  body.prefetch.medicationDispenses = searchset([
    {
      resourceType: 'MedicationDispense',
      id: 'oxycodone-october-fill',
      status: 'completed',
      authorizingPrescription: [{ reference: 'MedicationRequest/oxycodone-october' }],
      quantity: tablets(90),
      daysSupply: days(30),
      whenHandedOver: '2026-11-10',
      ...oxycodone,
    },
  ]);
  return body;
}

describe('medications dispensed by a pharmacy', () => {
  let t: TestApp;
  let server: FhirTestServer | undefined;
  beforeAll(async () => {
    t = await createTestApp({ now: () => new Date('2026-11-21T12:00:00Z') });
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('warns about an opioid signed beside a benzodiazepine the patient has only as a pharmacy fill, naming the fill', async () => {
    const res = await request(t.app).post(ORDER_SIGN).send(withDispensedAlprazolam('2026-11-10'));
    expect(res.status).toBe(200);
    const cards = expectConformant(res.body);
    const card = cards.find((c) => c.source.topic?.code === 'opioid-benzodiazepine');
    expect(card).toBeDefined();
    expect(card!.detail).toContain("Alprazolam 0.5 MG Oral Tablet (dispensed 2026-11-10, 30 days' supply)");
    expect(topics(cards)).not.toContain('check-incomplete');
  });

  it('counts the fill only while its supply lasts: no card once its 30 days are over', async () => {
    // Handed over on 23 October with 30 days' supply: lasts through 21 November (today). On 21 October: over.
    const lasting = await request(t.app).post(ORDER_SIGN).send(withDispensedAlprazolam('2026-10-23'));
    expect(topics(expectConformant(lasting.body))).toContain('opioid-benzodiazepine');
    const over = await request(t.app).post(ORDER_SIGN).send(withDispensedAlprazolam('2026-10-21'));
    expect(over.status).toBe(200);
    expect(topics(expectConformant(over.body))).not.toContain('opioid-benzodiazepine');
  });

  it('reads dispenses from the FHIR server when the EHR did not prefetch them, with the same query', async () => {
    const body = withDispensedAlprazolam('2026-11-10');
    server = await startFhirTestServer(prefetchResources(body));
    delete body.prefetch.medicationDispenses;
    const res = await request(t.app).post(ORDER_SIGN).send({ ...body, fhirServer: server.baseUrl, fhirAuthorization: AUTH });
    expect(res.status).toBe(200);
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
    const asked = server.calls.map((c) => c.url).filter((u) => u.startsWith('/fhir/MedicationDispense'));
    expect(asked).toHaveLength(1);
    const params = new URL(asked[0]!, 'http://x').searchParams;
    expect(params.get('status')).toBe('completed,in-progress,stopped,unknown');
    expect(params.get('_sort')).toBe('-_lastUpdated');
  });

  it('says the check is incomplete when dispenses were neither sent nor fetchable, as for any optional key; null is "none"', async () => {
    const body = fixture('order-sign/opioid-draft-no-benzodiazepine.json');
    delete body.prefetch.medicationDispenses;
    delete body.fhirServer;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    const incomplete = expectConformant(res.body).find((c) => c.source.topic?.code === 'check-incomplete');
    expect(incomplete?.detail).toContain('Could not check medications dispensed by a pharmacy (fill history)');
    const none = await request(t.app).post(ORDER_SIGN).send({ ...body, prefetch: { ...body.prefetch, medicationDispenses: null } });
    expect(topics(expectConformant(none.body))).not.toContain('check-incomplete');
  });

  it('counts last month\'s fill once with this month\'s renewal of its order: 75 MME/day, not a 120 MME/day warning', async () => {
    const res = await request(t.app).post(ORDER_SIGN).send(withRenewalAndFillOfPreviousOrder());
    expect(res.status).toBe(200);
    const card = expectConformant(res.body).find((c) => c.source.topic?.code === 'opioid-high-mme');
    expect(card?.indicator).toBe('info');
    expect(card?.detail).toContain('75 MME/day');
  });
});
