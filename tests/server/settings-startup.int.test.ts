// Settings as the started service reads them (review ops2, finding F3): PORT=0x4784 listened on port 18308,
// a misspelt name (AUDIT_RETENTION_DAY) ran with the default and nothing said so, and a per-call FHIR timeout
// above the budget went unremarked. Started as `npm start` starts it; only outcomes and log lines are checked.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { npmStartCommand } from '../support/npm-start.ts';
import { freePort } from '../support/processes.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/**
 * Starts the service and stops it (SIGTERM) once `listening` workers said "CDS service listening", or lets it
 * exit on its own; resolves with its exit code, whether it listened, and its log lines.
 */
async function run(env: Record<string, string>, listening = 1): Promise<{ code: number | null; listened: boolean; lines: Record<string, unknown>[]; text: string }> {
  const npmStart = npmStartCommand();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cds-settings-'));
  const child = spawn(process.execPath, [...npmStart.nodeArgs], {
    cwd: ROOT,
    env: { ...process.env, ...npmStart.env, WORKERS: '1', HOST: '127.0.0.1', LOG_LEVEL: 'info', DATA_DIR: dataDir, CDS_AUTH: 'off', NODE_ENV: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  let listened = false;
  const onData = (d: Buffer): void => {
    text += d.toString();
    if (!listened && text.split('"msg":"CDS service listening"').length - 1 >= listening) {
      listened = true;
      child.kill('SIGTERM');
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(killer);
  await fs.rm(dataDir, { recursive: true, force: true });
  const lines = text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code, listened, lines, text };
}

describe('settings at start-up', () => {
  it('refuses a port written in hexadecimal (Number() read it)', async () => {
    const port = await freePort();
    const hex = await run({ PORT: `0x${port.toString(16)}` });
    expect(hex.listened).toBe(false);
    expect(hex.code).toBe(1);
    expect(hex.text).toContain(`PORT must be a whole number between 0 and 65535 (got "0x${port.toString(16)}")`);
  }, 70_000);

  it('warns once (from the cluster primary, not from each worker) of a misspelt setting and of a FHIR timeout above the budget', async () => {
    const port = await freePort();
    const started = await run({ PORT: String(port), WORKERS: '2', AUDIT_RETENTION_DAY: '30', FHIR_TIMEOUT_MS: '3000', FHIR_BUDGET_MS: '2500' }, 2);
    expect(started.listened).toBe(true);
    const warnings = started.lines.filter((l) => l.level === 40).map((l) => String(l.msg));
    expect(warnings.filter((w) => w.includes('AUDIT_RETENTION_DAY is not a setting'))).toEqual([expect.stringContaining('did you mean AUDIT_RETENTION_DAYS?')]);
    expect(warnings.filter((w) => w.startsWith('FHIR_TIMEOUT_MS (3000) is longer than FHIR_BUDGET_MS (2500)'))).toHaveLength(1);
  }, 70_000);
});
