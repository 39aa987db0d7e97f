/**
 * One JSON-lines logger for the whole service (pino).
 * Code never passes tokens, secrets or patient data to the logger. As a second line of defence every
 * line's fields are scrubbed before they are written (scrubFields, pino's `formatters.log`), at any depth
 * and whatever the case of a property name: the value of a secret-named property (authorization, cookie,
 * access_token, accessToken, fhirAuthorization, token, password, secret and the like) and the whole value of a
 * property that holds a hook request's patient data (body, prefetch, context, draftOrders, patient) become
 * "[redacted]"; an error anywhere becomes errorForLog's description; a JWT inside a string becomes "[jwt]".
 * Only the fields object is scrubbed: never put data in the message or in printf-style arguments.
 */
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';

export type { Logger } from 'pino';

/** What replaces a secret or a patient-data value. */
const CENSOR = '[redacted]';
/** Property names (lower-cased, without "-" and "_") whose value is a secret: these names and any ending in them. */
const SECRET_NAME = /(?:authorization|cookie|token|secret|password|passwd|apikey|privatekey|credentials|jwt)$/;
/** Property names (lower-cased, without "-" and "_") whose value is a hook request or its patient data, removed whole. */
const PATIENT_DATA_NAMES = new Set(['body', 'rawbody', 'prefetch', 'context', 'draftorders', 'patient']);
const PLAIN = 0;
const REMOVE = 1;
/** Deepest nesting scrubbed; anything deeper is not written. */
const MAX_DEPTH = 8;
/** Most objects and arrays scrubbed in one line; the properties and items after that are not written. */
const MAX_NODES = 2000;
/** Distinct property names whose verdict is remembered (names are few; a logged object with attacker-chosen keys must not grow the cache). */
const MAX_CACHED_NAMES = 4096;
/**
 * A JWT (or its first two parts) inside a string. It must start where a base64url run starts: without that,
 * a long run of "eyJeyJ…" was tried from every "eyJ" to its end, time growing with the square of its length
 * (100,000 characters took 1.7 s).
 */
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*/g;

const verdicts = new Map<string, number>();

function verdictOf(name: string): number {
  let verdict = verdicts.get(name);
  if (verdict === undefined) {
    const normal = name.toLowerCase().replace(/[-_]/g, '');
    verdict = SECRET_NAME.test(normal) || PATIENT_DATA_NAMES.has(normal) ? REMOVE : PLAIN;
    if (verdicts.size < MAX_CACHED_NAMES) verdicts.set(name, verdict);
  }
  return verdict;
}

interface Budget {
  nodes: number;
}

function scrubString(text: string): string {
  return text.length > 30 && text.includes('eyJ') ? text.replace(JWT, '[jwt]') : text;
}

/** The properties of an object, scrubbed; the object itself when nothing changed (the usual case: no copy). */
function scrubProperties(value: object, depth: number, budget: Budget): Record<string, unknown> {
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source);
  let copy: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (budget.nodes <= 0) {
      copy = Object.fromEntries(keys.slice(0, i).map((k) => [k, (copy ?? source)[k]]));
      copy['…'] = `${keys.length - i} more properties left out`;
      break;
    }
    const v = source[key];
    const s = verdictOf(key) === REMOVE ? CENSOR : scrubValue(v, depth + 1, budget);
    if (s !== v) {
      copy ??= { ...source };
      copy[key] = s;
    }
  }
  return copy ?? source;
}

function scrubArray(value: readonly unknown[], depth: number, budget: Budget): readonly unknown[] {
  let copy: unknown[] | undefined;
  for (let i = 0; i < value.length; i++) {
    if (budget.nodes <= 0) {
      copy = (copy ?? value).slice(0, i);
      copy.push(`${value.length - i} more items left out`);
      break;
    }
    const v: unknown = value[i];
    const s = scrubValue(v, depth + 1, budget);
    if (s !== v) {
      copy ??= value.slice();
      copy[i] = s;
    }
  }
  return copy ?? value;
}

function scrubValue(value: unknown, depth: number, budget: Budget): unknown {
  if (typeof value === 'string') {
    return scrubString(value);
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  if (described.has(value) || value instanceof Date) {
    return value;
  }
  budget.nodes--;
  if (depth >= MAX_DEPTH) {
    return '[left out: too deep]';
  }
  if (value instanceof Error) {
    return errorForLog(value);
  }
  if (ArrayBuffer.isView(value)) {
    return `[${value.byteLength} bytes]`;
  }
  if (Array.isArray(value)) {
    return scrubArray(value, depth, budget);
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    return scrubValue(toJSON.call(value), depth + 1, budget);
  }
  return scrubProperties(value, depth, budget);
}

/**
 * The fields of one log line (or a child logger's bindings) with secrets and patient data taken out. Costs
 * about nothing on a line of plain fields (the request line: no copy is made).
 * @returns The same object when nothing had to change, else a scrubbed copy.
 */
export function scrubFields(fields: Record<string, unknown>): Record<string, unknown> {
  try {
    return scrubProperties(fields, 0, { nodes: MAX_NODES });
  } catch {
    // a getter that throws, a proxy: write the line without its fields rather than lose it or its caller
    return { logFields: 'left out: they could not be read' };
  }
}

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
  // Cut first (with room for what the replaces shorten), so a huge message costs no more than a short one.
  const long = text.length > 2 * MAX_ERROR_MESSAGE;
  text = (long ? text.slice(0, 2 * MAX_ERROR_MESSAGE) : text).replace(JWT, '[jwt]').replace(/\b(Bearer|Basic)\s+[^\s"',;]+/gi, '$1 [redacted]');
  return long || text.length > MAX_ERROR_MESSAGE ? `${text.slice(0, MAX_ERROR_MESSAGE)}…` : text;
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

/**
 * pino writes a child's bindings without the `log` formatter (and resets `bindings` for children): the
 * bindings of every child (and grandchild: they inherit this `child`) and of setBindings are scrubbed here.
 */
function scrubbingChildren(logger: Logger): Logger {
  const { child, setBindings } = logger;
  logger.child = function scrubbedChild(this: Logger, bindings, childOptions) {
    return child.call(this, scrubFields(bindings), childOptions);
  } as Logger['child'];
  logger.setBindings = function scrubbedSetBindings(this: Logger, bindings) {
    setBindings.call(this, scrubFields(bindings));
  };
  return logger;
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
    formatters: { log: scrubFields, bindings: scrubFields },
    serializers: { err: serializeErr },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) {
    return scrubbingChildren(pino(settings, options.destination));
  }
  const bufferBytes = options.bufferBytes ?? 0;
  if (bufferBytes <= 0 || level === 'silent') {
    return scrubbingChildren(pino(settings));
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
  const logger = pino(
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
  return scrubbingChildren(logger);
}
