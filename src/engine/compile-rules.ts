/**
 * Compiles validated rule definitions into json-rules-engine rules once, when the set loads:
 * "$param:<name>" values are replaced by the rule's parameter values, each escalation becomes
 * its own engine rule (base conditions AND escalation conditions), and the parameters' values are put
 * into the card texts ({{param:<name>}}, {{param.<name>}}), so evaluation does no work that start-up
 * could do.
 */
import type { TopLevelCondition } from 'json-rules-engine';
import { escapeMarkdown } from '../cards/markdown.ts';
import type { EngineRule, RuleDefinition, RuleParameter } from './types.ts';

export const PARAM_PREFIX = '$param:';

/** Whether the rule declares parameter `name` itself (not a name every object has, such as "constructor"). */
export function hasParameter(rule: RuleDefinition, name: string): boolean {
  return rule.parameters !== undefined && Object.hasOwn(rule.parameters, name);
}

/** Replaces "$param:x" strings anywhere in a condition tree; returns the names it could not find. */
export function substituteParameters(node: unknown, rule: RuleDefinition, missing: string[] = []): unknown {
  if (typeof node === 'string' && node.startsWith(PARAM_PREFIX)) {
    const name = node.slice(PARAM_PREFIX.length);
    const parameter = hasParameter(rule, name) ? rule.parameters![name] : undefined;
    if (!parameter) {
      missing.push(name);
      return node;
    }
    return parameter.value;
  }
  if (Array.isArray(node)) {
    return node.map((item) => substituteParameters(item, rule, missing));
  }
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, substituteParameters(v, rule, missing)]));
  }
  return node;
}

/**
 * A number as a clinician reads it: 65, 50, 0.5, 1000000 (no exponent, no trailing zeros). String() gives
 * the shortest text that reads back as the same number, but "1e+21" or "1e-7" from 1e21 and 0.0000001.
 */
export function formatNumber(n: number): string {
  const text = String(Object.is(n, -0) ? 0 : n);
  const exponent = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!exponent) {
    return text;
  }
  const [, sign = '', whole = '', fraction = '', power = '0'] = exponent;
  const digits = `${whole}${fraction}`;
  const point = whole.length + Number(power);
  const plain = point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : point >= digits.length ? `${digits}${'0'.repeat(point - digits.length)}` : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return `${sign}${plain}`;
}

/**
 * Text from a parameter as it goes into card text: escaped Markdown (a text value cannot add a link, HTML or
 * emphasis to a card), braces too, so it can never form a {{placeholder}} filled from the patient's record.
 */
function textValue(text: string): string {
  return escapeMarkdown(text).replace(/[{}]/g, (c) => `\\${c}`);
}

/**
 * A parameter's value as card text shows it: a number as a clinician reads it, true or false, or the text
 * escaped; with its unit after it when `withUnit`.
 */
export function parameterText(parameter: RuleParameter, withUnit: boolean): string {
  const { value, unit } = parameter;
  const text = typeof value === 'number' ? formatNumber(value) : typeof value === 'string' ? textValue(value) : String(value);
  return withUnit && unit ? `${text} ${textValue(unit)}` : text;
}

/** A placeholder in card text, for matchAll/replace; the name is trimmed where it is read. Linear in the text. */
const TEXT_PLACEHOLDER = /\{\{([^}]*)\}\}/g;

/**
 * The parameter a placeholder's name (trimmed) refers to: `param:<name>` (the value alone, as in "{{param:minimumAge}}
 * and over") or `param.<name>` (the value and its unit: "65 years"); undefined for any other placeholder.
 */
export function parameterPlaceholder(name: string): { readonly parameter: string; readonly withUnit: boolean } | undefined {
  if (name.startsWith('param:')) return { parameter: name.slice('param:'.length), withUnit: false };
  if (name.startsWith('param.')) return { parameter: name.slice('param.'.length), withUnit: true };
  return undefined;
}

/**
 * Puts the rule's parameter values into a card text (summary or detail); other placeholders ({{order}}, ...)
 * are left for the card, which fills them from the patient's record.
 * @param missing - Receives the names of parameters the rule does not have (their placeholders are left as they are).
 */
export function substituteTextParameters(text: string, rule: RuleDefinition, missing: string[] = []): string {
  return text.replace(TEXT_PLACEHOLDER, (all, raw: string) => {
    const placeholder = parameterPlaceholder(raw.trim());
    if (!placeholder) {
      return all;
    }
    if (!hasParameter(rule, placeholder.parameter)) {
      missing.push(placeholder.parameter);
      return all;
    }
    return parameterText(rule.parameters![placeholder.parameter]!, placeholder.withUnit);
  });
}

/** A rule's card texts with its parameters' values in place. */
export interface CardText {
  readonly summary: string;
  readonly detail: string;
}

/** Filled once per rule object: rules are immutable once loaded, so a card only looks its texts up. */
const cardTexts = new WeakMap<RuleDefinition, CardText>();

/**
 * The rule's card summary and detail with the parameters' values in place: computed when the rule set is
 * compiled, and the same text for a rule built anywhere else (a test's, an admin dry run's copy).
 */
export function cardText(rule: RuleDefinition): CardText {
  let text = cardTexts.get(rule);
  if (!text) {
    text = { summary: substituteTextParameters(rule.card.summary, rule), detail: substituteTextParameters(rule.card.detail, rule) };
    cardTexts.set(rule, text);
  }
  return text;
}

/**
 * @param rules - Validated rules.
 * @returns Engine rules: one per rule plus one per escalation, escalation summaries with the parameters'
 *   values in place.
 */
export function compileRules(rules: readonly RuleDefinition[]): EngineRule[] {
  const out: EngineRule[] = [];
  for (const rule of rules) {
    const base = substituteParameters(rule.conditions, rule) as TopLevelCondition;
    const priority = rule.priority ?? 50;
    const active = rule.status === 'active';
    cardText(rule);
    out.push({ ruleId: rule.id, name: rule.id, priority, conditions: base, indicator: rule.indicator, active });
    (rule.escalations ?? []).forEach((escalation, i) => {
      const extra = substituteParameters(escalation.conditions, rule) as TopLevelCondition;
      out.push({
        ruleId: rule.id,
        name: `${rule.id}#escalation-${i}`,
        priority,
        conditions: { all: [base, extra] },
        indicator: escalation.indicator,
        ...(escalation.summary ? { summary: substituteTextParameters(escalation.summary, rule) } : {}),
        active,
      });
    });
  }
  return out;
}
