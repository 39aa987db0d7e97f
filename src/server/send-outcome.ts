/**
 * The one place outcomes become HTTP: status from the outcome, body the OperationOutcome itself
 * (CDS Hooks 3.0: a non-2xx answer SHOULD carry an OperationOutcome).
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { Response } from 'express';
import { statusOf } from '../shared/index.ts';

export function sendOutcome(res: Response, outcome: OperationOutcome): void {
  res.status(statusOf(outcome)).type('application/fhir+json').json(outcome);
}
