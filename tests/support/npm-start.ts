// The `start` script of package.json, for tests that start the service (or a piece of it) the way
// `npm start` does.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface NpmStartCommand {
  /** Leading environment assignments: `NAME=value`, or `NAME=${NAME:-default}` (keeps a value already set). */
  readonly env: Record<string, string>;
  /** The `node` arguments: flags, then the entry file. */
  readonly nodeArgs: readonly string[];
  /** The `node` flags alone (the arguments before the entry file). */
  readonly nodeFlags: readonly string[];
}

/** Parses `scripts.start`; throws when it is not `[NAME=value ...] node [flags] entry`. */
export function npmStartCommand(): NpmStartCommand {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words.length > 0) {
    const assignment = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(words[0]!);
    if (!assignment) break;
    const [, name, value] = assignment as unknown as [string, string, string];
    const fallback = /^\$\{([A-Z_][A-Z0-9_]*):-(.*)\}$/.exec(value);
    env[name] = fallback && fallback[1] === name ? (process.env[name] ?? fallback[2]!) : value;
    words.shift();
  }
  const [command, ...nodeArgs] = words;
  if (command !== 'node' || nodeArgs.length === 0) throw new Error(`unexpected start script: ${pkg.scripts.start}`);
  return { env, nodeArgs, nodeFlags: nodeArgs.slice(0, -1) };
}
