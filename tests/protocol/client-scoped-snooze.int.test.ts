// Snoozes belong to the client (EHR) that overrode the card. The FHIR server and patient id come from the
// request body, so before this two EHRs with a patient of the same id (or one EHR naming another's server)
// shared a patient key: one EHR's override hid the opioid + benzodiazepine warning from the other for the
// snooze's 90 days. Both EHRs here are trusted clients with their own keys, as in production.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OVERRIDE_REASON_SYSTEM } from '../../src/cards/index.ts';
import { testConfig } from '../../src/config/index.ts';
import { loadRuleSet } from '../../src/engine/index.ts';
import { loadServiceDefinitions } from '../../src/protocol/index.ts';
import { createCdsJwtVerifier, devTrustedClient, generateDevKeys, mintDevToken } from '../../src/security/index.ts';
import type { DevKeys } from '../../src/security/index.ts';
import { createApp, createHttpServer } from '../../src/server/index.ts';
import { createLogger } from '../../src/shared/index.ts';
import { createPatientKeyer, createStore, replayStoreFrom } from '../../src/store/index.ts';
import type { Store } from '../../src/store/index.ts';
import { ORDER_SIGN, TEST_PATIENT_KEY_SECRET, fixtureForPatient } from '../support/test-app.ts';

const BASE = 'http://cds.test';
let store: Store;
let server: http.Server;
let url = '';
let ehrA: DevKeys;
let ehrB: DevKeys;

beforeAll(async () => {
  store = await createStore({ flushIntervalMs: 20, logger: createLogger('silent') });
  ehrA = await generateDevKeys('https://ehr-a.example');
  ehrB = await generateDevKeys('https://ehr-b.example');
  const verifier = await createCdsJwtVerifier({ clients: [devTrustedClient(ehrA), devTrustedClient(ehrB)], replayStore: replayStoreFrom(store) });
  const config = testConfig({ publicBaseUrl: BASE });
  const services = await loadServiceDefinitions(config.servicesDir);
  const rules = await loadRuleSet(config.rulesDir);
  if (!services.ok || !rules.ok) throw new Error('could not load the services or rules');
  const ruleSet = rules.value;
  const app = createApp({
    config,
    logger: createLogger('silent'),
    services: services.value,
    auth: { mode: 'required', verifier, issuers: [ehrA.iss, ehrB.iss] },
    ruleSet: () => ruleSet,
    store,
    patientKey: createPatientKeyer(TEST_PATIENT_KEY_SECRET),
  });
  server = createHttpServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await store.close();
});

async function call(keys: DevKeys, path: string, body: unknown, tenant?: string): Promise<{ status: number; body: any }> {
  const token = await mintDevToken(keys, BASE + path, { iss: keys.iss, ...(tenant === undefined ? {} : { tenant }) });
  const res = await fetch(url + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

async function sign(keys: DevKeys, patientId: string, tenant?: string): Promise<any[]> {
  const res = await call(keys, ORDER_SIGN, fixtureForPatient('order-sign/opioid-draft-with-active-benzodiazepine.json', patientId), tenant);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.cards;
}


async function override(keys: DevKeys, cardUuid: string, tenant?: string): Promise<number> {
  const res = await call(keys, `${ORDER_SIGN}/feedback`, {
    feedback: [{ card: cardUuid, outcome: 'overridden', outcomeTimestamp: new Date().toISOString(), overrideReason: { reason: { system: OVERRIDE_REASON_SYSTEM, code: 'benefits-outweigh-risks' } } }],
  }, tenant);
  return res.status;
}

const topicsOf = (cards: any[]): string[] => cards.map((c) => c.source.topic.code).sort();
const warning = (cards: any[]): any => cards.find((c) => c.source.topic.code === 'opioid-benzodiazepine');

describe('snoozes are scoped to the calling client', () => {
  it("one EHR's override of its own patient's card does not hide the warning from another EHR with a patient of the same id and server", async () => {
    const a = await sign(ehrA, 'shared-id-1');
    expect(await override(ehrA, warning(a).uuid)).toBe(200);
    expect(topicsOf(await sign(ehrA, 'shared-id-1'))).not.toContain('opioid-benzodiazepine'); // snoozed for A
    expect(topicsOf(await sign(ehrB, 'shared-id-1'))).toContain('opioid-benzodiazepine'); // still shown to B
  });

  it("feedback naming another EHR's card snoozes nothing", async () => {
    const b = await sign(ehrB, 'shared-id-2');
    expect(await override(ehrA, warning(b).uuid)).toBe(200);
    expect(topicsOf(await sign(ehrB, 'shared-id-2'))).toContain('opioid-benzodiazepine');
    expect(await store.listSnoozes({ cardUuid: warning(b).uuid, limit: 1 })).toEqual([]);
  });

  // Tenants of one issuer (one EHR vendor hosting several hospitals) are separate clients: their snoozes
  // are keyed apart, and a card issued to one tenant cannot be snoozed by another that learned its uuid.
  it("feedback from another tenant of the same issuer snoozes nothing", async () => {
    const h1 = await sign(ehrA, 'shared-id-3', 'hospital-1');
    expect(await override(ehrA, warning(h1).uuid, 'hospital-2')).toBe(200);
    expect(await store.listSnoozes({ cardUuid: warning(h1).uuid, limit: 1 })).toEqual([]);
    expect(topicsOf(await sign(ehrA, 'shared-id-3', 'hospital-1'))).toContain('opioid-benzodiazepine');
    // Nor by the issuer without a tenant claim.
    expect(await override(ehrA, warning(h1).uuid)).toBe(200);
    expect(await store.listSnoozes({ cardUuid: warning(h1).uuid, limit: 1 })).toEqual([]);
  });

  it("a tenant's override of its own card snoozes it for that tenant only", async () => {
    const h1 = await sign(ehrA, 'shared-id-4', 'hospital-1');
    expect(await override(ehrA, warning(h1).uuid, 'hospital-1')).toBe(200);
    expect(await store.listSnoozes({ cardUuid: warning(h1).uuid, limit: 1 })).toHaveLength(1);
    expect(topicsOf(await sign(ehrA, 'shared-id-4', 'hospital-1'))).not.toContain('opioid-benzodiazepine');
    expect(topicsOf(await sign(ehrA, 'shared-id-4', 'hospital-2'))).toContain('opioid-benzodiazepine');
  });

  it("another client's feedback on a card counts in no rule's numbers: stored as feedback for a card unknown to it", async () => {
    const cards = await sign(ehrA, 'stats-1', 'hospital-1');
    const card = warning(cards);
    const overridden = async () => (await store.ruleStats(new Date('2000-01-01'), new Date('2100-01-01'))).find((r) => r.ruleId === 'opioid-benzodiazepine')?.overridden ?? 0;
    const before = await overridden();
    // Another tenant of the same issuer, and another issuer, both with the card's uuid.
    expect(await override(ehrA, card.uuid, 'hospital-2')).toBe(200);
    expect(await override(ehrB, card.uuid)).toBe(200);
    expect(await overridden()).toBe(before);
    // The client it was issued to: counted.
    expect(await override(ehrA, card.uuid, 'hospital-1')).toBe(200);
    expect(await overridden()).toBe(before + 1);
  });
});
