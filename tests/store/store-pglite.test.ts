// The store contract on embedded PGlite: in memory (what tests and DATA_DIR-less runs use) and
// persisted under a data directory (the default deployment), plus what only PGlite has: the
// one-process-per-directory lock and surviving a killed process.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore, DataDirLockedError } from '../../src/store/index.ts';
import { openPgliteSql } from '../../src/store/pglite-sql.ts';
import { SqlStore } from '../../src/store/sql-store.ts';
import type { Sql } from '../../src/store/sql.ts';
import { captureLogger } from './helpers.ts';
import { registerStoreContract, type OpenOptions, type StoreContractTarget } from './store-contract.ts';
import { checkUpgradeFromFirstRelease } from './upgrade-check.ts';

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cds-store-test-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tempDirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

/** In memory: one PGlite per database; stores on it share the connection (as replicas share a server). */
const inMemory: StoreContractTarget = {
  async createDatabase() {
    const sql: Sql = await openPgliteSql();
    return {
      concurrentOpen: true,
      persistent: false,
      async open(options: OpenOptions = {}) {
        const store = new SqlStore(sql, { ...options, ownsSql: false });
        await store.migrate();
        return store;
      },
      dispose: () => sql.close(),
    };
  },
};

/** On disk: createStore({ dataDir }), exactly as the service opens it. */
const onDisk: StoreContractTarget = {
  async createDatabase() {
    const dataDir = await tempDir();
    return {
      concurrentOpen: false,
      persistent: true,
      open: (options: OpenOptions = {}) => createStore({ dataDir, ...options }),
      dispose: () => fs.rm(dataDir, { recursive: true, force: true }),
    };
  },
};

registerStoreContract('PGlite in memory', () => inMemory);
registerStoreContract('PGlite on disk', () => onDisk);

describe('upgrading a database of the first release (migration 1 only)', () => {
  it('keeps its audit; cards are still found and purged with their invocations after migration 2', async () => {
    const sql: Sql = await openPgliteSql();
    try {
      await checkUpgradeFromFirstRelease(sql);
    } finally {
      await sql.close();
    }
  }, 120_000);
});

