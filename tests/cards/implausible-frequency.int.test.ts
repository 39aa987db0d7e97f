// A draft opioid whose timing works out at 1e300 doses a day put "Opioid dose 7.500000000000001e+300
// MME/day" on the opioid + benzodiazepine card. The clinician should instead read that the dose could not
// be calculated (the "check incomplete" card), and no card should print the figure.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ORDER_SIGN, createTestApp, expectConformant, fixture } from '../support/test-app.ts';

async function cardsFor(repeat: Record<string, unknown>): Promise<{ topic: string | undefined; detail: string }[]> {
  const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
  const draft = body.context.draftOrders.entry[0].resource;
  draft.dosageInstruction[0].timing = { repeat };
  delete draft.dosageInstruction[0].asNeededBoolean;
  const t = await createTestApp({ now: () => new Date('2026-11-21T12:00:00Z') });
  const res = await request(t.app).post(ORDER_SIGN).send(body);
  expect(res.status).toBe(200);
  return expectConformant(res.body).map((c) => ({ topic: c.source.topic?.code, detail: c.detail ?? '' }));
}

describe('a draft opioid with an absurd frequency', () => {
  it.each([
    ['period 1e-300 days', { frequency: 1, period: 1e-300, periodUnit: 'd' }],
    ['frequency 1e300 a day', { frequency: 1e300, period: 1, periodUnit: 'd' }],
  ])('(%s) is reported as a dose that could not be read, with no figure on any card', async (_label, repeat) => {
    const cards = await cardsFor(repeat);
    for (const card of cards) {
      expect(card.detail).not.toMatch(/e\+\d|Infinity|NaN/);
      expect(card.detail).not.toMatch(/Opioid dose \d/);
    }
    // The combination is still flagged.
    expect(cards.map((c) => c.topic)).toContain('opioid-benzodiazepine');
    const incomplete = cards.find((c) => c.topic === 'check-incomplete');
    expect(incomplete?.detail).toMatch(/Could not check the daily opioid dose of Acetaminophen 325 MG \/ Oxycodone Hydrochloride 5 MG Oral Tablet: timing gives more than 288 administrations a day/);
  });

  it('every 6 hours still gives a figure and no incomplete card (control)', async () => {
    const cards = await cardsFor({ frequency: 1, period: 6, periodUnit: 'h' });
    expect(cards.map((c) => c.topic)).not.toContain('check-incomplete');
    expect(cards.map((c) => c.topic)).toContain('opioid-benzodiazepine');
  });
});
