// The cluster primary keeps the last good rule set in memory and hands it to a worker that finds the rules
// folder broken at its start. When the primary itself restarted (a crash, a deploy, the host rebooting) that
// memory was gone: every worker exited on the broken folder, so did the primary, and no order got any CDS
// check until the file was fixed. The set is now kept in the store too (issue #6): the workers of the
// restarted cluster serve it. No timings are asserted: every wait is bounded.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hookOnNewConnection } from '../support/hook-call.ts';
import type { HookCallResult } from '../support/hook-call.ts';
import { npmStartCommand } from '../support/npm-start.ts';
import { freePort, until } from '../support/processes.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const NPM_START = npmStartCommand();
const FIXTURE = await fs.readFile(path.join(ROOT, 'fixtures/order-sign/opioid-draft-with-active-benzodiazepine.json'), 'utf8');
const SIGN = '/cds-services/cns-depressant-order-sign';
const NALOXONE = 'naloxone-co-prescribe';

interface Cluster {
  readonly child: ChildProcess;
  readonly base: string;
  output(): string;
  readonly exited: Promise<number | null>;
}

/** WORKERS=2 as `npm start` starts it; resolves once both workers listen, rejects if it exits first. */
async function startCluster(dataDir: string, rulesDir: string): Promise<Cluster> {
  const port = await freePort();
  const child = spawn(process.execPath, [...NPM_START.nodeArgs], {
    cwd: ROOT,
    env: { ...process.env, ...NPM_START.env, WORKERS: '2', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', DATA_DIR: dataDir, RULES_DIR: rulesDir, RULES_POLL_MS: '200', CDS_AUTH: 'off', RATE_LIMIT_PER_MINUTE: '0', NODE_ENV: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await until('both workers to serve', () => {
    if (child.exitCode !== null) throw new Error(`the cluster exited with ${child.exitCode}:\n${out}`);
    return out.split('"msg":"CDS service listening"').length - 1 >= 2 ? true : undefined;
  }, 60_000);
  return { child, base: `http://127.0.0.1:${port}`, output: () => out, exited };
}


/** A hook call on a connection of its own (the cluster hands new connections to the workers in turn). */
const sign = (base: string): Promise<HookCallResult> => hookOnNewConnection(`${base}${SIGN}`, FIXTURE);

describe.skipIf(process.platform !== 'linux')('cluster: WORKERS=2, the primary restarts while a rule file is broken', () => {
  let work: string;
  const running: Cluster[] = [];

  beforeAll(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'cds-cluster-last-good-'));
  });

  afterAll(async () => {
    for (const c of running) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    await fs.rm(work, { recursive: true, force: true });
  });

  it('every worker of the restarted cluster serves the set kept in the store, until the folder is fixed', async () => {
    const dataDir = path.join(work, 'data');
    const rulesDir = path.join(work, 'rules');
    await fs.mkdir(dataDir);
    await fs.cp(path.join(ROOT, 'rules'), rulesDir, { recursive: true, dereference: true });
    const first = await startCluster(dataDir, rulesDir);
    running.push(first);
    const before = await sign(first.base);
    expect(before.status).toBe(200);
    const serving = before.version!;
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const file = path.join(rulesDir, `${NALOXONE}.json`);
    const original = await fs.readFile(file, 'utf8');
    await fs.writeFile(file, original.replace(/}\s*$/, ''));

    const second = await startCluster(dataDir, rulesDir);
    running.push(second);
    for (let i = 0; i < 6; i++) {
      expect(await sign(second.base)).toEqual({ status: 200, version: serving, topics: expect.arrayContaining(['opioid-benzodiazepine', NALOXONE]) });
    }
    expect(second.output().split('THE RULES FOLDER DOES NOT LOAD').length - 1).toBeGreaterThanOrEqual(2);

    await fs.writeFile(file, original.replace('"status": "active"', '"status": "disabled"'));
    await until('both workers to serve the fixed folder', async () => {
      const calls = [await sign(second.base), await sign(second.base), await sign(second.base), await sign(second.base)];
      return calls.every((c) => c.status === 200 && c.version !== serving && !c.topics.includes(NALOXONE)) ? true : undefined;
    });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 180_000);
});
