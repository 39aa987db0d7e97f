/**
 * Versioned migrations, applied in one transaction under a PostgreSQL advisory lock, so that replicas
 * starting together against one server apply each migration exactly once: the second waits for the
 * first to commit, then finds nothing left to do.
 */
import { createHash } from 'node:crypto';
import type { Migration } from './migrations/index.ts';
import type { Sql, StoreLogger } from './sql.ts';

/** Key of the advisory lock that serialises migrators (any constant unique to this service). */
export const MIGRATION_LOCK_KEY = 7_302_114_001n;

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

export async function runMigrations(sql: Sql, migrations: readonly Migration[], logger: StoreLogger): Promise<MigrationResult> {
  validate(migrations);
  const result = await sql.transaction(async (tx) => {
    // Waiting for another replica's migration must not hit the pool's statement timeout.
    await tx.exec('SET LOCAL statement_timeout = 0');
    await tx.exec(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
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
