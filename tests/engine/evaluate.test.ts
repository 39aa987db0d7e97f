import { describe, expect, it } from 'vitest';
import { compileRules, evaluateOrder, loadRuleSet } from '../../src/engine/index.ts';
import type { RuleDefinition, RuleSet } from '../../src/engine/index.ts';
import type { EngineFacts } from '../../src/facts/index.ts';
import { createTestApp } from '../support/test-app.ts';

const BASE: EngineFacts = {
  orderClasses: [],
  orderIngredients: [],
  concurrentClasses: [],
  patientAgeYears: 54,
  conditions: [],
  cnsActiveDrugCount: 0,
  totalMme: 0,
  mmeUnknownCount: 0,
  hasRescueNaloxone: true,
  orderIsNewTherapy: true,
  orderDaysOnTherapy: null,
  orderForDepression: false,
  ketamineBenzoGapHours: null,
  benzoDiazepamEqPerDay: null,
  ketaminePremedicationInSession: false,
  orderInpatientOnly: false,
  orderRaisesDailyDose: false,
};
const OPIOID_WITH_BENZO: EngineFacts = { ...BASE, orderClasses: ['opioid-analgesic'], concurrentClasses: ['benzodiazepine'], cnsActiveDrugCount: 2, totalMme: 20 };
const OPIOID_ALONE: EngineFacts = { ...BASE, orderClasses: ['opioid-analgesic'], cnsActiveDrugCount: 1, totalMme: 20 };
const BENZO_WITH_COUGH_OPIOID: EngineFacts = { ...BASE, orderClasses: ['benzodiazepine'], concurrentClasses: ['opioid-antitussive'], patientAgeYears: null, cnsActiveDrugCount: 2 };
const OUD_WITH_BENZO: EngineFacts = { ...BASE, orderClasses: ['oud-treatment'], concurrentClasses: ['benzodiazepine'], patientAgeYears: 40, cnsActiveDrugCount: 2 };

async function shippedRules(): Promise<RuleSet> {
  return (await createTestApp()).ruleSet;
}

