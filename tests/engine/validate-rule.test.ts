import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuleSet } from '../../src/engine/index.ts';
import { ruleErrors } from './rule-errors.ts';

const SHIPPED = JSON.parse(readFileSync('rules/opioid-benzodiazepine.json', 'utf8'));
const FILE = 'opioid-benzodiazepine.json';

const errorsFor = ruleErrors(FILE);

describe('validateRule: clear errors naming the file, the JSON pointer and what was expected', () => {
  it('accepts the shipped rule', () => {
    expect(errorsFor(() => undefined)).toEqual([]);
  });

  it('names a misspelt field', () => {
    expect(errorsFor((r) => (r.card.sumary = 'x'))).toContain(`${FILE}: /card: unknown field "sumary" (check the spelling)`);
  });

  it('names a missing required field', () => {
    expect(errorsFor((r) => delete r.evidence)).toContain(`${FILE}: /: missing required field "evidence"`);
  });

  it('lists the allowed values of an enum', () => {
    expect(errorsFor((r) => (r.indicator = 'hard-stop'))).toContain(`${FILE}: /indicator: must be one of "info", "warning", "critical"`);
  });

  it('refuses a summary of 140 characters or more', () => {
    expect(errorsFor((r) => (r.card.summary = 'x'.repeat(140)))).toContain(`${FILE}: /card/summary: must be at most 139 characters`);
  });

  it("refuses a fact, parameter or placeholder named after what every object has (valueOf, constructor) with a clear error, not a crash", () => {
    for (const name of ['valueOf', 'constructor', 'toString', '__proto__']) {
      const fact = errorsFor((r) => (r.conditions.any[0].all[0].fact = name));
      expect(fact.some((e) => e.includes(`unknown fact "${name}"`)), `${name}: ${fact.join('; ')}`).toBe(true);
      const parameter = errorsFor((r) => (r.conditions.any[1].all[1].value = `$param:${name}`));
      expect(parameter.some((e) => e.includes(`"$param:${name}" names no entry in "parameters"`)), `${name}: ${parameter.join('; ')}`).toBe(true);
      const placeholder = errorsFor((r) => (r.card.detail += ` {{param.${name}}}`));
      expect(placeholder.some((e) => e.includes(`{{param.${name}}} names no entry in "parameters"`)), `${name}: ${placeholder.join('; ')}`).toBe(true);
    }
  });

  it('refuses an unknown fact and lists the known ones', () => {
    const errors = errorsFor((r) => (r.conditions.any[0].all[0].fact = 'orderClass'));
    expect(errors[0]).toMatch(/^opioid-benzodiazepine\.json: \/conditions\/any\/0\/all\/0\/fact: unknown fact "orderClass"; known facts are .*orderClasses/);
  });

  it('refuses an id that does not match the file name', () => {
    expect(errorsFor((r) => (r.id = 'other-id'))).toContain(`${FILE}: /id: the id "other-id" must equal the file name "opioid-benzodiazepine"`);
  });

  it('refuses an unknown placeholder in the detail', () => {
    expect(errorsFor((r) => (r.card.detail += ' {{dose}}'))[0]).toMatch(/\/card\/detail: unknown placeholder \{\{dose\}\}/);
  });

  it('requires override reasons on warning and critical cards', () => {
    expect(errorsFor((r) => delete r.card.overrideReasons)).toContain(`${FILE}: /card/overrideReasons: warning cards must offer at least one coded override reason`);
  });

  it('refuses a drug class that does not exist (a typo would never match)', () => {
    const errors = errorsFor((r) => (r.conditions.any[0].all[1].value = 'benzodiazepines'));
    expect(errors[0]).toMatch(/\/conditions\/any\/0\/all\/1\/value: "benzodiazepines" is not a known value of "concurrentClasses"/);
  });

  it('refuses a comparison with another fact, which the service does not support', () => {
    expect(errorsFor((r) => (r.conditions.any[0].all[1].value = { fact: 'orderClasses' }))[0]).toMatch(/comparing with another fact is not supported/);
  });

  it('refuses a rule that replaces itself', () => {
    expect(errorsFor((r) => (r.replaces = ['opioid-benzodiazepine']))).toContain(`${FILE}: /replaces: a rule cannot replace itself`);
  });

  it('refuses an unknown operator', () => {
    expect(errorsFor((r) => (r.conditions.any[0].all[0].operator = 'has'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/\/conditions\/any\/0\/all\/0\/operator: must be one of/)])
    );
  });
});

