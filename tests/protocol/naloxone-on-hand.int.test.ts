/**
 * Naloxone recorded as on hand: overriding the naloxone card with "Patient already has naloxone" (a reason with
 * recordsNaloxoneOnHand) snoozes that card for the patient, and while that snooze is active no other card (high MME,
 * opioid use disorder treatment with a benzodiazepine) offers a one-click naloxone order for the patient either:
 * the offer would contradict what the clinician just recorded. Nor does a material change bring the naloxone card
 * back ("no naloxone on file: prescribe naloxone") while that record holds. "Declined" records no naloxone: another
 * prescriber may still offer it, so the other cards keep the offer, and a material change shows the card again.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OVERRIDE_REASON_SYSTEM } from '../../src/cards/index.ts';
import type { Card } from '../../src/protocol/index.ts';
import type { ServiceStore } from '../../src/store/index.ts';
import { ORDER_SIGN, createTestApp, expectConformant, fixtureForPatient, openAppWithStore } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

const FEEDBACK = `${ORDER_SIGN}/feedback`;
const NALOXONE_RULE = 'naloxone-co-prescribe';
/** Oxycodone 10 mg every 4 hours: 90 MME/day, the naloxone card and the high-MME warning. */
const HIGH_MME = 'rules/opioid-high-mme/oxycodone-10mg-every-4h-90-mme.json';
/** Lorazepam ordered for a patient on buprenorphine/naloxone for opioid use disorder: the moud-benzodiazepine card. */
const BENZO_WITH_MOUD = 'rules/moud-benzodiazepine/lorazepam-draft-with-contained-buprenorphine-naloxone.json';

/** The rules of the cards that offer to order naloxone (a create of a MedicationRequest for naloxone). */
function naloxoneOffers(cards: readonly Card[]): string[] {
  return cards
    .filter((c) =>
      (c.suggestions ?? []).some((s) =>
        (s.actions ?? []).some((a) => a.type === 'create' && /naloxone/i.test(JSON.stringify((a.resource as { medicationCodeableConcept?: unknown } | undefined)?.medicationCodeableConcept ?? '')))
      )
    )
    .map((c) => c.source.topic?.code ?? '');
}

const rulesOf = (cards: readonly Card[]): string[] => cards.map((c) => c.source.topic?.code ?? '');

