// The pre-check that leaves rules out of the engine must never change a result: for random facts, the
// gated evaluation fires exactly the rules a plain json-rules-engine run over every active rule fires.
import fc from 'fast-check';
import { Engine } from 'json-rules-engine';
import { describe, expect, it } from 'vitest';
import { evaluateOrder, loadRuleSet } from '../../src/engine/index.ts';
import type { RuleSet } from '../../src/engine/index.ts';
import { CUSTOM_OPERATORS } from '../../src/engine/operators.ts';
import { orderClassGate } from '../../src/engine/order-class-gate.ts';
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
}) as fc.Arbitrary<EngineFacts>;

describe('order class gate', () => {
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

  it('decides only list facts with list operators, and leaves anything it cannot vouch for to the engine', () => {
    const gate = orderClassGate({ all: [{ fact: 'orderClasses', operator: 'contains', value: 'opioid-analgesic' }, { fact: 'totalMme', operator: 'greaterThan', value: 50 }] });
    expect(gate({ orderClasses: ['benzodiazepine'] })).toBe(false);
    expect(gate({ orderClasses: ['opioid-analgesic'] })).toBeUndefined();
    // A fact that is not an array at run time: the engine decides.
    expect(gate({ orderClasses: 'opioid-analgesic' })).toBeUndefined();
    // Unknown operator, condition reference, path or empty any: never gated (the engine may throw or fire).
    expect(orderClassGate({ all: [{ fact: 'orderClasses', operator: 'noSuchOperator', value: 1 }] })({ orderClasses: [] })).toBeUndefined();
    expect(orderClassGate({ any: [] })({ orderClasses: [] })).toBeUndefined();
    expect(orderClassGate({ all: [{ fact: 'orderClasses', operator: 'contains', value: 'x', path: '$.a' }] } as never)({ orderClasses: [] })).toBeUndefined();
    expect(orderClassGate({ not: { fact: 'orderClasses', operator: 'containsAny', value: ['ketamine'] } })({ orderClasses: ['ketamine'] })).toBe(false);
  });
});