describe('evaluateOrder', () => {
  it('fires opioid-benzodiazepine in both directions, including opioid cough medicine', async () => {
    const rules = await shippedRules();
    expect((await evaluateOrder(rules, OPIOID_WITH_BENZO)).hits.map((h) => h.ruleId)).toContain('opioid-benzodiazepine');
    expect((await evaluateOrder(rules, BENZO_WITH_COUGH_OPIOID)).hits.map((h) => h.ruleId)).toContain('opioid-benzodiazepine');
  });

  it('escalates opioid-benzodiazepine to critical with a risk factor, keeping one hit per rule', async () => {
    const rules = await shippedRules();
    const plain = (await evaluateOrder(rules, OPIOID_WITH_BENZO)).hits.filter((h) => h.ruleId === 'opioid-benzodiazepine');
    expect(plain).toEqual([{ ruleId: 'opioid-benzodiazepine', indicator: 'warning' }]);
    for (const risk of [{ totalMme: 50 }, { conditions: ['sleep-apnea' as const] }, { cnsActiveDrugCount: 3 }]) {
      const hits = (await evaluateOrder(rules, { ...OPIOID_WITH_BENZO, ...risk })).hits.filter((h) => h.ruleId === 'opioid-benzodiazepine');
      expect(hits).toHaveLength(1);
      expect(hits[0]!.indicator).toBe('critical');
      expect(hits[0]!.summary).toMatch(/risk factors/);
    }
  });

  it('fires numeric thresholds on numbers only, never on an unknown (null) value', async () => {
    const rules = await shippedRules();
    const ketamine: EngineFacts = { ...BASE, orderClasses: ['ketamine'], concurrentClasses: ['benzodiazepine'], orderForDepression: true };
    const ids = async (facts: EngineFacts) => (await evaluateOrder(rules, facts)).hits.map((h) => h.ruleId);
    expect(await ids(ketamine)).not.toContain('ketamine-benzodiazepine-timing');
    expect(await ids({ ...ketamine, ketamineBenzoGapHours: 6 })).toContain('ketamine-benzodiazepine-timing');
    expect(await ids({ ...ketamine, ketamineBenzoGapHours: 13 })).not.toContain('ketamine-benzodiazepine-timing');
    expect(await ids({ ...ketamine, benzoDiazepamEqPerDay: 9 })).toContain('ketamine-benzodiazepine-timing');
  });

  it('stays silent for an opioid alone and for opioid use disorder treatment', async () => {
    const rules = await shippedRules();
    expect((await evaluateOrder(rules, OPIOID_ALONE)).hits.map((h) => h.ruleId)).not.toContain('opioid-benzodiazepine');
    expect((await evaluateOrder(rules, OUD_WITH_BENZO)).hits.map((h) => h.ruleId)).not.toContain('opioid-benzodiazepine');
  });

  it('gives every one of 400 interleaved evaluations its own result (no shared Engine state)', async () => {
    const rules = await shippedRules();
    const inputs = Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? OPIOID_WITH_BENZO : OPIOID_ALONE));
    const results = await Promise.all(inputs.map((facts) => evaluateOrder(rules, facts)));
    results.forEach((result, i) => {
      const fired = result.hits.some((h) => h.ruleId === 'opioid-benzodiazepine');
      expect(fired).toBe(i % 2 === 0);
    });
  });

  it('isolates a rule that throws: the others still fire and the failure is reported', async () => {
    const rules = await shippedRules();
    const broken: RuleDefinition = {
      ...rules.rules[0]!,
      id: 'broken-rule',
      title: 'Broken rule',
      conditions: { all: [{ fact: 'orderClasses', operator: 'noSuchOperator', value: 1 }] },
    };
    const withBroken: RuleSet = { ...rules, rules: [...rules.rules, broken], engineRules: compileRules([...rules.rules, broken]) };
    const result = await evaluateOrder(withBroken, OPIOID_WITH_BENZO);
    expect(result.hits.map((h) => h.ruleId)).toContain('opioid-benzodiazepine');
    expect(result.failures.map((f) => f.ruleId)).toEqual(['broken-rule']);
  });

  it('keeps the base warning of a rule whose escalation throws, and reports the rule as not fully checked', async () => {
    const rules = await shippedRules();
    const base = rules.rules.find((r) => r.id === 'opioid-benzodiazepine')!;
    const brokenEscalation: RuleDefinition = {
      ...base,
      escalations: [{ indicator: 'critical', summary: 'Escalated.', conditions: { all: [{ fact: 'totalMme', operator: 'noSuchOperator', value: 1 }] } }],
    };
    const ruleList = rules.rules.map((r) => (r.id === base.id ? brokenEscalation : r));
    const result = await evaluateOrder({ ...rules, rules: ruleList, engineRules: compileRules(ruleList) }, OPIOID_WITH_BENZO);
    expect(result.hits.find((h) => h.ruleId === base.id)?.indicator).toBe('warning');
    expect(result.failures.map((f) => f.ruleId)).toEqual([base.id]);
  });

  it('never runs a disabled rule', async () => {
    const rules = await shippedRules();
    const disabledRules = rules.rules.map((r) => ({ ...r, status: 'disabled' as const }));
    const disabled: RuleSet = { ...rules, rules: disabledRules, engineRules: compileRules(disabledRules) };
    expect((await evaluateOrder(disabled, OPIOID_WITH_BENZO)).hits).toEqual([]);
  });
});

describe('loadRuleSet', () => {
  it('loads the shipped rules with a stable content version', async () => {
    const a = await loadRuleSet('rules');
    const b = await loadRuleSet('rules');
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) {
      expect(a.value.version).toBe(b.value.version);
      expect(a.value.rules.map((r) => r.id)).toContain('opioid-benzodiazepine');
    }
  });
});
