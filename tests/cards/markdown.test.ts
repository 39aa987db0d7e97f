import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { escapeMarkdown, renderTemplate } from '../../src/cards/index.ts';

describe('escapeMarkdown', () => {
  it('keeps ordinary drug names and dates readable', () => {
    expect(escapeMarkdown('Alprazolam 0.5 MG Oral Tablet (2026-10-28)')).toBe('Alprazolam 0.5 MG Oral Tablet (2026-10-28)');
  });

  it('neutralises links, HTML, emphasis and line breaks an EHR string could inject', () => {
    expect(escapeMarkdown('[click](https://evil.test) <img src=x> **bold**\n# head')).toBe(
      '\\[click\\](https\\://evil.test) \\<img src=x\\> \\*\\*bold\\*\\* # head'
    );
  });

  it('leaves no link in the rendered card, bare URLs and e-mail addresses included (GFM autolinks them)', () => {
    const injected = ['Oxycodone https://phish.example/refill 5 MG', 'see www.phish.example', 'Oxycodone_www.phish.example', 'a*www.phish.example', 'ask refill@phish.example', '[x](javascript:alert(1)) <a href="https://x.example">y</a>'];
    for (const text of injected) {
      const html = String(marked.parse(escapeMarkdown(text), { gfm: true }));
      expect(html).not.toMatch(/<a\b/);
      expect(html).not.toMatch(/<(img|script)\b/);
    }
    // Still reads as the EHR wrote it.
    expect(String(marked.parse(escapeMarkdown('Oxycodone https://phish.example/refill 5 MG'), { gfm: true })).trim()).toBe('<p>Oxycodone https://phish.example/refill 5 MG</p>');
  });

  it('keeps a text that starts like a heading or a list item from becoming one, where it starts a line or a list item', () => {
    for (const text of ['# Oxycodone', '### Oxycodone', '- Oxycodone', '+ Oxycodone', '1. Oxycodone', '12) Oxycodone', '  - Oxycodone', '#']) {
      const escaped = escapeMarkdown(text);
      for (const markdown of [escaped, `- ${escaped}`, `**Draft order:**\n\n${escaped}`]) {
        const html = String(marked.parse(markdown, { gfm: true }));
        expect(html, markdown).not.toMatch(/<h\d|<ol|<ul>\s*<li>\s*<ul|<li>\s*<ol/);
      }
    }
    // Ordinary texts are left as they are.
    for (const text of ['0.5 mg alprazolam', '#3 Tylenol', '-20% dose', 'Tylenol #3']) {
      expect(escapeMarkdown(text)).toBe(text);
    }
  });
});

describe('renderTemplate', () => {
  it('fills known placeholders and leaves unknown ones visible', () => {
    expect(renderTemplate('Order {{order}}; {{ other }}', { order: 'X' })).toBe('Order X; {{ other }}');
  });
});