describe('PGlite data directory', () => {
  it('on reopening, loads the snooze horizon without snoozes that ended over a day ago (memory), keeping live ones', async () => {
    const dataDir = await tempDir();
    const first = await createStore({ dataDir, logger: captureLogger().logger });
    const day = 24 * 60 * 60 * 1000;
    const base = { ruleId: 'opioid-benzodiazepine', reasonCode: 'palliative-care' };
    try {
      await first.createSnooze({ ...base, cardUuid: randomUUID(), patientKey: 'pk-ended', createdAt: new Date(Date.now() - 9 * day).toISOString(), expiresAt: new Date(Date.now() - 2 * day).toISOString() });
      await first.createSnooze({ ...base, cardUuid: randomUUID(), patientKey: 'pk-live', createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 7 * day).toISOString() });
    } finally {
      await first.close();
    }
    const again = await createStore({ dataDir, logger: captureLogger().logger });
    try {
      const keys = (await (again as SqlStore).snoozeHorizons()).map(([key]) => key);
      expect(keys).toContain('pk-live');
      expect(keys).not.toContain('pk-ended');
      expect((await again.activeSnoozes('pk-live', new Date())).map((s) => s.patientKey)).toEqual(['pk-live']);
    } finally {
      await again.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  it('keeps its files under <dataDir>/pglite and lets only one store open it', async () => {
    const dataDir = await tempDir();
    const first = await createStore({ dataDir, logger: captureLogger().logger });
    try {
      expect(first.kind).toBe('pglite');
      expect(await fs.readdir(dataDir)).toEqual(expect.arrayContaining(['pglite', 'pglite.lock']));
      await expect(createStore({ dataDir, logger: captureLogger().logger })).rejects.toBeInstanceOf(DataDirLockedError);
    } finally {
      await first.close();
    }
    expect(await fs.readdir(dataDir)).not.toContain('pglite.lock');
    const again = await createStore({ dataDir, logger: captureLogger().logger });
    expect(await again.ping()).toBe(true);
    await again.close();
    expect(await again.ping()).toBe(false);
  }, 120_000);

  it('opens a database whose pglite directory is a symbolic link (moved to another disk) and keeps its rows', async () => {
    const dataDir = await tempDir();
    const elsewhere = await tempDir();
    const first = await createStore({ dataDir, logger: captureLogger().logger });
    const expiresAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const snooze = (await first.createSnooze({ patientKey: 'p-symlink', ruleId: 'opioid-benzodiazepine', createdAt: new Date().toISOString(), expiresAt, reasonCode: 'patient-tolerant', cardUuid: 'card-symlink' }))!;
    await first.close();
    // An operator moves the database to another volume and links it back.
    await fs.rename(path.join(dataDir, 'pglite'), path.join(elsewhere, 'pglite'));
    await fs.symlink(path.join(elsewhere, 'pglite'), path.join(dataDir, 'pglite'));
    const again = await createStore({ dataDir, logger: captureLogger().logger });
    try {
      expect(await again.ping()).toBe(true);
      expect((await again.activeSnoozes('p-symlink', new Date())).map((s) => s.id)).toEqual([snooze.id]);
      // A second data directory linking to the same database is refused while the first has it open.
      const other = await tempDir();
      await fs.symlink(path.join(elsewhere, 'pglite'), path.join(other, 'pglite'));
      await expect(createStore({ dataDir: other, logger: captureLogger().logger })).rejects.toBeInstanceOf(DataDirLockedError);
      // The lock beside the target (`<target>.lock`), besides the data directory's own.
      expect(await fs.readdir(elsewhere)).toContain('pglite.lock');
      expect(await fs.readdir(dataDir)).toContain('pglite.lock');
    } finally {
      await again.close();
    }
    expect(await fs.readdir(elsewhere)).not.toContain('pglite.lock');
    expect((await fs.lstat(path.join(dataDir, 'pglite'))).isSymbolicLink()).toBe(true);
    const linkedDataDir = path.join(await tempDir(), 'data-link');
    await fs.symlink(dataDir, linkedDataDir);
    const viaLink = await createStore({ dataDir: linkedDataDir, logger: captureLogger().logger });
    try {
      expect((await viaLink.activeSnoozes('p-symlink', new Date())).map((s) => s.id)).toEqual([snooze.id]);
    } finally {
      await viaLink.close();
    }
  }, 120_000);

  it('opens a data directory that is a symbolic link (its pglite directory is not) with its one lock', async () => {
    const real = await tempDir();
    const linked = path.join(await tempDir(), 'data');
    await fs.symlink(real, linked);
    const store = await createStore({ dataDir: linked, logger: captureLogger().logger });
    try {
      expect(await store.ping()).toBe(true);
      expect((await fs.readdir(real)).filter((f) => f.endsWith('.lock'))).toEqual(['pglite.lock']);
      await expect(createStore({ dataDir: real, logger: captureLogger().logger })).rejects.toBeInstanceOf(DataDirLockedError);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('says which directory could not be opened, and frees it, when PGlite cannot open it', async () => {
    const dataDir = await tempDir();
    await fs.mkdir(path.join(dataDir, 'pglite'));
    await fs.writeFile(path.join(dataDir, 'pglite', 'PG_VERSION'), '99\n'); // not a database PGlite can read
    const opening = createStore({ dataDir, logger: captureLogger().logger });
    await expect(opening).rejects.toThrow(`the embedded database in ${path.join(dataDir, 'pglite')} could not be opened: `);
    expect(await fs.readdir(dataDir)).not.toContain('pglite.lock');
  }, 120_000);

  it('keeps what was committed when the process is killed (kill -9), and takes over its stale lock', async () => {
    const dataDir = await tempDir();
    const child = spawn(process.execPath, [fileURLToPath(new URL('./crash-child.ts', import.meta.url)), dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const report = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n').find((l) => l.startsWith('READY '));
        if (line !== undefined) {
          resolve(line.slice('READY '.length));
        }
      });
      child.on('exit', (code) => reject(new Error(`crash-child exited early (${code}): ${out}`)));
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const written = JSON.parse(report) as { cardUuid: string; patientKey: string; snoozeId: string; seq: number };

    const store = await createStore({ dataDir, logger: captureLogger().logger });
    try {
      expect((await store.findIssuedCards([written.cardUuid])).length).toBe(1);
      expect((await store.activeSnoozes(written.patientKey, new Date())).map((s) => s.id)).toEqual([written.snoozeId]);
      expect(await store.rememberJti('iss|crash-jti', Date.now() + 60_000)).toBe(false);
      expect((await store.ruleChangesSince(0)).map((c) => c.seq)).toEqual([written.seq]);
      expect(await store.recordFeedback('svc', [{ cardUuid: written.cardUuid, outcome: 'accepted', outcomeTimestamp: '2026-01-01T00:00:00Z', acceptedSuggestionIds: [] }])).toEqual({
        stored: 0,
        duplicates: 1,
        unknownCards: [],
      });
    } finally {
      await store.close();
    }
  }, 120_000);
});
