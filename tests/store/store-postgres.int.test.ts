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
import { containerEngineUnavailableReason, isCI, postgresImage, startPostgres, type StartedPostgres } from '../support/postgres-container.ts';
import { captureLogger } from './helpers.ts';
import { registerStoreContract, type OpenOptions, type StoreContractTarget } from './store-contract.ts';

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
