// {{param:<name>}} in a card's summary, an escalation's summary and the detail: the rule's parameter value,
// put in when the rule set loads. Validation names the rule, the JSON pointer and the known parameters for a
// name the rule does not have, and holds the summary to CDS Hooks' "<140 characters" as it will read.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cardText, compileRules, formatNumber } from '../../src/engine/compile-rules.ts';
import { validateRule } from '../../src/engine/index.ts';
import type { RuleDefinition } from '../../src/engine/index.ts';
import { ruleErrors } from './rule-errors.ts';

const FILE = 'opioid-high-mme.json';
const errorsFor = ruleErrors(FILE);
const KNOWN = 'known parameters are infoThreshold, warningThreshold, adultAge';

function shipped(mutate: (rule: any) => void = () => undefined): RuleDefinition {
  const rule = JSON.parse(readFileSync(`rules/${FILE}`, 'utf8'));
  mutate(rule);
  const result = validateRule(rule, FILE);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.value;
}

describe('validation of {{param:<name>}}', () => {
  it('refuses an unknown parameter in the summary, naming the rule, the pointer and the known parameters', () => {
    expect(errorsFor((r) => (r.card.summary = 'Total opioid dose is {{param:infoTreshold}} MME/day or more: weigh the risk.'))).toContain(
      `${FILE}: /card/summary: {{param:infoTreshold}} names no entry in "parameters"; ${KNOWN}`
    );
  });

  it('refuses an unknown parameter in an escalation summary and in the detail', () => {
    expect(errorsFor((r) => (r.escalations[0].summary = 'Total opioid dose of {{param:warning}} MME/day or more: reassess.'))).toContain(
      `${FILE}: /escalations/0/summary: {{param:warning}} names no entry in "parameters"; ${KNOWN}`
    );
    expect(errorsFor((r) => (r.card.detail += ' Threshold {{param:mme}}.'))).toContain(`${FILE}: /card/detail: {{param:mme}} names no entry in "parameters"; ${KNOWN}`);
  });

  it('says so when the rule has no parameters at all', () => {
    expect(errorsFor((r) => {
      delete r.parameters;
      r.conditions = { all: [{ fact: 'orderClasses', operator: 'contains', value: 'opioid-analgesic' }] };
      r.escalations[0].conditions = { all: [{ fact: 'totalMme', operator: 'greaterThanInclusive', value: 90 }] };
      r.card.summary = 'Total opioid dose is {{param:infoThreshold}} MME/day or more: weigh the risk.';
    })).toContain(`${FILE}: /card/summary: {{param:infoThreshold}} names no entry in "parameters"; this rule has no parameters`);
  });

  it('accepts a summary longer than 139 characters as written that reads under 140', () => {
    const summary = 'Total opioid dose is {{param:infoThreshold}} MME/day or more: weigh the added overdose risk before increasing the dose, and review the plan.';
    expect(summary.length).toBeGreaterThan(139);
    expect(errorsFor((r) => (r.card.summary = summary))).toEqual([]);
  });

  it('refuses a summary that becomes 140 characters or more once the value is in place', () => {
    const errors = errorsFor((r) => {
      r.parameters.infoThreshold.value = 1e30;
      r.card.summary = 'Total opioid dose is {{param:infoThreshold}} MME/day or more: weigh the added overdose risk before increasing the dose; review it soon.';
    });
    const reads = 'Total opioid dose is 1000000000000000000000000000000 MME/day or more: weigh the added overdose risk before increasing the dose; review it soon.';
    expect([...reads].length).toBeGreaterThan(139);
    expect(errors).toContain(`${FILE}: /card/summary: must be at most 139 characters with the parameters' values in place; it reads ${[...reads].length}: ${JSON.stringify(reads)}`);
  });

  it('refuses a text value that would make the summary two sentences, or add a link', () => {
    const link = errorsFor((r) => {
      r.parameters.note = { value: 'https://example.org', description: 'a note' };
      r.card.summary = 'Total opioid dose is high, see {{param:note}} before increasing.';
    });
    expect(link).toEqual([]); // escaped: "https\\://example.org" is text, not a link
    expect(cardText(shipped((r) => {
      r.parameters.note = { value: 'https://example.org', description: 'a note' };
      r.card.summary = 'Total opioid dose is high, see {{param:note}} before increasing.';
    })).summary).toBe('Total opioid dose is high, see https\\://example.org before increasing.');
    const twoSentences = errorsFor((r) => {
      r.parameters.note = { value: 'soon. Then stop', description: 'a note' };
      r.card.summary = 'Total opioid dose is high, reassess {{param:note}} before increasing.';
    });
    expect(twoSentences).toContain(`${FILE}: /card/summary: must be one sentence on one line (CDS Hooks shows it as the card's headline); put the rest in /card/detail`);
  });

  it('still refuses patient data in a summary, which reads the same for every patient', () => {
    expect(errorsFor((r) => (r.card.summary = 'Review {{order}} before increasing the opioid dose.'))).toContain(
      `${FILE}: /card/summary: {{order}} is not allowed in a summary, which reads the same for every patient; only the rule's parameters are ({{param:<name>}}); put patient details in /card/detail`
    );
  });
});

describe('the text as it reads', () => {
  it('prints numbers as a clinician reads them', () => {
    expect([65, 50, 0.5, 42.5, 1e21, 1e-7, -0].map(formatNumber)).toEqual(['65', '50', '0.5', '42.5', '1000000000000000000000', '0.0000001', '0']);
  });

  it('puts the value in the summary, escalation summary and detail when the set compiles, and the card gets the same text from a copy of the rule', () => {
    const rule = shipped((r) => {
      r.parameters.infoThreshold.value = 0.5;
      r.card.detail += '\n\nFrom {{param:infoThreshold}} ({{param.infoThreshold}}).';
    });
    const engineRules = compileRules([rule]);
    expect(cardText(rule).summary).toBe('Total opioid dose is 0.5 MME/day or more: weigh the added overdose risk before increasing.');
    expect(cardText(rule).detail).toContain('From 0.5 (0.5 MME/day).');
    expect(cardText(rule).detail).toContain('{{totalMme}}'); // patient data: filled per card
    expect(engineRules.find((e) => e.name === 'opioid-high-mme#escalation-0')?.summary).toBe(
      'Total opioid dose of 90 MME/day or more: reassess benefits and risks, and make sure naloxone is at hand.'
    );
    expect(cardText(structuredClone(rule))).toEqual(cardText(rule));
  });

  it('escapes a text value: no Markdown, link or patient-data placeholder can come in through a parameter', () => {
    const rule = shipped((r) => {
      r.parameters.note = { value: '**now** [here](https://example.org) {{order}}', description: 'a note' };
      r.card.detail += '\n\nNote: {{param:note}}';
    });
    const detail = cardText(rule).detail;
    expect(detail).toContain('Note: \\*\\*now\\*\\* \\[here\\](https\\://example.org) \\{\\{order\\}\\}');
    expect(detail).not.toContain('{{order}}');
  });
});
