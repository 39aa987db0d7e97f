/**
 * One JSON-lines logger for the whole service (pino).
 * Redaction is a second line of defence: code never passes tokens or patient names to the logger,
 * but if a whole request or header object slips in, the secrets in it are removed.
 */
import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger } from 'pino';

const REDACT_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'fhirAuthorization',
  '*.fhirAuthorization',
  'access_token',
  '*.access_token',
  'token',
  '*.token',
];

/**
 * Creates the root logger.
 * @param level - pino level name, or 'silent' for tests.
 * @returns A pino logger writing JSON lines to stdout.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'cns-depressant-cds' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
