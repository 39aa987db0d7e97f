// Migration 7: one snooze per card. Snoozes stored twice for one card before it (two copies of one override
// handled at once) are reduced to one, keeping the one an admin lifted, so the card an admin asked to show
// again is not kept hidden by its twin.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations/index.ts';
import { openPgliteSql } from '../../src/store/pglite-sql.ts';
import { SqlStore } from '../../src/store/sql-store.ts';
import type { Sql } from '../../src/store/sql.ts';
import { captureLogger } from './helpers.ts';

describe('migration 7: one snooze per card', () => {
  const opened: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0).reverse()) await s.close();
  });

  async function open(sql: Sql, migrations = MIGRATIONS): Promise<SqlStore> {
    const store = new SqlStore(sql, { logger: captureLogger().logger, ownsSql: false, flushIntervalMs: 60_000, migrations });
    opened.push(store);
    await store.migrate();
    return store;
  }

  it('keeps the lifted one of twins, else the oldest, and then makes no second snooze for a card', async () => {
    const db = await openPgliteSql();
    opened.push(db);
    const before = await open(db, MIGRATIONS.filter((m) => m.version < 7));
    const patientKey = `pk-${randomUUID()}`;
    const base = { ruleId: 'opioid-benzodiazepine', patientKey, expiresAt: '2999-01-01T00:00:00Z', reasonCode: 'palliative-care' };
    // Twins of card A: the admin lifted the newer one; its older twin, still active, hid the card.
    const cardA = randomUUID();
    const olderA = (await before.createSnooze({ ...base, cardUuid: cardA, createdAt: '2026-03-01T08:00:00Z' }))!;
    const liftedA = (await before.createSnooze({ ...base, cardUuid: cardA, createdAt: '2026-03-01T08:00:01Z' }))!;
    expect(await before.liftSnooze(liftedA.id, 'admin@example.org', new Date('2026-03-02T00:00:00Z'))).toBe(true);
    // Twins of card B, neither lifted: the oldest stays.
    const cardB = randomUUID();
    const oldestB = (await before.createSnooze({ ...base, cardUuid: cardB, createdAt: '2026-03-01T09:00:00Z' }))!;
    await before.createSnooze({ ...base, cardUuid: cardB, createdAt: '2026-03-01T09:00:02Z' });
    expect(await before.activeSnoozes(patientKey, new Date('2026-03-03T00:00:00Z'))).toHaveLength(3);

    const after = await open(db);
    expect((await after.listSnoozes({ cardUuid: cardA })).map((s) => s.id)).toEqual([liftedA.id]);
    expect((await after.listSnoozes({ cardUuid: cardB })).map((s) => s.id)).toEqual([oldestB.id]);
    expect((await after.activeSnoozes(patientKey, new Date('2026-03-03T00:00:00Z'))).map((s) => s.id)).toEqual([oldestB.id]);
    expect(olderA.id).not.toBe(liftedA.id);
    expect(await after.createSnooze({ ...base, cardUuid: cardA, createdAt: '2026-03-04T00:00:00Z' })).toBeUndefined();
  });
});
