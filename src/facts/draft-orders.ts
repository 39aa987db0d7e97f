/**
 * Which draft orders a hook call evaluates: MedicationRequests chosen by resourceType (no reliance on
 * Bundle.type or status "draft"), except those the session ends (stopped, cancelled, entered in error) and those
 * that say not to give the drug (doNotPerform); for order-select only the selections, the other drafts being context. Shared by the hook pipeline and the rules `explain` tool so they cannot drift apart.
 */
import type { Bundle, MedicationRequest } from '@medplum/fhirtypes';
import type { DraftOrderInput } from './derive-facts.ts';

/**
 * Statuses of a draft that the session is ending rather than starting: order-sign also fires on re-sign, when the
 * EHR may send the order being discontinued (stopped, cancelled) or voided (entered-in-error) among the drafts.
 * Such a draft is not checked, and does not count beside the others (derive-facts.ts).
 */
const ENDING_STATUSES: ReadonlySet<string> = new Set(['stopped', 'cancelled', 'entered-in-error']);

/**
 * @param draftOrders - context.draftOrders.
 * @param selections - context.selections for order-select; undefined for order-sign.
 * @returns Every draft MedicationRequest, marked with whether to evaluate it.
 */
export function selectDraftOrders(draftOrders: Bundle, selections?: readonly string[]): DraftOrderInput[] {
  const selected = selections ? new Set(selections) : undefined;
  const out: DraftOrderInput[] = [];
  (draftOrders.entry ?? []).forEach((entry, i) => {
    const resource = entry?.resource;
    if (!resource || resource.resourceType !== 'MedicationRequest') {
      return;
    }
    // Drafts without an id get a reference no prefetched resource can have (those use "#<index>"). An id that is
    // not text counts as none: an object one (`{"toString":1}`) threw in the template string, a 500.
    const ref = typeof resource.id === 'string' && resource.id !== '' ? `MedicationRequest/${resource.id}` : `MedicationRequest/#draft-${i}`;
    // A "do not give" draft (doNotPerform, a FHIR modifier element) starts no drug: treated as an ending one.
    if (ENDING_STATUSES.has(typeof resource.status === 'string' ? resource.status.trim().toLowerCase() : '') || resource.doNotPerform === true) {
      out.push({ resource: resource as MedicationRequest, fallbackRef: ref, evaluate: false, ending: true });
      return;
    }
    out.push({ resource: resource as MedicationRequest, fallbackRef: ref, evaluate: selected ? selected.has(ref) : true });
  });
  return out;
}
