import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OVERRIDE_REASON_SYSTEM } from '../../src/cards/index.ts';
import { feedbackCommentKey } from '../../src/protocol/handle-feedback.ts';
import { createPatientKeyer } from '../../src/store/index.ts';
import type { ServiceStore } from '../../src/store/index.ts';
import { ORDER_SELECT, ORDER_SIGN, TEST_PATIENT_KEY_SECRET, createTestApp, expectConformant, fixtureForPatient, openAppWithStore } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

const FEEDBACK = `${ORDER_SIGN}/feedback`;
const RULE = 'opioid-benzodiazepine';

/** The store with one method replaced (`replace` returns undefined to leave the real one in place). */
function withMethod(store: ServiceStore, name: keyof ServiceStore, replace: () => unknown): ServiceStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === name) {
        const replaced = replace();
        if (replaced !== undefined) return replaced;
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}


describe('feedback endpoint and snoozes', () => {
  let store: ServiceStore;
  let t: TestApp;
  beforeAll(async () => ({ store, t } = await openAppWithStore()));
  afterAll(() => store.close());

  async function sign(body: Record<string, any>) {
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    return expectConformant(res.body);
  }

  /** The clinician overrides `card` with a coded reason (as the CDS Hooks Sandbox sends it: code and system, no display). */
  function override(cardUuid: string | undefined, code: string, outcomeTimestamp: string) {
    return request(t.app)
      .post(FEEDBACK)
      .send({ feedback: [{ card: cardUuid, outcome: 'overridden', outcomeTimestamp, overrideReason: { reason: { system: OVERRIDE_REASON_SYSTEM, code } } }] });
  }

  it('stores feedback before answering 200, and repeats are idempotent', async () => {
    const cards = await sign(fixtureForPatient('order-sign/opioid-draft-with-active-benzodiazepine.json', 'fb-1'));
    const card = cards.find((c) => c.source.topic?.code === RULE)!;
    const item = { card: card.uuid, outcome: 'overridden', outcomeTimestamp: '2026-11-21T12:00:00Z', overrideReason: { userComment: 'discussed with patient' } };
    expect((await request(t.app).post(FEEDBACK).send({ feedback: [item] })).status).toBe(200);
    const again = await store.recordFeedback('cns-depressant-order-sign', [
      // The comment as the endpoint stores it: keyed with the patient key secret.
      { cardUuid: card.uuid!, outcome: 'overridden', outcomeTimestamp: '2026-11-21T12:00:00Z', acceptedSuggestionIds: [], commentKey: feedbackCommentKey(createPatientKeyer(TEST_PATIENT_KEY_SECRET), card.uuid!, 'discussed with patient') },
    ]);
    expect(again.duplicates).toBe(1);
    const stats = await store.ruleStats(new Date('2000-01-01'), new Date('2100-01-01'));
    expect(stats.find((s) => s.ruleId === RULE)?.overridden).toBeGreaterThanOrEqual(1);
  });

  it('stores feedback whose outcomeTimestamp is an RFC 3339 leap second (23:59:60)', async () => {
    const overridden = async () => (await store.ruleStats(new Date('2000-01-01'), new Date('2100-01-01'))).find((s) => s.ruleId === RULE)?.overridden ?? 0;
    for (const outcomeTimestamp of ['2016-12-31T23:59:60Z', '2016-12-31T18:59:60.25-05:00']) {
      const cards = await sign(fixtureForPatient('order-sign/opioid-draft-with-active-benzodiazepine.json', `fb-leap-${outcomeTimestamp.length}`));
      const card = cards.find((c) => c.source.topic?.code === RULE)!;
      const before = await overridden();
      const res = await request(t.app)
        .post(FEEDBACK)
        .send({ feedback: [{ card: card.uuid, outcome: 'overridden', outcomeTimestamp, overrideReason: { userComment: 'discussed with patient' } }] });
      expect(res.status).toBe(200);
      expect(await overridden()).toBe(before + 1);
    }
    // A 61st second is not a time.
    const res = await request(t.app).post(FEEDBACK).send({ feedback: [{ card: 'x', outcome: 'overridden', outcomeTimestamp: '2016-12-31T23:59:61Z' }] });
    expect(res.status).toBe(400);
  });

  it('accepts and flags feedback for a card uuid it never issued', async () => {
    const res = await request(t.app)
      .post(FEEDBACK)
      .send({ feedback: [{ card: crypto.randomUUID(), outcome: 'overridden', outcomeTimestamp: '2026-11-21T12:00:00Z' }] });
    expect(res.status).toBe(200);
  });

  it('records an accepted suggestion', async () => {
    const cards = await sign(fixtureForPatient('order-sign/opioid-draft-with-active-benzodiazepine.json', 'fb-2'));
    const card = cards.find((c) => c.source.topic?.code === RULE)!;
    const suggestion = card.suggestions![0]!;
    const res = await request(t.app)
      .post(FEEDBACK)
      .send({ feedback: [{ card: card.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: suggestion.uuid }], outcomeTimestamp: '2026-11-21T12:01:00Z' }] });
    expect(res.status).toBe(200);
    const stats = await store.ruleStats(new Date('2000-01-01'), new Date('2100-01-01'));
    expect(stats.find((s) => s.ruleId === RULE)?.accepted).toBeGreaterThanOrEqual(1);
  });

  for (const [label, body] of [
    ['no feedback array', {}],
    ['an empty feedback array', { feedback: [] }],
    ['a bad outcome', { feedback: [{ card: 'x', outcome: 'ignored', outcomeTimestamp: '2026-11-21T12:00:00Z' }] }],
    ['a bad timestamp', { feedback: [{ card: 'x', outcome: 'overridden', outcomeTimestamp: 'yesterday' }] }],
    ['accepted without acceptedSuggestions', { feedback: [{ card: 'x', outcome: 'accepted', outcomeTimestamp: '2026-11-21T12:00:00Z' }] }],
    ['an overrideReason with neither reason nor comment', { feedback: [{ card: 'x', outcome: 'overridden', outcomeTimestamp: '2026-11-21T12:00:00Z', overrideReason: {} }] }],
    // A card offers a few suggestions; 105,000 ids in one body held the store for seconds.
    ['more accepted suggestions than any card offers', { feedback: [{ card: 'x', outcome: 'accepted', outcomeTimestamp: '2026-11-21T12:00:00Z', acceptedSuggestions: Array.from({ length: 21 }, () => ({ id: crypto.randomUUID() })) }] }],
  ] as const) {
    it(`answers 400 with an OperationOutcome for ${label}`, async () => {
      const res = await request(t.app).post(FEEDBACK).send(body);
      expect(res.status).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
    });
  }

  // PostgreSQL text holds neither a NUL nor half of a Unicode character; the refusal names the field, so the
  // EHR's developer can find it, and nothing of the item is stored altered.
  for (const [label, item, field] of [
    ['a NUL in the card uuid', { card: 'abc\u0000', outcome: 'overridden', outcomeTimestamp: '2026-11-21T12:00:00Z', overrideReason: { userComment: 'x' } }, 'feedback[0].card'],
    ['half a character in a reason display', { card: 'x', outcome: 'overridden', outcomeTimestamp: '2026-11-21T12:00:00Z', overrideReason: { reason: { code: 'c', display: 'Palliative \uD83D care' } } }, 'feedback[0].overrideReason.reason.display'],
    ['half a character in a suggestion id', { card: 'x', outcome: 'accepted', outcomeTimestamp: '2026-11-21T12:00:00Z', acceptedSuggestions: [{ id: 'ok' }, { id: '\uDC00' }] }, 'feedback[0].acceptedSuggestions[1].id'],
  ] as const) {
    it(`answers 400 naming the field for ${label}`, async () => {
      const res = await request(t.app).post(FEEDBACK).send({ feedback: [item] });
      expect(res.status).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue[0].expression).toEqual([field]);
      expect(res.body.issue[0].details.text).toContain(field);
    });
  }

  it('a snoozing override stops the same card for that patient on the next order-sign, recorded as a suppression', async () => {
    const body = fixtureForPatient('order-sign/opioid-draft-with-active-benzodiazepine.json', 'fb-snooze');
    const card = (await sign(body)).find((c) => c.source.topic?.code === RULE)!;
    const res = await override(card.uuid, 'benefits-outweigh-risks', '2026-11-21T12:02:00Z');
    expect(res.status).toBe(200);
    const snoozes = await store.listSnoozes({ ruleId: RULE, activeAt: new Date() });
    const snooze = snoozes.find((s) => s.cardUuid === card.uuid)!;
    expect(snooze).toBeDefined();
    expect(Date.parse(snooze.expiresAt) - Date.parse(snooze.createdAt)).toBe(90 * 24 * 3600 * 1000);

    const next = await sign({ ...body, hookInstance: crypto.randomUUID() });
    expect(next.map((c) => c.source.topic?.code)).not.toContain(RULE);
    await store.flush();
    const stats = await store.ruleStats(new Date('2000-01-01'), new Date('2100-01-01'));
    expect(stats.find((s) => s.ruleId === RULE)?.suppressed).toBeGreaterThanOrEqual(1);

    // Another patient is not affected.
    const other = await sign(fixtureForPatient('order-sign/opioid-draft-with-active-benzodiazepine.json', 'fb-other'));
    expect(other.map((c) => c.source.topic?.code)).toContain(RULE);

    // A material change (a new drug class) ends the snooze's effect.
    const changed = structuredClone(body);
    changed.hookInstance = crypto.randomUUID();
    changed.prefetch.medicationRequests.entry.push({
      resource: {
        resourceType: 'MedicationRequest',
        id: 'gaba-new',
        status: 'active',
        intent: 'order',
        subject: { reference: 'Patient/fb-snooze' },
        medicationCodeableConcept: { text: 'Gabapentin 300 MG Oral Capsule' },
        authoredOn: '2026-11-20',
      },
    });
    expect((await sign(changed)).map((c) => c.source.topic?.code)).toContain(RULE);

    // An admin lifts the snooze: the card comes back for the unchanged situation too.
    expect(await store.liftSnooze(snooze.id, 'admin', new Date())).toBe(true);
    expect((await sign({ ...body, hookInstance: crypto.randomUUID() })).map((c) => c.source.topic?.code)).toContain(RULE);
  });

  it('a second snooze, made after a material change showed the card again, hides it in its new state', async () => {
    const body = fixtureForPatient('order-sign/opioid-draft-with-active-benzodiazepine.json', 'fb-resnooze');
    const first = (await sign(body)).find((c) => c.source.topic?.code === RULE)!;
    await override(first.uuid, 'benefits-outweigh-risks', '2026-11-21T12:05:00Z');
    const changed = structuredClone(body);
    changed.hookInstance = crypto.randomUUID();
    changed.prefetch.medicationRequests.entry.push({
      resource: { resourceType: 'MedicationRequest', id: 'gaba-2', status: 'active', intent: 'order', subject: { reference: 'Patient/fb-resnooze' }, medicationCodeableConcept: { text: 'Gabapentin 300 MG Oral Capsule' }, authoredOn: '2026-11-20' },
    });
    const again = (await sign(changed)).find((c) => c.source.topic?.code === RULE)!;
    expect(again).toBeDefined(); // the new drug class is a material change: shown
    await override(again.uuid, 'benefits-outweigh-risks', '2026-11-21T12:06:00Z');
    // Two active snoozes now; the newer one matches the new state.
    expect((await sign({ ...changed, hookInstance: crypto.randomUUID() })).map((c) => c.source.topic?.code)).not.toContain(RULE);
  });

  it('feedback resent for a card whose snooze an admin lifted does not snooze it again', async () => {
    const body = fixtureForPatient('order-sign/opioid-draft-with-active-benzodiazepine.json', 'fb-resend');
    const card = (await sign(body)).find((c) => c.source.topic?.code === RULE)!;
    await override(card.uuid, 'benefits-outweigh-risks', '2026-11-21T12:08:00Z');
    const snooze = (await store.listSnoozes({ cardUuid: card.uuid }))[0]!;
    expect(await store.liftSnooze(snooze.id, 'admin', new Date())).toBe(true);
    // The EHR resends the same feedback (a retry): stored as a duplicate, and the lift stands.
    expect((await override(card.uuid, 'benefits-outweigh-risks', '2026-11-21T12:08:00Z')).status).toBe(200);
    expect(await store.listSnoozes({ cardUuid: card.uuid })).toHaveLength(1);
    expect((await sign({ ...body, hookInstance: crypto.randomUUID() })).map((c) => c.source.topic?.code)).toContain(RULE);
  });

  it('copies of one override handled at the same moment make one snooze, so lifting it shows the card again', async () => {
    const body = fixtureForPatient('order-sign/opioid-draft-with-active-benzodiazepine.json', 'fb-twice-at-once');
    const card = (await sign(body)).find((c) => c.source.topic?.code === RULE)!;
    // An EHR resending after its own timeout, or two workers each handling one copy; the store answering
    // lookups a little late (a busy store thread, a cluster round trip) widens the window between the
    // copies, as it did when feedback looked for the card's snooze before making one.
    const busy = withMethod(store, 'listSnoozes', () => async (...args: Parameters<ServiceStore['listSnoozes']>) => {
      const found = await store.listSnoozes(...args);
      await new Promise((resolve) => setTimeout(resolve, 50));
      return found;
    });
    const app = (await createTestApp({ store: busy })).app;
    const item = { card: card.uuid, outcome: 'overridden', outcomeTimestamp: '2026-11-21T12:09:00Z', overrideReason: { reason: { system: OVERRIDE_REASON_SYSTEM, code: 'benefits-outweigh-risks' } } };
    const answers = await Promise.all(Array.from({ length: 4 }, () => request(app).post(FEEDBACK).send({ feedback: [item] })));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const snoozes = await store.listSnoozes({ cardUuid: card.uuid });
    expect(snoozes).toHaveLength(1);
    expect(await store.liftSnooze(snoozes[0]!.id, 'admin', new Date())).toBe(true);
    expect((await sign({ ...body, hookInstance: crypto.randomUUID() })).map((c) => c.source.topic?.code)).toContain(RULE);
  });

  it('a snooze made at a known opioid dose does not hide the card for a new opioid order whose dose cannot be computed', async () => {
    const body = fixtureForPatient('order-sign/opioid-draft-with-active-benzodiazepine.json', 'fb-dose-unknown');
    const card = (await sign(body)).find((c) => c.source.topic?.code === RULE)!;
    expect((await override(card.uuid, 'benefits-outweigh-risks', '2026-11-21T12:10:00Z')).status).toBe(200);
    expect((await sign({ ...body, hookInstance: crypto.randomUUID() })).map((c) => c.source.topic?.code)).not.toContain(RULE);
    // The same opioid, its dose given only as text: the daily dose may now be far above the snoozed one.
    const unknownDose = structuredClone(body);
    unknownDose.hookInstance = crypto.randomUUID();
    for (const order of unknownDose.context.draftOrders.entry) {
      order.resource.dosageInstruction = [{ text: '4 tablets every 2 hours' }];
    }
    const cards = await sign(unknownDose);
    expect(cards.map((c) => c.source.topic?.code)).toContain(RULE);
  });

  it("does not snooze a card through another service's feedback endpoint", async () => {
    const body = fixtureForPatient('order-sign/opioid-draft-with-active-benzodiazepine.json', 'fb-cross');
    const card = (await sign(body)).find((c) => c.source.topic?.code === RULE)!;
    const res = await request(t.app)
      .post(`${ORDER_SELECT}/feedback`)
      .send({ feedback: [{ card: card.uuid, outcome: 'overridden', outcomeTimestamp: '2026-11-21T12:07:00Z', overrideReason: { reason: { system: OVERRIDE_REASON_SYSTEM, code: 'benefits-outweigh-risks' } } }] });
    expect(res.status).toBe(200);
    expect((await sign({ ...body, hookInstance: crypto.randomUUID() })).map((c) => c.source.topic?.code)).toContain(RULE);
  });

  it('a snooze never hides the card once it becomes more severe (a new risk condition)', async () => {
    const body = fixtureForPatient('order-sign/opioid-draft-with-active-benzodiazepine.json', 'fb-escalate');
    const card = (await sign(body)).find((c) => c.source.topic?.code === RULE)!;
    expect(card.indicator).toBe('warning');
    await override(card.uuid, 'benefits-outweigh-risks', '2026-11-21T12:04:00Z');
    expect((await sign({ ...body, hookInstance: crypto.randomUUID() })).map((c) => c.source.topic?.code)).not.toContain(RULE);
    const withApnea = structuredClone(body);
    withApnea.hookInstance = crypto.randomUUID();
    withApnea.prefetch.conditions = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        {
          resource: {
            resourceType: 'Condition',
            id: 'osa-new',
            subject: { reference: 'Patient/fb-escalate' },
            clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
            code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'G47.33', display: 'Obstructive sleep apnea' }] },
          },
        },
      ],
    };
    const again = (await sign(withApnea)).find((c) => c.source.topic?.code === RULE);
    expect(again?.indicator).toBe('critical');
  });

  it('when the snooze lookup fails (store unreachable), the snoozed card is shown, and the failure is counted', async () => {
    const body = fixtureForPatient('order-sign/opioid-draft-with-active-benzodiazepine.json', 'fb-store-down');
    const card = (await sign(body)).find((c) => c.source.topic?.code === RULE)!;
    await override(card.uuid, 'benefits-outweigh-risks', '2026-11-21T12:05:00Z');
    expect((await sign({ ...body, hookInstance: crypto.randomUUID() })).map((c) => c.source.topic?.code)).not.toContain(RULE);

    // The same store, but its snooze lookup now fails.
    const failing = withMethod(store, 'activeSnoozes', () => () => Promise.reject(new Error('store unreachable')));
    const down = await createTestApp({ store: failing });
    const res = await request(down.app).post(ORDER_SIGN).send({ ...body, hookInstance: crypto.randomUUID() });
    expect(res.status).toBe(200);
    expect(expectConformant(res.body).map((c) => c.source.topic?.code)).toContain(RULE);
    const metrics = await request(down.app).get('/metrics');
    expect(metrics.text).toMatch(/^cds_snooze_lookup_failures_total 1$/m);
  });

  it('when the snooze lookup does not answer (a stuck store), the call is answered anyway, with the snoozed card, and counted', async () => {
    const body = fixtureForPatient('order-sign/opioid-draft-with-active-benzodiazepine.json', 'fb-store-stuck');
    const card = (await sign(body)).find((c) => c.source.topic?.code === RULE)!;
    await override(card.uuid, 'benefits-outweigh-risks', '2026-11-21T12:05:00Z');
    const stuck = withMethod(store, 'activeSnoozes', () => () => new Promise(() => undefined));
    const app = await createTestApp({ store: stuck });
    const res = await request(app.app).post(ORDER_SIGN).send({ ...body, hookInstance: crypto.randomUUID() });
    expect(res.status).toBe(200);
    expect(expectConformant(res.body).map((c) => c.source.topic?.code)).toContain(RULE);
    expect((await request(app.app).get('/metrics')).text).toMatch(/^cds_snooze_lookup_failures_total 1$/m);
  });

  it.each([
    ['the disk is full (SQLSTATE 53100)', () => Object.assign(new Error('could not extend file "base/5/16396": No space left on device'), { code: '53100' })],
    ['the store thread is being replaced', () => Object.assign(new Error('the store thread is not reachable'), { name: 'StoreUnavailableError' })],
  ])('when %s, feedback is answered 503 with Retry-After, and stored when the EHR sends it again', async (_case, failure) => {
    const body = fixtureForPatient('order-sign/opioid-draft-with-active-benzodiazepine.json', `fb-unavailable-${crypto.randomUUID()}`);
    const card = (await sign(body)).find((c) => c.source.topic?.code === RULE)!;
    let failures = 1;
    const flaky = withMethod(store, 'recordFeedback', () => (failures-- > 0 ? () => Promise.reject(failure()) : undefined));
    const app = await createTestApp({ store: flaky });
    const item = { card: card.uuid, outcome: 'overridden', outcomeTimestamp: '2026-11-21T12:00:00Z', overrideReason: { userComment: 'discussed with patient' } };
    const refused = await request(app.app).post(FEEDBACK).send({ feedback: [item] });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('30');
    expect(refused.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient' }] });
    expect(JSON.stringify(refused.body)).not.toMatch(/base\/5|No space|thread/);
    const again = await request(app.app).post(FEEDBACK).send({ feedback: [item] });
    expect(again.status).toBe(200);
    expect((await store.ruleStats(new Date('2026-01-01'), new Date('2027-01-01'))).find((r) => r.ruleId === RULE)?.comments).toBeGreaterThan(0);
  });

  it('a reason without a snooze period does not snooze', async () => {
    const body = fixtureForPatient('order-sign/opioid-draft-with-active-benzodiazepine.json', 'fb-nosnooze');
    const card = (await sign(body)).find((c) => c.source.topic?.code === RULE)!;
    await override(card.uuid, 'taper-planned', '2026-11-21T12:03:00Z');
    expect((await sign({ ...body, hookInstance: crypto.randomUUID() })).map((c) => c.source.topic?.code)).toContain(RULE);
  });
});
