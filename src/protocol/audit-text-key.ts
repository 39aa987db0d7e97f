/**
 * What stands in the log and the audit for text an EHR sent where an identifier belongs (a hook instance
 * that is not a UUID, a draft order id that is not a FHIR id): such text may be a name or a record number.
 *
 * With the patient keyer (HMAC-SHA256 with the patient key secret, store/patient-key.ts) it is a keyed hash,
 * `key:` and 32 hex digits: without the secret, a guessed name and birth date cannot be confirmed against the
 * audit, as for patient keys and feedback comments. Each kind of text is keyed in a scope of its own (a URN
 * no FHIR server has as its base), so a key is never any patient's. Without a keyer (tests and tools that
 * run without a store) it is a plain SHA-256, `sha256:` and 32 hex digits, as it was before the keyer was
 * used: confirmable by guessing, so the service always passes the keyer.
 */
import { createHash } from 'node:crypto';

/** The patient keyer's shape, as far as audit text needs it. */
export type AuditTextKey = (scope: string, text: string) => string;

/**
 * @param key - The patient keyer, or undefined.
 * @param scope - The kind of text (a URN of ours).
 * @param text - The EHR's text.
 * @returns `key:<32 hex>` (keyed) or `sha256:<32 hex>` (no keyer).
 */
export function auditTextKey(key: AuditTextKey | undefined, scope: string, text: string): string {
  if (key) return `key:${key(scope, text).slice(0, 32)}`;
  return `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
}
