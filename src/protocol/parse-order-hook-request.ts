/**
 * Validates an order-sign / order-select request body (CDS Hooks 2.0 "HTTP Request" and the
 * order-sign / order-select hook contexts) and returns a typed request, or throws a 400 outcome.
 * Liberal where the spec lets clients vary (unknown fields, `extension`, Bundle.type, order status),
 * strict where evaluating the wrong thing would be unsafe. Error texts name fields, never echo values.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { badRequestError, namesOtherPatient } from '../shared/index.ts';
import { type AuditTextKey, auditTextKey } from './audit-text-key.ts';
import type { ServiceDefinition } from './service-definitions.ts';
import type { FhirAuthorization, OrderHookRequest } from './types.ts';

const MAX_ID_LENGTH = 256;
/**
 * Most MedicationRequest drafts checked in one call. An order set signed at once holds a few dozen medicines
 * at most; each medication draft gets its own cards, whose detail lists the other drafts, so the answer grows
 * with the square of that count (1,000 drafts gave a 115 MB answer, 3,000 more than a string can hold). Other
 * orders (labs, imaging, nursing orders; for order-select, every unsigned order of the session) are never
 * read and do not count. Above this the call is refused with a 400 that says so, rather than answered slowly
 * or not at all.
 */
export const MAX_DRAFT_ORDERS = 100;
/**
 * Most entries of any kind in `context.draftOrders`: a bound on the work of reading the Bundle at all,
 * whatever the entries are. Above this the call is refused with a 400 of its own.
 */
export const MAX_DRAFT_ENTRIES = 1000;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isMedicationRequestEntry(entry: unknown): boolean {
  return isObject(entry) && isObject(entry.resource) && entry.resource.resourceType === 'MedicationRequest';
}

function nonEmptyString(value: unknown, max = 4096): value is string {
  return typeof value === 'string' && value.trim().length > 0 && value.length <= max;
}

/**
 * @param body - The parsed JSON body.
 * @param service - The service the request was posted to.
 * @param key - The patient keyer, for a hook instance that is not a UUID (audit-text-key.ts).
 * @returns The validated request.
 * @throws OperationOutcomeError (400) naming the first problem found.
 */
export function parseOrderHookRequest(body: unknown, service: ServiceDefinition, key?: AuditTextKey): OrderHookRequest {
  if (!isObject(body)) {
    throw badRequestError('The request body must be a JSON object.');
  }
  if (!nonEmptyString(body.hook, 200)) {
    throw badRequestError('"hook" is required and must be a non-empty string.', 'hook');
  }
  if (body.hook !== service.hook) {
    throw badRequestError(`"hook" does not match this service, which answers the "${service.hook}" hook.`, 'hook');
  }
  if (!nonEmptyString(body.hookInstance, MAX_ID_LENGTH)) {
    throw badRequestError('"hookInstance" is required and must be a non-empty string (a UUID).', 'hookInstance');
  }
  const fhirServer = parseFhirServer(body.fhirServer);
  const fhirAuthorization = parseFhirAuthorization(body.fhirAuthorization);
  if (fhirAuthorization && !fhirServer) {
    throw badRequestError('"fhirServer" is required when "fhirAuthorization" is sent.', 'fhirServer');
  }
  if (!isObject(body.context)) {
    throw badRequestError('"context" is required and must be a JSON object.', 'context');
  }
  const context = body.context;
  if (!nonEmptyString(context.patientId, MAX_ID_LENGTH)) {
    throw badRequestError('"context.patientId" is required and must be a non-empty string.', 'context.patientId');
  }
  if (context.userId !== undefined && !nonEmptyString(context.userId, MAX_ID_LENGTH)) {
    throw badRequestError('"context.userId" must be a non-empty string when present.', 'context.userId');
  }
  if (context.encounterId !== undefined && !nonEmptyString(context.encounterId, MAX_ID_LENGTH)) {
    throw badRequestError('"context.encounterId" must be a non-empty string when present.', 'context.encounterId');
  }
  if (!isObject(context.draftOrders) || context.draftOrders.resourceType !== 'Bundle') {
    throw badRequestError('"context.draftOrders" is required and must be a FHIR Bundle.', 'context.draftOrders');
  }
  const draftOrders = context.draftOrders as unknown as Bundle;
  if (draftOrders.entry !== undefined && !Array.isArray(draftOrders.entry)) {
    throw badRequestError('"context.draftOrders.entry" must be an array.', 'context.draftOrders.entry');
  }
  const entries: unknown[] = draftOrders.entry ?? [];
  if (entries.length > MAX_DRAFT_ENTRIES) {
    throw badRequestError(
      `"context.draftOrders" holds more than ${MAX_DRAFT_ENTRIES} entries (orders of any kind), more than this service reads in one call; send the orders in smaller groups.`,
      'context.draftOrders.entry'
    );
  }
  if (entries.filter(isMedicationRequestEntry).length > MAX_DRAFT_ORDERS) {
    throw badRequestError(
      `"context.draftOrders" holds more than ${MAX_DRAFT_ORDERS} MedicationRequest entries, more than this service checks in one call; send the medication orders in smaller groups.`,
      'context.draftOrders.entry'
    );
  }
  checkDrafts(draftOrders, context.patientId);
  let selections: string[] | undefined;
  if (service.hook === 'order-select') {
    selections = parseSelections(context.selections, draftOrders);
  }
  return {
    hook: body.hook,
    hookInstance: safeHookInstance(body.hookInstance, key),
    ...(fhirServer ? { fhirServer } : {}),
    ...(fhirAuthorization ? { fhirAuthorization } : {}),
    context: {
      patientId: context.patientId,
      ...(typeof context.userId === 'string' ? { userId: context.userId } : {}),
      ...(typeof context.encounterId === 'string' ? { encounterId: context.encounterId } : {}),
      draftOrders,
      ...(selections ? { selections } : {}),
    },
    prefetch: parsePrefetch(body.prefetch, service.prefetch),
  };
}

