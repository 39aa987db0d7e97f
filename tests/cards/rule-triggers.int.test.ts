/**
 * {{triggers}}: a card's "Why, for this patient" names what made its rule fire, read from the rule's own
 * conditions. The naloxone card used the shared risk-factor list: "None recorded beyond the combination itself"
 * beside a benzodiazepine, age and COPD (which do not fire it), and no reason at all for an opioid use disorder
 * treatment order. The rules here are the shipped ones with {{triggers}} in place of {{riskFactors}} (the text a
 * rule author writes; the shipped rules' texts are edited separately).
 */
import path from 'node:path';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildRuleSet, readRuleSources } from '../../src/engine/index.ts';
import type { Card } from '../../src/protocol/types.ts';
import { ORDER_SELECT, ORDER_SIGN, ROOT, createTestApp, expectConformant, fixture } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

const NOW = new Date('2026-11-21T12:00:00Z');
let t: TestApp;

beforeAll(async () => {
  const sources = await readRuleSources(path.join(ROOT, 'rules'));
  const rules = sources.rules.map((r) => {
    if (r.name !== 'naloxone-co-prescribe.json' && r.name !== 'opioid-new-start-copd-older-adult.json') return r;
    const rule = JSON.parse(r.text);
    rule.card.detail = rule.card.detail.replace('{{riskFactors}}', '{{triggers}}');
    return { ...r, text: JSON.stringify(rule) };
  });
  const built = buildRuleSet({ ...sources, rules }, NOW);
  if (!built.ok) throw new Error(built.errors.join('\n'));
  t = await createTestApp({ ruleSet: built.value, now: () => NOW });
});

/** The list under "Why, for this patient" (or the risk-factor heading) of the rule's card. */
async function why(name: string, ruleId: string): Promise<string[]> {
  const body = fixture(name);
  const res = await request(t.app).post(body.hook === 'order-select' ? ORDER_SELECT : ORDER_SIGN).send(body);
  const card: Card | undefined = expectConformant(res.body).find((c) => c.source.topic?.code === ruleId);
  expect(card, `${ruleId} card`).toBeDefined();
  const detail = card!.detail ?? '';
  const start = detail.search(/\*\*(Why, for this patient|This patient's risk factors):\*\*/);
  expect(start).toBeGreaterThanOrEqual(0);
  const lines = detail.slice(start).split('\n').slice(1);
  const from = lines.findIndex((l) => l.startsWith('- '));
  const to = lines.findIndex((l, i) => i > from && !l.startsWith('- '));
  return lines.slice(from, to < 0 ? undefined : to);
}

describe('the naloxone card names what fired it', () => {
  it('an opioid use disorder treatment order', async () => {
    expect(await why('rules/methadone-for-pain/methadone-for-opioid-use-disorder-silent.json', 'naloxone-co-prescribe')).toEqual(['- This order is treatment for opioid use disorder']);
  });

  it('the benzodiazepine on file, not "none recorded beyond the combination"', async () => {
    expect(await why('order-sign/opioid-draft-with-active-benzodiazepine.json', 'naloxone-co-prescribe')).toEqual(['- Benzodiazepine: Alprazolam 0.5 MG Oral Tablet (active prescription, ordered 2026-10-28)']);
  });

  it('the sedative, not the age and COPD (which do not fire it)', async () => {
    expect(await why('rules/opioid-benzodiazepine-copd-older-adult/oxycodone-lorazepam-copd-age-72.json', 'naloxone-co-prescribe')).toEqual(['- Benzodiazepine: Lorazepam 0.5 MG Oral Tablet (active prescription, ordered 2026-10-12)']);
  });

  it('the total opioid dose with its threshold', async () => {
    expect(await why('rules/methadone-dose-increase/prn-methadone-added-to-scheduled-methadone.json', 'naloxone-co-prescribe')).toEqual(['- Total opioid dose 117.5 MME/day (50 MME/day or more)']);
  });

  it('a past overdose, a sleep apnea, a gabapentinoid', async () => {
    expect(await why('rules/naloxone-co-prescribe/tramadol-past-opioid-overdose.json', 'naloxone-co-prescribe')).toEqual(['- History of overdose (recorded as "Accidental opioid overdose")']);
    expect(await why('rules/naloxone-co-prescribe/hydrocodone-sleep-apnea.json', 'naloxone-co-prescribe')).toEqual(['- Sleep apnea (recorded as "Obstructive sleep apnea (adult) (pediatric)")']);
    expect(await why('rules/naloxone-co-prescribe/morphine-er-with-gabapentin.json', 'naloxone-co-prescribe')).toEqual(['- Gabapentinoid: Gabapentin 300 MG Oral Capsule (active prescription, ordered 2026-04-04)']);
  });
});

describe('a rule with no alternatives (all of its conditions are the reason)', () => {
  it('names each condition that holds, and none of its exclusions', async () => {
    expect(await why('rules/opioid-new-start-copd-older-adult/oxycodone-new-copd-age-72.json', 'opioid-new-start-copd-older-adult')).toEqual([
      '- This order is an opioid for pain',
      '- A new start: no medicine the patient takes has the same ingredient',
      '- COPD (recorded as "Chronic obstructive pulmonary disease, unspecified")',
      '- Age 72 (66 or more)',
    ]);
  });
});

describe('rules that keep {{riskFactors}}', () => {
  it('are unchanged: age and COPD as risk factors of the combination', async () => {
    expect(await why('rules/opioid-benzodiazepine-copd-older-adult/oxycodone-lorazepam-copd-age-72.json', 'opioid-benzodiazepine-copd-older-adult')).toEqual([
      '- Age 72',
      '- COPD (recorded as "Chronic obstructive pulmonary disease, unspecified")',
    ]);
  });
});
