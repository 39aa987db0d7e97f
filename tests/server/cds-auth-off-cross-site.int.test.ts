// With CDS_AUTH=off (development), /cds-services had CORS * and no other guard (security review finding B):
// any page open in the developer's browser could post hook calls (making the service call an intranet
// address given as fhirServer, and read a yes/no from the answer) and feedback (making snoozes). Now, as the
// admin API with its auth off, a change sent from another site, or to a Host that is not loopback or
// PUBLIC_BASE_URL's (DNS rebinding), is refused with 403. Curl, scripts and supertest (no Origin) are not
// affected, nor, with authentication on, browser-based EHR apps (CORS and a JWT).
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OVERRIDE_REASON_SYSTEM } from '../../src/cards/index.ts';
import { createCdsJwtVerifier, createMemoryReplayStore, devTrustedClient, generateDevKeys, mintDevToken } from '../../src/security/index.ts';
import type { DevKeys } from '../../src/security/index.ts';
import type { ServiceStore } from '../../src/store/index.ts';
import { createStore } from '../../src/store/index.ts';
import { startFhirTestServer } from '../support/fhir-test-server.ts';
import type { FhirTestServer } from '../support/fhir-test-server.ts';
import { ORDER_SIGN, createTestApp, expectConformant, fixtureForPatient, issuedCard, openAppWithStore, prefetchResources } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

