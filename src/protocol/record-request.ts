/**
 * What the patient module needs from a hook request (a narrow object, not the protocol type): the
 * context ids, draft orders, prefetch, the service's templates and policy, and the FHIR server.
 */
import type { PatientRecordRequest } from '../patient/index.ts';
import type { ServiceDefinition } from './service-definitions.ts';
import type { OrderHookRequest } from './types.ts';

export function recordRequestFor(service: ServiceDefinition, request: OrderHookRequest): PatientRecordRequest {
  return {
    patientId: request.context.patientId,
    userId: request.context.userId,
    encounterId: request.context.encounterId,
    draftOrders: request.context.draftOrders,
    prefetch: request.prefetch,
    prefetchTemplates: service.prefetch,
    policy: service.prefetchPolicy,
    fhirServer: request.fhirServer,
    accessToken: request.fhirAuthorization?.access_token,
  };
}
