// What came for a prefetch key must be what its template asked for, and about this patient (CDS Hooks
// 2.0: the service checks prefetched data against its template). Before, a Patient, a Bundle of
// Observations or a transaction response sent for the medication list read as "no active medications":
// 200 with no cards and no word that the check was incomplete. Records of another patient were counted
// as this patient's.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { startFhirTestServer } from '../support/fhir-test-server.ts';
import type { FhirTestServer } from '../support/fhir-test-server.ts';
import { ORDER_SIGN, createTestApp, expectConformant, fixture, prefetchResources, topics } from '../support/test-app.ts';

const AUTH = { access_token: 'test-access-token', token_type: 'Bearer' };
const FIXTURE = 'order-sign/opioid-draft-with-active-benzodiazepine.json';

let server: FhirTestServer | undefined;
let plain: http.Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (plain) {
    plain.closeAllConnections();
    await new Promise((resolve) => plain!.close(resolve));
    plain = undefined;
  }
});

function withoutServer(body: Record<string, any>): Record<string, any> {
  delete body.fhirServer;
  delete body.fhirAuthorization;
  return body;
}

const WRONG_MEDICATION_LISTS: [string, (body: Record<string, any>) => unknown][] = [
  ['a Patient', (b) => b.prefetch.patient],
  ['a Bundle of Observations', () => ({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'x' } } }] })],
  ['an empty transaction response', () => ({ resourceType: 'Bundle', type: 'transaction-response', entry: [] })],
  ['a single MedicationRequest instead of a search result', (b) => b.prefetch.medicationRequests.entry[0].resource],
];

describe('prefetch that is not what its template asked for', () => {
  for (const [label, wrong] of WRONG_MEDICATION_LISTS) {
    it(`the required medication list sent as ${label}, no FHIR server: 412 naming the mismatch, not "no medications"`, async () => {
      const t = await createTestApp();
      const body = withoutServer(fixture(FIXTURE));
      body.prefetch.medicationRequests = wrong(body);
      const res = await request(t.app).post(ORDER_SIGN).send(body);
      expect(res.status).toBe(412);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue[0].details.text).toMatch(/medicationRequests.*something other than what was asked for/);
    });
  }

  it('the medication list sent as a Bundle of Patients is fetched from the FHIR server instead, which finds the interaction', async () => {
    const t = await createTestApp();
    const body = fixture(FIXTURE);
    server = await startFhirTestServer(prefetchResources(body));
    body.fhirServer = server.baseUrl;
    body.fhirAuthorization = AUTH;
    body.prefetch.medicationRequests = { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: body.prefetch.patient }] };
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
    expect(server.calls.map((c) => c.url.split('?')[0])).toEqual(['/fhir/MedicationRequest']);
  });

  it('an optional key sent as the wrong kind of data tells the clinician the check is incomplete', async () => {
    const t = await createTestApp();
    const body = withoutServer(fixture(FIXTURE));
    body.prefetch.conditions = body.prefetch.patient;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    const cards = expectConformant(res.body);
    expect(topics(cards)).toContain('opioid-benzodiazepine');
    expect(cards.find((c) => c.source.topic?.code === 'check-incomplete')?.detail).toMatch(/conditions/);
  });

  it('a medication list with an included Medication is used as before', async () => {
    const t = await createTestApp();
    const body = withoutServer(fixture(FIXTURE));
    const order = body.prefetch.medicationRequests.entry[0].resource;
    const concept = order.medicationCodeableConcept;
    delete order.medicationCodeableConcept;
    order.medicationReference = { reference: 'Medication/included-alprazolam' };
    body.prefetch.medicationRequests.entry.push({ resource: { resourceType: 'Medication', id: 'included-alprazolam', code: concept }, search: { mode: 'include' } });
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    expect(topics(expectConformant(res.body)).sort()).toEqual(['naloxone-co-prescribe', 'opioid-benzodiazepine']);
  });

  it("the patient key holding another patient's record: the age is not taken from it", async () => {
    const t = await createTestApp();
    const body = withoutServer(fixture(FIXTURE));
    body.prefetch.patient = { ...body.prefetch.patient, id: 'someone-else' };
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    const incomplete = expectConformant(res.body).find((c) => c.source.topic?.code === 'check-incomplete');
    expect(incomplete?.detail).toMatch(/another patient or resource than the one asked for/);
  });
});