const FEEDBACK = `${ORDER_SIGN}/feedback`;
const RULE = 'opioid-benzodiazepine';
const DRAFT = 'order-sign/opioid-draft-with-active-benzodiazepine.json';
const EVIL = { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' };
const REBINDING = { Host: 'rebind.attacker.example:8080', Origin: 'http://rebind.attacker.example:8080', 'Sec-Fetch-Site': 'same-origin' };

/** The snoozing override the README describes: benefits outweigh risks. */
function override(cardUuid: string | undefined): Record<string, unknown> {
  return { feedback: [{ card: cardUuid, outcome: 'overridden', outcomeTimestamp: new Date().toISOString(), overrideReason: { reason: { system: OVERRIDE_REASON_SYSTEM, code: 'benefits-outweigh-risks' } } }] };
}

function expectRefused(res: request.Response, echoed: readonly string[]): void {
  expect(res.status).toBe(403);
  expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
  expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', id: 'forbidden', issue: [{ severity: 'error', code: 'forbidden' }] });
  expect(res.body.cards).toBeUndefined();
  for (const text of echoed) {
    expect(res.text).not.toContain(text);
  }
}

describe('CDS_AUTH=off: hook calls and feedback from another site are refused', () => {
  let store: ServiceStore;
  let t: TestApp;
  let fhir: FhirTestServer | undefined;
  beforeAll(async () => ({ store, t } = await openAppWithStore()));
  afterAll(async () => {
    await fhir?.close();
    await store.close();
  });

  /** The draft for `patientId` without its medications in prefetch: the service would read them from `fhirServer`. */
  async function viaFhirServer(patientId: string): Promise<Record<string, any>> {
    const body = fixtureForPatient(DRAFT, patientId);
    fhir ??= await startFhirTestServer(prefetchResources(body));
    const sent = { ...body, prefetch: { ...body.prefetch }, fhirServer: fhir.baseUrl, fhirAuthorization: { access_token: 'x', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'cds' } };
    delete sent.prefetch.medicationRequests;
    return sent;
  }

  it('refuses a cross-site hook call with 403 and an OperationOutcome, before the service calls the fhirServer it names', async () => {
    const body = await viaFhirServer('xs-hook');
    const before = fhir!.calls.length;
    const res = await request(t.app).post(ORDER_SIGN).set(EVIL).send(body);
    expectRefused(res, ['xs-hook', fhir!.baseUrl, 'evil.example']);
    expect(fhir!.calls.length).toBe(before);
    // Without an Origin (curl, scripts) the same call is answered, and the FHIR server is read.
    const direct = await request(t.app).post(ORDER_SIGN).send(body);
    expect(direct.status).toBe(200);
    expect(fhir!.calls.length).toBeGreaterThan(before);
  });

  it('refuses every cross-site signal: Sec-Fetch-Site alone (a form post), a foreign Origin alone, Origin null', async () => {
    for (const headers of [{ 'Sec-Fetch-Site': 'cross-site' }, { 'Sec-Fetch-Site': 'same-site' }, { Origin: 'https://evil.example' }, { Origin: 'null' }]) {
      expectRefused(await request(t.app).post(ORDER_SIGN).set(headers).send(fixtureForPatient(DRAFT, 'xs-signal')), ['xs-signal']);
    }
  });

  it('refuses cross-site feedback: no snooze is made', async () => {
    const card = await issuedCard(t.app, 'xs-feedback', RULE);
    const res = await request(t.app).post(FEEDBACK).set(EVIL).send(override(card.uuid));
    expectRefused(res, [card.uuid!]);
    expect(await store.listSnoozes({ cardUuid: card.uuid! })).toEqual([]);
    // From this origin the same feedback is taken and snoozes the card.
    const same = await request(t.app).post(FEEDBACK).set({ Host: 'localhost:8080', Origin: 'http://localhost:8080', 'Sec-Fetch-Site': 'same-origin' }).send(override(card.uuid));
    expect(same.status).toBe(200);
    expect(await store.listSnoozes({ cardUuid: card.uuid! })).toHaveLength(1);
  });

  it('answers calls from this origin, from the browser address bar (Sec-Fetch-Site: none) and without an Origin', async () => {
    for (const headers of [{ Host: 'localhost:8080', Origin: 'http://localhost:8080', 'Sec-Fetch-Site': 'same-origin' }, { 'Sec-Fetch-Site': 'none' }, {}]) {
      const res = await request(t.app).post(ORDER_SIGN).set(headers).send(fixtureForPatient(DRAFT, 'xs-same'));
      expect(res.status).toBe(200);
      expect(expectConformant(res.body).length).toBeGreaterThan(0);
    }
  });

  it('refuses a DNS-rebinding page (its own name as Host, same-origin to the browser) as the admin API does', async () => {
    const res = await request(t.app).post(ORDER_SIGN).set(REBINDING).send(fixtureForPatient(DRAFT, 'xs-rebind'));
    expectRefused(res, ['xs-rebind', 'rebind.attacker.example']);
    expect(res.body.issue[0].details.text).toMatch(/localhost, 127\.0\.0\.1, \[::1\] or the host of PUBLIC_BASE_URL/);
    const card = await issuedCard(t.app, 'xs-rebind-feedback', RULE);
    expectRefused(await request(t.app).post(FEEDBACK).set(REBINDING).send(override(card.uuid)), [card.uuid!]);
    expect(await store.listSnoozes({ cardUuid: card.uuid! })).toEqual([]);
    // Discovery is public (and readable by any page through CORS * anyway): reads pass.
    expect((await request(t.app).get('/cds-services').set(REBINDING)).status).toBe(200);
  });

  it('answers at the host of PUBLIC_BASE_URL', async () => {
    const other = await createTestApp({ config: { publicBaseUrl: 'https://cds.dev.example' } });
    const res = await request(other.app).post(ORDER_SIGN).set({ Host: 'cds.dev.example', Origin: 'https://cds.dev.example', 'Sec-Fetch-Site': 'same-origin' }).send(fixtureForPatient(DRAFT, 'xs-public'));
    expect(res.status).toBe(200);
  });
});

describe('CDS authentication on: browser-based EHR apps on other sites are unaffected', () => {
  const BASE = 'https://cds.hospital.test';
  let keys: DevKeys;
  let t: TestApp;
  let store: ServiceStore;
  const bearer = async (path: string): Promise<string> => `Bearer ${await mintDevToken(keys, `${BASE}${path}`, { iss: keys.iss })}`;
  beforeAll(async () => {
    keys = await generateDevKeys('https://ehr.hospital.test');
    const verifier = await createCdsJwtVerifier({ clients: [devTrustedClient(keys)], replayStore: createMemoryReplayStore() });
    store = await createStore({ flushIntervalMs: 20 });
    t = await createTestApp({ config: { publicBaseUrl: BASE }, auth: { mode: 'required', verifier, issuers: [keys.iss] }, store });
  });
  afterAll(() => store.close());

  it('answers a cross-site hook call and feedback carrying a valid JWT, at any Host', async () => {
    for (const headers of [EVIL, REBINDING]) {
      const res = await request(t.app)
        .post(ORDER_SIGN)
        .set(headers)
        .set('Authorization', await bearer(ORDER_SIGN))
        .send(fixtureForPatient(DRAFT, `auth-on-${headers.Origin.length}`));
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      const card = expectConformant(res.body).find((c) => c.source.topic?.code === RULE);
      const feedback = await request(t.app).post(FEEDBACK).set(headers).set('Authorization', await bearer(FEEDBACK)).send(override(card?.uuid));
      expect(feedback.status).toBe(200);
      expect(await store.listSnoozes({ cardUuid: card!.uuid! })).toHaveLength(1);
    }
  });
});
