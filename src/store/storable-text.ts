/**
 * Text as PostgreSQL can store it. A JavaScript string may hold a NUL character or a lone UTF-16
 * surrogate; PostgreSQL's text refuses the first, and UTF-8 cannot encode the second. Such a value
 * from a client (a hook instance, an order id) would make its audit record fail, and the record be
 * dropped, so a client could keep a call out of the audit. Each becomes U+FFFD (the replacement
 * character) instead, the same on PGlite (COPY) and on a PostgreSQL server (JSON parameters).
 */
const REPLACEMENT = '\uFFFD';

export function storableText<T>(value: T): T {
  if (typeof value !== 'string' || (value.isWellFormed() && !value.includes('\u0000'))) return value;
  return value.toWellFormed().replaceAll('\u0000', REPLACEMENT) as T;
}