// A search result's entries that are not resources were left out without a word: an `entry` that was an
// object instead of a list, an entry without `resource`, a resource without `resourceType`, a mis-cased type,
// or a `total` above what was sent read as "no medications" (no card, no word of an incomplete check).
describe('search results with entries that cannot be read', () => {
  const BROKEN: [string, (list: Record<string, any>) => void][] = [
    ['entry is an object, not a list', (l) => (l.entry = l.entry[0])],
    ['an entry without a resource', (l) => (l.entry[0] = { fullUrl: 'urn:uuid:1' })],
    ['an entry that is null', (l) => (l.entry[0] = null)],
    ['an entry that is a string', (l) => (l.entry[0] = 'x')],
    ['a resource without resourceType', (l) => delete l.entry[0].resource.resourceType],
    ['a mis-cased resourceType beside a readable entry', (l) => {
      l.entry.push({ resource: { ...l.entry[0].resource, id: 'second' } });
      l.entry[0].resource.resourceType = 'Medicationrequest';
    }],
  ];

  it.each(BROKEN)('%s: the clinician is told the check is incomplete', async (_name, breakIt) => {
    const t = await createTestApp();
    const body = withoutServer(fixture(FIXTURE));
    breakIt(body.prefetch.medicationRequests);
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    const cards = expectConformant(res.body);
    expect(cards.find((c) => c.source.topic?.code === 'check-incomplete')?.detail).toMatch(/could not be read as FHIR records/);
  });

  it('a total above the matches sent, with no next page, tells the clinician the check is incomplete', async () => {
    const t = await createTestApp();
    const body = withoutServer(fixture(FIXTURE));
    body.prefetch.medicationRequests = { resourceType: 'Bundle', type: 'searchset', total: 1 };
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    const cards = expectConformant(res.body);
    expect(cards.find((c) => c.source.topic?.code === 'check-incomplete')?.detail).toMatch(/said it found 1 but carried 0/);
  });

  it('a total that matches what was sent adds nothing, and the warning stands', async () => {
    const t = await createTestApp();
    const body = withoutServer(fixture(FIXTURE));
    const list = body.prefetch.medicationRequests;
    list.total = list.entry.filter((e: any) => e.resource.resourceType === 'MedicationRequest').length;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    const cards = expectConformant(res.body);
    expect(topics(cards).sort()).toEqual(['naloxone-co-prescribe', 'opioid-benzodiazepine']);
  });

  it('the same from the FHIR server: an entry without a resource in its search result is named, not read as nothing', async () => {
    const t = await createTestApp();
    const body = fixture(FIXTURE);
    const broken = { resourceType: 'Bundle', type: 'searchset', entry: [{ fullUrl: 'urn:uuid:1' }] };
    plain = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify(broken));
    });
    await new Promise<void>((resolve) => plain!.listen(0, '127.0.0.1', resolve));
    body.fhirServer = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/fhir`;
    body.fhirAuthorization = AUTH;
    delete body.prefetch.medicationRequests;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    expect(expectConformant(res.body).find((c) => c.source.topic?.code === 'check-incomplete')?.detail).toMatch(/could not be read as FHIR records/);
  });
});

// Records are kept once per type and id; a second record with the same id and other content was dropped
// without a word, so a lisinopril order sent with the alprazolam order's id hid the benzodiazepine.
describe('different records with one id', () => {
  it('keeps both, so the benzodiazepine still warns, and tells the clinician the ids clash', async () => {
    const t = await createTestApp();
    const body = withoutServer(fixture(FIXTURE));
    const list = body.prefetch.medicationRequests;
    const benzo = list.entry.find((e: any) => /alprazolam/i.test(JSON.stringify(e.resource.medicationCodeableConcept ?? '')));
    expect(benzo).toBeDefined();
    // RxNorm codes as listed in fixtures/README.md.
    const lisinopril = { ...benzo.resource, medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '314076', display: 'Lisinopril 10 MG Oral Tablet' }], text: 'Lisinopril 10 MG Oral Tablet' } };
    list.entry.unshift({ resource: lisinopril });
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    const cards = expectConformant(res.body);
    expect(topics(cards)).toContain('opioid-benzodiazepine');
    expect(cards.find((c) => c.source.topic?.code === 'check-incomplete')?.detail).toMatch(/different records came with this one id/);
  });

  it('the same record sent twice is one record, with nothing to tell', async () => {
    const t = await createTestApp();
    const body = withoutServer(fixture(FIXTURE));
    const list = body.prefetch.medicationRequests;
    list.entry.push(structuredClone(list.entry[0]));
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    const cards = expectConformant(res.body);
    expect(topics(cards).sort()).toEqual(['naloxone-co-prescribe', 'opioid-benzodiazepine']);
  });

  it('the same record sent again with other meta or narrative is one record, with nothing to tell', async () => {
    const t = await createTestApp();
    const body = withoutServer(fixture(FIXTURE));
    const list = body.prefetch.medicationRequests;
    const again = structuredClone(list.entry[0]);
    again.resource.meta = { versionId: '7', lastUpdated: '2026-11-20T10:00:00Z' };
    again.resource.text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">order</div>' };
    list.entry.push(again);
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(topics(expectConformant(res.body)).sort()).toEqual(['naloxone-co-prescribe', 'opioid-benzodiazepine']);
  });

  it('one Medication sent in the prefetch and in the draft orders, differing only in meta and status, is no clash', async () => {
    const t = await createTestApp();
    const body = withoutServer(fixture(FIXTURE));
    const med = { resourceType: 'Medication', id: 'm1', code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '308048', display: 'Alprazolam 0.5 MG Oral Tablet' }] } };
    body.prefetch.medicationRequests.entry.push({ resource: { ...med, meta: { versionId: '2' } } });
    body.context.draftOrders.entry.push({ resource: { ...med, status: 'active' } });
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(topics(expectConformant(res.body))).not.toContain('check-incomplete');
  });

  it('two different Medications with one id: the clinician is told a reference to it may mean the other drug', async () => {
    const t = await createTestApp();
    const body = withoutServer(fixture(FIXTURE));
    const med = (display: string, code: string) => ({ resourceType: 'Medication', id: 'm1', code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code, display }] } });
    // RxNorm codes as listed in fixtures/README.md.
    body.prefetch.medicationRequests.entry.push({ resource: med('Alprazolam 0.5 MG Oral Tablet', '308048') });
    body.context.draftOrders.entry.push({ resource: med('Lisinopril 10 MG Oral Tablet', '314076') });
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    const cards = expectConformant(res.body);
    expect(cards.find((c) => c.source.topic?.code === 'check-incomplete')?.detail).toMatch(/two different Medication records came with this id/);
  });
});

describe('records of another patient', () => {
  it("a benzodiazepine of another patient in the medication list is left out, and the clinician told", async () => {
    const t = await createTestApp();
    const body = withoutServer(fixture(FIXTURE));
    body.prefetch.medicationRequests.entry[0].resource.subject = { reference: 'https://ehr.example/fhir/Patient/someone-else' };
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    const cards = expectConformant(res.body);
    expect(topics(cards)).not.toContain('opioid-benzodiazepine');
    expect(cards.find((c) => c.source.topic?.code === 'check-incomplete')?.detail).toMatch(/a record of another patient/);
  });

  it("another patient's record is left out whatever its id looks like (outside FHIR's id syntax, a trailing slash or space, lower-case)", async () => {
    const t = await createTestApp();
    for (const reference of ['Patient/other_patient', 'Patient/other/', 'Patient/other ', `Patient/${'x'.repeat(65)}`, 'patient/other', 'https://ehr.example/fhir/Patient/other_patient/_history/1']) {
      const body = withoutServer(fixture(FIXTURE));
      body.prefetch.medicationRequests.entry[0].resource.subject = { reference };
      const res = await request(t.app).post(ORDER_SIGN).send(body);
      const cards = expectConformant(res.body);
      expect(topics(cards), reference).not.toContain('opioid-benzodiazepine');
      expect(cards.find((c) => c.source.topic?.code === 'check-incomplete')?.detail, reference).toMatch(/a record of another patient/);
    }
  });

  it('a conditional reference, or a Group on a server whose path holds "patient", is not taken for another patient', async () => {
    const t = await createTestApp();
    for (const reference of ['Patient?identifier=https://hospital.example/patient/mrn|123', 'https://ehr.example/patient/fhir/Group/g1']) {
      const body = withoutServer(fixture(FIXTURE));
      body.prefetch.medicationRequests.entry[0].resource.subject = { reference };
      body.context.draftOrders.entry[0].resource.subject = { reference };
      const res = await request(t.app).post(ORDER_SIGN).send(body);
      expect(res.status, reference).toBe(200);
      expect(topics(expectConformant(res.body)).sort(), reference).toEqual(['naloxone-co-prescribe', 'opioid-benzodiazepine']);
    }
  });

  it("this patient's record written loosely (a trailing slash or space, lower-case, percent-encoded) still counts", async () => {
    const t = await createTestApp();
    const id = fixture(FIXTURE).context.patientId as string;
    for (const reference of [`Patient/${id}/`, `Patient/${id} `, `patient/${id}`, `Patient/${encodeURIComponent(id).replace(/-/g, '%2D')}`]) {
      const body = withoutServer(fixture(FIXTURE));
      body.prefetch.medicationRequests.entry[0].resource.subject = { reference };
      const res = await request(t.app).post(ORDER_SIGN).send(body);
      expect(topics(expectConformant(res.body)).sort(), reference).toEqual(['naloxone-co-prescribe', 'opioid-benzodiazepine']);
    }
  });

  it('a version-specific or absolute reference to this patient still counts', async () => {
    const t = await createTestApp();
    const body = withoutServer(fixture(FIXTURE));
    const id = body.context.patientId;
    body.prefetch.medicationRequests.entry[0].resource.subject = { reference: `https://ehr.example/fhir/Patient/${id}/_history/4` };
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(topics(expectConformant(res.body)).sort()).toEqual(['naloxone-co-prescribe', 'opioid-benzodiazepine']);
  });
});

