// A search whose later page cannot be read: the pages read are checked and the clinician is told the list
// may be incomplete, on the FHIR-server path as on the prefetch path. The server path answered 412 and threw
// away the pages it had (a benzodiazepine on page 1 gave no warning).
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { ORDER_SIGN, createTestApp, expectConformant, fixture, topics } from '../support/test-app.ts';

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('a later page of the medication search cannot be read', () => {
  it('the first page is checked (the interaction on it is found) and the incomplete card says pages are missing', async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const firstPage = body.prefetch.medicationRequests;
    server = await startLoopbackServer((req, res) => {
      if (req.url?.startsWith('/fhir/MedicationRequest?')) {
        res.writeHead(200, { 'content-type': 'application/fhir+json' });
        res.end(JSON.stringify({ ...firstPage, link: [{ relation: 'next', url: `${base}/MedicationRequest/_page?p=2` }] }));
      } else {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('down');
      }
    });
    const base = `${server.base}/fhir`;
    delete body.prefetch.medicationRequests;
    const res = await request(t.app).post(ORDER_SIGN).send({ ...body, fhirServer: base, fhirAuthorization: { access_token: 'x', token_type: 'Bearer' } });
    expect(res.status).toBe(200);
    const cards = expectConformant(res.body);
    expect(topics(cards)).toContain('opioid-benzodiazepine');
    expect(cards.find((c) => c.source.topic?.code === 'check-incomplete')?.detail).toMatch(/only the first pages could be read.*HTTP 503/);
  });
});
