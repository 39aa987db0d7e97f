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

export interface LoggerOptions {
  /**
   * Buffer log lines up to this many bytes before one write to stdout (0: one write per line, pino's
   * default). Buffered lines are written at least every `flushIntervalMs`, at once for `error` and
   * `fatal`, and on process exit; a process killed with SIGKILL can lose the last buffered lines.
   */
  readonly bufferBytes?: number;
  /** Longest time a buffered line waits, ms. Default 250. */
  readonly flushIntervalMs?: number;
}

/** pino's numeric level of `error`: lines at this level or above are written at once. */
const FLUSH_AT_LEVEL = 50;

/**
 * Creates the root logger.
 * @param level - pino level name, or 'silent' for tests.
 * @param options - Output buffering (the service buffers: a write per request line costs CPU under load).
 * @returns A pino logger writing JSON lines to stdout.
 */
export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const settings = {
    level,
    base: { service: 'cns-depressant-cds' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const bufferBytes = options.bufferBytes ?? 0;
  if (bufferBytes <= 0 || level === 'silent') {
    return pino(settings);
  }
  const destination = pino.destination({ dest: 1, sync: true, minLength: bufferBytes });
  const flush = (): void => {
    try {
      destination.flushSync();
    } catch {
      // not open yet, or closed: nothing buffered that could be written
    }
  };
  const timer = setInterval(flush, options.flushIntervalMs ?? 250);
  timer.unref();
  process.once('exit', flush);
  return pino(
    {
      ...settings,
      hooks: {
        logMethod(args, method, lvl) {
          method.apply(this, args);
          if (lvl >= FLUSH_AT_LEVEL) {
            flush();
          }
        },
      },
    },
    destination
  );
}
