/**
 * The tiny SQL port the store is written against: PostgreSQL dialect, parameterised queries only.
 * Two adapters implement it: embedded PGlite (pglite-sql.ts) and a PostgreSQL server through a
 * node-postgres pool (pg-sql.ts).
 */

export type SqlRow = Record<string, unknown>;

/** What can run statements: the connection itself, or a transaction. */
export interface SqlExecutor {
  /** One statement with `$1..$n` parameters; resolves to its rows. */
  query<T extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** A script of statements without parameters (migrations only). */
  exec(text: string): Promise<void>;
  /**
   * Bulk load: `COPY table (columns) FROM` rows in the COPY text format (copy-text.ts). Only adapters
   * that can do it cheaply have it (PGlite); callers fall back to INSERT without it. `table` and
   * `columns` are the caller's constants, never request data. Rejects unless exactly `rowCount` rows
   * were written. The check comes after the COPY, so call it inside a transaction: the rejection then
   * rolls the rows back, and nothing is taken as written that the database did not count.
   */
  copyFrom?(table: string, columns: readonly string[], rows: string, rowCount: number): Promise<void>;
}

export interface Sql extends SqlExecutor {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction: commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Where the store reports what it cannot tell its caller (pino's Logger fits). */
export interface StoreLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Used when no logger is given: warnings and errors to stderr, no info. */
export const consoleLogger: StoreLogger = {
  info() {},
  warn(obj, msg) {
    console.warn(`[store] ${msg}`, obj);
  },
  error(obj, msg) {
    console.error(`[store] ${msg}`, obj);
  },
};

/** PostgreSQL SQLSTATE of an error, when it carries one (both adapters' errors do). */
export function sqlState(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      return code;
    }
  }
  return undefined;
}

/**
 * True when retrying the same statement cannot succeed: data exceptions (22), integrity constraint
 * violations (23), syntax or access rule violations (42). Connection failures and the like are not.
 */
export function isPermanentSqlError(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23') || state.startsWith('42'));
}

/** A short description of an error for logs (no parameters, so no data from the rows). */
export function describeError(error: unknown): { message: string; code?: string } {
  const message = error instanceof Error ? error.message : String(error);
  const code = sqlState(error);
  return code === undefined ? { message } : { message, code };
}

/** Timestamps come back as Date from both drivers; text is accepted too. */
export function toIso(value: unknown): string {
  if (value instanceof Date) {
    return value.toISOString();
  }
  if (typeof value === 'string' || typeof value === 'number') {
    return new Date(value).toISOString();
  }
  throw new TypeError(`not a timestamp: ${String(value)}`);
}

export function toIsoOrUndefined(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : toIso(value);
}

/** int8 comes back as a string from node-postgres and as a number from PGlite. */
export function toInt(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new TypeError(`not a safe integer: ${String(value)}`);
  }
  return n;
}

export function textOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
