/**
 * {@link Sql} on embedded PGlite (PostgreSQL compiled to WebAssembly, in this process). Persisted under
 * `<dataDir>/pglite` when a data directory is given, in memory otherwise (tests).
 *
 * Durability: PGlite writes its WAL and data files straight through to the file system on every commit,
 * so a committed transaction survives the process being killed; PGlite runs PostgreSQL with fsync off,
 * so it may not survive a kernel crash or power loss (see README.md).
 */
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { lockDataDir, type DataDirLock } from './pglite-lock.ts';
import { restoreFromTemplate } from './pglite-template.ts';
import { TextBlob } from './text-blob.ts';
import type { Sql, SqlExecutor, SqlRow, StoreLogger } from './sql.ts';

interface PgliteLike {
  query<T>(text: string, params?: unknown[], options?: { blob?: Blob }): Promise<{ rows: T[]; affectedRows?: number }>;
  exec(text: string): Promise<unknown>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function executor(db: PgliteLike): SqlExecutor {
  return {
    async query<T extends SqlRow = SqlRow>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      const result = await db.query<T>(text, [...params]);
      return result.rows;
    },
    async exec(text: string): Promise<void> {
      await db.exec(text);
    },
    async copyFrom(table: string, columns: readonly string[], rows: string, rowCount: number): Promise<void> {
      if (![table, ...columns].every((name) => IDENTIFIER.test(name))) {
        throw new TypeError(`copyFrom takes plain lower-case identifiers: ${table} (${columns.join(', ')})`);
      }
      // PGlite reads COPY data from the blob given with the query, under the name /dev/blob (text-blob.ts: why not Node's Blob).
      const result = await db.query(`COPY "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) FROM '/dev/blob'`, [], { blob: new TextBlob(rows) });
      if (result.affectedRows !== rowCount) {
        throw new Error(`COPY into ${table} wrote ${String(result.affectedRows)} rows, not the ${rowCount} sent`);
      }
    },
  };
}

/**
 * PostgreSQL's buffer cache inside PGlite's WebAssembly memory. PostgreSQL's default, 128 MB, is most
 * of the process's resident memory; pages not in it are read through the operating system's page
 * cache (PGlite's file system layer is plain file reads), so a small cache costs little here: 300 000
 * audit records were written as fast with 16 MB as with 128 MB.
 */
export const SHARED_BUFFERS = '16MB';

/** The PostgreSQL start parameters the service runs PGlite with. */
export function pgliteStartParams(): string[] {
  return [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`];
}

function pgliteOptions(): { startParams: string[] } {
  return { startParams: pgliteStartParams() };
}

/** The PGlite files live in `<dataDir>/pglite`; the lock file beside them. */
export function pgliteDirectory(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'pglite');
}

export interface OpenPgliteOptions {
  /** Template for a new database (pglite-template.ts); default: the one `npm install` made. */
  readonly templateDir?: string;
  /** Told when a new database was copied from the template, or the copy failed (initdb then runs). */
  readonly logger?: StoreLogger;
}

/**
 * Opens PGlite. A new data directory is filled from the template when there is one (a copy instead
 * of initdb: see pglite-template.ts).
 * @param dataDir - The service's data directory, or undefined for an in-memory database.
 * @param options - Template location.
 */
export async function openPgliteSql(dataDir?: string, options: OpenPgliteOptions = {}): Promise<Sql> {
  let lock: DataDirLock | undefined;
  let db: PGlite;
  if (dataDir === undefined) {
    db = await PGlite.create(pgliteOptions());
  } else {
    const dir = pgliteDirectory(dataDir);
    const target = linkTarget(dir);
    lock = await lockDataDir(path.dirname(dir));
    try {
      if (target !== undefined) {
        // A pglite directory that is a symbolic link (an operator moved the database to another volume and
        // linked it back): also locked beside its target (`<target>.lock`), so two data directories linking
        // to one database cannot both open it.
        lock = bothLocks(lock, await lockDataDir(path.dirname(target), { file: `${path.basename(target)}.lock` }));
      }
    } catch (error) {
      await lock.release();
      throw error;
    }
    try {
      try {
        if (restoreFromTemplate(dir, options.templateDir)) {
          options.logger?.info({ dir }, 'new embedded database copied from the PGlite template');
        }
      } catch (error) {
        // Only speed is lost: PGlite initialises the empty directory itself.
        options.logger?.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not copy the PGlite template; initialising the database instead (slower)');
      }
      // PGlite's file system layer fails on a symbolic link: it is given the directory the link points to.
      db = await PGlite.create({ dataDir: target ?? dir, ...pgliteOptions() });
    } catch (error) {
      await lock.release();
      throw openFailure(dir, error);
    }
  }
  return fromPglite(db, async () => {
    try {
      await db.close();
    } finally {
      await lock?.release();
    }
  });
}

/** Where `dir` really is when it is itself a symbolic link (not merely inside a linked folder); else undefined. */
function linkTarget(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const real = realpathSync(dir);
  return real === path.join(realpathSync(path.dirname(dir)), path.basename(dir)) ? undefined : real;
}

function bothLocks(first: DataDirLock, second: DataDirLock): DataDirLock {
  return {
    async release() {
      try {
        await second.release();
      } finally {
        await first.release();
      }
    },
  };
}

/**
 * Why PGlite could not open `dir`, said plainly: its errors may carry no message (the WebAssembly file
 * system's ErrnoError has a number only), and the operator needs the directory.
 */
function openFailure(dir: string, error: unknown): Error {
  const e = (typeof error === 'object' && error !== null ? error : {}) as { message?: unknown; name?: unknown; errno?: unknown };
  const detail =
    typeof e.message === 'string' && e.message !== ''
      ? e.message
      : typeof e.errno === 'number'
        ? `${typeof e.name === 'string' ? e.name : 'file system error'} ${e.errno}`
        : String(error);
  return new Error(`the embedded database in ${dir} could not be opened: ${detail}`, { cause: error });
}

/** {@link Sql} over an open PGlite instance; `onClose` closes it. */
export function fromPglite(db: PGlite, onClose: () => Promise<void> = () => db.close()): Sql {
  let closing: Promise<void> | undefined;
  return {
    kind: 'pglite',
    ...executor(db),
    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      return db.transaction((tx) => fn(executor(tx)));
    },
    close(): Promise<void> {
      closing ??= onClose();
      return closing;
    },
  };
}