/** A FHIR server that answers every call with the given resource. */
async function answering(resource: unknown): Promise<string> {
  plain = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    res.end(JSON.stringify(resource));
  });
  await new Promise<void>((resolve) => plain!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(plain.address() as AddressInfo).port}/fhir`;
}

describe('FHIR server answers that are not what was asked for', () => {
  const answers: [string, unknown][] = [
    ['a Patient', { resourceType: 'Patient', id: 'test-patient-alpha' }],
    ['a Bundle of Observations', { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'x' } } }] }],
    ['an empty transaction response', { resourceType: 'Bundle', type: 'transaction-response' }],
  ];
  for (const [label, answer] of answers) {
    it(`the medication search answered with ${label}: 412, not "no medications"`, async () => {
      const t = await createTestApp();
      const body = fixture(FIXTURE);
      body.fhirServer = await answering(answer);
      body.fhirAuthorization = AUTH;
      delete body.prefetch.medicationRequests;
      const res = await request(t.app).post(ORDER_SIGN).send(body);
      expect(res.status).toBe(412);
      expect(res.body.issue[0].details.text).toMatch(/medicationRequests/);
    });
  }
});

// A read answered with another resource ends in a gap or a 412 like a failed call, and is counted as one in
// cds_fhir_fallback_duration_seconds (it was counted "ok": the content was judged after the call was reported).
describe('FHIR reads answered with another resource are failed calls in the metrics', () => {
  const practitioner = { resourceType: 'Practitioner', id: 'pr1' };
  const fhirCounts = async (app: Parameters<typeof request>[0]): Promise<string[]> =>
    (await request(app).get('/metrics')).text.split('\n').filter((l) => l.startsWith('cds_fhir_fallback_duration_seconds_count'));

  it('the patient read answered with a Practitioner', async () => {
    const t = await createTestApp();
    const body = fixture(FIXTURE);
    body.fhirServer = await answering(practitioner);
    body.fhirAuthorization = AUTH;
    delete body.prefetch.patient;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect([200, 412]).toContain(res.status);
    expect(JSON.stringify(res.body)).toMatch(/not what was asked for/);
    expect(await fhirCounts(t.app)).toEqual(['cds_fhir_fallback_duration_seconds_count{outcome="error"} 1']);
  });

  it('a Medication read answered with a Practitioner', async () => {
    const t = await createTestApp();
    const body = fixture(FIXTURE);
    body.fhirServer = await answering(practitioner);
    body.fhirAuthorization = AUTH;
    body.prefetch.medicationRequests.entry.push({
      resource: { resourceType: 'MedicationRequest', id: 'by-reference', status: 'active', intent: 'order', subject: { reference: `Patient/${body.context.patientId}` }, medicationReference: { reference: 'Medication/m1' } },
    });
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).toMatch(/returned something else/);
    expect(await fhirCounts(t.app)).toEqual(['cds_fhir_fallback_duration_seconds_count{outcome="error"} 1']);
  });
});
