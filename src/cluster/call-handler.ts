/**
 * Answers the store calls of a process that does not hold the store: a cluster worker's calls, in the
 * primary, and the primary's (or a single process's) calls, in the store thread (store-thread.ts).
 */
import type { Store } from '../store/index.ts';
import { STORE_METHODS } from './protocol.ts';
import type { CallMessage, ResultMessage } from './protocol.ts';

const SERVABLE: ReadonlySet<string> = new Set(STORE_METHODS);
/** Error codes passed on to the caller: SQLSTATEs (53100) and socket error codes (ECONNREFUSED). */
const ERROR_CODE = /^(?:[0-9A-Z]{5}|E[A-Z_]{2,30})$/;

/** A store that can tell, per patient, until when it may hold an unlifted snooze (SqlStore on PGlite). */
export interface HorizonSource {
  snoozeHorizons?: () => Promise<[string, number][]>;
}

/**
 * Answers one worker call: a store method (only those in STORE_METHODS) or the snooze horizons
 * snapshot. `onSnoozeCreated` is told of every snooze created, before the answer.
 * Never rejects: a failure becomes an error answer with the error's name and message.
 */
export function callHandler(
  store: Store | undefined,
  onSnoozeCreated?: (patientKey: string, expiresMs: number) => void
): (call: CallMessage) => Promise<ResultMessage> {
  return async (call) => {
    try {
      let value: unknown;
      if (call.target === 'horizons' && call.method === 'snapshot' && store) {
        const horizons = (store as Store & HorizonSource).snoozeHorizons;
        if (typeof horizons !== 'function') throw new Error('this store keeps no snooze horizons');
        value = await horizons.call(store);
      } else if (call.target === 'store' && store && SERVABLE.has(call.method)) {
        const fn = (store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[call.method]!;
        value = await fn.apply(store, [...call.args]);
        if (call.method === 'createSnooze' && onSnoozeCreated) {
          // Undefined when the card already had a snooze (none made, nothing to announce).
          const snooze = value as { patientKey?: unknown; expiresAt?: unknown } | undefined;
          if (snooze && typeof snooze.patientKey === 'string') {
            const expires = typeof snooze.expiresAt === 'string' ? Date.parse(snooze.expiresAt) : Number.NaN;
            onSnoozeCreated(snooze.patientKey, Number.isNaN(expires) ? Number.POSITIVE_INFINITY : expires);
          }
        }
      } else {
        throw new Error(store ? `unknown cluster call ${call.target}.${call.method}` : 'no store is configured in the cluster primary');
      }
      return { cds: 1, kind: 'result', id: call.id, ok: true, value };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      const code = (e as { code?: unknown }).code;
      const kept = typeof code === 'string' && ERROR_CODE.test(code) ? { code } : {};
      return { cds: 1, kind: 'result', id: call.id, ok: false, error: { name: e.name, message: e.message, ...kept } };
    }
  };
}
