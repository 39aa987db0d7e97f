/**
 * Where a listed medicine comes from, with its time when it is a dose given or reported taken: a card that says a
 * benzodiazepine and a ketamine session are "about 5 hours apart" listed the dose as "given 2026-11-23" (the date
 * was cut to 10 characters before its 'T' was replaced, so the time never showed).
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { describeSource } from '../../src/cards/card-view.ts';
import type { MedicationFact } from '../../src/facts/index.ts';
import { ORDER_SIGN, createTestApp, expectConformant, fixture } from '../support/test-app.ts';

const med = (kind: MedicationFact['kind'], date?: string): MedicationFact => ({ kind, ...(date === undefined ? {} : { date }) }) as unknown as MedicationFact;

describe('describeSource', () => {
  it('a dose given shows its time and the offset it was recorded in', () => {
    expect(describeSource(med('medication-administration', '2026-11-23T11:28:58Z'))).toBe('given 2026-11-23 11:28 UTC');
    expect(describeSource(med('medication-administration', '2026-11-23T06:28:58.250-05:00'))).toBe('given 2026-11-23 06:28 UTC-05:00');
    expect(describeSource(med('medication-administration', '2026-11-23T11:28'))).toBe('given 2026-11-23 11:28');
    expect(describeSource(med('medication-administration', '2026-11-23'))).toBe('given 2026-11-23');
    expect(describeSource(med('medication-administration'))).toBe('recently given');
  });

  it('a reported dose shows its time too; an order keeps its date only', () => {
    expect(describeSource(med('medication-statement', '2026-11-21T02:00:00+00:00'))).toBe('patient reports taking it, since 2026-11-21 02:00 UTC');
    expect(describeSource(med('medication-statement', '2026-11'))).toBe('patient reports taking it, since 2026-11');
    expect(describeSource(med('medication-request', '2026-11-13T09:12:00Z'))).toBe('active prescription, ordered 2026-11-13');
  });

  it('on the ketamine timing card, a lorazepam dose given 12 hours before the session', async () => {
    const t = await createTestApp({ now: () => new Date('2026-11-21T12:00:00Z') });
    const res = await request(t.app).post(ORDER_SIGN).send(fixture('rules/ketamine-benzodiazepine-timing/spravato-lorazepam-administration-exactly-12h.json'));
    const card = expectConformant(res.body).find((c) => c.source.topic?.code === 'ketamine-benzodiazepine-timing');
    expect(card?.detail).toContain('- Lorazepam 1 MG Oral Tablet (given 2026-11-21 08:00 UTC)');
  });
});
