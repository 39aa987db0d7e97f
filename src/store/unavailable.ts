/**
 * Errors that say the database cannot be used right now, as opposed to a request it cannot take: the
 * caller answers 503 ("send it again later"), not 500. Both drivers and the store proxies raise them:
 * - `StoreUnavailableError`: a cluster worker's or the store thread's proxy got no answer (the primary
 *   is gone, the store thread is being replaced, or a call timed out);
 * - SQLSTATE classes 08 (connection exception), 53 (insufficient resources: a full disk is 53100),
 *   57 (operator intervention: shutdown, statement timeout) and 58 (system error: I/O);
 * - node-postgres failing to reach the server (socket error codes, pool connect timeouts).
 */
import { sqlState } from './sql.ts';

const UNAVAILABLE_CLASSES = /^(08|53|57|58)/;
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const DRIVER_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect)/;

export function isStoreUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'StoreUnavailableError') return true;
  const state = sqlState(error);
  if (state !== undefined) return UNAVAILABLE_CLASSES.test(state);
  const code = (error as { code?: unknown }).code;
  return (typeof code === 'string' && SOCKET_CODES.has(code)) || DRIVER_MESSAGES.test(error.message);
}
