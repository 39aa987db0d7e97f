// The store contract on a real PostgreSQL server (a container from tests/support/postgres-container.ts):
// what runs with DATABASE_URL, several replicas on one server. Each contract database is a new
// PostgreSQL database on the one container.
//
// Needs a container engine: in CI (CI=true) a missing one FAILS this file (never a silent skip);
// elsewhere the tests are skipped with the reason printed. See tests/support/postgres-container.ts.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/index.ts';
import { MIGRATIONS } from '../../src/store/migrations/index.ts';
import { openPgSql } from '../../src/store/pg-sql.ts';
import { SqlStore } from '../../src/store/sql-store.ts';
import { containerEngineUnavailableReason, isCI, postgresImage, startPostgres, type StartedPostgres } from '../support/postgres-container.ts';
import { captureLogger } from './helpers.ts';
import { registerStoreContract, type OpenOptions, type StoreContractTarget } from './store-contract.ts';
import { checkUpgradeFromFirstRelease } from './upgrade-check.ts';

const unavailable = await containerEngineUnavailableReason();

if (unavailable !== undefined) {
  if (isCI()) {
    it('has a container engine for the PostgreSQL store tests (required in CI)', () => {
      throw new Error(unavailable);
    });
  } else {
    console.warn(`[store-postgres.int.test] skipped: ${unavailable}`);
  }
}

