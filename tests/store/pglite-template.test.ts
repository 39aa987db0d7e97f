// A new data directory is filled from the PGlite template (a copy, not initdb), the copy is a working
// store, and a directory that already holds a database is never touched.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/index.ts';
import { pgliteDirectory, pgliteStartParams } from '../../src/store/pglite-sql.ts';
import { ensureTemplate, hasTemplate, restoreFromTemplate } from '../../src/store/pglite-template.ts';
import { captureLogger } from './helpers.ts';

let root: string;
let template: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'cds-template-test-'));
  template = path.join(root, 'template');
  expect(await ensureTemplate(template, pgliteStartParams())).toBe(true);
}, 60_000);
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('PGlite template', () => {
  it('is made once, complete, with nothing left beside it', async () => {
    expect(hasTemplate(template)).toBe(true);
    expect(await ensureTemplate(template, pgliteStartParams())).toBe(false);
    expect((await fs.readdir(root)).sort()).toEqual(['template']);
  });

  it('fills an empty data directory, which then works as a store and keeps its data', async () => {
    const dataDir = path.join(root, 'data-empty');
    await fs.mkdir(pgliteDirectory(dataDir), { recursive: true });
    expect(restoreFromTemplate(pgliteDirectory(dataDir), template)).toBe(true);
    expect(await fs.readFile(path.join(pgliteDirectory(dataDir), 'PG_VERSION'), 'utf8')).toBe(await fs.readFile(path.join(template, 'PG_VERSION'), 'utf8'));

    const store = await createStore({ dataDir, logger: captureLogger().logger });
    const snooze = (await store.createSnooze({ ruleId: 'opioid-benzodiazepine', patientKey: 'p1', createdAt: '2026-11-21T10:00:00.000Z', expiresAt: '2026-12-21T10:00:00.000Z', reasonCode: 'benefit-outweighs-risk', cardUuid: 'c1', materialState: 'x' }))!;
    await store.close();
    const reopened = await createStore({ dataDir, logger: captureLogger().logger });
    expect((await reopened.activeSnoozes('p1', new Date('2026-11-22T00:00:00Z'))).map((s) => s.id)).toEqual([snooze.id]);
    await reopened.close();
  }, 60_000);

  it('fills an existing empty directory in place (e.g. a mount point) and clears copies left by a crash', async () => {
    const dataDir = path.join(root, 'data-mounted');
    await fs.mkdir(pgliteDirectory(dataDir), { recursive: true });
    const inode = (await fs.stat(pgliteDirectory(dataDir))).ino;
    const stale = `${pgliteDirectory(dataDir)}.restoring-99999`;
    await fs.mkdir(stale);
    await fs.writeFile(path.join(stale, 'half'), 'x');

    expect(restoreFromTemplate(pgliteDirectory(dataDir), template)).toBe(true);
    expect((await fs.stat(pgliteDirectory(dataDir))).ino).toBe(inode);
    expect((await fs.readdir(pgliteDirectory(dataDir))).sort()).toEqual((await fs.readdir(template)).sort());
    await expect(fs.stat(stale)).rejects.toThrow();
    const store = await createStore({ dataDir, logger: captureLogger().logger });
    expect(await store.ping()).toBe(true);
    await store.close();
  }, 60_000);

  it('never touches a directory that already holds a database, and does nothing without a template', async () => {
    const dataDir = path.join(root, 'data-used');
    const store = await createStore({ dataDir, logger: captureLogger().logger });
    await store.createSnooze({ ruleId: 'opioid-benzodiazepine', patientKey: 'p2', createdAt: '2026-11-21T10:00:00.000Z', expiresAt: '2026-12-21T10:00:00.000Z', reasonCode: 'benefit-outweighs-risk', cardUuid: 'c2', materialState: 'x' });
    await store.close();
    expect(restoreFromTemplate(pgliteDirectory(dataDir), template)).toBe(false);
    const reopened = await createStore({ dataDir, logger: captureLogger().logger });
    expect(await reopened.activeSnoozes('p2', new Date('2026-11-22T00:00:00Z'))).toHaveLength(1);
    await reopened.close();

    expect(restoreFromTemplate(path.join(root, 'data-none', 'pglite'), path.join(root, 'no-such-template'))).toBe(false);
  }, 60_000);
});
