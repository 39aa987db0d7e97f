// Shared helpers of the store tests.
import { createHmac, randomUUID } from 'node:crypto';
import type { StoreLogger } from '../../src/store/index.ts';
import { SqlStore } from '../../src/store/sql-store.ts';
import type { Sql } from '../../src/store/sql.ts';
import type { AuditedCard, FeedbackItemInput, InvocationRecord, Store, SuppressedCard } from '../../src/store/types.ts';

export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly obj: object;
}

/** A logger that keeps what it is told (and prints nothing). */
export function captureLogger(): { logger: StoreLogger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return {
    entries,
    logger: {
      info: (obj, msg) => entries.push({ level: 'info', msg, obj }),
      warn: (obj, msg) => entries.push({ level: 'warn', msg, obj }),
      error: (obj, msg) => entries.push({ level: 'error', msg, obj }),
    },
  };
}

/** The connection under a store made by createStore (for assertions on rows). */
export function sqlOf(store: Store): Sql {
  if (!(store instanceof SqlStore)) {
    throw new Error('not a SqlStore');
  }
  return store.sql;
}

export async function count(store: Store, table: string, where = 'true', params: unknown[] = []): Promise<number> {
  const rows = await sqlOf(store).query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params);
  return Number(rows[0]?.n);
}

export function card(overrides: Partial<AuditedCard> = {}): AuditedCard {
  return { uuid: randomUUID(), ruleId: 'opioid-benzodiazepine', indicator: 'warning', suggestionUuids: [randomUUID()], ...overrides };
}

export function invocation(overrides: Partial<InvocationRecord> & { cards?: readonly AuditedCard[]; suppressed?: readonly SuppressedCard[] } = {}): InvocationRecord {
  return {
    hookInstance: randomUUID(),
    serviceId: 'cns-depressant-order-sign',
    hook: 'order-sign',
    receivedAt: new Date().toISOString(),
    latencyMs: 42,
    status: 200,
    ruleSetVersion: 'rules-v1',
    patientKey: `pk-${randomUUID()}`,
    cards: [],
    suppressed: [],
    ...overrides,
  };
}

/** A stand-in for a comment's keyed hash (handle-feedback.ts makes the real one with the patient key secret). */
export function commentKey(comment: string): string {
  return createHmac('sha256', 'store-test-comment-key').update(comment).digest('hex');
}

export function feedback(cardUuid: string, overrides: Partial<FeedbackItemInput> = {}): FeedbackItemInput {
  return {
    cardUuid,
    outcome: 'overridden',
    outcomeTimestamp: '2026-01-15T10:00:00Z',
    acceptedSuggestionIds: [],
    ...overrides,
  };
}
