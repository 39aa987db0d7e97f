/**
 * `npm run bench`'s command line (scripts/bench/run.ts): an operator's typo must say what is wrong and
 * stop before any service starts, not end in a stack trace or in a run measuring NaN workers.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = path.join(ROOT, 'scripts', 'bench', 'run.ts');

async function bench(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: ROOT, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('npm run bench -- <options>', () => {
  it('prints its usage with --help and exits 0 without running anything', async () => {
    const res = await bench('--help');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Usage: npm run bench');
    expect(res.stdout).toContain('--skip <name,...>        leave out parts of the run: fresh, floor, jwt, reload, stall, semi');
    expect(res.stderr).not.toContain('[bench]');
  });

  it.each([
    [['--workers', 'two'], '--workers takes whole numbers from 1 to 64, separated by commas; got "two".'],
    [['--workers', '1,0'], '--workers takes whole numbers from 1 to 64'],
    [['--connections', '8,'], '--connections takes whole numbers'],
    [['--duration', '2.5'], '--duration takes whole numbers'],
    [['--skip', 'floor,jwts'], '--skip does not know "jwts"; it takes fresh, floor, jwt, reload, stall, semi.'],
    [['--bogus'], "Unknown option '--bogus'"],
    [['--node-flags=--single-threaded-gc ; rm -rf /'], '--node-flags takes flags such as "--single-threaded-gc", separated by spaces; ";" is not one.'],
  ])('refuses %j with exit 2, the reason and the usage, before starting anything', async (args, reason) => {
    const res = await bench(...args);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(reason);
    expect(res.stderr).toContain('Usage: npm run bench');
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(res.stderr).not.toContain('[bench]'); // nothing was started
  });
});
