// README "Administering rules": a broken rule file is refused and the previous rules keep answering. That must
// survive a restart (issue #6): with WORKERS=1 (the shipped docker-compose.yml) a crash or a restart while a
// rule file was broken exited 1 at every start ("invalid rule set") until the file was fixed, so no order got
// any CDS check. The service keeps the last set it loaded in its store and serves it; only the very first start
// (nothing kept) still refuses a broken folder. No timings are asserted: every wait is bounded.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/processes.ts';
import { startServiceProcess } from '../support/service-process.ts';
import type { ServiceProcess } from '../support/service-process.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const FIXTURE = await fs.readFile(path.join(ROOT, 'fixtures/order-sign/opioid-draft-with-active-benzodiazepine.json'), 'utf8');
const SIGN = '/cds-services/cns-depressant-order-sign';
const NALOXONE = 'naloxone-co-prescribe';

/** One order-sign call: status, the rule set version that answered, the cards' topics. */
async function sign(base: string): Promise<{ status: number; version: string | null; topics: string[] }> {
  const res = await fetch(`${base}${SIGN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: FIXTURE });
  const body = (await res.json().catch(() => ({}))) as { cards?: { source?: { topic?: { code?: string } } }[] };
  return { status: res.status, version: res.headers.get('x-rule-set-version'), topics: (body.cards ?? []).map((c) => c.source?.topic?.code ?? '') };
}

async function stop(service: ServiceProcess): Promise<void> {
  service.child.kill('SIGTERM');
  expect(await service.exited).toBe(0);
}

describe.skipIf(process.platform !== 'linux')('WORKERS=1: a restart while a rule file is broken', () => {
  let work: string;
  let dataDir: string;
  let rulesDir: string;
  const started: ServiceProcess[] = [];
  const start = async (env: Record<string, string>): Promise<ServiceProcess> => {
    const service = await startServiceProcess({ env: { RULES_POLL_MS: '200', ...env } });
    started.push(service);
    return service;
  };

  beforeAll(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'cds-last-good-'));
    dataDir = path.join(work, 'data');
    rulesDir = path.join(work, 'rules');
    await fs.mkdir(dataDir);
    await fs.cp(path.join(ROOT, 'rules'), rulesDir, { recursive: true, dereference: true });
  });

  afterAll(async () => {
    await Promise.all(started.map((s) => s.dispose()));
    await fs.rm(work, { recursive: true, force: true });
  });

  it('serves the last set it loaded, shows the folder\'s errors, and moves on once the folder is fixed', async () => {
    const first = await start({ DATA_DIR: dataDir, RULES_DIR: rulesDir });
    const before = await sign(first.base);
    expect(before.status).toBe(200);
    expect(before.topics).toEqual(expect.arrayContaining(['opioid-benzodiazepine', NALOXONE]));
    const serving = before.version!;
    await stop(first);

    // An editor's save, half written, when the service restarts (a crash, a deploy): the last brace is missing.
    const file = path.join(rulesDir, `${NALOXONE}.json`);
    const original = await fs.readFile(file, 'utf8');
    await fs.writeFile(file, original.replace(/}\s*$/, ''));

    const second = await start({ DATA_DIR: dataDir, RULES_DIR: rulesDir });
    // Every order is still checked, with the set served before the typo (its naloxone card included).
    expect(await sign(second.base)).toEqual({ status: 200, version: serving, topics: expect.arrayContaining(['opioid-benzodiazepine', NALOXONE]) });
    expect(second.output()).toMatch(/THE RULES FOLDER DOES NOT LOAD/);
    const token = (await fs.readFile(path.join(dataDir, 'admin-token'), 'utf8')).trim();
    const status = (await (await fetch(`${second.base}/admin/api/status`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      ruleSetVersion?: string;
      lastReloadError?: { errors?: string[] };
    };
    expect(status.ruleSetVersion).toBe(serving);
    expect(status.lastReloadError?.errors?.join('\n')).toContain(`${NALOXONE}.json`);

    // The folder is fixed (and the rule disabled meanwhile): the watcher serves it.
    await fs.writeFile(file, original.replace('"status": "active"', '"status": "disabled"'));
    const fixed = await until('the fixed folder to be served', async () => {
      const call = await sign(second.base);
      return call.version !== serving ? call : undefined;
    });
    expect(fixed.status).toBe(200);
    expect(fixed.topics).toContain('opioid-benzodiazepine');
    expect(fixed.topics).not.toContain(NALOXONE);
    await stop(second);
  }, 180_000);

  it('still refuses to start on a broken folder when nothing was ever kept (an empty DATA_DIR)', async () => {
    const emptyData = path.join(work, 'empty-data');
    const brokenRules = path.join(work, 'broken-rules');
    await fs.mkdir(emptyData);
    await fs.cp(path.join(ROOT, 'rules'), brokenRules, { recursive: true, dereference: true });
    const file = path.join(brokenRules, `${NALOXONE}.json`);
    await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace(/}\s*$/, ''));
    await expect(start({ DATA_DIR: emptyData, RULES_DIR: brokenRules })).rejects.toThrow(/exited with 1[\s\S]*invalid rule set/);
  }, 120_000);
});
