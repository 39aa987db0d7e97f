// MAX_JSON_DEPTH bounds the FHIR server's answers as it bounds request bodies (the README says so): an
// operator who lowers it gets the lower limit on both. The FHIR reads kept their own fixed 64, whatever
// the setting said.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { ORDER_SIGN, createTestApp, expectConformant, fixture } from '../support/test-app.ts';

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A FHIR server answering the medication search with the fixture's own page plus an extension nested 30 deep. */
async function serverWithNestedAnswer(page: Record<string, any>): Promise<string> {
  const nested = `${'['.repeat(29)}{"leaf":true}${']'.repeat(29)}`;
  const text = JSON.stringify({ ...page, meta: { tag: [{ code: '@@nested@@' }] } }).replace('"@@nested@@"', nested);
  server = await startLoopbackServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    res.end(req.url?.startsWith('/fhir/MedicationRequest?') ? text : JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: [] }));
  });
  return `${server.base}/fhir`;
}

async function checkWith(env: Record<string, string>): Promise<string[]> {
  const loaded = loadConfig({ LOG_LEVEL: 'silent', CDS_AUTH: 'off', ...env });
  if (!loaded.ok) {
    throw new Error(loaded.errors.join('; '));
  }
  const t = await createTestApp({ config: { maxJsonDepth: loaded.value.maxJsonDepth, fhir: loaded.value.fhir } });
  const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
  const base = await serverWithNestedAnswer(body.prefetch.medicationRequests);
  delete body.prefetch.medicationRequests;
  const res = await request(t.app).post(ORDER_SIGN).send({ ...body, fhirServer: base, fhirAuthorization: { access_token: 'x', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'cds' } });
  expect([200, 412]).toContain(res.status);
  if (res.status === 412) {
    return [JSON.stringify(res.body)];
  }
  return expectConformant(res.body).map((c) => `${c.source.topic?.code ?? ''}: ${c.detail ?? ''}`);
}

describe('MAX_JSON_DEPTH and the FHIR server', () => {
  it('an answer nested 30 deep is read under the default limit (64)', async () => {
    const cards = await checkWith({});
    expect(cards.join('\n')).not.toMatch(/nested more than/);
    expect(cards.some((c) => c.startsWith('opioid-benzodiazepine'))).toBe(true);
  });

  it('with MAX_JSON_DEPTH=16 the same answer is a failed read, named with the setting\'s limit', async () => {
    const cards = await checkWith({ MAX_JSON_DEPTH: '16' });
    expect(cards.join('\n')).toMatch(/nested more than 16 levels deep/);
  });
});
