/**
 * A short digest of a JSON value's content, to tell in constant time whether a record came before.
 * Records that share one id were told apart by deep-comparing each with every earlier one of that id:
 * quadratic, and synchronous on the event loop (3,000 records under one id in a 2.8 MB request body held
 * the process for 75 s). A set of fingerprints per id makes that linear.
 *
 * - **Key order.** Objects' keys are written sorted, so two copies that differ only in key order give one
 *   fingerprint, as `isDeepStrictEqual` found them equal; array order counts, as it did there.
 * - **No recursion.** The walk keeps its own stack: a value nested thousands deep (which a FHIR server could
 *   send, or a caller of this module) cannot overflow the call stack here.
 * - **A digest, not the text.** The canonical text is hashed: a Set of long strings with one length hashes
 *   them all alike in V8 (strings over 16 K characters are not hashed by content), so the lookups would be
 *   quadratic again for large records.
 */
import { createHash } from 'node:crypto';

/** A literal piece of the canonical text, or a value still to write. */
type Work = string | { readonly value: unknown };

/**
 * Canonical JSON of a value: objects' keys sorted, keys whose value is `undefined` left out (as JSON does),
 * numbers and strings as JSON writes them. Meant for parsed JSON (no cycles).
 */
export function canonicalJson(value: unknown): string {
  let out = '';
  const work: Work[] = [{ value }];
  for (let item = work.pop(); item !== undefined; item = work.pop()) {
    if (typeof item === 'string') {
      out += item;
      continue;
    }
    const node = item.value;
    if (Array.isArray(node)) {
      out += '[';
      work.push(']');
      for (let i = node.length - 1; i >= 0; i--) {
        work.push({ value: node[i] });
        if (i > 0) {
          work.push(',');
        }
      }
    } else if (node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort();
      out += '{';
      work.push('}');
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        work.push({ value: record[key] });
        work.push(`${JSON.stringify(key)}:`);
        if (i > 0) {
          work.push(',');
        }
      }
    } else {
      // A primitive (in an array, `undefined` is written as JSON writes it: null).
      out += JSON.stringify(node) ?? 'null';
    }
  }
  return out;
}

/** Fingerprint of a value's content: the SHA-256 of its canonical JSON. */
export function contentFingerprint(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64');
}
