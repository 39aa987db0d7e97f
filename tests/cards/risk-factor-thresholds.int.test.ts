// The "other risk factors" list on the opioid + benzodiazepine card uses the rule's own thresholds. An
// admin who raises `olderAdultAge` changes when the card is critical; the list used a fixed 65, so a card
// that was a plain warning (age 70 under a threshold of 75) still named "Age 70" as the high-risk factor.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { RuleSet } from '../../src/engine/index.ts';
import { shippedRulesWith } from '../support/shipped-rules-with.ts';
import { ORDER_SIGN, createTestApp, expectConformant, fixture } from '../support/test-app.ts';

/** The shipped rule set with some of opioid-benzodiazepine's parameter values changed. */
const ruleSetWith = (values: Record<string, number>): Promise<RuleSet> => shippedRulesWith('opioid-benzodiazepine', values);

/** The opioid + benzodiazepine card for a 70-year-old without other risk factors. */
async function cardAt70(ruleSet?: RuleSet): Promise<{ indicator: string; detail: string }> {
  const body = fixture('rules/opioid-benzodiazepine/oxycodone-lorazepam-65th-birthday-no-other-risk.json');
  const born = new Date();
  born.setUTCFullYear(born.getUTCFullYear() - 70, 0, 1);
  const patient = body.prefetch.patient;
  patient.birthDate = born.toISOString().slice(0, 10);
  const t = await createTestApp(ruleSet ? { ruleSet } : {});
  const res = await request(t.app).post(ORDER_SIGN).send(body);
  expect(res.status).toBe(200);
  const card = expectConformant(res.body).find((c) => c.source.topic?.code === 'opioid-benzodiazepine');
  if (!card) throw new Error('no opioid-benzodiazepine card');
  return { indicator: card.indicator, detail: card.detail ?? '' };
}

describe('risk factors listed on a card follow the rule parameters', () => {
  it('with the shipped threshold (65) a 70-year-old is critical and the card names the age', async () => {
    const card = await cardAt70();
    expect(card.indicator).toBe('critical');
    expect(card.detail).toContain('- Age 70');
  });

  it('with olderAdultAge raised to 75 the card is a warning and does not list age 70 as a risk factor', async () => {
    const card = await cardAt70(await ruleSetWith({ olderAdultAge: 75 }));
    expect(card.indicator).toBe('warning');
    expect(card.detail).not.toContain('- Age 70');
    expect(card.detail).toContain('age 75 years or over');
    expect(card.detail).toContain('- None recorded beyond the combination itself');
  });

  it('with olderAdultAge lowered to 60 the age is listed as it makes the card critical', async () => {
    const body = await cardAt70(await ruleSetWith({ olderAdultAge: 60 }));
    expect(body.indicator).toBe('critical');
    expect(body.detail).toContain('- Age 70');
  });
});
