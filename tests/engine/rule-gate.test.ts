// The pre-check that leaves rules out of the engine must never change a result: for random facts, the
// gated evaluation fires exactly the rules a plain json-rules-engine run over every active rule fires.
import fc from 'fast-check';
import { Engine } from 'json-rules-engine';
import type { TopLevelCondition } from 'json-rules-engine';
import { describe, expect, it } from 'vitest';
import { evaluateOrder, loadRuleSet } from '../../src/engine/index.ts';
import type { RuleSet } from '../../src/engine/index.ts';
import { CUSTOM_OPERATORS } from '../../src/engine/operators.ts';
import { ruleGate } from '../../src/engine/rule-gate.ts';
import type { EngineFacts } from '../../src/facts/index.ts';
import { CONDITION_GROUPS, DRUG_CLASSES } from '../../src/terminology/index.ts';

async function shipped(): Promise<RuleSet> {
  const loaded = await loadRuleSet('rules');
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  return loaded.value;
}

/** Every active rule through one fresh Engine, no gate: the reference. */
async function ungatedRuleIds(ruleSet: RuleSet, facts: EngineFacts): Promise<string[]> {
  const engine = new Engine([], { allowUndefinedFacts: false, replaceFactsInEventParams: false });
  for (const op of CUSTOM_OPERATORS) engine.addOperator(op);
  const active = ruleSet.engineRules.filter((r) => r.active);
  for (const r of active) engine.addRule({ name: r.name, priority: r.priority, conditions: r.conditions, event: { type: r.name } });
  const { events } = await engine.run({ ...facts });
  const byName = new Map(active.map((r) => [r.name, r.ruleId]));
  return [...new Set(events.map((e) => byName.get(e.type)!))].sort();
}

const classes = fc.uniqueArray(fc.constantFrom(...DRUG_CLASSES), { maxLength: 4 });
const facts: fc.Arbitrary<EngineFacts> = fc.record({
  orderClasses: classes,
  orderIngredients: fc.uniqueArray(fc.constantFrom('methadone', 'oxycodone', 'alprazolam', 'ketamine', 'acetaminophen'), { maxLength: 2 }),
  concurrentClasses: classes,
  patientAgeYears: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
  conditions: fc.uniqueArray(fc.constantFrom(...CONDITION_GROUPS), { maxLength: 3 }),
  cnsActiveDrugCount: fc.integer({ min: 0, max: 5 }),
  totalMme: fc.integer({ min: 0, max: 200 }),
  mmeUnknownCount: fc.integer({ min: 0, max: 2 }),
  hasRescueNaloxone: fc.boolean(),
  orderIsNewTherapy: fc.boolean(),
  orderDaysOnTherapy: fc.option(fc.integer({ min: 0, max: 400 }), { nil: null }),
  orderForDepression: fc.boolean(),
  ketamineBenzoGapHours: fc.option(fc.integer({ min: 0, max: 48 }), { nil: null }),
  benzoDiazepamEqPerDay: fc.option(fc.integer({ min: 0, max: 60 }), { nil: null }),
  ketaminePremedicationInSession: fc.boolean(),
  orderInpatientOnly: fc.boolean(),
  orderRaisesDailyDose: fc.option(fc.boolean(), { nil: null }),
}) as fc.Arbitrary<EngineFacts>;

