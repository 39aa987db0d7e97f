// The service, as `npm start` starts it (one process, and a cluster whose primary holds the store), with
// embedded PGlite on its thread, on a data folder whose disk fills up: a small tmpfs mounted for the test.
// The safety checks still answer; feedback, which must be stored before its 200, gets 503 with Retry-After
// (the full disk's SQLSTATE crosses the store thread and the cluster's IPC); /readyz stays ready and says the
// audit is failing; once space is freed, feedback is stored again; a stop that cannot write the audit exits 1.
// Needs permission to mount (root, as in CI); skipped with the reason otherwise. No timings are asserted.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmStartCommand } from '../support/npm-start.ts';
import { freePort, until } from '../support/processes.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SIGN = '/cds-services/cns-depressant-order-sign';
const FIXTURE = JSON.parse(readFileSync(path.join(ROOT, 'fixtures/order-sign/opioid-draft-with-active-benzodiazepine.json'), 'utf8')) as Record<string, unknown>;

/** Mounts a 64 MB tmpfs on a new folder; or why this machine does not allow it. */
function mountSmallDisk(): { dir: string } | { skip: string } {
  if (process.platform !== 'linux') return { skip: 'not Linux' };
  const dir = execFileSync('mktemp', ['-d', path.join(os.tmpdir(), 'cds-full-disk-XXXXXX')]).toString().trim();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', dir], { stdio: 'pipe' });
    return { dir };
  } catch (error) {
    execFileSync('rmdir', [dir]);
    return { skip: `cannot mount a tmpfs here (${String((error as Error).message).split('\n')[0]})` };
  }
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  }
  execFileSync('rmdir', [dir]);
}

// Whether this machine lets the test mount at all (tried once, undone at once).
const probe = mountSmallDisk();
if ('skip' in probe) console.warn(`[full-disk.int.test] skipped: ${probe.skip}`);
else unmount(probe.dir);

// One process (the store thread in it) and a cluster (the store thread in the primary, two hops away).
describe.skipIf('skip' in probe).each(['1', '2'])('a full disk under the embedded store, WORKERS=%s', (workers) => {
  let dir = '';
  let fill = '';
  let child: ChildProcess;
  let base: string;

  beforeAll(async () => {
    const disk = mountSmallDisk();
    if ('skip' in disk) throw new Error(disk.skip);
    dir = disk.dir;
    fill = path.join(dir, 'fill');
    const start = npmStartCommand();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [...start.nodeArgs], {
      cwd: ROOT,
      env: { ...process.env, ...start.env, WORKERS: workers, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATA_DIR: path.join(dir, 'data'), CDS_AUTH: 'off', RATE_LIMIT_PER_MINUTE: '0', NODE_ENV: '' },
      stdio: 'ignore',
    });
    await until('the service to be ready', async () => ((await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined));
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    if (dir) unmount(dir);
  });

  const sign = () => fetch(`${base}${SIGN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...FIXTURE, hookInstance: crypto.randomUUID() }) });
  const feedback = (card: string) =>
    fetch(`${base}${SIGN}/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ feedback: [{ card, outcome: 'overridden', outcomeTimestamp: new Date().toISOString(), overrideReason: { userComment: 'discussed with the patient' } }] }),
    });

  it('keeps answering hook calls, refuses feedback with 503 and Retry-After, says the audit is failing, and stores feedback again once space is freed', async () => {
    const { bavail, bsize } = await fs.statfs(dir);
    await fs.writeFile(fill, Buffer.alloc(Math.max(0, bavail * bsize - 64 * 1024)));

    // The checks go on: the card is given although its audit record cannot be written.
    const res = await sign();
    expect(res.status).toBe(200);
    const cards = ((await res.json()) as { cards: { uuid: string; source: { topic?: { code?: string } } }[] }).cards;
    expect(cards.map((c) => c.source.topic?.code)).toContain('opioid-benzodiazepine');

    const refused = await until('feedback to be refused for want of space', async () => {
      const r = await feedback(cards[0]!.uuid);
      return r.status === 200 ? undefined : r;
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(await refused.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'transient' }] });

    const ready = await until('/readyz to report the audit failing', async () => {
      await sign();
      const r = await fetch(`${base}/readyz`);
      const body = (await r.json()) as { audit?: string };
      return body.audit === 'failing' ? { status: r.status, body } : undefined;
    });
    expect(ready).toMatchObject({ status: 200, body: { status: 'ready', store: 'ok' } });

    await fs.rm(fill);
    const stored = await until('feedback to be stored again', async () => {
      const r = await feedback(cards[0]!.uuid);
      return r.status === 200 ? r : undefined;
    });
    expect(stored.status).toBe(200);
  }, 120_000);

  it('on SIGTERM with audit records it cannot write, stops with exit code 1 (the stop was not clean)', async () => {
    const { bavail, bsize } = await fs.statfs(dir);
    await fs.writeFile(fill, Buffer.alloc(bavail * bsize)); // every block
    // Enough calls that their audit needs new pages on the full disk; wait until records stay unwritten.
    await until('audit records waiting that cannot be written', async () => {
      for (let i = 0; i < 20; i++) expect((await sign()).status).toBe(200);
      const text = await (await fetch(`${base}/metrics`)).text();
      const figure = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
      return figure('cds_audit_queued') > 0 && figure('cds_audit_write_failures') > 0 ? true : undefined;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(1);
  }, 120_000);
});
