/**
 * The command line of `npm run bench` (run.ts), parsed without side effects so that it can be tested
 * without starting anything: {@link parseBenchArgs} returns the settings, `help`, or throws a
 * {@link BenchUsageError} saying what is wrong.
 */
import { parseArgs } from 'node:util';

/** The parts of a run that --skip can leave out. */
export const SKIPPABLE = ['fresh', 'floor', 'jwt', 'reload', 'stall', 'semi'] as const;

export const USAGE = `Usage: npm run bench -- [options]        (or: node scripts/bench/run.ts [options])

Load benchmark of the CDS service against a bare Node HTTP server (the floor); see docs/benchmark.md.

Options:
  --quick                  shorter warm-up and runs, one timed start of each kind (about 2.5 minutes instead of 6)
  --workers <n,n,...>      worker counts to measure, each a whole number from 1 to 64 (default 1,2)
  --skip <name,...>        leave out parts of the run: ${SKIPPABLE.join(', ')}
  --duration <seconds>     length of each saturation run (default 8, 4 with --quick)
  --connections <n,n,...>  connections of the saturation runs (default 8,32,96, 16,64 with --quick)
  --corpus-size <n>        requests in the corpus (default 90)
  --node-flags="<flags>"   extra Node or V8 flags for every service process, after npm start's own
                           (experiments: compare runs with and without; printed and saved with the results)
  -h, --help               this help
`;

export interface BenchArgs {
  readonly quick: boolean;
  readonly workers: readonly number[];
  readonly skip: ReadonlySet<string>;
  /** Seconds per saturation run. */
  readonly durationS: number;
  readonly connections: readonly number[];
  readonly corpusSize: number;
  readonly nodeFlags: readonly string[];
}

export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

/**
 * Flags that would run other code in the service, open a debugger port, or make it exit instead of
 * serving: an experiment is about how the service runs, not what it runs. Matched on the flag's name
 * with `_` read as `-` (Node accepts both): whole names, and for a few, every flag that starts with them.
 */
const REFUSED_NAME = new Set([
  'eval',
  'print',
  'require',
  'import',
  'loader',
  'experimental-loader',
  'version',
  'help',
  'v8-options',
  'check',
  'run',
  'interactive',
  'input-type',
  'experimental-default-type',
  'build-snapshot',
  'snapshot-blob',
  'prof-process',
  'completion-bash',
  'experimental-sea-config',
]);
const REFUSED_PREFIX = ['inspect', 'debug-port', 'test', 'watch', 'env-file'];

function refused(flag: string): boolean {
  const name = flag.slice(2).split('=')[0]!.replaceAll('_', '-').toLowerCase();
  return REFUSED_NAME.has(name) || REFUSED_PREFIX.some((p) => name === p || name.startsWith(`${p}-`));
}

/**
 * @param argv - The arguments after the script (process.argv.slice(2)).
 * @returns The settings, or `'help'` when the usage was asked for.
 * @throws BenchUsageError when an option is unknown or its value is not what it takes.
 */
export function parseBenchArgs(argv: readonly string[]): BenchArgs | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        quick: { type: 'boolean', default: false },
        workers: { type: 'string', default: '1,2' },
        skip: { type: 'string', default: '' },
        duration: { type: 'string' },
        connections: { type: 'string' },
        'corpus-size': { type: 'string', default: '90' },
        'node-flags': { type: 'string', default: '' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new BenchUsageError((err as Error).message);
  }
  if (values.help === true) {
    return 'help';
  }
  const quick = values.quick === true;
  const skip = String(values.skip ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = skip.filter((s) => !(SKIPPABLE as readonly string[]).includes(s));
  if (unknown.length > 0) {
    throw new BenchUsageError(`--skip does not know ${unknown.map((u) => `"${u}"`).join(', ')}; it takes ${SKIPPABLE.join(', ')}.`);
  }
  return {
    quick,
    workers: wholeNumbers('workers', String(values.workers), 64),
    skip: new Set(skip),
    durationS: values.duration === undefined ? (quick ? 4 : 8) : wholeNumber('duration', String(values.duration), 3600),
    connections: values.connections === undefined ? (quick ? [16, 64] : [8, 32, 96]) : wholeNumbers('connections', String(values.connections), 10_000),
    corpusSize: wholeNumber('corpus-size', String(values['corpus-size']), 100_000),
    nodeFlags: nodeFlags(String(values['node-flags'] ?? '')),
  };
}

function isWhole(value: string, max: number): boolean {
  return /^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= max;
}

function wholeNumbers(name: string, value: string, max: number): number[] {
  const list = value.split(',').map((v) => v.trim());
  if (!list.every((v) => isWhole(v, max))) {
    throw new BenchUsageError(`--${name} takes whole numbers from 1 to ${max}, separated by commas; got "${value}".`);
  }
  return list.map(Number);
}

function wholeNumber(name: string, value: string, max: number): number {
  if (!isWhole(value.trim(), max)) {
    throw new BenchUsageError(`--${name} takes one whole number from 1 to ${max}; got "${value}".`);
  }
  return Number(value.trim());
}

/** `--node-flags`: long flags only, none of the {@link refused} ones. */
function nodeFlags(value: string): string[] {
  const flags = value.split(/\s+/).filter(Boolean);
  const bad = flags.find((f) => !/^--[a-z0-9][a-z0-9_-]*(=[^\s]*)?$/i.test(f));
  if (bad !== undefined) {
    throw new BenchUsageError(`--node-flags takes flags such as "--single-threaded-gc", separated by spaces; "${bad}" is not one.`);
  }
  const unsafe = flags.find(refused);
  if (unsafe !== undefined) {
    throw new BenchUsageError(`--node-flags does not take ${unsafe}: it would run other code, open a debugger or stop the service instead of changing how it runs.`);
  }
  return flags;
}
