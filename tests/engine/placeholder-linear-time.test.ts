/**
 * `{{name}}` placeholders were found with `{{\s*([^}]*?)\s*}}`, which takes cubic time on "{{" followed by
 * many spaces and no "}}" (8,000 spaces: 81 s). Saving such a rule in the console would hold a worker, and the
 * same pattern rendered every card and filled every prefetch template. Each now runs on about a megabyte of
 * such text within vitest's default timeout (the old patterns would take days), and reads the same names.
 */
import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../src/cards/markdown.ts';
import { fillPrefetchTemplate, unsupportedTokens } from '../../src/patient/prefetch-template.ts';
import { ruleErrors } from './rule-errors.ts';

const UNCLOSED = `{{${' '.repeat(1_000_000)}x`;

describe('placeholders are found in linear time, with the same names', () => {
  it('renderTemplate leaves an unclosed "{{" as it is, and fills {{ name }} with spaces around the name', () => {
    expect(renderTemplate(UNCLOSED, { x: 'y' })).toBe(UNCLOSED);
    expect(renderTemplate('a {{ order }} b {{order}} c {{unknown}}', { order: 'Oxycodone' })).toBe('a Oxycodone b Oxycodone c {{unknown}}');
  });

  it('validateRule reads a detail with an unclosed "{{" and a megabyte of spaces, and still names unknown placeholders', () => {
    const errors = ruleErrors('opioid-high-mme.json');
    expect(errors((r) => (r.card.detail += `\n\n${UNCLOSED}`)).filter((e) => e.includes('placeholder'))).toEqual([]);
    expect(errors((r) => (r.card.detail += '\n\n{{ nonsense }}')).join('\n')).toMatch(/unknown placeholder \{\{nonsense\}\}/);
  });

  it('prefetch templates: an unclosed "{{" is left alone, and {{ context.patientId }} is filled', () => {
    expect(unsupportedTokens(`Patient?x=${UNCLOSED}`)).toEqual([]);
    expect(fillPrefetchTemplate(`MedicationRequest?patient={{ context.patientId }}&x=${UNCLOSED}`, { patientId: 'p-1' })).toBe(`MedicationRequest?patient=p-1&x=${UNCLOSED}`);
  });
});
