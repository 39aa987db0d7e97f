// The one contract every store backend must pass. Registered by store-pglite.test.ts (in memory and on
// disk) and store-postgres.int.test.ts (a real PostgreSQL server in a container).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations/index.ts';
import { StoreInputError, type ServiceStore, type StoreLogger } from '../../src/store/index.ts';
import { SqlStore } from '../../src/store/sql-store.ts';
import { captureLogger, card, commentKey, count, feedback, invocation, sqlOf } from './helpers.ts';

export interface OpenOptions {
  readonly now?: () => Date;
  readonly logger?: StoreLogger;
  readonly flushIntervalMs?: number;
}

/** One empty database of the backend under test. */
export interface StoreTestDatabase {
  /** A store on this database, migrated (what createStore gives the service). */
  open(options?: OpenOptions): Promise<ServiceStore>;
  /** A second store may be open on the same database at the same time (replicas). */
  readonly concurrentOpen: boolean;
  /** Data outlives the store (disk or server): a closed and reopened store reads it back. */
  readonly persistent: boolean;
  dispose(): Promise<void>;
}

export interface StoreContractTarget {
  createDatabase(): Promise<StoreTestDatabase>;
}

const SLOW = 120_000;

/**
 * Registers the store contract tests.
 * @param name - Backend name for the describe block.
 * @param target - Called in beforeAll (after any outer beforeAll, e.g. one that starts a container).
 */