describe.skipIf(unavailable !== undefined)(`Store on PostgreSQL (${postgresImage()})`, () => {
  let postgres: StartedPostgres | undefined;
  let admin: pg.Client | undefined;

  beforeAll(async () => {
    postgres = await startPostgres();
    admin = new pg.Client({ connectionString: postgres.connectionString });
    await admin.connect();
  }, 180_000);

  afterAll(async () => {
    await admin?.end();
    await postgres?.stop();
  }, 60_000);

  function databaseUrl(name: string): string {
    const url = new URL(postgres!.connectionString);
    url.pathname = `/${name}`;
    return url.toString();
  }

  async function createDatabase(): Promise<string> {
    const name = `store_${randomUUID().replaceAll('-', '')}`;
    await admin!.query(`CREATE DATABASE ${name}`);
    return name;
  }

  const target: StoreContractTarget = {
    async createDatabase() {
      const name = await createDatabase();
      const url = databaseUrl(name);
      return {
        concurrentOpen: true,
        persistent: true,
        open: (options: OpenOptions = {}) => createStore({ databaseUrl: url, ...options }),
        dispose: async () => {
          await admin!.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        },
      };
    },
  };

  registerStoreContract('PostgreSQL', () => target);

  it('five replicas starting at once apply the migrations once', async () => {
    const name = await createDatabase();
    const logs = captureLogger();
    try {
      const stores = await Promise.all(Array.from({ length: 5 }, () => createStore({ databaseUrl: databaseUrl(name), logger: logs.logger })));
      await Promise.all(stores.map((s) => s.close()));
      expect(logs.entries.filter((e) => e.msg === 'database migrations applied')).toHaveLength(1);
    } finally {
      await admin!.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  }, 120_000);

  it('upgrades a database of the first release (migration 1 only): the audit is kept, found and purged whole', async () => {
    const name = await createDatabase();
    const sql = openPgSql({ connectionString: databaseUrl(name), logger: captureLogger().logger });
    try {
      await checkUpgradeFromFirstRelease(sql);
    } finally {
      await sql.close();
      await admin!.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  }, 120_000);

  it('rolling upgrade: migration 2 waits for an audit write of a replica still on the first release, no deadlock', async () => {
    const name = await createDatabase();
    const url = databaseUrl(name);
    const logger = captureLogger().logger;
    const sql = openPgSql({ connectionString: url, logger });
    const oldReplica = new pg.Client({ connectionString: url });
    try {
      const v1 = new SqlStore(sql, { logger, ownsSql: false, migrations: MIGRATIONS.slice(0, 1) });
      await v1.migrate();
      await v1.close();
      await oldReplica.connect();
      // The first release's audit write: the invocation, then its card, in one transaction.
      const id = randomUUID();
      await oldReplica.query('BEGIN');
      await oldReplica.query(
        "INSERT INTO invocations (id, hook_instance, service_id, hook, received_at, latency_ms, status, rule_set_version, patient_key) VALUES ($1, 'h', 's', 'order-sign', now(), 1, 200, 'v', 'k')",
        [id]
      );
      const migrating = new SqlStore(sql, { logger, ownsSql: false }).migrateWithResult();
      const outcome = migrating.then(
        (result) => ({ result }),
        (error: Error) => ({ error: error.message })
      );
      // Wait until the migration is queued behind the replica's transaction.
      const deadline = Date.now() + 20_000;
      for (;;) {
        const waiting = await admin!.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", [name]);
        if (waiting.rows[0].n > 0) break;
        if (Date.now() > deadline) throw new Error(`the migration never waited for a lock: ${JSON.stringify(await outcome)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await oldReplica.query("INSERT INTO issued_cards (uuid, invocation_id, rule_id, indicator, issued_at) VALUES ($1, $2, 'r', 'warning', now())", [randomUUID(), id]);
      await oldReplica.query('COMMIT');
      expect(await outcome).toEqual({ result: { applied: MIGRATIONS.slice(1).map((m) => m.version) } });
      const cards = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM issued_cards WHERE invocation_id = $1', [id]);
      expect(cards[0]?.n).toBe(1);
    } finally {
      await oldReplica.end().catch(() => undefined);
      await sql.close();
      await admin!.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  }, 120_000);

  /**
   * The migrations up to the one that ALTERs rule_changes (0003: an ALTER needs the table's strongest lock, which
   * a long transaction of a running replica holds up). Later migrations change other tables.
   */
  const ALTERING = MIGRATIONS.slice(0, MIGRATIONS.findIndex((m) => m.version === 3) + 1);
  /** A database on the release before that migration, and a session holding a long transaction on rule_changes. */
  async function lastMigrationBlocked(name: string): Promise<{ url: string; blocker: pg.Client }> {
    const url = databaseUrl(name);
    const sql = openPgSql({ connectionString: url, logger: captureLogger().logger });
    try {
      await new SqlStore(sql, { logger: captureLogger().logger, ownsSql: false, migrations: ALTERING.slice(0, -1) }).migrate();
    } finally {
      await sql.close();
    }
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT count(*) FROM rule_changes'); // holds a lock the last migration's ALTER must wait for
    return { url, blocker };
  }

  const lastVersion = ALTERING.at(-1)!.version;
  const applied = async (url: string): Promise<number[]> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version);
    } finally {
      await client.end();
    }
  };

  it('a migration blocked by a long transaction backs off: running replicas keep reading the table, and it applies once the transaction ends', async () => {
    const name = await createDatabase();
    const { url, blocker } = await lastMigrationBlocked(name);
    const logs = captureLogger();
    const sql = openPgSql({ connectionString: url, logger: logs.logger });
    const replica = new pg.Client({ connectionString: url });
    try {
      const outcome = new SqlStore(sql, { logger: logs.logger, ownsSql: false, migrations: ALTERING, migrationOptions: { lockTimeoutMs: 150, attempts: 1_000, retryDelayMs: 20 } })
        .migrateWithResult()
        .then(
          (result) => ({ result }),
          (error: Error) => ({ error: error.message })
        );
      while (!logs.entries.some((e) => /waited too long for a table lock/.test(e.msg))) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // A running replica's read of the table is answered while the long transaction is still open
      // (without the lock timeout it would queue behind the waiting ALTER until that transaction ends).
      await replica.connect();
      expect((await replica.query<{ n: number }>('SELECT count(*)::int AS n FROM rule_changes')).rows[0]?.n).toBe(0);
      expect(await applied(url)).not.toContain(lastVersion);
      await blocker.query('COMMIT');
      expect(await outcome).toEqual({ result: { applied: [lastVersion] } });
      expect(logs.entries.find((e) => /waited too long/.test(e.msg))?.obj).toMatchObject({ attempt: 1, lockTimeoutMs: 150 });
    } finally {
      await replica.end().catch(() => undefined);
      await blocker.end().catch(() => undefined);
      await sql.close();
      await admin!.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  }, 120_000);

  it('a migration still blocked after its last try fails start-up with the reason, having changed nothing; the next start applies it', async () => {
    const name = await createDatabase();
    const { url, blocker } = await lastMigrationBlocked(name);
    const logs = captureLogger();
    const sql = openPgSql({ connectionString: url, logger: logs.logger });
    try {
      const options = { logger: logs.logger, ownsSql: false, migrations: ALTERING, migrationOptions: { lockTimeoutMs: 100, attempts: 2, retryDelayMs: 10 } };
      await expect(new SqlStore(sql, options).migrate()).rejects.toThrow(/could not lock the tables they change within 100 ms, 2 times/);
      expect(logs.entries.filter((e) => /waited too long/.test(e.msg))).toHaveLength(1);
      expect(await applied(url)).not.toContain(lastVersion);
      await blocker.query('COMMIT');
      expect(await new SqlStore(sql, options).migrateWithResult()).toEqual({ applied: [lastVersion] });
    } finally {
      await blocker.end().catch(() => undefined);
      await sql.close();
      await admin!.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  }, 120_000);

  it('refuses to start when the server cannot be reached', async () => {
    // Nothing listens on port 1.
    await expect(createStore({ databaseUrl: 'postgres://cds:x@127.0.0.1:1/none', logger: captureLogger().logger })).rejects.toThrow();
  }, 60_000);

  it('when the database goes away: enqueue keeps queueing without throwing, flush rejects, ping is false, close logs the loss', async () => {
    const name = await createDatabase();
    const logs = captureLogger();
    const store = await createStore({ databaseUrl: databaseUrl(name), logger: logs.logger, flushIntervalMs: 60_000 });
    try {
      await admin!.query(`DROP DATABASE ${name} WITH (FORCE)`);
      const record = {
        hookInstance: randomUUID(),
        serviceId: 'svc',
        hook: 'order-sign',
        receivedAt: new Date().toISOString(),
        latencyMs: 1,
        status: 200,
        ruleSetVersion: 'v',
        patientKey: 'pk',
        cards: [],
        suppressed: [],
      };
      expect(() => store.enqueueInvocation(record)).not.toThrow();
      await expect(store.flush()).rejects.toThrow();
      expect(store.auditQueueStats()).toMatchObject({ queued: 1, failures: 1 });
      expect(await store.ping()).toBe(false);
      await expect(store.rememberJti('k', Date.now() + 1000)).rejects.toThrow(); // the verifier fails closed
    } finally {
      await store.close();
    }
    expect(logs.entries.find((e) => /before shutdown/.test(e.msg))?.obj).toMatchObject({ lost: 1 });
  }, 60_000);
});
