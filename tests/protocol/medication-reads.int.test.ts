// Medications referenced but neither contained nor bundled are read from the EHR's FHIR server: a few at a
// time, at most MAX_MEDICATION_READS per call (hundreds of parallel reads for one order hit the EHR's rate
// limits and opened the circuit breaker for every other call), and only from the EHR's own server (an
// absolute reference to a formulary server resolved to the EHR's Medication with the same id).
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_MEDICATION_READS } from '../../src/patient/load-patient-record.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { ORDER_SIGN, createTestApp, expectConformant, fixture, topics } from '../support/test-app.ts';

const AUTH = { access_token: 'test-access-token', token_type: 'Bearer' };

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Seen {
  urls: string[];
  peak: number;
}

/** A FHIR server that answers every Medication read with the named drug, a little later, counting calls in flight. */
async function medicationServer(name: (id: string) => string): Promise<{ base: string; seen: Seen }> {
  const seen: Seen = { urls: [], peak: 0 };
  let inFlight = 0;
  server = await startLoopbackServer((req, res) => {
    seen.urls.push(req.url ?? '');
    inFlight += 1;
    seen.peak = Math.max(seen.peak, inFlight);
    const id = (req.url ?? '').split('/').pop() ?? '';
    setTimeout(() => {
      inFlight -= 1;
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'Medication', id, code: { text: name(id) } }));
    }, 5);
  });
  return { base: `${server.base}/fhir`, seen };
}

function activeOrder(patientId: string, id: string, reference: string): Record<string, unknown> {
  return { resource: { resourceType: 'MedicationRequest', id, status: 'active', intent: 'order', subject: { reference: `Patient/${patientId}` }, medicationReference: { reference } } };
}

describe('Medications read from the FHIR server', () => {
  it(`reads at most ${MAX_MEDICATION_READS}, a few at a time, and tells the clinician how many more were not read`, async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-no-benzodiazepine.json');
    const { base, seen } = await medicationServer(() => 'Metformin 500 MG Oral Tablet');
    const count = MAX_MEDICATION_READS + 10;
    for (let i = 0; i < count; i++) {
      body.prefetch.medicationRequests.entry.push(activeOrder(body.context.patientId, `ref-${i}`, `Medication/m${i}`));
    }
    const res = await request(t.app).post(ORDER_SIGN).send({ ...body, fhirServer: base, fhirAuthorization: AUTH });
    expect(res.status).toBe(200);
    expect(seen.urls).toHaveLength(MAX_MEDICATION_READS);
    expect(seen.peak).toBeLessThanOrEqual(4);
    const incomplete = expectConformant(res.body).find((c) => c.source.topic?.code === 'check-incomplete');
    expect(incomplete?.detail).toMatch(/10 more referenced medications/);
  });

  it("an absolute reference on the EHR's own server is read and resolved", async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-no-benzodiazepine.json');
    const { base, seen } = await medicationServer(() => 'Alprazolam 0.5 MG Oral Tablet');
    body.prefetch.medicationRequests.entry.push(activeOrder(body.context.patientId, 'abs', `${base}/Medication/alpz`));
    const res = await request(t.app).post(ORDER_SIGN).send({ ...body, fhirServer: base, fhirAuthorization: AUTH });
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
    expect(seen.urls).toEqual(['/fhir/Medication/alpz']);
  });

  it("an absolute reference to another server is not read from the EHR's, nor taken for the EHR's Medication of the same id", async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-no-benzodiazepine.json');
    const { base, seen } = await medicationServer(() => 'Alprazolam 0.5 MG Oral Tablet');
    // The EHR's own Medication/123 (bundled) is a benzodiazepine; the order names a formulary's Medication/123.
    body.prefetch.medicationRequests.entry.push(activeOrder(body.context.patientId, 'abs', 'https://formulary.example/fhir/Medication/123'));
    body.prefetch.medicationRequests.entry.push({ resource: { resourceType: 'Medication', id: '123', code: { text: 'Alprazolam 0.5 MG Oral Tablet' } } });
    const res = await request(t.app).post(ORDER_SIGN).send({ ...body, fhirServer: base, fhirAuthorization: AUTH });
    const cards = expectConformant(res.body);
    expect(topics(cards)).not.toContain('opioid-benzodiazepine');
    expect(seen.urls).toEqual([]);
    expect(cards.find((c) => c.source.topic?.code === 'check-incomplete')?.detail).toMatch(/another FHIR server \(Medication\/123\)/);
  });
});