function parseFhirServer(value: unknown): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!nonEmptyString(value, 2048)) {
    throw badRequestError('"fhirServer" must be an absolute http(s) URL.', 'fhirServer');
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badRequestError('"fhirServer" must be an absolute http(s) URL.', 'fhirServer');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw badRequestError('"fhirServer" must be an absolute http(s) URL.', 'fhirServer');
  }
  return value;
}

/** RFC 6749 appendix A.12: access-token = 1*VSCHAR, VSCHAR = %x20-7E. */
const ACCESS_TOKEN = /^[\x20-\x7E]+$/;

function parseFhirAuthorization(value: unknown): FhirAuthorization | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!isObject(value) || !nonEmptyString(value.access_token, 16_384)) {
    throw badRequestError('"fhirAuthorization.access_token" is required when "fhirAuthorization" is sent.', 'fhirAuthorization');
  }
  // An OAuth 2.0 access token is printable ASCII (RFC 6749 appendix A.12, VSCHAR). Anything else (a line break, a
  // character beyond ASCII) cannot go in an Authorization header: every FHIR call would fail before it was sent.
  if (!ACCESS_TOKEN.test(value.access_token)) {
    throw badRequestError('"fhirAuthorization.access_token" must be printable ASCII (RFC 6749 VSCHAR), as an OAuth 2.0 access token is.', 'fhirAuthorization.access_token');
  }
  if (value.token_type !== undefined && (typeof value.token_type !== 'string' || value.token_type.toLowerCase() !== 'bearer')) {
    throw badRequestError('"fhirAuthorization.token_type" must be "Bearer".', 'fhirAuthorization.token_type');
  }
  return { access_token: value.access_token, token_type: 'Bearer' };
}

/**
 * The prefetch object. A key of the service's own templates must hold a FHIR resource or null (an
 * OperationOutcome included: the patient module reads it as an error for the key). Any other key the
 * service never asked for is kept when it holds a resource or null (Medications are indexed from every
 * prefetch Bundle) and otherwise ignored, as CDS Hooks 2.0 ignores unknown request fields. The result has
 * no prototype, so a key named "__proto__" is an ordinary key.
 * @param value - `body.prefetch`.
 * @param templates - The service's prefetch templates (`ServiceDefinition.prefetch`).
 */
