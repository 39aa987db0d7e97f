/**
 * The audit's child rows (issued cards, suppressions) lose their foreign key to `invocations` and the
 * index that served it. Never edit a migration once released: add a new numbered one instead.
 *
 * Why: every call's audit record is one invocation row and its cards, written by the service in one
 * transaction (SqlStore.writeInvocations), and the audit is the store's busiest write. A foreign key
 * makes PostgreSQL run a lookup with a row lock on `invocations` for every card inserted, and the
 * `invocation_id` indexes existed for the key's ON DELETE CASCADE. Measured on embedded PGlite with a
 * batch the benchmark corpus produced (38 invocations, 67 cards, CPU time): 116 µs per invocation with
 * both, 81 µs without (docs/benchmark.md).
 *
 * Nothing relies on them: cards and suppressions are only ever inserted in the same transaction as
 * their invocation, retention (purgeAuditOlderThan) deletes children before and after their parents by
 * the time they share, and no query looks cards up by invocation (findIssuedCards reaches the invocation
 * through its primary key).
 *
 * Replicas of the previous release may be writing the audit while this runs (a rolling upgrade on
 * PostgreSQL). They lock `invocations` then `issued_cards`; dropping a foreign key locks both tables, so
 * the tables are locked first, in the writers' order: the migration waits for a writer's transaction
 * instead of deadlocking with it. The keys are found by what they are, not by name, so a database whose
 * operator renamed (or dropped) them still migrates.
 */
import type { Migration } from './types.ts';

export const migration0002: Migration = {
  version: 2,
  name: 'audit-without-foreign-keys',
  sql: `
LOCK TABLE invocations, issued_cards, suppressions IN ACCESS EXCLUSIVE MODE;
DO $$
DECLARE
  fk record;
BEGIN
  FOR fk IN
    SELECT conrelid::regclass AS child, conname
    FROM pg_constraint
    WHERE contype = 'f'
      AND confrelid = 'invocations'::regclass
      AND conrelid IN ('issued_cards'::regclass, 'suppressions'::regclass)
  LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', fk.child, fk.conname);
  END LOOP;
END
$$;
DROP INDEX IF EXISTS issued_cards_invocation_idx;
DROP INDEX IF EXISTS suppressions_invocation_idx;
`,
};
