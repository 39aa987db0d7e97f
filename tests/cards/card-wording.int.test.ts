/**
 * Card text a clinician reads literally: the order a card is about is "this order", not "another unsigned
 * order in this session" (which sends the reader looking for a duplicate order), and the patient's age reads
 * as "(72 years)", never "This 72 years patient" or "This unknown age patient".
 */
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Card } from '../../src/protocol/types.ts';
import { ORDER_SELECT, ORDER_SIGN, createTestApp, expectConformant, fixture } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: () => new Date('2026-11-21T12:00:00Z') });
});

async function cards(name: string): Promise<Card[]> {
  const body = fixture(name);
  const res = await request(t.app).post(body.hook === 'order-select' ? ORDER_SELECT : ORDER_SIGN).send(body);
  expect(res.status).toBe(200);
  return expectConformant(res.body);
}

describe('the order a card is about', () => {
  it('is listed as "this order" among the CNS-active medicines', async () => {
    const [card] = (await cards('rules/cns-depressants-older-adult/gabapentin-with-oxycodone-and-zolpidem-age-70.json')).filter((c) => c.source.topic?.code === 'cns-depressants-older-adult');
    const draft = card?.detail?.split('\n')[0]?.replace('**Draft order:** ', '');
    expect(draft).toBeTruthy();
    expect(card?.detail).toContain(`- ${draft} (this order)`);
    expect(card?.detail).not.toContain('another unsigned order in this session');
  });

  it('only the order itself is "this order"', async () => {
    const all = await cards('rules/cns-depressants-older-adult/order-select-baclofen-selected-with-morphine-and-gabapentin-age-69.json');
    const [card] = all.filter((c) => c.source.topic?.code === 'cns-depressants-older-adult');
    expect(card?.detail).toMatch(/\(this order\)/);
    expect(card?.detail?.match(/\(this order\)/g)).toHaveLength(1);
  });
});

describe("the patient's age", () => {
  for (const name of [
    'rules/cns-depressants-older-adult/gabapentin-with-oxycodone-and-zolpidem-age-70.json',
    'rules/benzodiazepine-older-adult/ativan-new-start-age-78.json',
    'rules/opioid-benzodiazepine-copd-older-adult/oxycodone-lorazepam-copd-age-72.json',
    'rules/opioid-high-mme/oxycodone-90-mme-no-birth-date.json',
  ]) {
    it(`reads as a parenthesis, not "This N years patient": ${name}`, async () => {
      const all = await cards(name);
      expect(all.length).toBeGreaterThan(0);
      for (const c of all) {
        expect(c.detail, c.source.topic?.code).not.toMatch(/\b\d+ years patient|unknown age patient/);
      }
    });
  }

  it('the age-specific cards say "This patient (72 years)"', async () => {
    const [card] = (await cards('rules/opioid-benzodiazepine-copd-older-adult/oxycodone-lorazepam-copd-age-72.json')).filter((c) => c.source.topic?.code === 'opioid-benzodiazepine-copd-older-adult');
    expect(card?.detail).toContain('This patient (72 years) has COPD');
  });
});

describe('the risk factors a card lists', () => {
  /** The lines of a card's detail that quote a recorded Condition. */
  const conditionLinesOf = (card: Card | undefined): string[] => (card?.detail ?? '').split('\n').filter((l) => l.includes('(recorded as'));

  it('one recorded Condition is one line (alcohol use disorder is not also listed as a substance use disorder)', async () => {
    const all = await cards('rules/opioid-benzodiazepine/oxycodone-with-diazepam-alcohol-use-disorder.json');
    const card = all.find((c) => c.source.topic?.code === 'opioid-benzodiazepine');
    expect(conditionLinesOf(card)).toEqual(['- Alcohol use disorder (recorded as "Alcohol use disorder, moderate")']);
  });

  it('an opioid use disorder is one line too, and two Conditions stay two lines', async () => {
    const body = fixture('rules/opioid-benzodiazepine/oxycodone-with-diazepam-alcohol-use-disorder.json');
    body.hookInstance = crypto.randomUUID();
    const aud = body.prefetch.conditions.entry[0];
    const oud = structuredClone(aud);
    oud.fullUrl = oud.fullUrl.replace('condition-aud', 'condition-oud');
    oud.resource.id = 'condition-oud';
    oud.resource.code = { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'F11.20', display: 'Opioid dependence, uncomplicated' }], text: 'Opioid use disorder, moderate' };
    body.prefetch.conditions.entry.push(oud);
    body.prefetch.conditions.total = 2;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    const card = expectConformant(res.body).find((c) => c.source.topic?.code === 'opioid-benzodiazepine');
    expect(conditionLinesOf(card)).toEqual(['- Alcohol use disorder (recorded as "Alcohol use disorder, moderate")', '- Opioid use disorder (recorded as "Opioid use disorder, moderate")']);
  });
});
