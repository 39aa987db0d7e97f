// The cluster primary with a worker that never finishes starting (src/cluster/primary.ts).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PRIMARY = fileURLToPath(new URL('../support/cluster-primary.ts', import.meta.url));
const STUCK_WORKER = fileURLToPath(new URL('../support/never-listening-worker.ts', import.meta.url));

describe.skipIf(process.platform === 'win32')('cluster start-up', () => {
  it('stops with exit code 1, saying why, when the first worker never starts listening', async () => {
    const child = spawn(process.execPath, [PRIMARY, STUCK_WORKER, '1500'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => {
      const guard = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 30_000);
      child.on('exit', (c) => {
        clearTimeout(guard);
        resolve(c);
      });
    });
    expect(code).toBe(1);
    const messages = out
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages).toContain('cluster: worker did not start listening in time; killing it');
    expect(messages).toContain('cluster: a worker failed during start-up; stopping');
  }, 40_000);
});
