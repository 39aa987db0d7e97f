/**
 * The shipped rule set with some of one rule's parameter values changed, as an informaticist would change them in
 * the console: for tests that a card follows its rule's parameters (texts, thresholds) through the real pipeline.
 */
import { testConfig } from '../../src/config/index.ts';
import { buildRuleSet, readRuleSources } from '../../src/engine/index.ts';
import type { RuleSet } from '../../src/engine/index.ts';

/** The shipped rules, with rule `ruleId`'s parameters named in `values` set to those values. */
export async function shippedRulesWith(ruleId: string, values: Record<string, number | string>): Promise<RuleSet> {
  const sources = await readRuleSources(testConfig().rulesDir);
  const rules = sources.rules.map((file) => {
    if (file.name !== `${ruleId}.json`) return file;
    const rule = JSON.parse(file.text);
    for (const [name, value] of Object.entries(values)) rule.parameters[name].value = value;
    return { ...file, text: JSON.stringify(rule) };
  });
  const built = buildRuleSet({ ...sources, rules });
  if (!built.ok) throw new Error(built.errors.join('\n'));
  return built.value;
}
