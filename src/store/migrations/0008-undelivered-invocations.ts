/**
 * A partial index of the calls not answered 200 (in practice those the EHR gave up on, audited 499), by
 * time. Never edit a migration once released: add a new numbered one instead.
 *
 * Why: the analytics count only cards and suppressions of delivered calls (a 499's cards were decided but
 * never shown). `ruleStats` leaves out the cards of the window's undelivered calls with an anti-join, and
 * this index finds those calls without reading every invocation of the window. Joining each card to its
 * invocation instead (migration 0002 dropped the index on `invocation_id`) doubled the query's time.
 * Only rows matching the predicate are indexed, so the audit's writes of 200 calls add no index entry.
 */
import type { Migration } from './types.ts';

export const migration0008: Migration = {
  version: 8,
  name: 'undelivered-invocations',
  sql: `
CREATE INDEX IF NOT EXISTS invocations_undelivered_received_at_idx ON invocations (received_at) WHERE status <> 200;
`,
};
