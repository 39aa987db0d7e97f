/** The validation errors of a shipped rule after a change, for the validateRule tests. */
import { readFileSync } from 'node:fs';
import { validateRule } from '../../src/engine/index.ts';

/**
 * @param file - A rule file under rules/, e.g. "opioid-benzodiazepine.json".
 * @returns (mutate) => the errors validateRule gives the shipped rule changed by `mutate` ([] when it passes).
 */
export function ruleErrors(file: string): (mutate: (rule: any) => void) => string[] {
  const shipped: unknown = JSON.parse(readFileSync(`rules/${file}`, 'utf8'));
  return (mutate) => {
    const rule = structuredClone(shipped);
    mutate(rule);
    const result = validateRule(rule, file);
    return result.ok ? [] : result.errors;
  };
}
