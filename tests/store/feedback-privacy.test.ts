// The store keeps none of the EHR's own text in feedback, whatever it is given (handle-feedback.ts matches
// reasons to the rule set first, and keys comments), and migrations 4 and 5 clean what was stored before.
import { createHash, randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations/index.ts';
import { openPgliteSql } from '../../src/store/pglite-sql.ts';
import { SqlStore } from '../../src/store/sql-store.ts';
import type { Sql } from '../../src/store/sql.ts';
import { captureLogger, card, feedback, invocation } from './helpers.ts';

const PHI = 'ZZPHI Jane Doe MRN 12345';
const SERVICE = 'cns-depressant-order-sign';

describe('feedback in the store', () => {
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

  async function sql(): Promise<Sql> {
    const s = await openPgliteSql();
    opened.push(s);
    return s;
  }

  it('stores a card uuid that is not UUID-shaped, a free-text code, and any reason of an unknown card, as placeholders, and no suggestion id the card did not offer', async () => {
    const store = await open(await sql());
    const c = card();
    store.enqueueInvocation(invocation({ cards: [c] }));
    const items = [
      feedback(c.uuid, { overrideReason: { system: PHI, code: `${PHI} code`, display: PHI } }),
      feedback(c.uuid, { outcome: 'accepted', acceptedSuggestionIds: [PHI, c.suggestionUuids[0]!] }),
      feedback(randomUUID(), { overrideReason: { code: 'tapering', display: 'Patient is tapering' } }),
      feedback(PHI, { overrideReason: { code: 'tapering' } }),
    ];
    expect(await store.recordFeedback(SERVICE, items)).toMatchObject({ stored: 4, duplicates: 0 });
    const rows = await store.sql.query<Record<string, unknown>>('SELECT card_uuid, accepted_suggestion_ids, reason_system, reason_code, reason_display FROM feedback ORDER BY id');
    expect(JSON.stringify(rows)).not.toMatch(/ZZPHI|Jane/);
    expect(rows[0]).toMatchObject({ card_uuid: c.uuid, reason_system: null, reason_code: 'other', reason_display: null });
    expect(rows[1]).toMatchObject({ accepted_suggestion_ids: [c.suggestionUuids[0]!] });
    expect(rows.slice(2).map((r) => [r.reason_code, r.reason_display])).toEqual([
      [null, null],
      [null, null],
    ]);
    expect(rows[3]).toMatchObject({ card_uuid: 'not-a-uuid' });
    // Repeats are still duplicates.
    expect(await store.recordFeedback(SERVICE, items)).toMatchObject({ stored: 0, duplicates: 4 });
  });

  it('migration 4 clears the reasons and ids written as sent before it, and the analytics no longer show them', async () => {
    const db = await sql();
    const before = await open(db, MIGRATIONS.filter((m) => m.version < 4));
    const [known, other] = [card({ ruleId: 'rule-m4' }), card({ ruleId: 'rule-m4' })];
    before.enqueueInvocation(invocation({ receivedAt: '2033-01-05T12:00:00Z', cards: [known, other] }));
    await before.flush();
    // Rows as the previous release wrote them: the EHR's system, code and display, its card and suggestion ids.
    const insert = `INSERT INTO feedback (natural_key, service_id, card_uuid, card_known, outcome, outcome_timestamp, accepted_suggestion_ids,
      reason_system, reason_code, reason_display, received_at) VALUES ($1, '${SERVICE}', $2, $3, $4, now(), $5, $6, $7, $8, now())`;
    await db.query(insert, ['k1', known.uuid, true, 'overridden', [], 'urn:cns-cds:override-reason', 'tapering', `${PHI} display`]);
    await db.query(insert, ['k2', other.uuid, true, 'overridden', [], PHI, `${PHI} code`, PHI]);
    await db.query(insert, ['k3', known.uuid, true, 'accepted', [PHI, known.suggestionUuids[0]!], null, null, null]);
    await db.query(insert, ['k4', `${PHI} card`, false, 'overridden', [], null, 'tapering', PHI]);
    await db.query(insert, ['k5', randomUUID(), false, 'overridden', [], null, 'tapering', 'Tapering']);
    await db.query(insert, ['k6', other.uuid, true, 'overridden', [], null, 'palliative-care', null]);
    const window = [new Date('2033-01-01T00:00:00Z'), new Date('2033-02-01T00:00:00Z')] as const;
    expect(JSON.stringify(await before.ruleStats(...window))).toMatch(/ZZPHI/); // what the viewer role saw

    const after = await open(db);
    const rows = await db.query<Record<string, unknown>>('SELECT natural_key, card_uuid, accepted_suggestion_ids, reason_system, reason_code, reason_display FROM feedback ORDER BY id');
    expect(JSON.stringify(rows)).not.toMatch(/ZZPHI|Jane/);
    expect(rows.every((r) => r.reason_display === null)).toBe(true);
    const row = (i: number) => ({ ...rows[i], legacy: String(rows[i]!.natural_key).startsWith('legacy:') });
    // Only its display cleared: keeps its natural key (feedback sent again is still a duplicate).
    expect(row(0)).toMatchObject({ natural_key: 'k1', card_uuid: known.uuid, reason_system: 'urn:cns-cds:override-reason', reason_code: 'tapering' });
    // Changed: a natural key that is no hash of what was sent.
    expect(row(1)).toMatchObject({ legacy: true, card_uuid: other.uuid, reason_system: null, reason_code: 'other' });
    expect(row(2)).toMatchObject({ legacy: true, accepted_suggestion_ids: ['not-a-uuid', known.suggestionUuids[0]!] });
    expect(row(3)).toMatchObject({ legacy: true, card_uuid: 'not-a-uuid', reason_system: null, reason_code: null });
    expect(row(4)).toMatchObject({ legacy: true, reason_system: null, reason_code: null });
    expect(row(5)).toMatchObject({ natural_key: 'k6', reason_code: 'palliative-care' });

    const stats = (await after.ruleStats(...window)).find((s) => s.ruleId === 'rule-m4')!;
    expect(JSON.stringify(stats)).not.toMatch(/ZZPHI|Jane/);
    expect(stats.topOverrideReasons).toEqual([
      { code: 'other', count: 1 },
      { code: 'palliative-care', count: 1 },
      { code: 'tapering', count: 1 },
    ]);
  });

  it('migration 5 replaces the plain sha256 of old comments, keeping a comment resent for a card counted once', async () => {
    const db = await sql();
    const before = await open(db, MIGRATIONS.filter((m) => m.version < 5));
    const [a, b] = [card({ ruleId: 'rule-m5' }), card({ ruleId: 'rule-m5' })];
    before.enqueueInvocation(invocation({ receivedAt: '2034-01-05T12:00:00Z', cards: [a, b] }));
    await before.flush();
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    // Rows as the previous release wrote them: the plain sha256 of the comment, in the natural key too.
    const insert = `INSERT INTO feedback (natural_key, service_id, card_uuid, card_known, outcome, outcome_timestamp, comment_sha256, received_at)
      VALUES ($1, '${SERVICE}', $2, true, 'overridden', $3, $4, now())`;
    await db.query(insert, ['k1', a.uuid, '2034-01-05T12:01:00Z', sha256('Jane Doe')]);
    await db.query(insert, ['k2', a.uuid, '2034-01-05T12:02:00Z', sha256('Jane Doe')]); // resent later
    await db.query(insert, ['k3', b.uuid, '2034-01-05T12:01:00Z', sha256('Jane Doe')]);
    await db.query(insert, ['k4', b.uuid, '2034-01-05T12:01:00Z', null]);
    const window = [new Date('2034-01-01T00:00:00Z'), new Date('2034-02-01T00:00:00Z')] as const;
    const comments = async (s: SqlStore) => (await s.ruleStats(...window)).find((r) => r.ruleId === 'rule-m5')!.comments;
    expect(await comments(before)).toBe(2);

    const after = await open(db);
    const rows = await db.query<{ natural_key: string; comment_sha256: string | null }>('SELECT natural_key, comment_sha256 FROM feedback ORDER BY id');
    expect(rows.map((r) => r.comment_sha256)).not.toContain(sha256('Jane Doe'));
    expect(rows[0]!.comment_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[1]!.comment_sha256).toBe(rows[0]!.comment_sha256); // the same comment on the same card
    expect(rows[2]!.comment_sha256).not.toBe(rows[0]!.comment_sha256); // another card: not linked
    expect(rows.slice(0, 3).every((r) => r.natural_key.startsWith('legacy:'))).toBe(true);
    expect(rows[3]).toEqual({ natural_key: 'k4', comment_sha256: null });
    expect(await comments(after)).toBe(2);
  });
});
