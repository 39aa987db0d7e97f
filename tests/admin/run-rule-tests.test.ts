/**
 * The rule tests runner and the explanation of an evaluation, called directly (the API and CLI
 * tests cover them through HTTP and a subprocess).
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RULE_TEST_NOW, runRuleTests } from '../../src/admin/index.ts';
import { fixturePath } from '../../src/admin/run-rule-tests.ts';
import { testConfig } from '../../src/config/index.ts';
import { buildRuleSet, readRuleSources } from '../../src/engine/index.ts';
import type { RuleSet, RuleSources } from '../../src/engine/index.ts';
import { explainFacts, explainRequest, formatExplanation } from '../../src/engine/explain.ts';
import { loadServiceDefinitions } from '../../src/protocol/index.ts';
import type { ServiceDefinition } from '../../src/protocol/index.ts';
import { withThrowingClassifier } from '../support/throwing-classifier.ts';
import { fixture } from '../support/test-app.ts';
import { ROOT } from './helpers.ts';

const FIXTURES = path.join(ROOT, 'fixtures');
const config = testConfig();

function withRule(sources: RuleSources, id: string, mutate: (rule: any) => void): RuleSet {
  const rules = sources.rules.map((f) => {
    if (f.name !== `${id}.json`) {
      return f;
    }
    const rule = JSON.parse(f.text);
    mutate(rule);
    return { name: f.name, text: JSON.stringify(rule) };
  });
  const built = buildRuleSet({ rules, valueSets: sources.valueSets });
  if (!built.ok) {
    throw new Error(built.errors.join('\n'));
  }
  return built.value;
}

describe('runRuleTests', () => {
  let sources: RuleSources;
  let services: ServiceDefinition[];
  beforeAll(async () => {
    sources = await readRuleSources(path.join(ROOT, 'rules'));
    const defs = await loadServiceDefinitions(config.servicesDir);
    if (!defs.ok) {
      throw new Error(defs.errors.join('\n'));
    }
    services = defs.value;
  });

  it('passes every case of a shipped rule, at the fixed date the fixtures assume', async () => {
    const set = withRule(sources, 'opioid-benzodiazepine', () => undefined);
    const report = await runRuleTests('opioid-benzodiazepine', set, { services, fixturesDir: FIXTURES, fhir: config.fhir });
    expect(report.ok).toBe(true);
    expect(report.results.length).toBeGreaterThanOrEqual(6);
    expect(RULE_TEST_NOW.toISOString()).toBe('2026-11-21T12:00:00.000Z');
  });

  it('tests a disabled rule as if it were active, so it can be checked before it is switched on', async () => {
    const set = withRule(sources, 'benzodiazepine-long-term', (r) => {
      r.status = 'disabled';
    });
    const report = await runRuleTests('benzodiazepine-long-term', set, { services, fixturesDir: FIXTURES, fhir: config.fhir });
    expect(report.ok).toBe(true);
    expect(set.engineRules.find((r) => r.ruleId === 'benzodiazepine-long-term')?.active).toBe(false);
  });

  it('reports each failing case with expected, got, and why a case could not run', async () => {
    const set = withRule(sources, 'benzodiazepine-long-term', (r) => {
      r.tests[0].expect = 'warning';
      r.tests[1].fixture = 'rules/missing.json';
      r.tests[2].fixture = 'invalid/missing-hook.json';
    });
    const report = await runRuleTests('benzodiazepine-long-term', set, { services, fixturesDir: FIXTURES, fhir: config.fhir });
    expect(report.ok).toBe(false);
    expect(report.results.slice(0, 3)).toEqual([
      expect.objectContaining({ index: 0, expect: 'warning', got: 'info', pass: false }),
      expect.objectContaining({ index: 1, got: 'error', pass: false, error: 'fixture "rules/missing.json" not found under fixtures/' }),
      expect.objectContaining({ index: 2, got: 'error', pass: false, error: 'fixture "invalid/missing-hook.json": no service for its hook' }),
    ]);
  });

  it('fails a case, even one that expects silence, when the rule throws (the clinician would get "check incomplete")', async () => {
    const built = withRule(sources, 'benzodiazepine-long-term', () => undefined);
    // A rule that passed the checks but throws when run (as a future operator bug would make it).
    const set: RuleSet = {
      ...built,
      engineRules: built.engineRules.map((r) => (r.ruleId === 'benzodiazepine-long-term' ? { ...r, conditions: { all: [{ fact: 'orderClasses', operator: 'noSuchOperator', value: ['x'] }] } } : r)),
    };
    const rule = set.rules.find((r) => r.id === 'benzodiazepine-long-term')!;
    expect(rule.tests?.some((t) => t.expect === 'silent')).toBe(true);
    const report = await runRuleTests('benzodiazepine-long-term', set, { services, fixturesDir: FIXTURES, fhir: config.fhir });
    expect(report.ok).toBe(false);
    expect(report.results.every((r) => r.got === 'error' && !r.pass && /could not be evaluated/.test(r.error ?? ''))).toBe(true);
  });

  it('fails every case, those that expect silence too, when the whole check stops with an error (the clinician would get only "check incomplete")', async () => {
    // A defect met while the facts are worked out: the classifier throws.
    const set = withThrowingClassifier(withRule(sources, 'benzodiazepine-long-term', () => undefined));
    const report = await runRuleTests('benzodiazepine-long-term', set, { services, fixturesDir: FIXTURES, fhir: config.fhir });
    expect(report.ok).toBe(false);
    expect(report.results.some((r) => r.expect === 'silent')).toBe(true);
    expect(report.results.every((r) => r.got === 'error' && !r.pass && /classifier defect/.test(r.error ?? ''))).toBe(true);
  });

  it('never resolves a fixture path outside fixtures/', () => {
    expect(fixturePath(FIXTURES, 'rules/x.json')).toBe(path.join(FIXTURES, 'rules', 'x.json'));
    for (const bad of ['../package.json', 'rules/../../package.json', '/etc/passwd.json', 'rules//x.json', 'Rules/X.json', 'rules/x.txt']) {
      expect(fixturePath(FIXTURES, bad), bad).toBeUndefined();
    }
  });
});

describe('explain', () => {
  let set: RuleSet;
  let services: ServiceDefinition[];
  beforeAll(async () => {
    const sources = await readRuleSources(path.join(ROOT, 'rules'));
    set = withRule(sources, 'opioid-high-mme', (r) => {
      r.status = 'disabled';
    });
    const defs = await loadServiceDefinitions(config.servicesDir);
    if (!defs.ok) {
      throw new Error(defs.errors.join('\n'));
    }
    services = defs.value;
  });

  it('gives every rule (disabled ones flagged) with each condition, its fact value and result', async () => {
    const body = fixture('rules/opioid-high-mme/oxycodone-10mg-every-4h-90-mme.json');
    const service = services.find((s) => s.hook === body.hook)!;
    const explanation = await explainRequest(service, body, { ruleSet: set, fhir: config.fhir, now: RULE_TEST_NOW });
    const [order] = explanation.orders;
    expect(order?.facts.totalMme).toBe(90);
    const highMme = order?.rules.find((r) => r.name === 'opioid-high-mme');
    expect(highMme).toMatchObject({ active: false, result: true });
    expect(order?.fired.map((f) => f.ruleId)).not.toContain('opioid-high-mme');
    const text = formatExplanation(explanation);
    expect(text).toContain('opioid-high-mme [info] disabled');
    expect(text).toMatch(/✓ totalMme greaterThanInclusive 50 +\(totalMme = 90\)/);
  });

  it('explains the other rules when one rule throws', async () => {
    const broken: RuleSet = {
      ...set,
      engineRules: [
        ...set.engineRules,
        { ruleId: 'broken', name: 'broken', priority: 50, indicator: 'info', active: true, conditions: { all: [{ fact: 'orderClasses', operator: 'containsAny', value: 'not-an-array' }] } },
        { ruleId: 'missing-fact', name: 'missing-fact', priority: 50, indicator: 'info', active: true, conditions: { all: [{ fact: 'noSuchFact', operator: 'equal', value: 1 }] } },
      ],
    };
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const service = services.find((s) => s.hook === body.hook)!;
    const explanation = await explainRequest(service, body, { ruleSet: broken, fhir: config.fhir, now: RULE_TEST_NOW });
    const rules = explanation.orders[0]!.rules;
    expect(rules.find((r) => r.name === 'opioid-benzodiazepine')?.result).toBe(true);
    expect(rules.find((r) => r.name === 'missing-fact')?.error).toMatch(/noSuchFact/);
    expect(rules.find((r) => r.name === 'missing-fact')?.conditions).toEqual({ kind: 'all', result: null, children: [{ kind: 'fact', fact: 'noSuchFact', operator: 'equal', value: 1, result: null }] });
    const direct = await explainFacts(set, explanation.orders[0]!.facts);
    expect(direct.length).toBe(set.engineRules.length);
  });
});
