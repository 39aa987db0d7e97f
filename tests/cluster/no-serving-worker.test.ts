// The cluster primary (src/cluster/primary.ts) once no worker can be started any more: it stops and exits 1,
// so a supervisor restarts (or reports) the service. Before, it kept forking replacements that died, for
// ever, alive while the port refused every call.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PRIMARY = fileURLToPath(new URL('../support/cluster-primary-serving.ts', import.meta.url));
const WORKER = fileURLToPath(new URL('../support/serves-once-worker.ts', import.meta.url));

describe.skipIf(process.platform === 'win32')('cluster with no serving worker', () => {
  it('exits 1, saying why, when no replacement starts serving in the allowed time', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cds-no-serving-'));
    try {
      const child = spawn(process.execPath, [PRIMARY, WORKER, '2000'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SERVES_ONCE_MARKER: path.join(dir, 'served') },
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      const code = await new Promise<number | null>((resolve) => {
        const guard = setTimeout(() => {
          child.kill('SIGKILL');
          resolve(null);
        }, 40_000);
        child.on('exit', (c) => {
          clearTimeout(guard);
          resolve(c);
        });
      });
      const messages = out
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { msg: string }).msg);
      expect(messages).toContain('cluster: first worker listening');
      expect(code, out).toBe(1);
      expect(messages).toContain('cluster: no worker is serving; every call is refused until a replacement starts');
      expect(messages.some((m) => m.startsWith('cluster: no worker could start serving in time'))).toBe(true);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
