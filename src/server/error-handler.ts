/**
 * The single error handler, mounted last. Known outcomes pass straight through; body-parser
 * failures become 400/413/415; a database that cannot be used now (full disk, server down, the store
 * thread being replaced) is a 503 with Retry-After, so an EHR sends its feedback again later; anything
 * else is logged (type, message, code and stack only: errorForLog) and answered with a generic 500 outcome that
 * reveals nothing.
 */
import type { NextFunction, Request, Response } from 'express';
import {
  OperationOutcomeError,
  badRequest,
  internalErrorOutcome,
  payloadTooLargeOutcome,
  requestPath,
  serviceUnavailableOutcome,
  unsupportedMediaTypeOutcome,
} from '../shared/index.ts';
import { isStoreUnavailable } from '../store/index.ts';
import { errorForLog } from '../shared/logger.ts';
import type { Logger } from '../shared/index.ts';
import { sendOutcome } from './send-outcome.ts';

interface BodyParserError {
  type?: string;
  status?: number;
}

/** Longest 412 reason put on a request's log line. */
const MAX_PROBLEM_LENGTH = 500;

/** Seconds an EHR is asked to wait before sending again when the store cannot be used. */
const STORE_RETRY_AFTER_S = 30;

export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) {
      res.end();
      return;
    }
    if (err instanceof OperationOutcomeError) {
      // A 412 names the required data that could not be obtained and why, in this service's own words
      // (load-patient-record.ts, fhir-reader.ts: no request text): the request's log line carries it, so an
      // integrator can tell "no fhirServer sent" from "the FHIR server timed out" without the response body.
      if (err.outcome.id === 'precondition-failed') {
        res.locals.problem = err.outcome.issue?.[0]?.details?.text?.slice(0, MAX_PROBLEM_LENGTH);
      }
      sendOutcome(res, err.outcome);
      return;
    }
    // Values the store cannot hold (StoreInputError, or PostgreSQL data exceptions, SQLSTATE class 22) are bad input.
    const sqlState = (err as { code?: unknown } | undefined)?.code;
    if ((err as Error | undefined)?.name === 'StoreInputError' || (typeof sqlState === 'string' && /^22[0-9A-Z]{3}$/.test(sqlState))) {
      sendOutcome(res, badRequest('The request contains a value that cannot be stored (for example an impossible date).'));
      return;
    }
    if (isStoreUnavailable(err)) {
      logger.warn({ err: errorForLog(err), requestId: res.locals.requestId, path: requestPath(req) }, 'the store cannot be used now: answered 503');
      res.setHeader('Retry-After', String(STORE_RETRY_AFTER_S));
      sendOutcome(res, serviceUnavailableOutcome('The service cannot use its database right now, so this request was not completed. Send it again later.'));
      return;
    }
    const parserType = (err as BodyParserError | undefined)?.type;
    switch (parserType) {
      case 'entity.parse.failed':
        sendOutcome(res, badRequest('The request body is not valid JSON.'));
        return;
      case 'entity.too.large':
        sendOutcome(res, payloadTooLargeOutcome('The request body is larger than this service accepts.'));
        return;
      case 'encoding.unsupported':
      case 'charset.unsupported':
        sendOutcome(res, unsupportedMediaTypeOutcome('The request body encoding is not supported; send UTF-8 JSON.'));
        return;
      case 'request.aborted':
      case 'request.size.invalid':
      case 'stream.encoding.set':
      case 'stream.not.readable':
        sendOutcome(res, badRequest('The request body could not be read.'));
        return;
      default:
        break;
    }
    const status = (err as BodyParserError | undefined)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      sendOutcome(res, badRequest('The request could not be processed.'));
      return;
    }
    // Never the error object itself: pino writes every field of it (a pg error's `detail` holds the failing
    // row, an HTTP client error its request and headers). errorForLog keeps type, message, code and stack.
    logger.error({ err: errorForLog(err), requestId: res.locals.requestId, path: requestPath(req) }, 'unhandled error');
    sendOutcome(res, internalErrorOutcome());
  };
}
