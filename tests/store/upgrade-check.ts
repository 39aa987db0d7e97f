// Upgrading a database of the first release (migration 1 only) to the current schema, with audit rows
// in it: the same check on every backend (store-pglite.test.ts, store-postgres.int.test.ts).
import { expect } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations/index.ts';
import type { Sql } from '../../src/store/sql.ts';
import { SqlStore } from '../../src/store/sql-store.ts';
import { captureLogger, card, count, invocation } from './helpers.ts';

/**
 * Writes an old call (a card and a suppression) with the first release's schema, migrates, and checks
 * that the audit is intact and still found, that the foreign keys and their indexes are gone, and that
 * retention removes a call with all its rows.
 * @param sql - An empty database, not migrated.
 */
export async function checkUpgradeFromFirstRelease(sql: Sql): Promise<void> {
  const log = captureLogger();
  const v1 = new SqlStore(sql, { logger: log.logger, ownsSql: false, flushIntervalMs: 60_000, migrations: MIGRATIONS.slice(0, 1) });
  await v1.migrate();
  const oldCard = card({ ruleId: 'upgrade-rule' });
  // The first release's store has no tenant column: it writes the issuer only, whatever the call had.
  const client = { clientIss: 'https://ehr.example', clientTenant: 'hospital-1' };
  v1.enqueueInvocation(invocation({ receivedAt: '1990-01-01T00:00:00Z', cards: [oldCard], suppressed: [{ ruleId: 'upgrade-rule', snoozeId: 's' }], ...client }));
  await v1.close();
  const foreignKeys = async () =>
    (await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_constraint WHERE contype = 'f' AND conrelid IN ('issued_cards'::regclass, 'suppressions'::regclass)"))[0]?.n;
  const invocationIndexes = async () =>
    (await sql.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename IN ('issued_cards', 'suppressions') AND indexdef LIKE '%(invocation_id)%' ORDER BY indexname")).map((r) => r.indexname);
  expect(await foreignKeys()).toBe(2);
  expect(await invocationIndexes()).toEqual(['issued_cards_invocation_idx', 'suppressions_invocation_idx']);

  const current = new SqlStore(sql, { logger: log.logger, ownsSql: false, flushIntervalMs: 60_000 });
  try {
    expect(await current.migrateWithResult()).toEqual({ applied: MIGRATIONS.slice(1).map((m) => m.version) });
    expect(await foreignKeys()).toBe(0);
    expect(await invocationIndexes()).toEqual([]);
    const [old] = await current.findIssuedCards([oldCard.uuid]);
    expect(old).toMatchObject({ ruleId: 'upgrade-rule', clientIss: client.clientIss });
    expect(old?.clientTenant).toBeUndefined(); // feedback from a client with a tenant does not match it
    const newCard = card({ ruleId: 'upgrade-rule' });
    current.enqueueInvocation(invocation({ cards: [newCard], suppressed: [{ ruleId: 'upgrade-rule', snoozeId: 't' }], ...client }));
    expect(await current.findIssuedCards([newCard.uuid])).toMatchObject([{ uuid: newCard.uuid, ...client }]);
    // The old invocation, its card and its suppression; nothing orphaned, nothing newer.
    expect(await current.purgeAuditOlderThan(new Date('1992-01-01T00:00:00Z'))).toBe(3);
    for (const child of ['issued_cards', 'suppressions']) {
      expect(await count(current, `${child} c`, 'NOT EXISTS (SELECT 1 FROM invocations i WHERE i.id = c.invocation_id)')).toBe(0);
      expect(await count(current, child, "invocation_id IN (SELECT id FROM invocations WHERE received_at >= '2000-01-01')")).toBe(1);
    }
  } finally {
    await current.close();
  }
}
