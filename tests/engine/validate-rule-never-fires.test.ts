// Rules that validated but could never fire, or whose condition was the same for every order: a parameter
// whose value is itself a "$param:" reference (it is compared as that text), and a list operator given an
// empty list (containsAny and in: always false; containsNone and notIn: always true).
import { describe, expect, it } from 'vitest';
import { ruleErrors } from './rule-errors.ts';

const FILE = 'opioid-benzodiazepine.json';

const errorsFor = ruleErrors(FILE);

describe('validateRule refuses conditions that can never hold or always hold', () => {
  it('refuses a parameter whose value is a "$param:" reference, naming the parameter and what to write', () => {
    // A number threshold whose value is the text "$param:mmeThreshold": totalMme >= "$param:..." never holds.
    const threshold = errorsFor((r) => (r.parameters.mmeThreshold.value = '$param:mmeThreshold'));
    expect(threshold).toEqual([
      `${FILE}: /parameters/mmeThreshold/value: "$param:mmeThreshold" refers to a parameter, but a parameter cannot refer to another (a condition using it would compare with this text and never hold); write the value itself: a number, a text, or true or false`,
    ]);
    // A true/false fact compared with a parameter whose value is a reference to another.
    const flag = errorsFor((r) => {
      r.parameters.flag = { value: '$param:cnsDrugThreshold', description: 'feature flag' };
      r.conditions.any[0].all.push({ fact: 'hasRescueNaloxone', operator: 'equal', value: '$param:flag' });
    });
    expect(flag).toHaveLength(1);
    expect(flag[0]).toMatch(/^opioid-benzodiazepine\.json: \/parameters\/flag\/value: "\$param:cnsDrugThreshold" refers to a parameter/);
  });

  it('refuses an empty list for containsAny, in, containsNone and notIn, naming the condition', () => {
    expect(errorsFor((r) => (r.conditions.any[0].all[0].value = []))).toEqual([
      `${FILE}: /conditions/any/0/all/0/value: "containsAny" with an empty list is always false: this condition can never hold; list at least one value, or remove the condition`,
    ]);
    expect(errorsFor((r) => r.conditions.any[1].all.push({ fact: 'patientAgeYears', operator: 'in', value: [] }))).toEqual([
      `${FILE}: /conditions/any/1/all/2/value: "in" with an empty list is always false: this condition can never hold; list at least one value, or remove the condition`,
    ]);
    expect(errorsFor((r) => r.conditions.any[1].all.push({ fact: 'concurrentClasses', operator: 'containsNone', value: [] }))).toEqual([
      `${FILE}: /conditions/any/1/all/2/value: "containsNone" with an empty list is always true: this condition tests nothing; list at least one value, or remove the condition`,
    ]);
    expect(errorsFor((r) => (r.escalations[0].conditions = { all: [{ fact: 'patientAgeYears', operator: 'notIn', value: [] }] }))).toEqual([
      `${FILE}: /escalations/0/conditions/all/0/value: "notIn" with an empty list is always true: this condition tests nothing; list at least one value, or remove the condition`,
    ]);
    // A list with one value is fine.
    expect(errorsFor((r) => (r.conditions.any[0].all[0].value = ['opioid-analgesic']))).toEqual([]);
  });
});
