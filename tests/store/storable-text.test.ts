// What the audit stores of client-sent text: NUL and lone surrogates replaced, everything else untouched.
import { describe, expect, it } from 'vitest';
import { storableText } from '../../src/store/storable-text.ts';

describe('storableText', () => {
  it('replaces NUL characters and lone surrogates (high or low) with U+FFFD', () => {
    expect(storableText('a\u0000b\u0000')).toBe('a\uFFFDb\uFFFD');
    expect(storableText('x\uD800y')).toBe('x\uFFFDy');
    expect(storableText('x\uDC00')).toBe('x\uFFFD');
    expect(storableText('\uD83D\u0000\uDE00')).toBe('\uFFFD\uFFFD\uFFFD');
  });

  it('leaves well-formed text, astral characters, empty strings and non-strings as they are', () => {
    for (const text of ['', 'MedicationRequest/123', 'é 😀 \u{10FFFF}', 'tab\tnew\nline', '\\N']) {
      expect(storableText(text)).toBe(text);
    }
    expect(storableText(null)).toBeNull();
    expect(storableText(undefined)).toBeUndefined();
  });
});
