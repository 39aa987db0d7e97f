import type { Bundle, Medication, Patient, Resource } from '@medplum/fhirtypes';

/** Why a piece of the record is missing or partial. Shown to the clinician on an "incomplete check" card. */
export interface DataGap {
  /** Prefetch key (or "medication" for an unresolved medication reference). */
  readonly key: string;
  /** What the data is used for, in clinician words, e.g. "the patient's active medication orders". */
  readonly purpose: string;
  /** Why it is missing, e.g. "the EHR's FHIR server did not answer within 2.5 s". Never contains tokens or PHI. */
  readonly reason: string;
  /**
   * The same reason in the EHR integrator's terms ("gave no access token (fhirAuthorization) for its FHIR server"),
   * when the clinician's words of `reason` leave them out: the 412 of a required key, and its log line, say this.
   */
  readonly detail?: string;
  /** True when the data was required: the caller turns required gaps into a 412. */
  readonly required: boolean;
}

export interface PrefetchKeyPolicy {
  readonly required: boolean;
  readonly purpose: string;
  /**
   * For a search of which only recent records are used (recent-only.ts): its template sorts newest-updated
   * first (`_sort=-_lastUpdated`), so once a page reaches records last updated more than `hours` ago the rest
   * is not needed, except records still in progress, however old, which the key `inProgressKey` searches.
   */
  readonly recentOnly?: RecentOnlyPolicy;
}

export interface RecentOnlyPolicy {
  /** Records whose last change is older than this many hours (and not in progress) are never used. */
  readonly hours: number;
  /**
   * The prefetch key searching the same type with `status=in-progress`, needed only when this key's result was cut at
   * the window. None for a type whose records are used only from a moment at or before their last change (a
   * dispense's handover or preparation: src/facts/dispense-facts.ts), so none in progress is older than the window.
   */
  readonly inProgressKey?: string;
}

/** What the patient module needs from a request; deliberately not the protocol type. */
export interface PatientRecordRequest {
  readonly patientId: string;
  readonly userId?: string;
  readonly encounterId?: string;
  readonly draftOrders: Bundle;
  /** As sent: present keys hold a resource or null; absent keys are missing from the object. */
  readonly prefetch: Readonly<Record<string, Resource | null>>;
  readonly prefetchTemplates: Readonly<Record<string, string>>;
  readonly policy: Readonly<Record<string, PrefetchKeyPolicy>>;
  readonly fhirServer?: string;
  readonly accessToken?: string;
}

/**
 * Everything we know about the patient for this call, grouped by resource type.
 * Built once per request; facts are derived from it without further I/O.
 */
export interface PatientRecord {
  readonly patientId: string;
  readonly patient?: Patient;
  /** Resources from prefetch or the FHIR server, deduplicated by type and id, grouped by resourceType. */
  readonly resources: ReadonlyMap<string, readonly Resource[]>;
  /** Medications by reference string ("Medication/x", "#x" is resolved per resource, fullUrl, urn:uuid:...). */
  readonly medications: ReadonlyMap<string, Medication>;
  readonly gaps: readonly DataGap[];
  /**
   * Where each prefetch key's data came from, for the audit and for tests. `not-needed`: an in-progress key
   * (`recentOnly.inProgressKey`) left unread because the key it completes was read in full.
   */
  readonly sources: Readonly<Record<string, 'prefetch' | 'prefetch-null' | 'fhir-server' | 'missing' | 'not-needed'>>;
}
