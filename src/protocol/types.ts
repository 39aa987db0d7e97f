/**
 * CDS Hooks 2.0 wire types (https://cds-hooks.hl7.org/2.0/).
 * Request types describe what we accept after validation; response types describe what we emit.
 * Optional fields are omitted, never null or empty (spec: "JSON elements SHALL NOT be null").
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';

/** The client that called, from its verified JWT (CDS Hooks 2.0 "Trusting CDS Clients"). */
export interface CallingClient {
  readonly iss: string;
  readonly tenant?: string;
}

export type Indicator = 'info' | 'warning' | 'critical';
export type SelectionBehavior = 'at-most-one' | 'any';
export type ActionType = 'create' | 'update' | 'delete';
export type LinkType = 'absolute' | 'smart';

export interface Coding {
  readonly system: string;
  readonly code: string;
  readonly display?: string;
}

export interface Source {
  readonly label: string;
  readonly url?: string;
  readonly icon?: string;
  readonly topic?: Coding;
}

export interface Action {
  readonly type: ActionType;
  readonly description: string;
  readonly resource?: Resource;
  readonly resourceId?: string;
}

export interface Suggestion {
  readonly label: string;
  readonly uuid?: string;
  readonly isRecommended?: boolean;
  readonly actions?: readonly Action[];
}

export interface Link {
  readonly label: string;
  readonly url: string;
  readonly type: LinkType;
  readonly appContext?: string;
}

export interface Card {
  readonly uuid?: string;
  readonly summary: string;
  readonly detail?: string;
  readonly indicator: Indicator;
  readonly source: Source;
  readonly suggestions?: readonly Suggestion[];
  readonly selectionBehavior?: SelectionBehavior;
  readonly overrideReasons?: readonly Coding[];
  readonly links?: readonly Link[];
}

export interface CdsResponse {
  readonly cards: readonly Card[];
  readonly systemActions?: readonly Action[];
}

export interface CdsServiceDescription {
  readonly hook: string;
  readonly id: string;
  readonly title?: string;
  readonly description: string;
  readonly prefetch?: Readonly<Record<string, string>>;
  readonly usageRequirements?: string;
}

export interface DiscoveryResponse {
  readonly services: readonly CdsServiceDescription[];
}

export interface FhirAuthorization {
  readonly access_token: string;
  readonly token_type: string;
  readonly expires_in?: number;
  readonly scope?: string;
  readonly subject?: string;
  readonly patient?: string;
}

/** An order-sign or order-select request after validation. */
export interface OrderHookRequest {
  readonly hook: string;
  readonly hookInstance: string;
  readonly fhirServer?: string;
  readonly fhirAuthorization?: FhirAuthorization;
  readonly context: OrderHookContext;
  /** Prefetch values as sent: a resource, or null for "no data". Absent keys are not in the record. */
  readonly prefetch: Readonly<Record<string, Resource | null>>;
}

export interface OrderHookContext {
  readonly userId?: string;
  readonly patientId: string;
  readonly encounterId?: string;
  readonly draftOrders: Bundle;
  /** order-select only: references such as "MedicationRequest/123" into draftOrders. */
  readonly selections?: readonly string[];
}
