/**
 * Finds condition groups in free text (coding displays and CodeableConcept.text).
 * Rules are compiled once at module load: `{NAME}` placeholders expand to the vocabularies in
 * data/text-patterns.ts and every rule becomes one global regular expression.
 */
import { conditionClauses } from './condition-text.ts';
import type { ConditionGroup } from './condition-group.ts';
import { TEXT_RULES, VOCABULARY, type MatchContext, type TextRule } from './data/text-patterns.ts';
import { isAsserted, saysNotActive } from './match-context.ts';

interface CompiledRule {
  readonly id: string;
  readonly groups: readonly ConditionGroup[];
  readonly context: MatchContext;
  readonly regex: RegExp;
  readonly notAfter?: RegExp;
  readonly notBefore?: RegExp;
  readonly clauseVeto?: RegExp;
}

const PLACEHOLDER = /\{([A-Z]+)\}/g;

function expand(source: string): string {
  return source.replace(PLACEHOLDER, (_whole, name: string) => {
    const words = VOCABULARY[name];
    if (words === undefined) throw new Error(`Unknown vocabulary {${name}} in condition text rules`);
    return words.join('|');
  });
}

function compileRule(rule: TextRule): CompiledRule {
  return {
    id: rule.id,
    groups: rule.groups,
    context: rule.context,
    regex: new RegExp(expand(rule.pattern), 'g'),
    ...(rule.notAfter === undefined ? {} : { notAfter: new RegExp(expand(rule.notAfter)) }),
    ...(rule.notBefore === undefined ? {} : { notBefore: new RegExp(`^(?:[a-z0-9]+ ){0,2}?(?:${expand(rule.notBefore)})`) }),
    ...(rule.clauseVeto === undefined ? {} : { clauseVeto: new RegExp(expand(rule.clauseVeto)) }),
  };
}

function compileRules(rules: readonly TextRule[]): readonly CompiledRule[] {
  const ids = new Set<string>();
  return rules.map((rule) => {
    if (ids.has(rule.id)) throw new Error(`Duplicate condition text rule id: ${rule.id}`);
    ids.add(rule.id);
    return compileRule(rule);
  });
}

const RULES = compileRules(TEXT_RULES);

/** A rule that fired, for tests and debugging. */
export interface TextHit {
  readonly ruleId: string;
  readonly groups: readonly ConditionGroup[];
}

function firstAssertedMatch(rule: CompiledRule, clause: string, notActiveText: boolean): boolean {
  if (rule.clauseVeto?.test(clause) === true) return false;
  rule.regex.lastIndex = 0;
  for (let match = rule.regex.exec(clause); match !== null; match = rule.regex.exec(clause)) {
    const start = match.index;
    const end = start + match[0].length;
    if (match[0].length === 0) rule.regex.lastIndex += 1;
    if (isAsserted(clause, start, end, rule, notActiveText)) return true;
  }
  return false;
}

/**
 * Every rule asserted somewhere in the text (negated, uncertain and other-person mentions are not).
 * @param text a display or free text; any length (only the first 1,000 characters are read)
 * @returns the rules that fired, in rule order
 */
export function matchConditionText(text: string): TextHit[] {
  const hits: TextHit[] = [];
  const clauses = conditionClauses(text);
  if (clauses.length === 0) return hits;
  const notActiveText = saysNotActive(clauses);
  for (const rule of RULES) {
    if (clauses.some((clause) => firstAssertedMatch(rule, clause, notActiveText))) hits.push({ ruleId: rule.id, groups: rule.groups });
  }
  return hits;
}
