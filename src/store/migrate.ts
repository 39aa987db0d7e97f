/**
 * Versioned migrations, applied in one transaction under a PostgreSQL advisory lock, so that replicas
 * starting together against one server apply each migration exactly once: the second waits for the
 * first to commit, then finds nothing left to do.
 *
 * A migration's DDL waits for the tables it alters, and while it waits PostgreSQL queues every later
 * query on those tables behind it: one long transaction elsewhere (an analyst's query, a stuck
 * client) would then stall the running replicas' audit writes and rule syncs for as long as it lasts.
 * So once the advisory lock is held, table locks are waited for at most `lockTimeoutMs`; on a timeout
 * the transaction rolls back (nothing half-applied, the queue behind it drains) and the migrations are
 * tried again after a pause, up to `attempts` times, each logged. After the last attempt start-up fails
 * with an error that says why (the orchestrator restarts the replica, which tries again).
 */
import { createHash } from 'node:crypto';
import type { Migration } from './migrations/index.ts';
import type { Sql, StoreLogger } from './sql.ts';

/** Key of the advisory lock that serialises migrators (any constant unique to this service). */
export const MIGRATION_LOCK_KEY = 7_302_114_001n;

export interface MigrationOptions {
  /** Longest wait for a table lock, ms, once the advisory lock is held. Default 5 000. */
  readonly lockTimeoutMs?: number;
  /** Tries before giving up when a table lock is not granted in time. Default 6. */
  readonly attempts?: number;
  /** Pause between tries, ms (doubled each time). Default 1 000. */
  readonly retryDelayMs?: number;
}

/** PostgreSQL's SQLSTATE for lock_not_available (lock_timeout expired). */
const LOCK_NOT_AVAILABLE = '55P03';

export interface MigrationResult {
  /** Versions applied by this call (empty when the schema was up to date). */
  readonly applied: readonly number[];
}

export function checksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

function validate(migrations: readonly Migration[]): void {
  let previous = 0;
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version <= previous) {
      throw new Error(`migrations must have increasing whole version numbers (${m.version} after ${previous})`);
    }
    previous = m.version;
  }
}

export async function runMigrations(sql: Sql, migrations: readonly Migration[], logger: StoreLogger, options: MigrationOptions = {}): Promise<MigrationResult> {
  validate(migrations);
  const lockTimeoutMs = Math.max(1, Math.round(options.lockTimeoutMs ?? 5_000));
  const attempts = Math.max(1, options.attempts ?? 6);
  const retryDelayMs = Math.max(0, options.retryDelayMs ?? 1_000);
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(sql, migrations, logger, lockTimeoutMs);
    } catch (error) {
      if ((error as { code?: unknown } | undefined)?.code !== LOCK_NOT_AVAILABLE) {
        throw error;
      }
      if (attempt >= attempts) {
        throw new Error(
          `database migrations could not lock the tables they change within ${lockTimeoutMs} ms, ${attempts} times: another session holds a long transaction on them (see pg_stat_activity); nothing was changed`,
          { cause: error }
        );
      }
      const delayMs = retryDelayMs * 2 ** (attempt - 1);
      logger.warn({ attempt, attempts, lockTimeoutMs, retryInMs: delayMs }, 'a database migration waited too long for a table lock (another session holds a long transaction); rolled back, trying again');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

async function migrateOnce(sql: Sql, migrations: readonly Migration[], logger: StoreLogger, lockTimeoutMs: number): Promise<MigrationResult> {
  const result = await sql.transaction(async (tx) => {
    // Waiting for another replica's migration must not hit the pool's statement timeout.
    await tx.exec('SET LOCAL statement_timeout = 0');
    await tx.exec(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    // From here on, waits for table locks are bounded (see the file comment). Set after the advisory
    // lock, whose wait (another replica migrating) stays unbounded.
    await tx.exec(`SET LOCAL lock_timeout = ${lockTimeoutMs}`);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      checksum   text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const rows = await tx.query<{ version: number; name: string; checksum: string }>('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
    const done = new Map(rows.map((r) => [Number(r.version), r]));
    const applied: number[] = [];
    for (const m of migrations) {
      const previous = done.get(m.version);
      if (previous !== undefined) {
        if (previous.checksum !== checksum(m.sql)) {
          logger.warn({ version: m.version, name: m.name }, 'an applied migration was edited since it ran; changes to released migrations belong in a new migration');
        }
        continue;
      }
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, checksum(m.sql)]);
      applied.push(m.version);
    }
    const known = new Set(migrations.map((m) => m.version));
    const newer = [...done.keys()].filter((v) => !known.has(v));
    if (newer.length > 0) {
      logger.warn({ versions: newer }, 'the database has migrations this version does not know (a newer replica ran them); continuing');
    }
    return { applied };
  });
  if (result.applied.length > 0) {
    logger.info({ applied: result.applied }, 'database migrations applied');
  }
  return result;
}
