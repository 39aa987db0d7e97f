/**
 * One JSON-lines logger for the whole service (pino).
 * Redaction is a second line of defence: code never passes tokens or patient names to the logger,
 * but if a whole request or header object slips in, the secrets in it are removed.
 */
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';

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

/** What the log holds of an error: never its other fields (a pg error's `detail` holds the row, an HTTP error its request). */
export interface LoggedError {
  readonly type: string;
  readonly message: string;
  readonly code?: string;
  /** Schema names a PostgreSQL error carries (identifiers from our migrations, never values). */
  readonly table?: string;
  readonly column?: string;
  readonly constraint?: string;
  readonly stack?: string;
  readonly cause?: LoggedError;
}

/** Longest error message written; the rest is cut. */
const MAX_ERROR_MESSAGE = 500;
/** Stack frames kept. */
const MAX_STACK_FRAMES = 30;
/** Nested `cause`s followed. */
const MAX_CAUSES = 3;
/** A PostgreSQL SQLSTATE (five digits or capitals; Node's errno codes such as EPIPE begin with E, no SQLSTATE class does). */
const SQLSTATE = /^(?!E)[0-9A-Z]{5}$/;
const SQL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$.]{0,126}$/;
const ERROR_CODE = /^[A-Za-z0-9_.-]{1,64}$/;
/** SQLSTATE classes (PostgreSQL, Appendix A), for a message that names the kind of failure without its text. */
const SQLSTATE_CLASSES: Readonly<Record<string, string>> = {
  '08': 'connection exception',
  '0A': 'feature not supported',
  '22': 'data exception',
  '23': 'integrity constraint violation',
  '25': 'invalid transaction state',
  '28': 'invalid authorization specification',
  '3D': 'invalid catalog name',
  '40': 'transaction rollback',
  '42': 'syntax error or access rule violation',
  '53': 'insufficient resources',
  '54': 'program limit exceeded',
  '55': 'object not in prerequisite state',
  '57': 'operator intervention',
  '58': 'system error',
  F0: 'configuration file error',
  P0: 'PL/pgSQL error',
  XX: 'internal error',
};

/** Descriptions made by errorForLog: the `err` serializer passes them through. */
const described = new WeakSet<object>();

function cleanMessage(message: string, type: string): string {
  let text = message;
  if (type === 'SyntaxError' && text.includes('"')) {
    // JSON.parse quotes the input it could not read: `Unexpected token 'Z', "ZZ…" is not valid JSON`.
    text = `${text.slice(0, text.indexOf('"'))}[input left out]${text.endsWith(' is not valid JSON') ? ' is not valid JSON' : ''}`;
  }
  text = text.replace(/eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*/g, '[jwt]').replace(/\b(Bearer|Basic)\s+[^\s"',;]+/gi, '$1 [redacted]');
  return text.length > MAX_ERROR_MESSAGE ? `${text.slice(0, MAX_ERROR_MESSAGE)}…` : text;
}

/**
 * A description of an error that is safe to log: type, message, code and stack frames, nothing else. A
 * PostgreSQL error (one with a SQLSTATE `code`) gets a message naming its SQLSTATE class instead of its
 * own, which can quote the value refused (`invalid input syntax for type uuid: "…"`), and never its
 * `detail` ("Failing row contains (…)"), `where`, `hint` or query; the table, column and constraint names
 * are kept. Other messages are cut at 500 characters, with JSON.parse's quote of its input, JWTs and
 * bearer credentials taken out. The stack keeps only its frames (its first line repeats the message).
 * @param error - Anything thrown; an object with a string `message` is read as an error.
 */
export function errorForLog(error: unknown, causes = 0): LoggedError {
  if (typeof error !== 'object' || error === null || typeof (error as { message?: unknown }).message !== 'string') {
    return typeof error === 'string' ? { type: 'string', message: cleanMessage(error, 'string') } : { type: typeof error, message: 'a value that is not an Error was thrown' };
  }
  const e = error as { name?: unknown; message: string; code?: unknown; stack?: unknown; cause?: unknown; table?: unknown; column?: unknown; constraint?: unknown; type?: unknown };
  const ctor = (error as { constructor?: { name?: unknown } }).constructor?.name;
  const named = typeof ctor === 'string' && ctor !== 'Object' ? ctor : typeof e.type === 'string' ? e.type : typeof e.name === 'string' ? e.name : 'Error';
  const type = named.slice(0, 100);
  const code = typeof e.code === 'string' && ERROR_CODE.test(e.code) ? e.code : typeof e.code === 'number' ? String(e.code) : undefined;
  const sql = code !== undefined && SQLSTATE.test(code);
  const message = sql ? `PostgreSQL error ${code} (${SQLSTATE_CLASSES[code.slice(0, 2)] ?? 'database error'})` : cleanMessage(e.message, type);
  const frames = typeof e.stack === 'string' ? e.stack.split('\n').filter((line) => /^\s+at /.test(line)).slice(0, MAX_STACK_FRAMES) : [];
  const names: { table?: string; column?: string; constraint?: string } = {};
  if (sql) {
    for (const key of ['table', 'column', 'constraint'] as const) {
      const value = e[key];
      if (typeof value === 'string' && SQL_IDENTIFIER.test(value)) names[key] = value;
    }
  }
  const result: LoggedError = {
    type,
    message,
    ...(code !== undefined ? { code } : {}),
    ...names,
    ...(frames.length > 0 ? { stack: [`${type}: ${message}`, ...frames].join('\n') } : {}),
    ...(e.cause !== undefined && causes < MAX_CAUSES ? { cause: errorForLog(e.cause, causes + 1) } : {}),
  };
  described.add(result);
  return result;
}

/**
 * The `err` serializer, in place of pino's (which writes every enumerable field of the error): an error,
 * or an object with a string `message`, becomes errorForLog's description; a string (code that logs
 * `err.message`) and errorForLog's own descriptions are written as they are.
 */
function serializeErr(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || described.has(value)) {
    return value;
  }
  return value instanceof Error || typeof (value as { message?: unknown }).message === 'string' ? errorForLog(value) : value;
}

export interface LoggerOptions {
  /**
   * Buffer log lines up to this many bytes before one write to stdout (0: one write per line, pino's
   * default). Buffered lines are written at least every `flushIntervalMs`, at once for `error` and
   * `fatal`, and on process exit; a process killed with SIGKILL can lose the last buffered lines.
   */
  readonly bufferBytes?: number;
  /** Longest time a buffered line waits, ms. Default 250. */
  readonly flushIntervalMs?: number;
  /** Where the lines go instead of stdout (tests read them); no buffering then. */
  readonly destination?: DestinationStream;
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
    serializers: { err: serializeErr },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) {
    return pino(settings, options.destination);
  }
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