export function registerStoreContract(name: string, target: () => StoreContractTarget): void {
  describe(`Store contract: ${name}`, () => {
    let db: StoreTestDatabase;
    let store: ServiceStore;
    let fakeNow: Date | undefined;
    const log = captureLogger();

    beforeAll(async () => {
      db = await target().createDatabase();
      // The timer is slow here on purpose: tests that need it to write say so; the rest see what flush() does.
      store = await db.open({ now: () => fakeNow ?? new Date(), logger: log.logger, flushIntervalMs: 60_000 });
    }, SLOW);

    afterAll(async () => {
      await store?.close();
      await db?.dispose();
    }, SLOW);

    describe('migrations', () => {
      it('records every migration once; running them again changes nothing', async () => {
        const before = await sqlOf(store).query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
        expect(before.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
        await store.migrate();
        await store.migrate();
        expect(await count(store, 'schema_migrations')).toBe(MIGRATIONS.length);
        expect((store as SqlStore).migrateWithResult).toBeTypeOf('function');
        expect(await (store as SqlStore).migrateWithResult()).toEqual({ applied: [] });
      });

      it(
        'two migrators starting at once on an empty database apply each migration exactly once',
        async () => {
          const fresh = await target().createDatabase();
          const logs = captureLogger();
          try {
            if (fresh.concurrentOpen) {
              const [a, b] = await Promise.all([fresh.open({ logger: logs.logger }), fresh.open({ logger: logs.logger })]);
              try {
                expect(await count(a, 'schema_migrations')).toBe(MIGRATIONS.length);
                expect(await b.ping()).toBe(true);
              } finally {
                await Promise.all([a.close(), b.close()]);
              }
            } else {
              // One process per data directory: the second migrator comes after the first.
              const a = await fresh.open({ logger: logs.logger });
              await a.close();
              const b = await fresh.open({ logger: logs.logger });
              expect(await count(b, 'schema_migrations')).toBe(MIGRATIONS.length);
              await b.close();
            }
            const applied = logs.entries.filter((e) => e.msg === 'database migrations applied');
            expect(applied).toHaveLength(1);
            expect(applied[0]?.obj).toEqual({ applied: MIGRATIONS.map((m) => m.version) });
          } finally {
            await fresh.dispose();
          }
        },
        SLOW
      );
    });

    it('answers ping', async () => {
      expect(await store.ping()).toBe(true);
    });

    describe('invocation audit', () => {
      it('queues without waiting and writes everything on flush()', async () => {
        const c1 = card({ orderRef: 'MedicationRequest/1', materialState: 'classes=benzodiazepine;mmeBand=50' });
        const c2 = card({ ruleId: 'opioid-high-mme', indicator: 'critical', suggestionUuids: [] });
        const rec = invocation({ cards: [c1, c2], suppressed: [{ ruleId: 'opioid-gabapentinoid', snoozeId: randomUUID(), orderRef: 'MedicationRequest/1' }], clientIss: 'https://ehr.example', clientTenant: 'hospital-1' });
        const result = store.enqueueInvocation(rec);
        expect(result).toBeUndefined();
        expect(await store.findIssuedCards([c1.uuid]).then((r) => r.length)).toBe(1); // findIssuedCards flushes first
        store.enqueueInvocation(invocation({ patientKey: rec.patientKey }));
        await store.flush();
        expect(await count(store, 'invocations', 'patient_key = $1', [rec.patientKey])).toBe(2);
        expect(await count(store, 'suppressions s JOIN invocations i ON i.id = s.invocation_id', 'i.patient_key = $1', [rec.patientKey])).toBe(1);

        const found = await store.findIssuedCards([c1.uuid, c2.uuid, 'no-such-card']);
        const byUuid = new Map(found.map((f) => [f.uuid, f]));
        expect(byUuid.get(c1.uuid)).toEqual({
          uuid: c1.uuid,
          ruleId: c1.ruleId,
          indicator: 'warning',
          serviceId: rec.serviceId,
          hookInstance: rec.hookInstance,
          patientKey: rec.patientKey,
          clientIss: 'https://ehr.example',
          clientTenant: 'hospital-1',
          orderRef: 'MedicationRequest/1',
          materialState: 'classes=benzodiazepine;mmeBand=50',
          issuedAt: new Date(rec.receivedAt).toISOString(),
        });
        expect(byUuid.get(c2.uuid)).toMatchObject({ ruleId: 'opioid-high-mme', indicator: 'critical' });
        expect(byUuid.get(c2.uuid)?.orderRef).toBeUndefined();
        expect(found).toHaveLength(2);
        const rows = await sqlOf(store).query<{ suggestion_uuids: string[]; latency_ms: number; client_iss: string }>(
          'SELECT c.suggestion_uuids, i.latency_ms, i.client_iss FROM issued_cards c JOIN invocations i ON i.id = c.invocation_id WHERE c.uuid = $1',
          [c1.uuid]
        );
        expect(rows[0]).toEqual({ suggestion_uuids: c1.suggestionUuids, latency_ms: 42, client_iss: 'https://ehr.example' });
      });

      it('writes many records in batches', async () => {
        const patientKey = `pk-${randomUUID()}`;
        for (let i = 0; i < 1_234; i++) {
          store.enqueueInvocation(invocation({ patientKey, cards: [card()] }));
        }
        await store.flush();
        expect(await count(store, 'invocations', 'patient_key = $1', [patientKey])).toBe(1_234);
        expect(store.auditQueueStats().queued).toBe(0);
      });

      it('never throws at the caller, whatever it is given', async () => {
        expect(() => store.enqueueInvocation(null as never)).not.toThrow();
        expect(() => store.enqueueInvocation({ ...invocation(), cards: undefined } as never)).not.toThrow();
        const odd = invocation({ receivedAt: 'not a time', latencyMs: Number.NaN });
        expect(() => store.enqueueInvocation(odd)).not.toThrow();
        await store.flush();
        expect(await count(store, 'invocations', 'hook_instance = $1', [odd.hookInstance])).toBe(1);
      });

      it('audits a call whose client-sent text holds a NUL or a lone surrogate, with U+FFFD in their place', async () => {
        const tag = randomUUID();
        const rec = invocation({ hookInstance: `${tag}-nul\u0000-lone\ud800`, cards: [card({ orderRef: 'MedicationRequest/a\u0000b' })] });
        store.enqueueInvocation(rec);
        await store.flush();
        const rows = await sqlOf(store).query<{ hook_instance: string; order_ref: string }>(
          'SELECT i.hook_instance, c.order_ref FROM invocations i JOIN issued_cards c ON c.invocation_id = i.id WHERE i.hook_instance LIKE $1',
          [`${tag}%`]
        );
        expect(rows).toEqual([{ hook_instance: `${tag}-nul\ufffd-lone\ufffd`, order_ref: 'MedicationRequest/a\ufffdb' }]);
        expect(store.auditQueueStats()).toMatchObject({ queued: 0 });
      });

      it('does not write the same card twice when a card uuid repeats', async () => {
        const c = card();
        store.enqueueInvocation(invocation({ cards: [c] }));
        store.enqueueInvocation(invocation({ cards: [c] }));
        await store.flush();
        expect(await count(store, 'issued_cards', 'uuid = $1', [c.uuid])).toBe(1);
        expect(store.auditQueueStats().queued).toBe(0);
      });

      it(
        'the timer writes the queue without flush()',
        async () => {
          const fresh = db.concurrentOpen ? await db.open({ flushIntervalMs: 20 }) : undefined;
          if (fresh === undefined) {
            return; // one store per data directory: covered by the PGlite in-memory run and the queue's unit tests
          }
          try {
            const rec = invocation({ cards: [card()] });
            fresh.enqueueInvocation(rec);
            await expect.poll(() => count(fresh, 'invocations', 'hook_instance = $1', [rec.hookInstance]), { timeout: 5_000, interval: 25 }).toBe(1);
          } finally {
            await fresh.close();
          }
        },
        SLOW
      );
    });

    describe('feedback', () => {
      it('stores feedback durably and counts exact repeats as duplicates', async () => {
        const c = card();
        store.enqueueInvocation(invocation({ cards: [c] }));
        await store.flush();
        const items = [
          feedback(c.uuid, { overrideReason: { system: 'http://example.org/reasons', code: 'benefit-outweighs-risk', display: 'Benefit outweighs risk' }, commentKey: commentKey('discussed with patient') }),
          feedback(c.uuid, { outcome: 'accepted', outcomeTimestamp: '2026-01-15T10:05:00Z', acceptedSuggestionIds: ['s2', 's1'] }),
        ];
        expect(await store.recordFeedback('cns-depressant-order-sign', items)).toEqual({ stored: 2, duplicates: 0, unknownCards: [] });
        expect(await store.recordFeedback('cns-depressant-order-sign', items)).toEqual({ stored: 0, duplicates: 2, unknownCards: [] });
        // The same instant written differently, suggestion ids in another order: still the same feedback.
        const same = feedback(c.uuid, { outcome: 'accepted', outcomeTimestamp: '2026-01-15T11:05:00.000+01:00', acceptedSuggestionIds: ['s1', 's2'] });
        expect(await store.recordFeedback('cns-depressant-order-sign', [same])).toEqual({ stored: 0, duplicates: 1, unknownCards: [] });
        // A different comment, reason or time is new feedback.
        const other = [
          feedback(c.uuid, { overrideReason: { system: 'http://example.org/reasons', code: 'benefit-outweighs-risk' }, commentKey: commentKey('a different comment') }),
          feedback(c.uuid, { outcomeTimestamp: '2026-01-15T10:00:01Z' }),
        ];
        expect(await store.recordFeedback('cns-depressant-order-sign', other)).toEqual({ stored: 2, duplicates: 0, unknownCards: [] });
        // Two identical items in one request: one stored, one duplicate.
        const twice = feedback(c.uuid, { outcomeTimestamp: '2026-01-15T10:00:02Z' });
        expect(await store.recordFeedback('cns-depressant-order-sign', [twice, twice])).toEqual({ stored: 1, duplicates: 1, unknownCards: [] });
        expect(await count(store, 'feedback', 'card_uuid = $1 AND card_known', [c.uuid])).toBe(5);
        // No comment text is kept, only its hash.
        const columns = await sqlOf(store).query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_name = 'feedback'");
        expect(columns.map((r) => r.column_name)).not.toContain('user_comment');
      });

      it('accepts feedback for unknown cards, stores it and flags it', async () => {
        const known = card();
        store.enqueueInvocation(invocation({ cards: [known] }));
        const unknown = randomUUID(); // a uuid this service never issued
        const result = await store.recordFeedback('cns-depressant-order-sign', [feedback(known.uuid), feedback(unknown), feedback(unknown, { outcome: 'accepted' })]);
        expect(result).toEqual({ stored: 3, duplicates: 0, unknownCards: [unknown] });
        expect(await count(store, 'feedback', 'card_uuid = $1 AND NOT card_known', [unknown])).toBe(2);
        expect(await store.recordFeedback('cns-depressant-order-sign', [feedback(unknown)])).toEqual({ stored: 0, duplicates: 1, unknownCards: [unknown] });
      });

      it("flags feedback posted to another service's endpoint as for an unknown card, and leaves it out of the statistics", async () => {
        const c = card({ ruleId: 'rule-cross-service' });
        store.enqueueInvocation(invocation({ receivedAt: '2032-01-05T12:00:00Z', cards: [c] })); // issued by order-sign
        const result = await store.recordFeedback('cns-depressant-order-select', [feedback(c.uuid, { overrideReason: { system: 'http://example.org/reasons', code: 'x' } })]);
        expect(result.unknownCards).toEqual([c.uuid]);
        const stats = await store.ruleStats(new Date('2032-01-01T00:00:00Z'), new Date('2032-02-01T00:00:00Z'));
        expect(stats.find((s) => s.ruleId === 'rule-cross-service')).toMatchObject({ fired: 1, overridden: 0, topOverrideReasons: [] });
      });

      it('matches feedback to a card issued a moment ago and still in the queue', async () => {
        const c = card();
        store.enqueueInvocation(invocation({ cards: [c] }));
        expect(store.auditQueueStats().queued).toBeGreaterThan(0);
        const result = await store.recordFeedback('cns-depressant-order-sign', [feedback(c.uuid)]);
        expect(result.unknownCards).toEqual([]);
        expect(await count(store, 'feedback', 'card_uuid = $1 AND card_known', [c.uuid])).toBe(1);
      });

      it('refuses malformed feedback without storing any of the request', async () => {
        const c = `card-${randomUUID()}`;
        await expect(store.recordFeedback('cns-depressant-order-sign', [feedback(c), feedback(c, { outcomeTimestamp: 'yesterday' })])).rejects.toBeInstanceOf(StoreInputError);
        await expect(store.recordFeedback('cns-depressant-order-sign', [feedback(c, { outcome: 'ignored' as never })])).rejects.toBeInstanceOf(StoreInputError);
        expect(await count(store, 'feedback', 'card_uuid = $1', [c])).toBe(0);
        expect(await store.recordFeedback('cns-depressant-order-sign', [])).toEqual({ stored: 0, duplicates: 0, unknownCards: [] });
      });
    });

    describe('the last good rule set', () => {
      it('keeps one set, its files byte for byte; the same version again writes nothing', async () => {
        const set = (version: string, text: string) => ({
          version,
          sources: { rules: [{ name: 'a.json', text }], valueSets: [{ name: 'v.json', text: '{"ü": "\\u0000 ok"}' }] },
        });
        const first = set(`v1-${randomUUID()}`, '{\n  "id": "a", "emoji": "💊"\n}\n');
        expect(await store.saveLastGoodRules(first)).toBe(true);
        expect(await store.saveLastGoodRules(first)).toBe(false);
        expect(await store.lastGoodRules()).toMatchObject(first);
        const second = set(`v2-${randomUUID()}`, '{"id": "a"}');
        expect(await store.saveLastGoodRules(second)).toBe(true);
        expect(await store.lastGoodRules()).toMatchObject(second);
      });
    });

    describe('snoozes', () => {
      it('creates, finds while active, lists and lifts', async () => {
        const patientKey = `pk-${randomUUID()}`;
        const t0 = new Date('2026-03-01T08:00:00Z');
        const base = { patientKey, createdAt: t0.toISOString(), reasonCode: 'palliative-care', cardUuid: randomUUID() };
        const a = (await store.createSnooze({ ...base, ruleId: 'opioid-benzodiazepine', expiresAt: '2026-03-02T08:00:00Z', materialState: 'classes=benzodiazepine' }))!;
        const b = (await store.createSnooze({ ...base, cardUuid: randomUUID(), ruleId: 'opioid-high-mme', expiresAt: '2026-03-08T08:00:00Z' }))!;
        await store.createSnooze({ ...base, cardUuid: randomUUID(), patientKey: `pk-${randomUUID()}`, ruleId: 'opioid-benzodiazepine', expiresAt: '2026-03-08T08:00:00Z' });
        expect(a).toEqual({ ...base, id: a.id, ruleId: 'opioid-benzodiazepine', createdAt: '2026-03-01T08:00:00.000Z', expiresAt: '2026-03-02T08:00:00.000Z', materialState: 'classes=benzodiazepine' });
        expect(a.id).toMatch(/^[0-9a-f-]{36}$/);

        const ids = async (at: string) => (await store.activeSnoozes(patientKey, new Date(at))).map((s) => s.id);
        expect(await ids('2026-03-01T09:00:00Z')).toEqual([a.id, b.id].sort((x, y) => (x < y ? -1 : 1)));
        expect(await ids('2026-03-02T07:59:59.999Z')).toContain(a.id);
        expect(await ids('2026-03-02T08:00:00Z')).toEqual([b.id]); // expires_at is not active
        expect(await ids('2026-03-09T00:00:00Z')).toEqual([]);

        const listed = await store.listSnoozes({ ruleId: 'opioid-high-mme', activeAt: new Date('2026-03-05T00:00:00Z'), limit: 1000 });
        expect(listed.map((s) => s.id)).toContain(b.id);
        expect(listed.every((s) => s.ruleId === 'opioid-high-mme')).toBe(true);
        expect(await store.listSnoozes({ limit: 1 })).toHaveLength(1);
        expect((await store.listSnoozes({ cardUuid: base.cardUuid })).map((s) => s.id)).toEqual([a.id]);
        expect((await store.listSnoozes({ cardUuid: b.cardUuid })).map((s) => s.id)).toEqual([b.id]);
        expect(await store.listSnoozes({ cardUuid: randomUUID() })).toEqual([]);
        const notYet = await store.listSnoozes({ ruleId: 'opioid-high-mme', activeAt: new Date('2026-02-01T00:00:00Z'), limit: 1000 });
        expect(notYet.map((s) => s.id)).not.toContain(b.id);

        expect(await store.liftSnooze(b.id, 'dr-who', new Date('2026-03-01T10:00:00Z'))).toBe(true);
        expect(await store.liftSnooze(b.id, 'dr-who', new Date('2026-03-01T11:00:00Z'))).toBe(false);
        expect(await store.liftSnooze(randomUUID(), 'dr-who', new Date())).toBe(false);
        expect(await store.liftSnooze('not-a-uuid', 'dr-who', new Date())).toBe(false);
        expect(await ids('2026-03-01T12:00:00Z')).toEqual([a.id]);
        const lifted = (await store.listSnoozes({ ruleId: 'opioid-high-mme', limit: 1000 })).find((s) => s.id === b.id);
        expect(lifted).toMatchObject({ liftedAt: '2026-03-01T10:00:00.000Z', liftedBy: 'dr-who' });
        const stillActive = await store.listSnoozes({ ruleId: 'opioid-high-mme', activeAt: new Date('2026-03-05T00:00:00Z'), limit: 1000 });
        expect(stillActive.map((s) => s.id)).not.toContain(b.id);
        // A snooze past its expiry is not lifted (nothing to lift: the audit would say someone lifted it).
        expect(await store.liftSnooze(a.id, 'dr-who', new Date('2026-03-02T08:00:00Z'))).toBe(false);
        expect((await store.listSnoozes({ cardUuid: base.cardUuid })).find((s) => s.id === a.id)?.liftedAt).toBeUndefined();
      });

      it('makes one snooze per card: copies of one override at the same moment make one, and a lifted one is not made again', async () => {
        const cardUuid = randomUUID();
        const input = { ruleId: 'opioid-benzodiazepine', patientKey: `pk-${randomUUID()}`, createdAt: '2026-03-01T08:00:00Z', expiresAt: '2999-01-01T00:00:00Z', reasonCode: 'palliative-care', cardUuid };
        const made = await Promise.all(Array.from({ length: 5 }, () => store.createSnooze(input)));
        const created = made.filter((s) => s !== undefined);
        expect(created).toHaveLength(1);
        expect((await store.listSnoozes({ cardUuid })).map((s) => s.id)).toEqual([created[0]!.id]);
        // Lifted by an admin: the card shows again, and resent feedback for it makes no new snooze.
        expect(await store.liftSnooze(created[0]!.id, 'admin@example.org', new Date('2026-03-02T00:00:00Z'))).toBe(true);
        expect(await store.createSnooze(input)).toBeUndefined();
        expect(await store.activeSnoozes(input.patientKey, new Date('2026-03-03T00:00:00Z'))).toEqual([]);
      });

      it('refuses a snooze with an unparseable time', async () => {
        await expect(
          store.createSnooze({ ruleId: 'r', patientKey: 'p', createdAt: 'now', expiresAt: '2026-01-01T00:00:00Z', reasonCode: 'x', cardUuid: 'c' })
        ).rejects.toBeInstanceOf(StoreInputError);
      });
    });

    describe('analytics', () => {
      it('counts fired, suppressed, accepted and overridden per rule, with rates, reasons and comments', async () => {
        // Everything in January 2031, a window no other test writes in.
        const at = (day: number) => new Date(Date.UTC(2031, 0, day, 12)).toISOString();
        const a = [card({ ruleId: 'rule-a' }), card({ ruleId: 'rule-a' }), card({ ruleId: 'rule-a' }), card({ ruleId: 'rule-a' })];
        const aOutside = card({ ruleId: 'rule-a' });
        const b = Array.from({ length: 7 }, () => card({ ruleId: 'rule-b' }));
        const snoozeId = randomUUID();
        store.enqueueInvocation(invocation({ receivedAt: at(2), cards: [a[0]!, a[1]!, b[0]!] }));
        store.enqueueInvocation(invocation({ receivedAt: at(3), cards: [a[2]!, a[3]!, ...b.slice(1)], suppressed: [{ ruleId: 'rule-c', snoozeId }] }));
        store.enqueueInvocation(invocation({ receivedAt: at(20), suppressed: [{ ruleId: 'rule-c', snoozeId }, { ruleId: 'rule-a', snoozeId }] }));
        store.enqueueInvocation(invocation({ receivedAt: new Date(Date.UTC(2031, 1, 2)).toISOString(), cards: [aOutside], suppressed: [{ ruleId: 'rule-c', snoozeId }] }));
        const reason = (code: string, display?: string) => ({ system: 'http://example.org/reasons', code, ...(display ? { display } : {}) });
        const r = await store.recordFeedback('cns-depressant-order-sign', [
          feedback(a[0]!.uuid, { outcome: 'accepted', acceptedSuggestionIds: [...a[0]!.suggestionUuids] }),
          feedback(a[1]!.uuid, { overrideReason: reason('benefit-outweighs-risk', 'Benefit outweighs risk'), commentKey: commentKey('known patient') }),
          // The same feedback resent later (an EHR retry with a new timestamp): its comment and reason count once.
          feedback(a[1]!.uuid, { overrideReason: reason('benefit-outweighs-risk', 'Benefit outweighs risk'), commentKey: commentKey('known patient'), outcomeTimestamp: '2031-01-06T00:00:00Z' }),
          feedback(a[2]!.uuid, { overrideReason: reason('tapering', 'Patient is tapering') }),
          feedback(a[2]!.uuid, { overrideReason: reason('tapering', 'Patient is tapering'), outcomeTimestamp: '2031-01-04T00:00:00Z', commentKey: commentKey('again') }),
          feedback(a[3]!.uuid, {}), // overridden without a reason
          feedback(aOutside.uuid, { overrideReason: reason('tapering') }),
          feedback(b[0]!.uuid, { overrideReason: reason('r1') }),
          feedback(b[1]!.uuid, { overrideReason: reason('r1') }),
          ...[2, 3, 4, 5, 6].map((i) => feedback(b[i]!.uuid, { overrideReason: reason(`r${i}`) })),
          feedback(b[6]!.uuid, { outcome: 'accepted', outcomeTimestamp: '2031-01-05T00:00:00Z' }),
        ]);
        expect(r).toEqual({ stored: 15, duplicates: 0, unknownCards: [] });

        const stats = await store.ruleStats(new Date('2031-01-01T00:00:00Z'), new Date('2031-02-01T00:00:00Z'));
        expect(stats).toEqual([
          {
            ruleId: 'rule-a',
            fired: 4,
            suppressed: 1,
            accepted: 1,
            overridden: 3,
            acceptedRate: 0.25,
            overriddenRate: 0.75,
            topOverrideReasons: [
              { code: 'benefit-outweighs-risk', display: 'Benefit outweighs risk', count: 1 },
              { code: 'tapering', display: 'Patient is tapering', count: 1 },
            ],
            comments: 2,
          },
          {
            ruleId: 'rule-b',
            fired: 7,
            suppressed: 0,
            accepted: 1,
            overridden: 7, // b[6] was overridden, then accepted: it counts in both
            acceptedRate: 1 / 7,
            overriddenRate: 1,
            topOverrideReasons: [
              { code: 'r1', count: 2 },
              { code: 'r2', count: 1 },
              { code: 'r3', count: 1 },
              { code: 'r4', count: 1 },
              { code: 'r5', count: 1 },
            ],
            comments: 0,
          },
          { ruleId: 'rule-c', fired: 0, suppressed: 2, accepted: 0, overridden: 0, acceptedRate: 0, overriddenRate: 0, topOverrideReasons: [], comments: 0 },
        ]);
        // The window is [from, to): a card issued exactly at `to` is not in it.
        const justBefore = await store.ruleStats(new Date('2031-01-01T00:00:00Z'), new Date(at(3)));
        expect(justBefore.find((s) => s.ruleId === 'rule-a')?.fired).toBe(2);
        expect(await store.ruleStats(new Date('2031-06-01T00:00:00Z'), new Date('2031-07-01T00:00:00Z'))).toEqual([]);
      });

      it('counts only cards and suppressions of delivered calls: a call the EHR gave up on (499) was never shown', async () => {
        // Everything in March 2031, a window no other test writes in.
        const at = new Date(Date.UTC(2031, 2, 10, 12)).toISOString();
        const snoozeId = randomUUID();
        const shown = card({ ruleId: 'rule-499' });
        const neverShown = card({ ruleId: 'rule-499' });
        const neverShownOnly = card({ ruleId: 'rule-499-only' });
        store.enqueueInvocation(invocation({ receivedAt: at, cards: [shown] }));
        store.enqueueInvocation(invocation({ receivedAt: at, status: 499, cards: [neverShown, neverShownOnly], suppressed: [{ ruleId: 'rule-499', snoozeId }] }));
        const reason = { system: 'http://example.org/reasons', code: 'tapering', display: 'Patient is tapering' };
        // The audit holds the undelivered card, so feedback naming it is stored as known; it still must not count.
        const r = await store.recordFeedback('cns-depressant-order-sign', [
          feedback(shown.uuid, { outcome: 'accepted', acceptedSuggestionIds: [...shown.suggestionUuids] }),
          feedback(neverShown.uuid, { overrideReason: reason, commentKey: commentKey('never seen') }),
        ]);
        expect(r.unknownCards).toEqual([]);
        const stats = await store.ruleStats(new Date('2031-03-01T00:00:00Z'), new Date('2031-04-01T00:00:00Z'));
        expect(stats).toEqual([
          { ruleId: 'rule-499', fired: 1, suppressed: 0, accepted: 1, overridden: 0, acceptedRate: 1, overriddenRate: 0, topOverrideReasons: [], comments: 0 },
        ]);
        // The audit itself keeps what was decided for the 499 call.
        expect(await count(store, 'issued_cards', 'rule_id = $1', ['rule-499-only'])).toBe(1);
      });
    });

    describe('retention', () => {
      it('purges invocations, cards, suppressions and feedback older than the cutoff, and nothing newer', async () => {
        const old = card({ ruleId: 'purge-rule' });
        const old2 = card({ ruleId: 'purge-rule' });
        const kept = card({ ruleId: 'purge-rule' });
        store.enqueueInvocation(invocation({ receivedAt: '1990-01-01T00:00:00Z', cards: [old, old2], suppressed: [{ ruleId: 'purge-rule', snoozeId: 'x' }] }));
        store.enqueueInvocation(invocation({ receivedAt: '1995-01-01T00:00:00Z', cards: [kept] }));
        try {
          fakeNow = new Date('1990-01-02T00:00:00Z');
          await store.recordFeedback('cns-depressant-order-sign', [feedback(old.uuid)]);
          fakeNow = new Date('1995-01-02T00:00:00Z');
          await store.recordFeedback('cns-depressant-order-sign', [feedback(kept.uuid), feedback(old2.uuid)]);
        } finally {
          fakeNow = undefined;
        }
        // 1 invocation + 2 cards + 1 suppression + 1 feedback
        expect(await store.purgeAuditOlderThan(new Date('1992-01-01T00:00:00Z'))).toBe(5);
        expect((await store.findIssuedCards([old.uuid, old2.uuid, kept.uuid])).map((c) => c.uuid)).toEqual([kept.uuid]);
        expect(await count(store, 'feedback', 'card_uuid = ANY($1::text[])', [[old.uuid, old2.uuid, kept.uuid]])).toBe(2);
        expect(await store.purgeAuditOlderThan(new Date('1992-01-01T00:00:00Z'))).toBe(0);
        expect(await count(store, 'invocations', "received_at >= '2000-01-01'")).toBeGreaterThan(0);
      });

      it('purges snoozes that ended (expired or lifted) before the cutoff, and keeps active ones and ones that ended after it', async () => {
        const patientKey = `pk-${randomUUID()}`;
        const snooze = async (expiresAt: string) =>
          (await store.createSnooze({ ruleId: 'purge-rule', patientKey, createdAt: '1990-06-01T00:00:00Z', expiresAt, reasonCode: 'tapering', cardUuid: randomUUID() }))!;
        const expired = await snooze('1991-01-01T00:00:00Z');
        const lifted = await snooze('2999-01-01T00:00:00Z');
        expect(await store.liftSnooze(lifted.id, 'admin@example.org', new Date('1991-02-01T00:00:00Z'))).toBe(true);
        const endedAfter = await snooze('1993-01-01T00:00:00Z');
        const active = await snooze('2999-01-01T00:00:00Z');
        const liftedAfter = await snooze('2999-01-01T00:00:00Z');
        expect(await store.liftSnooze(liftedAfter.id, 'admin@example.org', new Date('1993-02-01T00:00:00Z'))).toBe(true);

        expect(await store.purgeAuditOlderThan(new Date('1992-01-01T00:00:00Z'))).toBe(2);
        const left = (await store.listSnoozes({ ruleId: 'purge-rule', limit: 100 })).filter((z) => z.patientKey === patientKey).map((z) => z.id);
        expect(left.sort()).toEqual([endedAfter.id, active.id, liftedAfter.id].sort());
        expect(left).not.toContain(expired.id);
        // Active snoozes still hide the card.
        expect((await store.activeSnoozes(patientKey, new Date('2026-01-01T00:00:00Z'))).map((z) => z.id)).toEqual([active.id]);
      });
    });

    describe('JWT replay keys', () => {
      it('is true the first time, false for a replay, true again after expiry', async () => {
        const t0 = Date.UTC(2026, 5, 1);
        const key = `https://ehr.example|${randomUUID()}`;
        try {
          fakeNow = new Date(t0);
          expect(await store.rememberJti(key, t0 + 60_000)).toBe(true);
          expect(await store.rememberJti(key, t0 + 60_000)).toBe(false);
          expect(await store.rememberJti(`${key}x`, t0 + 60_000)).toBe(true);
          fakeNow = new Date(t0 + 59_999);
          expect(await store.rememberJti(key, t0 + 120_000)).toBe(false);
          fakeNow = new Date(t0 + 60_000);
          expect(await store.rememberJti(key, t0 + 120_000)).toBe(true);
          expect(await store.rememberJti(key, t0 + 120_000)).toBe(false);
        } finally {
          fakeNow = undefined;
        }
        await expect(store.rememberJti(key, Number.NaN)).rejects.toBeInstanceOf(StoreInputError);
      });

      it('refuses a replay written just after its token expired (it passed the expiry check just before), and a key already expired', async () => {
        const t0 = Date.UTC(2026, 6, 1);
        const key = `https://ehr.example|${randomUUID()}`;
        try {
          fakeNow = new Date(t0);
          expect(await store.rememberJti(key, t0 + 60_000)).toBe(true);
          // The replay's call was made just before the expiry; its grouped write runs just after it.
          fakeNow = new Date(t0 + 59_990);
          const replay = store.rememberJti(key, t0 + 60_000);
          fakeNow = new Date(t0 + 60_010);
          expect(await replay).toBe(false);
          expect(await store.rememberJti(`${key}-late`, t0 + 60_000)).toBe(false);
        } finally {
          fakeNow = undefined;
        }
      });

      it('lets exactly one of many simultaneous uses through', async () => {
        const key = `https://ehr.example|${randomUUID()}`;
        const results = await Promise.all(Array.from({ length: 12 }, () => store.rememberJti(key, Date.now() + 60_000)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('answers each of many keys sent at once (one grouped write): new ones pass, seen ones and repeats do not', async () => {
        const seen = `https://ehr.example|${randomUUID()}`;
        expect(await store.rememberJti(seen, Date.now() + 60_000)).toBe(true);
        const fresh = Array.from({ length: 20 }, () => `https://ehr.example|${randomUUID()}`);
        const keys = [...fresh, seen, fresh[3]!, fresh[7]!];
        const results = await Promise.all(keys.map((k) => store.rememberJti(k, Date.now() + 60_000)));
        expect(results).toEqual([...fresh.map(() => true), false, false, false]);
        // Every fresh key was stored: a later use is a replay.
        expect(await Promise.all(fresh.map((k) => store.rememberJti(k, Date.now() + 60_000)))).toEqual(fresh.map(() => false));
      });

      it('keeps only a hash of the key, and deletes expired keys now and then', async () => {
        const key = `https://ehr.example|${randomUUID()}`;
        const t0 = Date.UTC(2027, 0, 1);
        try {
          fakeNow = new Date(t0);
          await store.rememberJti(key, t0 + 1_000);
          const raw = await count(store, 'jti_replay', 'key_hash = $1', [key]);
          expect(raw).toBe(0);
          const before = await count(store, 'jti_replay', 'expires_at = $1', [new Date(t0 + 1_000).toISOString()]);
          expect(before).toBe(1);
          // Much later (past the cleanup interval): a call starts the cleanup in the background (unless one
          // is still running, then a later call does).
          fakeNow = new Date(t0 + 3_600_000);
          await expect
            .poll(
              async () => {
                await store.rememberJti(`${key}-${randomUUID()}`, t0 + 3_700_000);
                return count(store, 'jti_replay', 'expires_at = $1', [new Date(t0 + 1_000).toISOString()]);
              },
              { timeout: 10_000, interval: 50 }
            )
            .toBe(0);
        } finally {
          fakeNow = undefined;
        }
      });
    });

    describe('rule change history', () => {
      it('appends, returns per-rule history oldest first, and changes since a sequence number', async () => {
        const last = (await store.ruleChangesSince(0)).at(-1)?.seq ?? 0;
        const rule = { $schema: '../schema.json', id: 'r-hist', title: 'Title', conditions: { all: [] }, priority: 5 };
        const c1 = await store.appendRuleChange({ ruleId: 'r-hist', action: 'create', content: rule, author: 'alice', at: '2026-04-01T10:00:00Z', ruleSetVersion: 'v2' });
        const other = await store.appendRuleChange({ ruleId: 'r-other', action: 'disable', content: { id: 'r-other' }, author: 'bob', at: '2026-04-01T10:01:00Z' });
        const c2 = await store.appendRuleChange({ ruleId: 'r-hist', action: 'update', content: { ...rule, priority: 7 }, author: 'alice', at: '2026-04-01T10:02:00Z' });
        const c3 = await store.appendRuleChange({ ruleId: 'r-hist', action: 'delete', content: null, author: 'carol', at: '2026-04-01T10:03:00Z' });
        expect(c1).toEqual({ seq: c1.seq, ruleId: 'r-hist', action: 'create', content: rule, author: 'alice', at: '2026-04-01T10:00:00.000Z', ruleSetVersion: 'v2' });
        expect(c1.seq).toBeGreaterThan(last);
        expect(other.seq).toBeGreaterThan(c1.seq);
        expect(c2.seq).toBeGreaterThan(other.seq);
        expect(c3.content).toBeNull();

        const history = await store.ruleHistory('r-hist');
        expect(history.map((c) => c.seq)).toEqual([c1.seq, c2.seq, c3.seq]);
        expect(history.map((c) => c.action)).toEqual(['create', 'update', 'delete']);
        // The rule comes back as written, keys in the author's order.
        expect(JSON.stringify(history[0]?.content)).toBe(JSON.stringify(rule));
        expect(await store.ruleHistory('no-such-rule')).toEqual([]);

        expect((await store.ruleChangesSince(last)).map((c) => c.seq)).toEqual([c1.seq, other.seq, c2.seq, c3.seq]);
        expect((await store.ruleChangesSince(other.seq)).map((c) => c.seq)).toEqual([c2.seq, c3.seq]);
        expect(await store.ruleChangesSince(c3.seq)).toEqual([]);
      });

      it('keeps the failing test cases an author acknowledged with the change, and refuses ones that are not names', async () => {
        const base = { ruleId: 'r-ack', content: { id: 'r-ack' }, author: 'dana', at: '2026-04-03T10:00:00Z' };
        const acknowledgedFailingTests = ['opioid-benzodiazepine.json/tests/2', 'naloxone-co-prescribe.json/tests/0'];
        const disabled = await store.appendRuleChange({ ...base, action: 'disable', acknowledgedFailingTests });
        expect(disabled.acknowledgedFailingTests).toEqual(acknowledgedFailingTests);
        const plain = await store.appendRuleChange({ ...base, action: 'enable', acknowledgedFailingTests: [] });
        expect(plain).not.toHaveProperty('acknowledgedFailingTests');
        expect((await store.ruleHistory('r-ack')).map((c) => c.acknowledgedFailingTests)).toEqual([acknowledgedFailingTests, undefined]);
        expect((await store.ruleChangesSince(disabled.seq - 1))[0]?.acknowledgedFailingTests).toEqual(acknowledgedFailingTests);
        for (const bad of [[''], [42], ['x'.repeat(301)], 'opioid-benzodiazepine.json/tests/2']) {
          await expect(store.appendRuleChange({ ...base, action: 'disable', acknowledgedFailingTests: bad as unknown as string[] })).rejects.toThrow('acknowledgedFailingTests');
        }
        expect(await store.ruleHistory('r-ack')).toHaveLength(2);
      });

      it('records a change once when it is appended again with the same change id (a retry), and refuses an id that is not a UUID', async () => {
        const changeId = randomUUID();
        const change = { changeId, ruleId: 'r-retry', action: 'update' as const, content: { id: 'r-retry' }, author: 'alice', at: '2026-04-02T10:00:00Z', ruleSetVersion: 'v3' };
        const first = await store.appendRuleChange(change);
        const again = await store.appendRuleChange(change);
        expect(again).toEqual(first);
        const other = await store.appendRuleChange({ ...change, changeId: randomUUID() });
        expect(other.seq).toBeGreaterThan(first.seq);
        expect((await store.ruleHistory('r-retry')).map((c) => c.seq)).toEqual([first.seq, other.seq]);
        await expect(store.appendRuleChange({ ...change, changeId: 'not-a-uuid' })).rejects.toThrow('changeId must be a UUID');
        await expect(store.appendRuleChange({ ...change, ruleId: 'r-elsewhere' })).rejects.toThrow('another rule change');
        await expect(store.appendRuleChange({ ...change, action: 'delete', content: null })).rejects.toThrow('another rule change');
        expect(await store.ruleHistory('r-retry')).toHaveLength(2);
      });

      it('compare-and-append (basedOnSeq): records a change only while the rule\'s latest seq is the one it was based on', async () => {
        const base = { action: 'update' as const, author: 'x', at: '2026-04-03T10:00:00Z' };
        const c1 = await store.appendRuleChange({ ...base, ruleId: 'r-cas', action: 'create', content: { v: 1 }, basedOnSeq: 0 });
        // Appends to other rules in between do not matter.
        await store.appendRuleChange({ ...base, ruleId: 'r-cas-other', content: { v: 1 } });
        const alice = await store.appendRuleChange({ ...base, ruleId: 'r-cas', content: { v: 'alice' }, author: 'alice', basedOnSeq: c1.seq });
        expect(alice.seq).toBeGreaterThan(c1.seq);
        // Bob's change was based on c1 too: alice's came in between, so his is refused and nothing is recorded.
        const refused = await store.appendRuleChange({ ...base, ruleId: 'r-cas', content: { v: 'bob' }, author: 'bob', basedOnSeq: c1.seq, changeId: randomUUID() }).then(
          () => undefined,
          (error: unknown) => error
        );
        expect(refused).toBeInstanceOf(Error);
        expect((refused as Error).name).toBe('RuleChangeConflictError');
        await expect(store.appendRuleChange({ ...base, ruleId: 'r-cas', content: { v: 'bob' }, basedOnSeq: 0 })).rejects.toThrow(/was changed after change 0/);
        expect((await store.ruleHistory('r-cas')).map((c) => c.author)).toEqual(['x', 'alice']);
        // Based on the latest: recorded. A retry of it (same change id, its first attempt committed) returns that record.
        const change = { ...base, ruleId: 'r-cas', content: { v: 'bob again' }, author: 'bob', basedOnSeq: alice.seq, changeId: randomUUID() };
        const bob = await store.appendRuleChange(change);
        expect(await store.appendRuleChange(change)).toEqual(bob);
        expect((await store.ruleHistory('r-cas')).map((c) => c.seq)).toEqual([c1.seq, alice.seq, bob.seq]);
        // A rule with no history: based on 0.
        await expect(store.appendRuleChange({ ...base, ruleId: 'r-cas-new', content: {}, basedOnSeq: c1.seq })).rejects.toThrow(/latest change is 0/);
        expect((await store.appendRuleChange({ ...base, ruleId: 'r-cas-new', content: {}, basedOnSeq: 0 })).ruleId).toBe('r-cas-new');
        await expect(store.appendRuleChange({ ...base, ruleId: 'r-cas', content: {}, basedOnSeq: -1 })).rejects.toThrow(StoreInputError);
        await expect(store.appendRuleChange({ ...base, ruleId: 'r-cas', content: {}, basedOnSeq: 1.5 })).rejects.toThrow(StoreInputError);
      });

      it('compare-and-append: of simultaneous appends based on the same seq, exactly one is recorded', async () => {
        const first = await store.appendRuleChange({ ruleId: 'r-cas-race', action: 'create', content: {}, author: 'x', at: new Date().toISOString() });
        const outcomes = await Promise.allSettled(
          Array.from({ length: 5 }, (_, i) => store.appendRuleChange({ ruleId: 'r-cas-race', action: 'update', content: { i }, author: `e${i}`, at: new Date().toISOString(), basedOnSeq: first.seq }))
        );
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        expect(outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason.name)).toEqual(Array(4).fill('RuleChangeConflictError'));
        expect(await store.ruleHistory('r-cas-race')).toHaveLength(2);
      });

      it('gives simultaneous appends distinct, ordered sequence numbers', async () => {
        const last = (await store.ruleChangesSince(0)).at(-1)?.seq ?? 0;
        const appended = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.appendRuleChange({ ruleId: `r-par-${i % 3}`, action: 'update', content: { i }, author: 'x', at: new Date().toISOString() }))
        );
        const seqs = appended.map((c) => c.seq);
        expect(new Set(seqs).size).toBe(10);
        expect((await store.ruleChangesSince(last)).map((c) => c.seq)).toEqual([...seqs].sort((a, b) => a - b));
      });
    });

    it(
      'loses nothing over a restart: write, close, reopen, read',
      async () => {
        const fresh = await target().createDatabase();
        try {
          if (!fresh.persistent) {
            return; // in memory: nothing outlives the process by design
          }
          const first = await fresh.open({ flushIntervalMs: 60_000 });
          const c = card();
          const rec = invocation({ cards: [c], suppressed: [{ ruleId: 'x', snoozeId: 'y' }] });
          first.enqueueInvocation(rec); // still queued: close() must write it
          const fb = await first.recordFeedback('cns-depressant-order-sign', [feedback(c.uuid, { overrideReason: { code: 'tapering' } })]);
          const snooze = (await first.createSnooze({ ruleId: c.ruleId, patientKey: rec.patientKey, createdAt: new Date().toISOString(), expiresAt: '2999-01-01T00:00:00Z', reasonCode: 'tapering', cardUuid: c.uuid }))!;
          expect(await first.rememberJti('iss|jti-restart', Date.now() + 3_600_000)).toBe(true);
          const change = await first.appendRuleChange({ ruleId: 'r', action: 'create', content: { id: 'r' }, author: 'a', at: new Date().toISOString() });
          const late = invocation({ cards: [card()] });
          first.enqueueInvocation(late);
          await first.close();

          const second = await fresh.open();
          try {
            expect(fb.stored).toBe(1);
            expect((await second.findIssuedCards([c.uuid])).map((x) => x.uuid)).toEqual([c.uuid]);
            expect((await second.findIssuedCards([late.cards[0]!.uuid])).length).toBe(1);
            expect(await second.recordFeedback('cns-depressant-order-sign', [feedback(c.uuid, { overrideReason: { code: 'tapering' } })])).toEqual({ stored: 0, duplicates: 1, unknownCards: [] });
            expect(await second.activeSnoozes(rec.patientKey, new Date())).toEqual([snooze]);
            expect(await second.rememberJti('iss|jti-restart', Date.now() + 3_600_000)).toBe(false);
            expect(await second.ruleChangesSince(0)).toEqual([change]);
            expect(await count(second, 'suppressions')).toBe(1);
          } finally {
            await second.close();
          }
        } finally {
          await fresh.dispose();
        }
      },
      SLOW
    );

    it('logged no errors during the suite', () => {
      // The "never throws" test logs on purpose; everything else must be quiet.
      const errors = log.entries.filter((e) => e.level === 'error' && !e.msg.startsWith('invocation could not be queued'));
      expect(errors).toEqual([]);
    });
  });
}
