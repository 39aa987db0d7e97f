// How the statuses on the patient's record reach the check, through the whole hook (records review, #6).
// A midazolam drip stopped an hour ago (status stopped), paused (on-hold) or of unknown status was dropped without
// a word, though the drug was given: an opioid then signed got no warning and no "check incomplete" card.
import type { Resource } from '@medplum/fhirtypes';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { startFhirTestServer } from '../support/fhir-test-server.ts';
import type { FhirTestServer } from '../support/fhir-test-server.ts';
import { ORDER_SIGN, createTestApp, expectConformant, fixture, prefetchResources, topics } from '../support/test-app.ts';

const HOUR = 3_600_000;
const at = (ms: number): string => new Date(ms).toISOString();

/** The oxycodone draft of a patient with no benzodiazepine on record, plus these administrations. */
function withAdministrations(...administrations: Resource[]): Record<string, any> {
  const body = fixture('order-sign/opioid-draft-no-benzodiazepine.json');
  body.prefetch.medicationAdministrations = { resourceType: 'Bundle', type: 'searchset', total: administrations.length, entry: administrations.map((resource) => ({ resource })) };
  return body;
}

function midazolamDrip(patientId: string, status: string, period: { start: string; end?: string }, lastUpdated?: string): Resource {
  return {
    resourceType: 'MedicationAdministration',
    id: `ma-midazolam-${status}`,
    ...(lastUpdated ? { meta: { lastUpdated } } : {}),
    status,
    subject: { reference: `Patient/${patientId}` },
    medicationCodeableConcept: { text: 'Midazolam 1 MG/ML Injectable Solution' },
    effectivePeriod: period,
  } as Resource;
}

describe('administrations on the record, by status', () => {
  it('warns about an opioid signed an hour after a midazolam drip was stopped, paused or left of unknown status', async () => {
    const t = await createTestApp();
    const now = Date.now();
    for (const status of ['completed', 'stopped', 'on-hold', 'unknown']) {
      const patientId = fixture('order-sign/opioid-draft-no-benzodiazepine.json').context.patientId as string;
      const body = withAdministrations(midazolamDrip(patientId, status, { start: at(now - 6 * HOUR), end: at(now - HOUR) }));
      const res = await request(t.app).post(ORDER_SIGN).send(body);
      expect(topics(expectConformant(res.body)), status).toContain('opioid-benzodiazepine');
    }
  });

  it('warns for a drip paused an hour ago whose period was left open (its record changed then)', async () => {
    const t = await createTestApp();
    const now = Date.now();
    const patientId = fixture('order-sign/opioid-draft-no-benzodiazepine.json').context.patientId as string;
    const body = withAdministrations(midazolamDrip(patientId, 'on-hold', { start: at(now - 30 * HOUR) }, at(now - HOUR)));
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
  });

  it('warns about an opioid signed the day after a lorazepam dose recorded with its date only (it may be minutes old)', async () => {
    const t = await createTestApp();
    const patientId = fixture('order-sign/opioid-draft-no-benzodiazepine.json').context.patientId as string;
    // Yesterday's date (UTC) ended at the last midnight: less than 24 h ago, whatever the time now.
    const yesterday = at(Date.now() - 24 * HOUR).slice(0, 10);
    const dose = { resourceType: 'MedicationAdministration', id: 'ma-lorazepam-date-only', status: 'completed', subject: { reference: `Patient/${patientId}` }, medicationCodeableConcept: { text: 'Lorazepam 1 MG Oral Tablet' }, effectiveDateTime: yesterday } as Resource;
    const res = await request(t.app).post(ORDER_SIGN).send(withAdministrations(dose));
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
  });

  it('says nothing of a drip not given (not-done) or recorded in error', async () => {
    const t = await createTestApp();
    const now = Date.now();
    for (const status of ['not-done', 'entered-in-error']) {
      const patientId = fixture('order-sign/opioid-draft-no-benzodiazepine.json').context.patientId as string;
      const body = withAdministrations(midazolamDrip(patientId, status, { start: at(now - 6 * HOUR), end: at(now - HOUR) }));
      const res = await request(t.app).post(ORDER_SIGN).send(body);
      expect(topics(expectConformant(res.body)), status).not.toContain('opioid-benzodiazepine');
    }
  });
});

