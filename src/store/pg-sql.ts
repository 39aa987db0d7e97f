/**
 * {@link Sql} on a PostgreSQL server through a node-postgres pool (DATABASE_URL).
 * TLS and other connection settings come from the URL (e.g. `?sslmode=verify-full`).
 */
import pg from 'pg';
import { describeError, type Sql, type SqlExecutor, type SqlRow, type StoreLogger } from './sql.ts';

export interface PgSqlOptions {
  readonly connectionString: string;
  readonly logger: StoreLogger;
  /** Largest number of connections per replica. Default 10. */
  readonly maxConnections?: number;
  /** Server-side limit on one statement, ms (0 = none). Default 10 000: a stuck database must not hang requests. */
  readonly statementTimeoutMs?: number;
  /** How long to wait for a connection, ms. Default 5 000. */
  readonly connectionTimeoutMs?: number;
}

function executor(client: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    async query<T extends SqlRow = SqlRow>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      const result = await client.query<T>(text, [...params]);
      return result.rows;
    },
    async exec(text: string): Promise<void> {
      await client.query(text);
    },
  };
}

export function openPgSql(options: PgSqlOptions): Sql {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
    application_name: 'cns-depressant-cds',
  });
  // An idle connection that breaks (server restart, network) emits 'error' on the pool; unhandled, it
  // would crash the process. The pool replaces the connection; the next query reports any lasting outage.
  pool.on('error', (error) => {
    options.logger.warn({ err: describeError(error) }, 'PostgreSQL: an idle connection failed');
  });
  let closing: Promise<void> | undefined;
  return {
    kind: 'postgres',
    ...executor(pool),
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(executor(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          // The connection is unusable: release(error) destroys it instead of returning it to the pool.
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        }
        throw error;
      } finally {
        client.release(broken);
      }
    },
    close(): Promise<void> {
      closing ??= pool.end();
      return closing;
    },
  };
}