describe('naloxone recorded as on hand through an override', () => {
  let store: ServiceStore;
  let t: TestApp;
  beforeAll(async () => ({ store, t } = await openAppWithStore()));
  afterAll(() => store.close());

  async function sign(body: Record<string, any>, app = t.app): Promise<Card[]> {
    const res = await request(app).post(ORDER_SIGN).send({ ...body, hookInstance: crypto.randomUUID() });
    expect(res.status).toBe(200);
    return expectConformant(res.body);
  }

  async function override(card: Card | undefined, code: string): Promise<void> {
    expect(card).toBeDefined();
    const res = await request(t.app)
      .post(FEEDBACK)
      .send({ feedback: [{ card: card!.uuid, outcome: 'overridden', outcomeTimestamp: '2026-11-21T12:00:00Z', overrideReason: { reason: { system: OVERRIDE_REASON_SYSTEM, code } } }] });
    expect(res.status).toBe(200);
  }

  it('"has-naloxone" stops every card offering naloxone for that patient until the snooze is lifted', async () => {
    const body = fixtureForPatient(HIGH_MME, 'nlx-hand-1');
    const first = await sign(body);
    expect(rulesOf(first)).toEqual(expect.arrayContaining([NALOXONE_RULE, 'opioid-high-mme']));
    expect(naloxoneOffers(first)).toHaveLength(1); // offered once (on the first card shown)
    await override(first.find((c) => c.source.topic?.code === NALOXONE_RULE), 'has-naloxone');

    // The next call for the same patient: no naloxone card (snoozed), and the high-MME warning still shows,
    // without the naloxone order the clinician just said the patient does not need.
    const next = await sign(body);
    expect(rulesOf(next)).not.toContain(NALOXONE_RULE);
    const highMme = next.find((c) => c.source.topic?.code === 'opioid-high-mme');
    expect(highMme?.indicator).toBe('warning');
    expect(naloxoneOffers(next)).toEqual([]);
    // Its only suggestion gone, the card carries no suggestions and no selectionBehavior (checked by expectConformant too).
    expect(highMme?.suggestions).toBeUndefined();
    expect(highMme?.selectionBehavior).toBeUndefined();
    expect(highMme?.overrideReasons?.length).toBeGreaterThan(0);

    // Nor on another rule's card (the treatment of opioid use disorder with a benzodiazepine), where no snoozable
    // rule fires at all.
    const moud = await sign(fixtureForPatient(BENZO_WITH_MOUD, 'nlx-hand-1'));
    expect(rulesOf(moud)).toContain('moud-benzodiazepine');
    expect(naloxoneOffers(moud)).toEqual([]);

    // Another patient still gets the offer, on both kinds of call.
    expect(naloxoneOffers(await sign(fixtureForPatient(HIGH_MME, 'nlx-hand-other')))).toHaveLength(1);
    expect(naloxoneOffers(await sign(fixtureForPatient(BENZO_WITH_MOUD, 'nlx-hand-other')))).toEqual(['moud-benzodiazepine']);

    // An admin lifts the snooze: the naloxone card and its offer come back.
    const snooze = (await store.listSnoozes({ ruleId: NALOXONE_RULE, activeAt: new Date() })).find((s) => s.reasonCode === 'has-naloxone');
    expect(snooze).toBeDefined();
    expect(await store.liftSnooze(snooze!.id, 'admin', new Date())).toBe(true);
    const lifted = await sign(body);
    expect(rulesOf(lifted)).toContain(NALOXONE_RULE);
    expect(naloxoneOffers(lifted)).toHaveLength(1);
    expect(naloxoneOffers(await sign(fixtureForPatient(BENZO_WITH_MOUD, 'nlx-hand-1')))).toEqual(['moud-benzodiazepine']);
  });

  /** The request of `body` with gabapentin added to the patient's active medications: a new drug class (material). */
  function withGabapentin(body: Record<string, any>, patientId: string): Record<string, any> {
    const changed = structuredClone(body);
    changed.prefetch.medicationRequests.entry = [
      {
        resource: { resourceType: 'MedicationRequest', id: `${patientId}-gaba`, status: 'active', intent: 'order', subject: { reference: `Patient/${patientId}` }, medicationCodeableConcept: { text: 'Gabapentin 300 MG Oral Capsule' }, authoredOn: '2026-11-20' },
      },
    ];
    changed.prefetch.medicationRequests.total = 1;
    return changed;
  }

  async function suppressedCount(ruleId: string): Promise<number> {
    await store.flush();
    return (await store.ruleStats(new Date('2000-01-01'), new Date('2100-01-01'))).find((s) => s.ruleId === ruleId)?.suppressed ?? 0;
  }

  it('a material change does not bring back the naloxone card while the naloxone is on record: withheld and counted as suppressed', async () => {
    const body = fixtureForPatient(HIGH_MME, 'nlx-hand-changed');
    const card = (await sign(body)).find((c) => c.source.topic?.code === NALOXONE_RULE);
    await override(card, 'has-naloxone');
    // A new drug class (gabapentin) is a material change, but it does not take away the patient's naloxone: a card
    // saying "no naloxone on file: prescribe naloxone" would contradict the record the clinician just made.
    const before = await suppressedCount(NALOXONE_RULE);
    const changed = withGabapentin(body, 'nlx-hand-changed');
    const cards = await sign(changed);
    expect(rulesOf(cards)).not.toContain(NALOXONE_RULE);
    expect(rulesOf(cards)).toContain('opioid-high-mme'); // the other warnings still show
    expect(naloxoneOffers(cards)).toEqual([]);
    expect(await suppressedCount(NALOXONE_RULE)).toBe(before + 1); // in the audit and analytics, as a snoozed card

    // Another patient in the same situation gets the card and its offer.
    const other = await sign(withGabapentin(fixtureForPatient(HIGH_MME, 'nlx-hand-changed-other'), 'nlx-hand-changed-other'));
    expect(rulesOf(other)).toContain(NALOXONE_RULE);
    expect(naloxoneOffers(other)).toHaveLength(1);

    // The record lifted, the changed situation shows the card and its order again.
    const [snooze] = await store.listSnoozes({ cardUuid: card!.uuid });
    expect(snooze?.reasonCode).toBe('has-naloxone');
    expect(await store.liftSnooze(snooze!.id, 'admin', new Date())).toBe(true);
    const lifted = await sign(changed);
    expect(rulesOf(lifted)).toContain(NALOXONE_RULE);
    expect(naloxoneOffers(lifted)).toHaveLength(1);
  });

  it('"declined" is no naloxone on hand: a material change shows the naloxone card again, with its order', async () => {
    const body = fixtureForPatient(HIGH_MME, 'nlx-declined-changed');
    await override((await sign(body)).find((c) => c.source.topic?.code === NALOXONE_RULE), 'declined');
    expect(rulesOf(await sign(body))).not.toContain(NALOXONE_RULE);
    const cards = await sign(withGabapentin(body, 'nlx-declined-changed'));
    expect(rulesOf(cards)).toContain(NALOXONE_RULE);
    expect(naloxoneOffers(cards)).toHaveLength(1);
  });

  it('"declined" snoozes the naloxone card but leaves the offer on other cards: declining is not having naloxone', async () => {
    const body = fixtureForPatient(HIGH_MME, 'nlx-hand-declined');
    await override((await sign(body)).find((c) => c.source.topic?.code === NALOXONE_RULE), 'declined');
    const next = await sign(body);
    expect(rulesOf(next)).not.toContain(NALOXONE_RULE);
    expect(naloxoneOffers(next)).toEqual(['opioid-high-mme']);
  });

  it('when the snooze lookup fails, every card is shown with its naloxone offer (the safe side)', async () => {
    const body = fixtureForPatient(HIGH_MME, 'nlx-hand-down');
    await override((await sign(body)).find((c) => c.source.topic?.code === NALOXONE_RULE), 'has-naloxone');
    expect(naloxoneOffers(await sign(body))).toEqual([]);
    const failing = new Proxy(store, {
      get(target, prop) {
        if (prop === 'activeSnoozes') return () => Promise.reject(new Error('store unreachable'));
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const down = await createTestApp({ store: failing });
    const cards = await sign(body, down.app);
    expect(rulesOf(cards)).toContain(NALOXONE_RULE);
    expect(naloxoneOffers(cards)).toHaveLength(1);
  });
});