describe('validateRule: conditions that would never fire, or throw on every order', () => {
  // opioid-benzodiazepine: conditions.any[0].all[0] is orderClasses containsAny [...], all[1] concurrentClasses contains "benzodiazepine".
  const FIRST = '/conditions/any/0/all/0';
  const SECOND = '/conditions/any/0/all/1';

  it('refuses an operator that does not work on the fact (in on a list of classes matched substrings)', () => {
    expect(errorsFor((r) => Object.assign(r.conditions.any[0].all[1], { operator: 'in', value: ['benzodiazepine'] }))).toContain(
      `${FILE}: ${SECOND}/operator: "in" does not work on "concurrentClasses" (a list of values); use contains, doesNotContain, containsAny, containsNone`
    );
  });

  it('refuses a single value where the operator needs a list, and a list where it needs one value', () => {
    expect(errorsFor((r) => (r.conditions.any[0].all[0].value = 'opioid-analgesic'))).toContain(`${FILE}: ${FIRST}/value: "containsAny" needs a list of values`);
    expect(errorsFor((r) => (r.conditions.any[0].all[1].value = ['benzodiazepine']))).toContain(`${FILE}: ${SECOND}/value: "contains" needs a single value, not a list`);
  });

  it('refuses a threshold that is not a number', () => {
    const errors = errorsFor((r) => (r.parameters.mmeThreshold.value = '50'));
    expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(/\/escalations\/0\/conditions\/any\/0\/value: "totalMme" is compared with numbers/)]));
  });

  it('checks the shape a parameter brings in (in with a single number would throw on every order)', () => {
    const errors = errorsFor((r) => {
      r.parameters.ages = { value: 65, description: 'Ages' };
      r.conditions.any[0].all.push({ fact: 'patientAgeYears', operator: 'in', value: '$param:ages' });
    });
    expect(errors).toContain(`${FILE}: ${'/conditions/any/0/all/2'}/value: "in" needs a list of values`);
  });

  it('refuses a parameter whose value is not a known class (the rule would never fire)', () => {
    const errors = errorsFor((r) => {
      r.parameters.benzo = { value: 'benzodiazepines', description: 'Class' };
      r.conditions.any[0].all[1].value = '$param:benzo';
    });
    expect(errors).toContain(
      `${FILE}: /parameters/benzo/value: "benzodiazepines" (used at ${SECOND}/value) is not a known value of "concurrentClasses"; known values are ${errors[0]!.split('known values are ')[1]}`
    );
  });
});

describe('validateRule: summaries are one sentence, as CDS Hooks shows them', () => {
  it('refuses a summary of two sentences', () => {
    expect(errorsFor((r) => (r.card.summary = 'Benzodiazepine continued long term. Review the taper plan now.'))).toContain(
      `${FILE}: /card/summary: must be one sentence on one line (CDS Hooks shows it as the card's headline); put the rest in /card/detail`
    );
  });

  it("refuses an escalation summary with a line separator", () => {
    expect(errorsFor((r) => (r.escalations[0].summary = 'High overdose risk\u2028with added risk factors.'))).toContain(
      `${FILE}: /escalations/0/summary: must be one sentence on one line (CDS Hooks shows it as the card's headline); put the rest in /card/detail`
    );
  });

  it('gives the same answer every time for a placeholder in the summary (no state kept between calls)', () => {
    const withPlaceholder = (r: any) => {
      r.card.summary = 'Review {{order}} with the benzodiazepine now.';
      delete r.escalations; // nothing else checked after the summary
    };
    const first = errorsFor(withPlaceholder);
    const second = errorsFor(withPlaceholder);
    expect(first).toContain(
      `${FILE}: /card/summary: {{order}} is not allowed in a summary, which reads the same for every patient; only the rule's parameters are ({{param:<name>}}); put patient details in /card/detail`
    );
    expect(second).toEqual(first);
  });
});

describe('loadRuleSet refuses the whole set when one file is bad', () => {
  function dirWith(files: Record<string, string>): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'rules-'));
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(path.join(dir, name), text);
    }
    return dir;
  }

  it('reports invalid JSON with the file name', async () => {
    const result = await loadRuleSet(dirWith({ [FILE]: JSON.stringify(SHIPPED), 'broken.json': '{ "id": ' }));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors[0]).toMatch(/^broken\.json: not valid JSON/);
    }
  });

  it('reports a replaces entry that names no rule', async () => {
    const rule = { ...structuredClone(SHIPPED), replaces: ['no-such-rule'] };
    const result = await loadRuleSet(dirWith({ [FILE]: JSON.stringify(rule) }));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors).toContain(`${FILE}: /replaces: no rule with id "no-such-rule"`);
    }
  });

  it('refuses rules that replace each other (both cards would vanish)', async () => {
    const a = { ...structuredClone(SHIPPED), replaces: ['other-rule'] };
    const b = { ...structuredClone(SHIPPED), id: 'other-rule', replaces: ['opioid-benzodiazepine'] };
    const result = await loadRuleSet(dirWith({ [FILE]: JSON.stringify(a), 'other-rule.json': JSON.stringify(b) }));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.join('\n')).toMatch(/would end up replacing itself/);
    }
  });

  it('refuses an empty rules folder', async () => {
    const result = await loadRuleSet(dirWith({}));
    expect(result.ok).toBe(false);
  });

  it('changes the version when a rule file changes', async () => {
    const a = await loadRuleSet(dirWith({ [FILE]: JSON.stringify(SHIPPED) }));
    const b = await loadRuleSet(dirWith({ [FILE]: JSON.stringify({ ...SHIPPED, version: '1.0.1' }) }));
    expect(a.ok && b.ok && a.value.version !== b.value.version).toBe(true);
  });
});