describe('orders that say not to give the drug (MedicationRequest.doNotPerform)', () => {
  it('a "do not give alprazolam" order on the record is no benzodiazepine in use', async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const control = await request(t.app).post(ORDER_SIGN).send(body);
    expect(topics(expectConformant(control.body))).toContain('opioid-benzodiazepine');
    for (const entry of body.prefetch.medicationRequests.entry) entry.resource.doNotPerform = true;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(topics(expectConformant(res.body))).not.toContain('opioid-benzodiazepine');
  });

  it('a standing "do not give methadone" order does not turn a new methadone start into a renewal', async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-no-benzodiazepine.json');
    const draft = body.context.draftOrders.entry[0].resource;
    draft.medicationCodeableConcept = { text: 'Methadone Hydrochloride 5 MG Oral Tablet' };
    const control = await request(t.app).post(ORDER_SIGN).send(body);
    expect(topics(expectConformant(control.body))).toContain('methadone-for-pain');
    body.prefetch.medicationRequests.entry.push({
      resource: { ...structuredClone(body.prefetch.medicationRequests.entry[0].resource), id: 'dnp-methadone', doNotPerform: true, medicationCodeableConcept: { text: 'Methadone Hydrochloride 5 MG Oral Tablet' } },
    });
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(topics(expectConformant(res.body))).toContain('methadone-for-pain');
  });

  it('a "do not give lorazepam" draft beside an active opioid is not checked as a lorazepam prescription', async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/benzodiazepine-draft-with-active-opioid.json');
    body.context.draftOrders.entry[0].resource.doNotPerform = true;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    expect(expectConformant(res.body)).toEqual([]);
  });
});

describe('held and intended home medications read from the FHIR server (the prefetch templates ask for them)', () => {
  const AUTH = { access_token: 'test-access-token', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'cds-service' };
  let server: FhirTestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** The oxycodone draft beside the fixture's alprazolam order, changed by `change`, all read from a FHIR server that honours `status`. */
  async function viaServer(change: (alprazolam: Record<string, any>) => Record<string, any>): Promise<{ topics: string[]; calls: string[] }> {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const alprazolam = body.prefetch.medicationRequests.entry[0].resource;
    body.prefetch.medicationRequests.entry = [];
    server = await startFhirTestServer([...prefetchResources(body), change(structuredClone(alprazolam)) as Resource]);
    const res = await request(t.app).post(ORDER_SIGN).send({ ...body, prefetch: {}, fhirServer: server.baseUrl, fhirAuthorization: AUTH });
    return { topics: topics(expectConformant(res.body)), calls: server.calls.map((c) => c.url) };
  }

  it('an alprazolam order on hold during the admission (the patient still holds a supply) meets the opioid', async () => {
    const { topics: shown, calls } = await viaServer((a) => ({ ...a, status: 'on-hold' }));
    expect(calls.find((u) => u.startsWith('/fhir/MedicationRequest?'))).toContain('status=active,on-hold,unknown');
    expect(shown).toContain('opioid-benzodiazepine');
  });

  it('an alprazolam order of unknown status meets the opioid', async () => {
    expect((await viaServer((a) => ({ ...a, status: 'unknown' }))).topics).toContain('opioid-benzodiazepine');
  });

  it('an alprazolam statement the patient intends to take meets the opioid', async () => {
    const { topics: shown, calls } = await viaServer((a) => ({
      resourceType: 'MedicationStatement',
      id: 'intended-alprazolam',
      status: 'intended',
      subject: a.subject,
      medicationCodeableConcept: a.medicationCodeableConcept,
    }));
    expect(calls.find((u) => u.startsWith('/fhir/MedicationStatement?'))).toContain('status=active,intended,on-hold,unknown');
    expect(shown).toContain('opioid-benzodiazepine');
  });

  it('a stopped one is still not asked for, nor counted', async () => {
    expect((await viaServer((a) => ({ ...a, status: 'stopped' }))).topics).not.toContain('opioid-benzodiazepine');
  });
});

