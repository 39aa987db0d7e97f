// CDS Hooks 2.0 makes hookInstance a UUID. A client that sends other text (an id built from the patient's
// record number, say) is still answered, but that text reaches neither the request log nor the audit: a short
// keyed hash stands for it (with the patient key secret: a guessed name cannot be confirmed against the audit
// without it). A UUID, with or without the "urn:uuid:" prefix, is kept as sent.
import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/index.ts';
import { captureLog } from '../support/log-capture.ts';
import { ORDER_SIGN, createTestApp, expectConformant, fixture, topics } from '../support/test-app.ts';

const plainHash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 32);

let store: Store;
beforeEach(async () => {
  store = await createStore({ flushIntervalMs: 20 });
});
afterEach(async () => {
  await store.close();
});

async function callWith(hookInstance: string): Promise<{ cards: string[]; logged: unknown[]; audited: string | undefined }> {
  const { logger, lines } = captureLog();
  const t = await createTestApp({ store, logger });
  const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
  const res = await request(t.app).post(ORDER_SIGN).send({ ...body, hookInstance });
  expect(res.status).toBe(200);
  const cards = expectConformant(res.body);
  const issued = await store.findIssuedCards([cards[0]!.uuid!]);
  return { cards: topics(cards), logged: lines.map((l) => l.hookInstance).filter((h) => h !== undefined), audited: issued[0]?.hookInstance };
}

describe('hookInstance in the log and the audit', () => {
  it('text that is not a UUID is answered, but only its hash is logged and audited', async () => {
    const { cards, logged, audited } = await callWith('MRN-00123456-visit-7');
    expect(cards).toContain('opioid-benzodiazepine');
    expect(audited).toMatch(/^key:[0-9a-f]{32}$/);
    expect(audited).not.toContain(plainHash('MRN-00123456-visit-7'));
    expect(logged).toEqual([audited]);
    expect(JSON.stringify(logged)).not.toContain('00123456');
    // The same text gives the same hash, so repeated calls still group.
    expect((await callWith('MRN-00123456-visit-7')).audited).toBe(audited);
  });

  it('a UUID is kept as sent, with or without urn:uuid:', async () => {
    const id = crypto.randomUUID();
    expect((await callWith(id)).audited).toBe(id);
    const urn = `urn:uuid:${crypto.randomUUID()}`;
    expect((await callWith(urn)).audited).toBe(urn);
  });
});

// The draft order's id is the EHR's choice too: FHIR restricts it to 1-64 letters, digits, "-" and ".", but a
// draft with a name or record number as its id is still answered. The audit keeps only a hash of such an id.
describe('the draft order reference in the audit', () => {
  async function auditedRef(draftId: string): Promise<string | undefined> {
    const t = await createTestApp({ store });
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    body.context.draftOrders.entry[0].resource.id = draftId;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    const card = expectConformant(res.body).find((c) => c.source.topic?.code === 'opioid-benzodiazepine');
    return (await store.findIssuedCards([card!.uuid!]))[0]?.orderRef;
  }

  it('an id that is not a FHIR id is answered, but only its hash is audited', async () => {
    const ref = await auditedRef('Jane Doe MRN 00123456');
    expect(ref).toMatch(/^MedicationRequest\/key:[0-9a-f]{32}$/);
    // Not the plain SHA-256 of the id: a guessed name and birth date cannot be checked against the audit.
    expect(ref).not.toContain(plainHash('Jane Doe MRN 00123456'));
    expect(await auditedRef('Jane Doe MRN 00123456')).toBe(ref);
  });

  it('a FHIR id is kept', async () => {
    expect(await auditedRef('draft-7.b')).toBe('MedicationRequest/draft-7.b');
  });
});
