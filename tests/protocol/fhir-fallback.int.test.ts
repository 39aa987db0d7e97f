import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { startFhirTestServer } from '../support/fhir-test-server.ts';
import type { FhirTestServer } from '../support/fhir-test-server.ts';
import { ORDER_SIGN, createTestApp, expectConformant, fixture, fixtureNames, prefetchResources, topics } from '../support/test-app.ts';

const AUTH = { access_token: 'test-access-token', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'cds-service' };

let server: FhirTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The same request without prefetch, pointing at a FHIR server that holds what the prefetch held. */
async function viaServer(body: Record<string, any>, keep: string[] = []): Promise<Record<string, any>> {
  server = await startFhirTestServer(prefetchResources(body));
  const prefetch = Object.fromEntries(Object.entries(body.prefetch ?? {}).filter(([k]) => keep.includes(k)));
  return { ...body, prefetch, fhirServer: server.baseUrl, fhirAuthorization: AUTH };
}

describe('FHIR-server fallback (absent prefetch keys)', () => {
  for (const name of fixtureNames('order-sign').filter((n) => !n.includes('prefetch-null'))) {
    it(`gives the same cards via the FHIR server as via prefetch for ${name}`, async () => {
      const t = await createTestApp();
      const body = fixture(`order-sign/${name}`);
      const viaPrefetch = await request(t.app).post(ORDER_SIGN).send(body);
      const fallback = await request(t.app).post(ORDER_SIGN).send(await viaServer(body));
      expect(fallback.status).toBe(200);
      expect(topics(expectConformant(fallback.body))).toEqual(topics(expectConformant(viaPrefetch.body)));
    });
  }

  it('fetches every absent key with the fhirAuthorization bearer token', async () => {
    const t = await createTestApp();
    const body = await viaServer(fixture('order-sign/opioid-draft-with-active-benzodiazepine.json'));
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
    const paths = server!.calls.map((c) => c.url.split('?')[0]).sort();
    expect(paths).toEqual(
      ['/fhir/Condition', '/fhir/MedicationAdministration', '/fhir/MedicationDispense', '/fhir/MedicationRequest', '/fhir/MedicationStatement', `/fhir/Patient/${body.context.patientId}`].sort()
    );
    expect(server!.calls.every((c) => c.authorization === 'Bearer test-access-token')).toBe(true);
    expect(server!.calls.find((c) => c.url.startsWith('/fhir/MedicationRequest'))!.url).toContain(`patient=${body.context.patientId}`);
  });

  it('never re-queries a key the EHR sent as null', async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-prefetch-null.json');
    server = await startFhirTestServer(prefetchResources(body));
    const res = await request(t.app).post(ORDER_SIGN).send({ ...body, fhirServer: server.baseUrl, fhirAuthorization: AUTH });
    expect(res.status).toBe(200);
    expect(server.calls).toEqual([]);
  });

  it('follows next links across pages and finds a benzodiazepine on a later page', async () => {
    const t = await createTestApp({ config: { fhir: { budgetMs: 5000, requestTimeoutMs: 2000, maxPages: 10, allowedServers: [] } } });
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const filler = Array.from({ length: 4 }, (_, i) => ({
      resourceType: 'MedicationRequest',
      id: `filler-${i}`,
      status: 'active',
      intent: 'order',
      subject: { reference: `Patient/${body.context.patientId}` },
      medicationCodeableConcept: { text: 'Lisinopril 10 MG Oral Tablet' },
    }));
    body.prefetch.medicationRequests.entry.unshift(...filler.map((resource) => ({ resource })));
    const sent = await viaServer(body);
    server!.pageSize = 1;
    const res = await request(t.app).post(ORDER_SIGN).send(sent);
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
    expect(server!.calls.filter((c) => c.url.startsWith('/fhir/MedicationRequest')).length).toBeGreaterThan(2);
  });

  it('stops at the page cap and tells the clinician the check is incomplete', async () => {
    const t = await createTestApp({ config: { fhir: { budgetMs: 5000, requestTimeoutMs: 2000, maxPages: 1, allowedServers: [] } } });
    const body = fixture('order-sign/opioid-draft-no-benzodiazepine.json');
    body.prefetch.medicationRequests.entry.push(
      { resource: { resourceType: 'MedicationRequest', id: 'x1', status: 'active', intent: 'order', subject: { reference: `Patient/${body.context.patientId}` }, medicationCodeableConcept: { text: 'Metformin 500 MG Oral Tablet' } } },
      { resource: { resourceType: 'MedicationRequest', id: 'x2', status: 'active', intent: 'order', subject: { reference: `Patient/${body.context.patientId}` }, medicationCodeableConcept: { text: 'Atorvastatin 20 MG Oral Tablet' } } }
    );
    const sent = await viaServer(body);
    server!.pageSize = 1;
    const res = await request(t.app).post(ORDER_SIGN).send(sent);
    const cards = expectConformant(res.body);
    expect(topics(cards)).toEqual(['check-incomplete']);
    expect(cards[0]!.detail).toMatch(/active medication orders/);
    expect(cards[0]!.detail).toMatch(/pages/);
  });

  it('follows next links of a paginated prefetch Bundle with the token', async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    server = await startFhirTestServer(prefetchResources(body));
    server.pageSize = 1;
    const first = await fetch(`${server.baseUrl}/MedicationRequest?patient=${body.context.patientId}&status=active`).then((r) => r.json());
    const benzoOnFirstPage = JSON.stringify(first).toLowerCase().includes('alprazolam');
    body.prefetch.medicationRequests = first;
    const res = await request(t.app).post(ORDER_SIGN).send({ ...body, fhirServer: server.baseUrl, fhirAuthorization: AUTH });
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
    if (!benzoOnFirstPage) {
      expect(server.calls.some((c) => c.url.includes('_offset=') && c.authorization === 'Bearer test-access-token')).toBe(true);
    }
  });

  it('reads a referenced Medication from the FHIR server when it is neither contained nor bundled', async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-no-benzodiazepine.json');
    const medication = { resourceType: 'Medication', id: 'alpz', code: { text: 'Alprazolam 0.5 MG Oral Tablet' } };
    body.prefetch.medicationRequests.entry.push({
      resource: { resourceType: 'MedicationRequest', id: 'benzo-ref', status: 'active', intent: 'order', subject: { reference: `Patient/${body.context.patientId}` }, medicationReference: { reference: 'Medication/alpz' } },
    });
    server = await startFhirTestServer([medication as any]);
    const res = await request(t.app).post(ORDER_SIGN).send({ ...body, fhirServer: server.baseUrl, fhirAuthorization: AUTH });
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
    expect(server.calls.map((c) => c.url)).toEqual(['/fhir/Medication/alpz']);
  });
});

