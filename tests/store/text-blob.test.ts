// The Blob the audit hands PGlite for COPY reads the same as Node's own Blob of the same text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TextBlob } from '../../src/store/text-blob.ts';

describe('TextBlob', () => {
  it('reads as a Blob made from the same text: size, bytes, text, stream and slices (negative bounds too)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.integer({ min: -80, max: 80 }), fc.integer({ min: -80, max: 80 }), async (text, a, b) => {
        const ours = new TextBlob(text);
        const node = new Blob([text]);
        expect(ours.size).toBe(node.size);
        expect(new Uint8Array(await ours.arrayBuffer())).toEqual(new Uint8Array(await node.arrayBuffer()));
        expect(await ours.bytes()).toEqual(await node.bytes());
        expect(await ours.text()).toBe(await node.text());
        expect(await new Response(ours.stream()).text()).toBe(text);
        expect(new Uint8Array(await ours.slice(a, b).arrayBuffer())).toEqual(new Uint8Array(await node.slice(a, b).arrayBuffer()));
      }),
      { numRuns: 200 }
    );
  });

  it('gives a fresh copy on every read, so a reader that changes its bytes changes no later read', async () => {
    const blob = new TextBlob('abc');
    new Uint8Array(await blob.arrayBuffer()).fill(0);
    (await blob.bytes()).fill(0);
    expect(await blob.text()).toBe('abc');
  });
});
