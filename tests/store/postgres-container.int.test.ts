// Smoke test of the PostgreSQL test container (tests/support/postgres-container.ts): a real server starts,
// accepts a password login over TCP and keeps what is written. Needs a container engine: in CI (CI=true) a
// missing one fails this file; elsewhere the tests are skipped with the reason printed.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  containerEngineUnavailableReason,
  isCI,
  postgresImage,
  startPostgres,
  type StartedPostgres,
} from '../support/postgres-container.ts';

const unavailable = await containerEngineUnavailableReason();

if (unavailable !== undefined) {
  if (isCI()) {
    it('has a container engine for the PostgreSQL tests (required in CI)', () => {
      throw new Error(unavailable);
    });
  } else {
    console.warn(`[postgres-container.int.test] skipped: ${unavailable}`);
  }
}

describe.skipIf(unavailable !== undefined)(`PostgreSQL test container (${postgresImage()})`, () => {
  let postgres: StartedPostgres | undefined;
  let client: pg.Client | undefined;

  beforeAll(async () => {
    postgres = await startPostgres();
    client = new pg.Client({ connectionString: postgres.connectionString });
    await client.connect();
  }, 180_000);

  afterAll(async () => {
    await client?.end();
    await postgres?.stop();
  }, 60_000);

  it('runs PostgreSQL 15', async () => {
    const { rows } = await client!.query<{ version: string; server_version_num: string }>(
      "select version(), current_setting('server_version_num') as server_version_num",
    );
    expect(rows[0]?.version).toMatch(/^PostgreSQL 15\./);
    expect(Number(rows[0]?.server_version_num)).toBeGreaterThanOrEqual(150000);
  });

  it('logs in as the configured user to the configured database', async () => {
    const { rows } = await client!.query<{ usr: string; db: string }>(
      'select current_user as usr, current_database() as db',
    );
    expect(rows[0]).toEqual({ usr: 'cds', db: 'cds_test' });
  });

  it('keeps what is written: create, insert, select', async () => {
    await client!.query(
      'create table smoke (id serial primary key, note text not null, at timestamptz not null default now())',
    );
    await client!.query('insert into smoke (note) values ($1), ($2)', ['opioid', 'benzodiazepine']);
    const { rows } = await client!.query<{ id: number; note: string }>('select id, note from smoke order by id');
    expect(rows).toEqual([
      { id: 1, note: 'opioid' },
      { id: 2, note: 'benzodiazepine' },
    ]);
  });

  it('refuses a wrong password over TCP', async () => {
    const url = new URL(postgres!.connectionString);
    url.password = 'wrong-password';
    const other = new pg.Client({ connectionString: url.toString() });
    await expect(other.connect()).rejects.toThrow(/password authentication failed/);
    await other.end().catch(() => undefined);
  });
});