function parsePrefetch(value: unknown, templates: Readonly<Record<string, string>>): Record<string, Resource | null> {
  if (value === undefined || value === null) {
    return Object.create(null) as Record<string, Resource | null>;
  }
  if (!isObject(value)) {
    throw badRequestError('"prefetch" must be a JSON object whose values are FHIR resources or null.', 'prefetch');
  }
  const out = Object.create(null) as Record<string, Resource | null>;
  for (const [key, item] of Object.entries(value)) {
    if (item === null) {
      out[key] = null;
    } else if (isObject(item) && nonEmptyString(item.resourceType, 64)) {
      out[key] = item as unknown as Resource;
    } else if (Object.hasOwn(templates, key)) {
      throw badRequestError(`"prefetch.${safeKey(key)}" must be a FHIR resource or null.`, 'prefetch');
    }
  }
  return out;
}

/**
 * Each draft MedicationRequest's id is text when present, and its subject is this patient.
 * A draft order about another patient means the EHR mixed up records: refuse rather than guess. The
 * MedicationRequest's `subject` is read in any form FHIR allows (relative, absolute, version-specific); a
 * reference that names no patient this way (a "urn:uuid:", a contained resource) is not taken for another.
 */
function checkDrafts(draftOrders: Bundle, patientId: string): void {
  (draftOrders.entry ?? []).forEach((entry, i) => {
    const resource: unknown = isObject(entry) ? entry.resource : undefined;
    if (!isObject(resource) || resource.resourceType !== 'MedicationRequest') {
      return;
    }
    // An id is text (FHIR's "id" type); a number or an object cannot name the order a suggestion would
    // cancel, or the order feedback refers to. Absent (null read as absent) is allowed: a draft need not
    // have one yet.
    if (resource.id !== undefined && resource.id !== null && typeof resource.id !== 'string') {
      throw badRequestError(`"context.draftOrders.entry[${i}].resource.id" must be text when present.`, `context.draftOrders.entry[${i}].resource.id`);
    }
    const subject = resource.subject;
    if (isObject(subject) && namesOtherPatient(subject.reference, patientId)) {
      throw badRequestError(
        `"context.draftOrders.entry[${i}]" is a MedicationRequest for a different patient than "context.patientId".`,
        `context.draftOrders.entry[${i}].resource.subject`
      );
    }
  });
}

function parseSelections(value: unknown, draftOrders: Bundle): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => nonEmptyString(v, MAX_ID_LENGTH))) {
    throw badRequestError('"context.selections" is required for order-select and must be a non-empty array of references such as "MedicationRequest/123".', 'context.selections');
  }
  const known = new Set(
    (draftOrders.entry ?? []).flatMap((e) => {
      const r = isObject(e) ? e.resource : undefined;
      // An empty id names no order ("MedicationRequest/" would select nothing, and the call would answer no cards).
      return isObject(r) && typeof r.resourceType === 'string' && typeof r.id === 'string' && r.id !== '' ? [`${r.resourceType}/${r.id}`] : [];
    })
  );
  const missing = value.filter((v) => !known.has(v));
  if (missing.length > 0) {
    throw badRequestError(`"context.selections" refers to ${missing.length} order(s) not found in "context.draftOrders".`, 'context.selections');
  }
  return value;
}

const UUID = /^(?:urn:uuid:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The hook instance as logged and audited. CDS Hooks 2.0 makes it a UUID; a client that sends something else
 * (free text, an id built from the patient's record number) is still answered, but that text never reaches the
 * logs or the audit: it is replaced by a short keyed hash (audit-text-key.ts), the same for the same text (so it
 * still groups a call).
 */
export function safeHookInstance(value: string, key?: AuditTextKey): string {
  return UUID.test(value) ? value : auditTextKey(key, HOOK_INSTANCE_SCOPE, value);
}

/** Where hook instances are keyed (audit-text-key.ts). */
const HOOK_INSTANCE_SCOPE = 'urn:cns-cds:hook-instance';

function safeKey(key: string): string {
  return /^[A-Za-z0-9_-]{1,64}$/.test(key) ? key : '<key>';
}
