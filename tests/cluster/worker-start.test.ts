// The cluster primary with a worker that never finishes starting (src/cluster/primary.ts).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runPrimaryScript } from '../support/cluster-primary.ts';

const STUCK_WORKER = fileURLToPath(new URL('../support/never-listening-worker.ts', import.meta.url));

describe.skipIf(process.platform === 'win32')('cluster start-up', () => {
  it('stops with exit code 1, saying why, when the first worker never starts listening', async () => {
    const { code, messages } = await runPrimaryScript(STUCK_WORKER, { workerStartTimeoutMs: 1500 }, 30_000);
    expect(code).toBe(1);
    expect(messages).toContain('cluster: worker did not start listening in time; killing it');
    expect(messages).toContain('cluster: a worker failed during start-up; stopping');
  }, 40_000);
});
