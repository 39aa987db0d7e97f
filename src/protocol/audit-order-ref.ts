/**
 * The order reference as audited (issued cards, suppressions). It is built from the draft's `id`, which
 * the EHR chooses: FHIR restricts an id to 1-64 letters, digits, "-" and "." (R4, "id" datatype), but a
 * draft with any text there is still answered, and an id built from a name or record number must not
 * reach the audit. As for the hook instance (parse-order-hook-request.ts), such an id is replaced by a short
 * keyed hash (audit-text-key.ts), the same for the same id, so audit rows of one order still match; a
 * FHIR-shaped id is kept, and so is the service's own placeholder for a draft without an id
 * (`MedicationRequest/#draft-<n>`).
 */
import { type AuditTextKey, auditTextKey } from './audit-text-key.ts';

const FHIR_SHAPED = /^[A-Za-z]{1,64}\/(?:[A-Za-z0-9\-.]{1,64}|#draft-\d{1,6})$/;

/** Where order references are keyed (audit-text-key.ts). */
const ORDER_REF_SCOPE = 'urn:cns-cds:order-ref';

export function auditOrderRef(ref: string, key?: AuditTextKey): string {
  if (FHIR_SHAPED.test(ref)) return ref;
  const slash = ref.indexOf('/');
  const type = slash > 0 && /^[A-Za-z]{1,64}$/.test(ref.slice(0, slash)) ? ref.slice(0, slash) : 'Resource';
  return `${type}/${auditTextKey(key, ORDER_REF_SCOPE, ref)}`;
}
