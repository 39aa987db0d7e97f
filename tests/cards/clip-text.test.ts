import { describe, expect, it } from 'vitest';
import { MAX_TEXT, clipText } from '../../src/cards/card-view.ts';
import { escapeMarkdown } from '../../src/cards/index.ts';

describe('clipText', () => {
  it('leaves a name of up to MAX_TEXT characters as it is', () => {
    const name = 'a'.repeat(MAX_TEXT);
    expect(clipText(name)).toBe(name);
    expect(clipText('Oxycodone Hydrochloride 5 MG Oral Tablet')).toBe('Oxycodone Hydrochloride 5 MG Oral Tablet');
  });

  it('cuts a longer one to MAX_TEXT characters, ending with an ellipsis', () => {
    const clipped = clipText(`Oxycodone ${'x'.repeat(48_000)}`);
    expect(clipped).toHaveLength(MAX_TEXT);
    expect(clipped.startsWith('Oxycodone x')).toBe(true);
    expect(clipped.endsWith('x…')).toBe(true);
  });

  it('never cuts between the two halves of a surrogate pair (emoji, rare CJK)', () => {
    for (let before = MAX_TEXT - 4; before <= MAX_TEXT; before++) {
      const clipped = clipText(`${'a'.repeat(before)}${'😀'.repeat(100)}`);
      expect(clipped.isWellFormed()).toBe(true);
      expect(clipped.length).toBeLessThanOrEqual(MAX_TEXT);
      expect(clipped.endsWith('…')).toBe(true);
    }
  });

  it('is applied before escaping, so the last escape on a card is whole', () => {
    const escaped = escapeMarkdown(clipText('*'.repeat(1000)));
    expect(escaped).toBe(`${'\\*'.repeat(MAX_TEXT - 1)}…`);
  });
});
