// The cluster primary keeps a small young generation although `npm start` gives every process
// `--max-semi-space-size=16` (src/cluster/primary-heap.ts). V8 ignores a flag it does not know and may
// stop reading one at run time in a later Node, so this runs the same allocation pattern in a child
// process with npm start's flags, with and without the primary's call, and compares V8's own figures.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { npmStartCommand } from '../support/npm-start.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const MODULE = path.join(ROOT, 'src', 'cluster', 'primary-heap.ts');

/** Allocates short-lived objects with a survivor set (as a process under load does), then prints the young generation's size in bytes. */
function youngGenerationAfterLoad(keepSmall: boolean): number {
  const script = `
    import v8 from 'node:v8';
    import { keepYoungGenerationSmall } from ${JSON.stringify(MODULE)};
    if (${keepSmall}) keepYoungGenerationSmall();
    const survivors = [];
    for (let i = 0; i < 3e6; i++) {
      const o = { i, pair: [i, i + 1], text: 'row ' + i };
      if (i % 40 === 0) survivors.push(o);
      if (survivors.length > 25000) survivors.length = 0;
    }
    const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    process.stdout.write(String(young.space_size));
  `;
  const flags = npmStartCommand().nodeFlags;
  const result = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`child failed (${result.status}): ${result.stderr}`);
  return Number(result.stdout);
}

describe('the cluster primary young generation', () => {
  it('npm start gives every process a 16 MB semi-space (the workers rely on it)', () => {
    expect(npmStartCommand().nodeFlags).toContain('--max-semi-space-size=16');
  });

  it('stays at its starting size in the primary while the same load grows it without the call', () => {
    const grown = youngGenerationAfterLoad(false);
    const kept = youngGenerationAfterLoad(true);
    // Without the call the load grows it (so the check below can fail); with it, it stays at V8's start size.
    expect(grown).toBeGreaterThanOrEqual(16 * 2 ** 20);
    expect(kept).toBeLessThanOrEqual(4 * 2 ** 20);
  }, 120_000);
});
