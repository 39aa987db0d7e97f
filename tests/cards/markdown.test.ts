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
});

describe('renderTemplate', () => {
  it('fills known placeholders and leaves unknown ones visible', () => {
    expect(renderTemplate('Order {{order}}; {{ other }}', { order: 'X' })).toBe('Order X; {{ other }}');
  });
});
