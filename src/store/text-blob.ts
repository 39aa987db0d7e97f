/**
 * COPY data for PGlite, which takes it as a `Blob` (the `blob` query option, read with `arrayBuffer()`).
 *
 * Node's own `Blob` keeps its bytes in memory allocated outside V8's heap, and V8 does not count it:
 * in the cluster primary, which writes an audit batch every 50 ms, that grew the malloc heap by 10–18 MB
 * (docs/benchmark.md, seventh pass). This Blob keeps the UTF-8 bytes in an ArrayBuffer, which V8 counts
 * and frees at its next collections, and answers every reading method from them.
 *
 * Node's own store behind it is empty, so whatever reads that store directly sees no bytes:
 * `new Blob([textBlob])`, `structuredClone`, `postMessage` (PGlite's worker mode would send it so). PGlite
 * in this process reads the blob with `arrayBuffer()` only; if that changed, `copyFrom`'s row count
 * would refuse the COPY and the audit would fall back to INSERTs (tests/store/audit-copy.test.ts fails).
 */
const encoder = new TextEncoder();

export class TextBlob extends Blob {
  readonly #bytes: Uint8Array<ArrayBuffer>;

  constructor(text: string) {
    super([], { type: 'text/plain;charset=utf-8' });
    this.#bytes = encoder.encode(text);
    // Blob's size is a getter over its own (here empty) store: this object's size is its bytes'.
    Object.defineProperty(this, 'size', { value: this.#bytes.byteLength, enumerable: true });
  }

  /** A fresh copy on every call, as the File API asks (V8-managed memory, unlike Blob's own store). */
  override arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve(this.#bytes.slice().buffer);
  }

  override bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return Promise.resolve(this.#bytes.slice());
  }

  override text(): Promise<string> {
    return Promise.resolve(new TextDecoder().decode(this.#bytes));
  }

  override stream(): ReturnType<Blob['stream']> {
    return new Blob([this.#bytes]).stream();
  }

  override slice(start?: number, end?: number, contentType?: string): Blob {
    return new Blob([this.#bytes]).slice(start, end, contentType);
  }
}
