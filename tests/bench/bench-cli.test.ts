/**
 * `npm run bench`'s command line (scripts/bench/args.ts): an operator's typo must say what is wrong and
 * stop before any service starts, not end in a stack trace or in a run measuring NaN workers. The
 * parser is tested directly (nothing is started); one subprocess checks that run.ts uses it.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BenchUsageError, parseBenchArgs } from '../../scripts/bench/args.ts';
import type { BenchArgs } from '../../scripts/bench/args.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function parsed(...argv: string[]): BenchArgs {
  const result = parseBenchArgs(argv);
  if (result === 'help') throw new Error('expected settings, got help');
  return result;
}

describe('npm run bench -- <options>', () => {
  it('defaults to the documented full run, and --quick to the shorter one', () => {
    expect(parsed()).toEqual({ quick: false, workers: [1, 2], skip: new Set(), durationS: 8, connections: [8, 32, 96], corpusSize: 90, nodeFlags: [] });
    expect(parsed('--quick')).toMatchObject({ quick: true, durationS: 4, connections: [16, 64] });
    expect(parsed('--workers', '2', '--skip', 'floor, jwt', '--duration', '5', '--connections', '32', '--corpus-size', '40', '--node-flags=--single-threaded-gc --max-old-space-size=512')).toEqual({
      quick: false,
      workers: [2],
      skip: new Set(['floor', 'jwt']),
      durationS: 5,
      connections: [32],
      corpusSize: 40,
      nodeFlags: ['--single-threaded-gc', '--max-old-space-size=512'],
    });
    // V8's own tuning and tracing flags pass, including those whose names begin like a refused one.
    expect(parsed('--node-flags=--print-bytecode --trace_gc --max-old-space-size=512 --runtime-call-stats').nodeFlags).toHaveLength(4);
    expect(parseBenchArgs(['--help'])).toBe('help');
    expect(parseBenchArgs(['-h', '--workers', 'x'])).toBe('help');
  });

  it.each([
    [['--workers', 'two'], '--workers takes whole numbers from 1 to 64, separated by commas; got "two".'],
    [['--workers', '1,0'], '--workers takes whole numbers from 1 to 64'],
    [['--connections', '8,'], '--connections takes whole numbers'],
    [['--duration', '2.5'], '--duration takes one whole number from 1 to 3600; got "2.5".'],
    [['--duration', '4,8'], '--duration takes one whole number'],
    [['--corpus-size', '90,5'], '--corpus-size takes one whole number'],
    [['--skip', 'floor,jwts'], '--skip does not know "jwts"; it takes fresh, floor, jwt, reload, stall, semi.'],
    [['--bogus'], "Unknown option '--bogus'"],
    [['extra'], 'Unexpected argument'],
    [['--node-flags=--single-threaded-gc ; rm -rf /'], '--node-flags takes flags such as "--single-threaded-gc", separated by spaces; ";" is not one.'],
    [['--node-flags=--require=./evil.js'], '--node-flags does not take --require=./evil.js'],
    [['--node-flags=--inspect=0.0.0.0:9229'], '--node-flags does not take --inspect=0.0.0.0:9229'],
    [['--node-flags=--eval=1'], '--node-flags does not take --eval=1'],
    [['--node-flags=--version'], '--node-flags does not take --version'],
    [['--node-flags=--inspect_brk=127.0.0.1:0'], '--node-flags does not take --inspect_brk=127.0.0.1:0'],
    [['--node-flags=--experimental_loader=x.mjs'], '--node-flags does not take --experimental_loader=x.mjs'],
    [['--node-flags=--env-file-if-exists=.env'], '--node-flags does not take --env-file-if-exists=.env'],
    [['--node-flags=--build-snapshot'], '--node-flags does not take --build-snapshot'],
  ])('refuses %j, saying why', (argv, reason) => {
    expect(() => parseBenchArgs(argv)).toThrow(BenchUsageError);
    expect(() => parseBenchArgs(argv)).toThrow(reason);
  });

  it('run.ts prints the usage for --help and exits 0 without starting anything', async () => {
    // Its own process group, ended whole if --help ever stopped working and a run started.
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'bench', 'run.ts'), '--help'], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killGroup = (): void => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(killGroup, 10_000);
    try {
      const code = await new Promise<number | null>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', resolve);
      });
      expect(code).toBe(0);
      expect(stdout).toContain('Usage: npm run bench');
      expect(stdout).toContain('--skip <name,...>        leave out parts of the run: fresh, floor, jwt, reload, stall, semi');
      expect(stderr).not.toContain('[bench]');
    } finally {
      clearTimeout(timer);
      killGroup();
    }
  }, 30_000);
});