describe('rule gate', () => {
  it('gives the same rules as an ungated engine run (shipped rules, random facts)', async () => {
    const ruleSet = await shipped();
    await fc.assert(
      fc.asyncProperty(facts, async (f) => {
        const gated = (await evaluateOrder(ruleSet, f)).hits.map((h) => h.ruleId).sort();
        expect(gated).toEqual(await ungatedRuleIds(ruleSet, f));
      }),
      { numRuns: 400 }
    );
  });

  it('never leaves out a rule the engine would fire or fail on (random rules, facts of any type)', async () => {
    // Reference: the one rule alone in a fresh Engine, as evaluate.ts builds it.
    const outcome = async (conditions: TopLevelCondition, values: Record<string, unknown>): Promise<'fired' | 'silent' | 'threw'> => {
      const engine = new Engine([], { allowUndefinedFacts: false, replaceFactsInEventParams: false });
      for (const op of CUSTOM_OPERATORS) engine.addOperator(op);
      engine.addRule({ name: 'r', conditions, event: { type: 'r' } });
      try {
        const { events } = await engine.run({ ...values });
        return events.length > 0 ? 'fired' : 'silent';
      } catch {
        return 'threw';
      }
    };
    const names = ['orderClasses', 'patientAgeYears', 'totalMme', 'orderIsNewTherapy', 'conditions'];
    const plain = fc.oneof(fc.constantFrom('opioid-analgesic', 'benzodiazepine', 'copd', '65', '', 'x'), fc.integer({ min: -5, max: 120 }), fc.constantFrom(true, false, null, 65, 0, 90.5));
    const factValue = fc.oneof({ arbitrary: plain, weight: 4 }, { arbitrary: fc.array(plain, { maxLength: 3 }), weight: 4 }, { arbitrary: fc.constant(Number.NaN), weight: 1 }, { arbitrary: fc.constant(undefined), weight: 1 });
    const operators = ['equal', 'notEqual', 'in', 'notIn', 'contains', 'doesNotContain', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive', 'containsAny', 'containsNone'];
    const leaf = fc.record({ fact: fc.constantFrom(...names), operator: fc.constantFrom(...operators), value: fc.oneof(plain, fc.array(plain, { maxLength: 3 })) });
    const tree = fc.letrec<{ node: unknown }>((tie) => ({
      node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.record({ all: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }), fc.record({ any: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }), fc.record({ not: tie('node') })),
    }));
    const top = fc.oneof(fc.record({ all: fc.array(tree.node, { minLength: 1, maxLength: 3 }) }), fc.record({ any: fc.array(tree.node, { minLength: 1, maxLength: 3 }) }));
    // Every fact usually present (as engineFactsFor gives them), sometimes absent or undefined.
    const values = fc.record(Object.fromEntries(names.map((n) => [n, factValue])), { requiredKeys: names.slice(1) });
    let decided = 0;
    await fc.assert(
      fc.asyncProperty(top, values, async (conditions, facts) => {
        const gate = ruleGate(conditions as TopLevelCondition)(facts);
        if (gate === undefined) return;
        decided++;
        // false: the rule is left out, so the engine must not have fired it nor failed on it; true: it fires.
        expect(await outcome(conditions as TopLevelCondition, facts)).toBe(gate ? 'fired' : 'silent');
      }),
      { numRuns: 3000 }
    );
    // The property means something only if the gate decides a good share of the cases.
    expect(decided).toBeGreaterThan(500);
  });

  it('decides conditions it can decide exactly, and leaves anything it cannot vouch for to the engine', () => {
    const gate = ruleGate({ all: [{ fact: 'orderClasses', operator: 'contains', value: 'opioid-analgesic' }, { fact: 'totalMme', operator: 'greaterThan', value: 50 }] });
    expect(gate({ orderClasses: ['benzodiazepine'], totalMme: 60 })).toBe(false);
    expect(gate({ orderClasses: ['opioid-analgesic'], totalMme: 40 })).toBe(false);
    expect(gate({ orderClasses: ['opioid-analgesic'], totalMme: 60 })).toBe(true);
    // json-rules-engine's number validator: null never passes; a string is left to the engine.
    expect(gate({ orderClasses: ['opioid-analgesic'], totalMme: null })).toBe(false);
    expect(gate({ orderClasses: ['opioid-analgesic'], totalMme: '60' })).toBeUndefined();
    // An absent fact makes the engine reject (a "check incomplete" card): never left out.
    expect(gate({ orderClasses: ['benzodiazepine'] })).toBeUndefined();
    // A fact that is not an array at run time: the engine decides.
    expect(gate({ orderClasses: 'opioid-analgesic', totalMme: 60 })).toBeUndefined();
    // Unknown operator, condition reference, path or empty any: never gated (the engine may throw or fire).
    expect(ruleGate({ all: [{ fact: 'orderClasses', operator: 'noSuchOperator', value: 1 }] })({ orderClasses: [] })).toBeUndefined();
    expect(ruleGate({ any: [] })({ orderClasses: [] })).toBeUndefined();
    expect(ruleGate({ all: [{ fact: 'orderClasses', operator: 'contains', value: 'x', path: '$.a' }] } as never)({ orderClasses: [] })).toBeUndefined();
    expect(ruleGate({ not: { fact: 'orderClasses', operator: 'containsAny', value: ['ketamine'] } })({ orderClasses: ['ketamine'] })).toBe(false);
    // Shapes json-rules-engine reads differently or refuses (the rule schema forbids them): never gated.
    const T = { fact: 'totalMme', operator: 'greaterThan', value: 0 };
    const F = { fact: 'totalMme', operator: 'lessThan', value: 0 };
    const facts = { totalMme: 10 };
    expect(ruleGate({ any: [{ all: [F], any: [T] }] } as never)(facts)).toBeUndefined();
    expect(ruleGate({ all: [F], any: null } as never)(facts)).toBeUndefined();
    expect(ruleGate({ any: [{ all: [F], condition: 'x' }] } as never)(facts)).toBeUndefined();
    expect(ruleGate(F as never)(facts)).toBeUndefined();
    // A function-valued fact is called by the engine: not compared here.
    expect(ruleGate({ all: [{ fact: 'totalMme', operator: 'equal', value: 5 }] })({ totalMme: () => 5 })).toBeUndefined();
  });
});
