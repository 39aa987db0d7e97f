// The audit's COPY path on PGlite: values survive the COPY text format whatever they contain, a batch
// retried after its commit's answer was lost is written once, and a record PostgreSQL refuses is
// dropped alone.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrayLiteral, copyTextRow } from '../../src/store/copy-text.ts';
import { openPgliteSql } from '../../src/store/pglite-sql.ts';
import { SqlStore } from '../../src/store/sql-store.ts';
import type { Sql, SqlExecutor } from '../../src/store/sql.ts';
import { captureLogger, card, count, invocation } from './helpers.ts';

let sql: Sql;
beforeAll(async () => {
  sql = await openPgliteSql();
  await sql.exec('CREATE TABLE copied (seq integer PRIMARY KEY, t text, a text[], n integer, b boolean)');
});
afterAll(() => sql?.close());

/** Text PostgreSQL can hold: no NUL, no lone surrogate (a JavaScript string can have both). */
const storableText = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\u0000') && s.isWellFormed());
const tricky = fc.constantFrom('\\', '\\N', '\\.', '\t', '\n', '\r', '\r\n', '"', "'", '{', '}', ',', ' ', 'NULL', '{"a",b}', '\\t', 'é', '😀', '');
const text = fc.oneof(storableText, tricky, fc.array(tricky, { maxLength: 6 }).map((parts) => parts.join('')));

describe('COPY text format', () => {
  it('writes rows that PostgreSQL reads back exactly: text, text arrays, numbers, booleans and nulls', async () => {
    let seq = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ t: fc.option(text, { nil: null }), a: fc.array(text, { maxLength: 4 }), n: fc.option(fc.integer(), { nil: null }), b: fc.option(fc.boolean(), { nil: null }) }), { minLength: 1, maxLength: 8 }),
        async (rows) => {
          const first = seq + 1;
          const lines = rows.map((r) => copyTextRow([++seq, r.t, r.a, r.n, r.b])).join('');
          const executor = sql as SqlExecutor;
          await executor.copyFrom!('copied', ['seq', 't', 'a', 'n', 'b'], lines, rows.length);
          const back = await sql.query<{ t: string | null; a: string[]; n: number | null; b: boolean | null }>('SELECT t, a, n, b FROM copied WHERE seq >= $1 ORDER BY seq', [first]);
          expect(back).toEqual(rows);
        }
      ),
      { numRuns: 300 }
    );
  });

  it('quotes every array element, so NULL, braces and commas stay text', () => {
    expect(arrayLiteral(['NULL', 'a,b', '{x}', 'q"\\'])).toBe('{"NULL","a,b","{x}","q\\"\\\\"}');
    expect(copyTextRow(['a\tb', null, 7, true, []])).toBe('a\\tb\t\\N\t7\tt\t{}\n');
  });

  it('refuses a number that is not finite rather than writing text PostgreSQL would misread', () => {
    expect(() => copyTextRow([Number.NaN])).toThrow(RangeError);
  });

  it('refuses table or column names that are not plain identifiers', async () => {
    await expect(sql.copyFrom!('copied; DROP TABLE copied', ['seq'], '', 0)).rejects.toThrow(TypeError);
    await expect(sql.copyFrom!('copied', ['seq) FROM stdin; --'], '', 0)).rejects.toThrow(TypeError);
  });

  it('rejects, and in a transaction writes nothing, when the database took fewer rows than were sent', async () => {
    // A line "\." ends COPY's data early (copy-text.ts escapes every backslash, so our rows never hold one).
    const text = `${copyTextRow([10_001, 'first'])}\\.\n${copyTextRow([10_002, 'after the end marker'])}`;
    await expect(sql.transaction((tx) => tx.copyFrom!('copied', ['seq', 't'], text, 2))).rejects.toThrow('wrote 1 rows, not the 2 sent');
    expect(await sql.query('SELECT seq FROM copied WHERE seq > 10000')).toEqual([]);
  });
});

/**
 * PGlite in memory whose transactions report each COPY that succeeded to `copied` ("table rowCount"),
 * and, while `failAfterCommit()` says so, report a committed transaction as failed (a connection that
 * drops after COMMIT).
 */
async function observedPglite(options: { copied: string[]; failAfterCommit?: () => boolean }): Promise<Sql> {
  const base = await openPgliteSql();
  return {
    ...base,
    kind: base.kind,
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const result = await base.transaction((tx) =>
        fn({
          query: (text, params) => tx.query(text, params),
          exec: (text) => tx.exec(text),
          copyFrom: async (table, columns, rows, rowCount) => {
            await tx.copyFrom!(table, columns, rows, rowCount);
            options.copied.push(`${table} ${rowCount}`);
          },
        })
      );
      if (options.failAfterCommit?.() === true) throw new Error('connection lost after COMMIT');
      return result;
    },
    close: () => base.close(),
  };
}

