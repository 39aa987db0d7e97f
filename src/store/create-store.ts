/**
 * The store factory: PostgreSQL when a database URL is given, else embedded PGlite persisted under the
 * data directory (in memory when there is neither). Migrations are applied before it resolves.
 */
import { SqlStore, type SqlStoreOptions, type StoreDiagnostics } from './sql-store.ts';
import { consoleLogger, type Sql, type StoreLogger } from './sql.ts';
import type { Store } from './types.ts';

export interface CreateStoreOptions {
  /** postgres://... (DATABASE_URL): use that server. */
  readonly databaseUrl?: string;
  /** The service's data directory (DATA_DIR): PGlite files go in `<dataDir>/pglite`. */
  readonly dataDir?: string;
  readonly logger?: StoreLogger;
  /** Audit queue timer period, ms. Default 50. */
  readonly flushIntervalMs?: number;
  /** Invocations per audit transaction. Default 500. */
  readonly auditBatchSize?: number;
  /** Most invocations held in memory while the database cannot be written. Default 10 000. */
  readonly maxQueuedInvocations?: number;
  /** PostgreSQL only: pool size per replica. Default 10. */
  readonly maxConnections?: number;
  /** PostgreSQL only: server-side statement timeout, ms. Default 10 000. */
  readonly statementTimeoutMs?: number;
  /** Clock (tests). */
  readonly now?: () => Date;
  /** Told the audit queue's settled totals as they change (the store thread publishes them). */
  readonly onAuditSettled?: SqlStoreOptions['onAuditSettled'];
}

export type ServiceStore = Store & StoreDiagnostics;

export async function createStore(options: CreateStoreOptions = {}): Promise<ServiceStore> {
  const logger = options.logger ?? consoleLogger;
  const databaseUrl = options.databaseUrl?.trim();
  let sql: Sql;
  // Each driver is loaded only when used: a cluster worker (store in the primary) loads neither, and
  // PostgreSQL deployments never load PGlite.
  if (databaseUrl) {
    const { openPgSql } = await import('./pg-sql.ts');
    sql = openPgSql({
      connectionString: databaseUrl,
      logger,
      ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
      ...(options.statementTimeoutMs === undefined ? {} : { statementTimeoutMs: options.statementTimeoutMs }),
    });
  } else {
    const { openPgliteSql } = await import('./pglite-sql.ts');
    sql = await openPgliteSql(options.dataDir, { logger });
  }
  const store = new SqlStore(sql, {
    logger,
    ...(options.flushIntervalMs === undefined ? {} : { flushIntervalMs: options.flushIntervalMs }),
    ...(options.auditBatchSize === undefined ? {} : { auditBatchSize: options.auditBatchSize }),
    ...(options.maxQueuedInvocations === undefined ? {} : { maxQueuedInvocations: options.maxQueuedInvocations }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.onAuditSettled ? { onAuditSettled: options.onAuditSettled } : {}),
  });
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  logger.info(
    { kind: store.kind, ...(store.kind === 'pglite' ? { dataDir: options.dataDir ?? '(in memory)' } : {}) },
    'store ready'
  );
  return store;
}
