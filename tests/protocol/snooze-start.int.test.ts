import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OVERRIDE_REASON_SYSTEM } from '../../src/cards/index.ts';
import { snoozeStart } from '../../src/protocol/handle-feedback.ts';
import { createStore } from '../../src/store/index.ts';
import type { ServiceStore } from '../../src/store/index.ts';
import { ORDER_SIGN, createTestApp, issuedCard } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

const RULE = 'opioid-benzodiazepine';
const DAY = 24 * 3600 * 1000;
/** The rule's "benefits-outweigh-risks" reason snoozes for 90 days (rules/opioid-benzodiazepine.json). */
const SNOOZE_DAYS = 90;

describe('a snooze runs from the override, not from when its feedback arrives', () => {
  let store: ServiceStore;
  let t: TestApp;
  /** The feedback handler's clock; undefined: the real one. */
  let clock: number | undefined;
  beforeAll(async () => {
    store = await createStore({ flushIntervalMs: 20 });
    t = await createTestApp({ store, now: () => new Date(clock ?? Date.now()) });
  });
  afterAll(() => store.close());

  async function overrideAt(patientId: string, outcomeTimestamp: (issuedAt: number) => number, arrival: (issuedAt: number) => number) {
    clock = undefined;
    const card = await issuedCard(t.app, patientId, RULE);
    await store.flush();
    const issuedAt = Date.parse((await store.findIssuedCards([card.uuid!]))[0]!.issuedAt);
    clock = arrival(issuedAt);
    const res = await request(t.app)
      .post(`${ORDER_SIGN}/feedback`)
      .send({ feedback: [{ card: card.uuid, outcome: 'overridden', outcomeTimestamp: new Date(outcomeTimestamp(issuedAt)).toISOString(), overrideReason: { reason: { system: OVERRIDE_REASON_SYSTEM, code: 'benefits-outweigh-risks' } } }] });
    clock = undefined;
    expect(res.status).toBe(200);
    return { issuedAt, snoozes: await store.listSnoozes({ cardUuid: card.uuid! }) };
  }

  it('feedback sent 10 days after the override: the snooze ends 90 days after the override', async () => {
    const { issuedAt, snoozes } = await overrideAt('snooze-late-feedback', (issued) => issued + 60_000, (issued) => issued + 10 * DAY);
    expect(snoozes).toHaveLength(1);
    expect(Date.parse(snoozes[0]!.createdAt)).toBe(issuedAt + 60_000);
    expect(Date.parse(snoozes[0]!.expiresAt)).toBe(issuedAt + 60_000 + SNOOZE_DAYS * DAY);
  });

  it('feedback arriving after the period had ended makes no snooze', async () => {
    const { snoozes } = await overrideAt('snooze-expired-feedback', (issued) => issued + 60_000, (issued) => issued + (SNOOZE_DAYS + 1) * DAY);
    expect(snoozes).toEqual([]);
  });

  it('an override time from a client clock ahead of ours starts the snooze when the feedback arrives', async () => {
    const arrival = (issued: number) => issued + 5 * 60_000;
    const { issuedAt, snoozes } = await overrideAt('snooze-clock-ahead', (issued) => issued + 30 * DAY, arrival);
    expect(Date.parse(snoozes[0]!.expiresAt)).toBe(arrival(issuedAt) + SNOOZE_DAYS * DAY);
  });

  it('an override time before the card was issued (a clock behind) starts the snooze at the card', () => {
    const issued = '2026-11-21T12:00:00.000Z';
    expect(snoozeStart('2026-11-01T00:00:00Z', issued, new Date('2026-11-21T12:05:00Z'))).toBe(Date.parse(issued));
    expect(snoozeStart('2026-11-21T12:01:00Z', issued, new Date('2026-11-21T12:05:00Z'))).toBe(Date.parse('2026-11-21T12:01:00Z'));
    expect(snoozeStart('2026-11-21T13:00:00Z', issued, new Date('2026-11-21T12:05:00Z'))).toBe(Date.parse('2026-11-21T12:05:00Z'));
  });
});