/** A migrated audit store on `sql` (the timer off: flush() writes), closed after `fn`. */
async function withStore(sql: Sql | Promise<Sql>, fn: (store: SqlStore, entries: ReturnType<typeof captureLogger>['entries']) => Promise<void>): Promise<void> {
  const { logger, entries } = captureLogger();
  const store = new SqlStore(await sql, { logger, flushIntervalMs: 60_000 });
  try {
    await store.migrate();
    await fn(store, entries);
  } finally {
    await store.close();
  }
}

describe('the audit on PGlite (COPY)', () => {
  it('writes a batch once when it is retried after a commit whose answer was lost', async () => {
    const copied: string[] = [];
    let failNextCommit = false;
    const sql = observedPglite({
      copied,
      failAfterCommit: () => {
        const fail = failNextCommit;
        failNextCommit = false;
        return fail;
      },
    });
    await withStore(sql, async (store, entries) => {
      failNextCommit = true;
      const records = [
        invocation({ cards: [card(), card()], suppressed: [{ ruleId: 'opioid-gabapentinoid', snoozeId: 'snooze-1', orderRef: 'MedicationRequest/1' }] }),
        invocation({ cards: [card({ orderRef: 'MedicationRequest/a\tb' })] }),
      ];
      for (const r of records) store.enqueueInvocation(r);
      // The COPY attempt commits but is reported failed; the same batch is then written with the INSERTs.
      await store.flush();
      expect(failNextCommit).toBe(false);
      expect(copied).toEqual(['invocations 2', 'issued_cards 3']);
      for (const r of records) {
        expect(await count(store, 'invocations', 'hook_instance = $1', [r.hookInstance])).toBe(1);
      }
      expect(await count(store, 'issued_cards')).toBe(3);
      expect(await count(store, 'suppressions')).toBe(1);
      expect(await count(store, 'issued_cards', 'order_ref = $1', ['MedicationRequest/a\tb'])).toBe(1);
      expect(store.auditQueueStats()).toMatchObject({ queued: 0, written: 2, rejected: 0 });
      expect(entries.filter((e) => e.level === 'error')).toEqual([]);
    });
  });

  it('writes an ordinary batch with COPY alone: both copies succeed and nothing is logged', async () => {
    const copied: string[] = [];
    await withStore(observedPglite({ copied }), async (store, entries) => {
      store.enqueueInvocation(invocation({ cards: [card(), card()] }));
      store.enqueueInvocation(invocation({ cards: [card()] }));
      await store.flush();
      expect(copied).toEqual(['invocations 2', 'issued_cards 3']);
      expect(entries.filter((e) => e.level !== 'info')).toEqual([]);
    });
  });

  it('writes a record the COPY text cannot carry with the INSERTs instead, so it never holds up the queue', async () => {
    await withStore(openPgliteSql(), async (store, entries) => {
      const odd = () => invocation({ cards: [card({ ruleId: { not: 'text' } as never })] });
      const written = [odd(), invocation({ cards: [card()] })];
      for (const r of written) store.enqueueInvocation(r);
      await store.flush();
      // A second such batch a moment later: written too, and not logged again within the minute.
      written.push(odd());
      store.enqueueInvocation(written[2]!);
      await store.flush();
      for (const r of written) {
        expect(await count(store, 'invocations', 'hook_instance = $1', [r.hookInstance])).toBe(1);
      }
      expect(store.auditQueueStats()).toMatchObject({ queued: 0, written: 3, rejected: 0 });
      expect(entries.filter((e) => e.level === 'warn').map((e) => e.msg)).toEqual(['audit batches could not be copied; written with INSERTs instead']);
    });
  });

  it('drops only the record PostgreSQL refuses and writes the rest of its batch', async () => {
    await withStore(openPgliteSql(), async (store, entries) => {
      const good = [invocation({ cards: [card()] }), invocation()];
      const bad = invocation({ cards: [card({ indicator: 'bogus' as never })] });
      store.enqueueInvocation(good[0]!);
      store.enqueueInvocation(bad);
      store.enqueueInvocation(good[1]!);
      await store.flush();
      for (const r of good) {
        expect(await count(store, 'invocations', 'hook_instance = $1', [r.hookInstance])).toBe(1);
      }
      expect(await count(store, 'invocations')).toBe(2);
      expect(await count(store, 'issued_cards')).toBe(1);
      expect(await count(store, 'invocations', 'hook_instance = $1', [bad.hookInstance])).toBe(0);
      expect(store.auditQueueStats()).toMatchObject({ queued: 0, written: 2, rejected: 1 });
      expect(entries.filter((e) => e.level === 'error')).toHaveLength(1);
    });
  });
});
