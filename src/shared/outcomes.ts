/**
 * Errors are FHIR data: every failure the client sees is an OperationOutcome.
 * We reuse @medplum/core's outcome factories and OperationOutcomeError, and add the few
 * outcomes CDS Hooks needs that it does not ship (412 with a reason, 415, 413).
 */
import { OperationOutcomeError, badRequest, getStatus } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';

export { OperationOutcomeError, badRequest, isOperationOutcome, notFound } from '@medplum/core';

/**
 * 412: the service could not obtain data it requires (CDS Hooks 2.0, "Prefetch Template":
 * "the service SHALL respond with an HTTP 412 Precondition Failed").
 * @param details - What was missing and why, in words an integrator understands.
 * @returns The outcome; pair it with status 412 via {@link statusOf}.
 */
export function preconditionFailedOutcome(details: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    id: 'precondition-failed',
    issue: [{ severity: 'error', code: 'processing', details: { text: details } }],
  };
}

export function unsupportedMediaTypeOutcome(details: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    id: 'unsupported-media-type',
    issue: [{ severity: 'error', code: 'not-supported', details: { text: details } }],
  };
}

export function payloadTooLargeOutcome(details: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    id: 'payload-too-large',
    issue: [{ severity: 'error', code: 'too-costly', details: { text: details } }],
  };
}

export function methodNotAllowedOutcome(details: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    id: 'method-not-allowed',
    issue: [{ severity: 'error', code: 'not-supported', details: { text: details } }],
  };
}

export function serviceUnavailableOutcome(details: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    id: 'service-unavailable',
    issue: [{ severity: 'error', code: 'transient', details: { text: details } }],
  };
}

export function tooManyRequestsOutcome(details: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    id: 'too-many-requests',
    issue: [{ severity: 'error', code: 'throttled', details: { text: details } }],
  };
}

export function internalErrorOutcome(): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    id: 'internal-error',
    issue: [{ severity: 'error', code: 'exception', details: { text: 'Internal error' } }],
  };
}

const STATUS_BY_ID: Readonly<Record<string, number>> = {
  'precondition-failed': 412,
  'unsupported-media-type': 415,
  'payload-too-large': 413,
  'method-not-allowed': 405,
  'internal-error': 500,
  'service-unavailable': 503,
  'too-many-requests': 429,
};

/** Shorthand: throw a 400 with the given explanation. */
export function badRequestError(details: string, expression?: string): OperationOutcomeError {
  return new OperationOutcomeError(badRequest(details, expression));
}

/** Shorthand: throw a 412 with the given explanation. */
export function preconditionFailedError(details: string): OperationOutcomeError {
  return new OperationOutcomeError(preconditionFailedOutcome(details));
}

/**
 * Maps an outcome to its HTTP status: our own ids first, then Medplum's mapping.
 * @param outcome - The outcome to send.
 * @returns The HTTP status code.
 */
export function statusOf(outcome: OperationOutcome): number {
  const own = outcome.id ? STATUS_BY_ID[outcome.id] : undefined;
  return own ?? getStatus(outcome);
}