describe('412 and incomplete checks when data cannot be had', () => {
  it('answers 412 with an OperationOutcome when the required medication list is absent and there is no FHIR server', async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    delete body.prefetch.medicationRequests;
    delete body.fhirServer;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(412);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].details.text).toMatch(/active medication orders/);
  });

  it('answers 412 when the EHR sent an OperationOutcome for the required key and there is no server', async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    body.prefetch.medicationRequests = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'timeout' }] };
    delete body.fhirServer;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(412);
    expect(res.body.issue[0].details.text).toMatch(/reported an error/);
  });

  it('re-fetches a key the EHR reported as an OperationOutcome when a FHIR server is available', async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    server = await startFhirTestServer(prefetchResources(body));
    body.prefetch.medicationRequests = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'timeout' }] };
    const res = await request(t.app).post(ORDER_SIGN).send({ ...body, fhirServer: server.baseUrl, fhirAuthorization: AUTH });
    expect(res.status).toBe(200);
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
  });

  /** A searchset whose search failed: the server says so in an OperationOutcome entry, inside a 200. */
  const failedSearch = (severity: string) => ({
    resourceType: 'Bundle',
    type: 'searchset',
    entry: [{ search: { mode: 'outcome' }, resource: { resourceType: 'OperationOutcome', issue: [{ severity, code: 'too-costly' }] } }],
  });

  it('treats a prefetched Bundle that reports a failed search as an error, not as "no medications": 412 without a server', async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    body.prefetch.medicationRequests = failedSearch('error');
    delete body.fhirServer;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(412);
    expect(res.body.issue[0].details.text).toMatch(/reported an error/);
  });

  it('re-fetches a key whose prefetched Bundle reports a failed search, and finds the interaction', async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    server = await startFhirTestServer(prefetchResources(body));
    body.prefetch.medicationRequests = failedSearch('fatal');
    const res = await request(t.app).post(ORDER_SIGN).send({ ...body, fhirServer: server.baseUrl, fhirAuthorization: AUTH });
    expect(res.status).toBe(200);
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
    expect(server.calls.some((c) => c.url.startsWith('/fhir/MedicationRequest'))).toBe(true);
  });

  it('tells the clinician when an optional key came as a failed search, and reads a Bundle whose outcome is only a warning', async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    body.prefetch.conditions = failedSearch('error');
    delete body.fhirServer;
    const failed = await request(t.app).post(ORDER_SIGN).send(body);
    expect(failed.status).toBe(200);
    const incomplete = expectConformant(failed.body).find((c) => c.source.topic?.code === 'check-incomplete');
    expect(incomplete?.detail).toMatch(/conditions/);
    // A warning (e.g. a search parameter the server ignored) does not make the data unusable.
    const warned = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    warned.prefetch.medicationRequests.entry.push({ search: { mode: 'outcome' }, resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'informational' }] } });
    delete warned.fhirServer;
    const ok = await request(t.app).post(ORDER_SIGN).send(warned);
    expect(ok.status).toBe(200);
    expect(topics(expectConformant(ok.body))).toContain('opioid-benzodiazepine');
  });

  it('never calls a FHIR server the EHR gave no access token for: 412 for required data, and no call made', async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    server = await startFhirTestServer(prefetchResources(body));
    delete body.prefetch.medicationRequests;
    const res = await request(t.app).post(ORDER_SIGN).send({ ...body, fhirServer: server.baseUrl });
    expect(res.status).toBe(412);
    expect(res.body.issue[0].details.text).toMatch(/gave no access token/);
    expect(server.calls).toEqual([]);
  });

  it('with https required (production), never sends the access token to an http FHIR server', async () => {
    const t = await createTestApp({ config: { fhir: { requireHttps: true } } });
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    server = await startFhirTestServer(prefetchResources(body));
    delete body.prefetch.medicationRequests;
    const res = await request(t.app).post(ORDER_SIGN).send({ ...body, fhirServer: server.baseUrl, fhirAuthorization: AUTH });
    expect(res.status).toBe(412);
    expect(res.body.issue[0].details.text).toMatch(/not https/);
    expect(server.calls).toEqual([]);
  });

  it('continues without optional data and adds an info card naming what could not be checked', async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    delete body.prefetch.conditions;
    delete body.fhirServer;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    const cards = expectConformant(res.body);
    expect(topics(cards)).toContain('check-incomplete');
    expect(topics(cards)).toContain('opioid-benzodiazepine');
    const incomplete = cards.find((c) => c.source.topic?.code === 'check-incomplete')!;
    expect(incomplete.indicator).toBe('info');
    expect(incomplete.detail).toMatch(/conditions/);
  });

  it('answers 412 when the FHIR server fails', async () => {
    const t = await createTestApp();
    const body = await viaServer(fixture('order-sign/opioid-draft-with-active-benzodiazepine.json'));
    server!.failWithStatus = 503;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(412);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('answers 412 instead of hanging when the FHIR server stalls beyond the budget', async () => {
    const t = await createTestApp({ config: { fhir: { budgetMs: 300, requestTimeoutMs: 200, maxPages: 5, allowedServers: [] } } });
    const body = await viaServer(fixture('order-sign/opioid-draft-with-active-benzodiazepine.json'));
    server!.delayMs = 5_000;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(412);
    expect(res.body.issue[0].details.text).toMatch(/in time/);
  });

  it('does not call a FHIR server outside the configured allowlist', async () => {
    const t = await createTestApp({ config: { fhir: { budgetMs: 2000, requestTimeoutMs: 1000, maxPages: 5, allowedServers: ['https://ehr.hospital.test/fhir'] } } });
    const body = await viaServer(fixture('order-sign/opioid-draft-with-active-benzodiazepine.json'));
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(412);
    expect(res.body.issue[0].details.text).toMatch(/allowlist/);
    expect(server!.calls).toEqual([]);
  });

  it('tells the clinician when a referenced medication cannot be identified', async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-no-benzodiazepine.json');
    delete body.fhirServer;
    body.prefetch.medicationRequests.entry.push({
      resource: { resourceType: 'MedicationRequest', id: 'unknown-ref', status: 'active', intent: 'order', subject: { reference: `Patient/${body.context.patientId}` }, medicationReference: { reference: 'Medication/not-here' } },
    });
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    const cards = expectConformant(res.body);
    expect(topics(cards)).toEqual(['check-incomplete']);
    expect(cards[0]!.detail).toMatch(/Medication\/not-here/);
  });
});
