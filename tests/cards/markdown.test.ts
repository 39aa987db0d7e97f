import { describe, expect, it } from 'vitest';
import { escapeMarkdown, renderTemplate } from '../../src/cards/index.ts';

describe('escapeMarkdown', () => {
  it('keeps ordinary drug names and dates readable', () => {
    expect(escapeMarkdown('Alprazolam 0.5 MG Oral Tablet (2026-10-28)')).toBe('Alprazolam 0.5 MG Oral Tablet (2026-10-28)');
  });

  it('neutralises links, HTML, emphasis and line breaks an EHR string could inject', () => {
    expect(escapeMarkdown('[click](https://evil.test) <img src=x> **bold**\n# head')).toBe(
      '\\[click\\](https://evil.test) \\<img src=x\\> \\*\\*bold\\*\\* # head'
    );
  });
});

describe('renderTemplate', () => {
  it('fills known placeholders and leaves unknown ones visible', () => {
    expect(renderTemplate('Order {{order}}; {{ other }}', { order: 'X' })).toBe('Order X; {{ other }}');
  });
});
