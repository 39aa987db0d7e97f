import { describe, expect, it } from 'vitest';
import { evaluateOrder, loadRuleSet } from '../../src/engine/index.ts';
import type { RuleDefinition, RuleSet } from '../../src/engine/index.ts';
import type { EngineFacts } from '../../src/facts/index.ts';
import { createTestApp } from '../support/test-app.ts';

const OPIOID_WITH_BENZO: EngineFacts = { orderClasses: ['opioid-analgesic'], concurrentClasses: ['benzodiazepine'], patientAgeYears: 54 };
const OPIOID_ALONE: EngineFacts = { orderClasses: ['opioid-analgesic'], concurrentClasses: [], patientAgeYears: 54 };
const BENZO_WITH_COUGH_OPIOID: EngineFacts = { orderClasses: ['benzodiazepine'], concurrentClasses: ['opioid-antitussive'], patientAgeYears: null };
const OUD_WITH_BENZO: EngineFacts = { orderClasses: ['oud-treatment'], concurrentClasses: ['benzodiazepine'], patientAgeYears: 40 };

async function shippedRules(): Promise<RuleSet> {
  return (await createTestApp()).ruleSet;
}

describe('evaluateOrder', () => {
  it('fires opioid-benzodiazepine in both directions, including opioid cough medicine', async () => {
    const rules = await shippedRules();
    expect((await evaluateOrder(rules, OPIOID_WITH_BENZO)).hits.map((h) => h.ruleId)).toContain('opioid-benzodiazepine');
    expect((await evaluateOrder(rules, BENZO_WITH_COUGH_OPIOID)).hits.map((h) => h.ruleId)).toContain('opioid-benzodiazepine');
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
    const withBroken: RuleSet = { ...rules, rules: [...rules.rules, broken] };
    const result = await evaluateOrder(withBroken, OPIOID_WITH_BENZO);
    expect(result.hits.map((h) => h.ruleId)).toContain('opioid-benzodiazepine');
    expect(result.failures.map((f) => f.ruleId)).toEqual(['broken-rule']);
  });

  it('never runs a disabled rule', async () => {
    const rules = await shippedRules();
    const disabled: RuleSet = { ...rules, rules: rules.rules.map((r) => ({ ...r, status: 'disabled' as const })) };
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
