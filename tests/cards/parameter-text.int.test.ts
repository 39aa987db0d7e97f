// A card's headline says the threshold the rule fires at. The shipped texts wrote the number ("patients 65
// and over", "50 MME/day or more"), so an informaticist who raised the parameter to 70 in the console got a
// card that fired from 70 and still said 65. Card texts now name the parameter ({{param:<name>}}), filled
// when the rule set loads. These cases go through the real pipeline: rule files -> rule set -> hook call -> card.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { RuleSet } from '../../src/engine/index.ts';
import { shippedRulesWith } from '../support/shipped-rules-with.ts';
import { ORDER_SIGN, createTestApp, expectConformant, fixture } from '../support/test-app.ts';

/** Fixtures assume today is 2026-11-21. */
const NOW = () => new Date('2026-11-21T12:00:00Z');

/** The card `ruleId` gives for a fixture's request, or undefined when it stays silent. */
async function cardFor(ruleId: string, fixturePath: string, ruleSet?: RuleSet, birthDate?: string): Promise<{ indicator: string; summary: string; detail: string } | undefined> {
  const body = fixture(fixturePath);
  if (birthDate) body.prefetch.patient.birthDate = birthDate;
  const t = await createTestApp({ now: NOW, ...(ruleSet ? { ruleSet } : {}) });
  const res = await request(t.app).post(ORDER_SIGN).send(body);
  expect(res.status).toBe(200);
  const card = expectConformant(res.body).find((c) => c.source.topic?.code === ruleId);
  return card ? { indicator: card.indicator, summary: card.summary, detail: card.detail ?? '' } : undefined;
}

const BENZO_78 = 'rules/benzodiazepine-older-adult/ativan-new-start-age-78.json';
const MME_60 = 'rules/opioid-high-mme/fentanyl-patch-25-mcg-60-mme.json';
const MME_90 = 'rules/opioid-high-mme/oxycodone-10mg-every-4h-90-mme.json';
const CNS_70 = 'rules/cns-depressants-older-adult/gabapentin-with-oxycodone-and-zolpidem-age-70.json';

describe('a changed parameter changes what the card says, not only when it fires', () => {
  it('benzodiazepine-older-adult with minimumAge raised to 70: the headline says 70', async () => {
    const card = await cardFor('benzodiazepine-older-adult', BENZO_78, await shippedRulesWith('benzodiazepine-older-adult', { minimumAge: 70 }));
    expect(card?.indicator).toBe('warning');
    expect(card?.summary).toBe('Benzodiazepines and sleep medicines raise the risk of falls, fractures and confusion in patients 70 and over.');
  });

  it('opioid-high-mme with its thresholds changed: the info headline and the warning escalation headline say the new doses', async () => {
    const set = await shippedRulesWith('opioid-high-mme', { infoThreshold: 40, warningThreshold: 80 });
    const info = await cardFor('opioid-high-mme', MME_60, set);
    expect(info?.indicator).toBe('info');
    expect(info?.summary).toBe('Total opioid dose is 40 MME/day or more: weigh the added overdose risk before increasing.');
    const warning = await cardFor('opioid-high-mme', MME_90, set);
    expect(warning?.indicator).toBe('warning');
    expect(warning?.summary).toBe('Total opioid dose of 80 MME/day or more: reassess benefits and risks, and make sure naloxone is at hand.');
  });

  it('a decimal threshold reads as written (42.5, not 42.50 or 4.25e1)', async () => {
    const card = await cardFor('opioid-high-mme', MME_60, await shippedRulesWith('opioid-high-mme', { infoThreshold: 42.5 }));
    expect(card?.summary).toBe('Total opioid dose is 42.5 MME/day or more: weigh the added overdose risk before increasing.');
  });

  it('cns-depressants-older-adult with minimumAge 70 and drugThreshold 3: the headline says both', async () => {
    const card = await cardFor('cns-depressants-older-adult', CNS_70, await shippedRulesWith('cns-depressants-older-adult', { minimumAge: 70 }));
    expect(card?.indicator).toBe('warning');
    expect(card?.summary).toBe('3 or more CNS-active medicines in a patient 70 or over raise the risk of falls and fractures; deprescribe one.');
  });
});

describe('the shipped rules read as before', () => {
  it('benzodiazepine-older-adult says 65', async () => {
    expect((await cardFor('benzodiazepine-older-adult', BENZO_78))?.summary).toBe(
      'Benzodiazepines and sleep medicines raise the risk of falls, fractures and confusion in patients 65 and over.'
    );
  });

  it('opioid-high-mme says 50 (info) and 90 (warning)', async () => {
    expect((await cardFor('opioid-high-mme', MME_60))?.summary).toBe('Total opioid dose is 50 MME/day or more: weigh the added overdose risk before increasing.');
    expect((await cardFor('opioid-high-mme', MME_90))?.summary).toBe(
      'Total opioid dose of 90 MME/day or more: reassess benefits and risks, and make sure naloxone is at hand.'
    );
  });

  it('cns-depressants-older-adult says 3 and 65', async () => {
    expect((await cardFor('cns-depressants-older-adult', CNS_70))?.summary).toBe(
      '3 or more CNS-active medicines in a patient 65 or over raise the risk of falls and fractures; deprescribe one.'
    );
  });

  it("opioid-benzodiazepine's detail still gives its thresholds with their units ({{param.<name>}})", async () => {
    const card = await cardFor('opioid-benzodiazepine', 'rules/opioid-benzodiazepine/oxycodone-lorazepam-65th-birthday-no-other-risk.json');
    expect(card?.detail).toContain('age 65 years or over');
    expect(card?.detail).toContain('a total opioid dose of 50 MME/day or more, or 3 or more CNS-active medicines');
  });
});
