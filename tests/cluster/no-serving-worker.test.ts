// The cluster primary (src/cluster/primary.ts) once no worker can be started any more: it stops and exits 1,
// so a supervisor restarts (or reports) the service. Before, it kept forking replacements that died, for
// ever, alive while the port refused every call.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runPrimaryScript } from '../support/cluster-primary.ts';

const WORKER = fileURLToPath(new URL('../support/serves-once-worker.ts', import.meta.url));

describe.skipIf(process.platform === 'win32')('cluster with no serving worker', () => {
  it('exits 1, saying why, when no replacement starts serving in the allowed time', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cds-no-serving-'));
    try {
      const { code, out, messages } = await runPrimaryScript(WORKER, { noServingWorkerExitMs: 2000 }, 40_000, { SERVES_ONCE_MARKER: path.join(dir, 'served') });
      expect(messages).toContain('cluster: first worker listening');
      expect(code, out).toBe(1);
      expect(messages).toContain('cluster: no worker is serving; every call is refused until a replacement starts');
      expect(messages.some((m) => m.startsWith('cluster: no worker could start serving in time'))).toBe(true);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
