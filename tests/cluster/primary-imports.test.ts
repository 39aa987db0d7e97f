// The cluster primary (src/primary-main.ts) must start without the modules only workers use: loading
// them made the primary's heap twice as large and its start-up took CPU from the workers starting beside
// it (docs/benchmark.md). This follows every module each entry loads, as Node would: TypeScript's types
// are stripped with Node's own stripper (so `import type` is gone, as at run time), then es-module-lexer
// finds the static and dynamic imports; `require('...')` calls are followed too. An import it cannot
// follow (a computed specifier) fails the test rather than being skipped.
import { readFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { init, parse } from 'es-module-lexer';
import { beforeAll, describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** Module specifiers a file loads at run time; throws on one that cannot be read from the source. */
function runtimeSpecifiers(file: string): string[] {
  const code = stripTypeScriptTypes(readFileSync(file, 'utf8'));
  const [imports] = parse(code, file);
  const out: string[] = [];
  for (const entry of imports) {
    if (entry.d === -2) continue; // import.meta, not an import
    if (entry.n === undefined) {
      throw new Error(`${path.relative(SRC, file)}: an import whose module is computed at run time (${code.slice(entry.ss, entry.se)}); the walk cannot follow it`);
    }
    out.push(entry.n);
  }
  // CommonJS loads through createRequire: followed when the module is a literal, refused otherwise.
  for (const call of code.matchAll(/\brequire\s*\(\s*([^)]*?)\s*\)/g)) {
    const literal = /^(['"])([^'"]+)\1$/.exec(call[1]!);
    if (!literal) {
      throw new Error(`${path.relative(SRC, file)}: ${call[0]} loads a module the walk cannot follow`);
    }
    out.push(literal[2]!);
  }
  return out;
}

/** Every project file and package reachable from an entry file. */
function reachable(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const stack = [path.join(SRC, entry)];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of runtimeSpecifiers(file)) {
      if (spec.startsWith('.')) {
        stack.push(path.resolve(path.dirname(file), spec));
      } else if (!spec.startsWith('node:')) {
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
  }
  return { files, packages };
}

const WORKER_ONLY_PACKAGES = ['express', '@medplum/core', 'json-rules-engine', 'ajv', 'jose', 'prom-client', 'helmet'];

describe('what the cluster primary loads', () => {
  beforeAll(async () => {
    await init;
  });

  it('reaches the store, the cluster and the logger, and none of the packages only workers use', () => {
    const primary = reachable('primary-main.ts');
    expect([...primary.packages]).toEqual(expect.arrayContaining(['@electric-sql/pglite', 'pino']));
    expect([...primary.packages].filter((p) => WORKER_ONLY_PACKAGES.includes(p))).toEqual([]);
    const folders = new Set([...primary.files].map((f) => path.relative(SRC, f).split(path.sep)[0]));
    for (const workerOnly of ['server', 'engine', 'facts', 'terminology', 'patient', 'cards', 'protocol', 'admin']) {
      expect(folders.has(workerOnly), `src/${workerOnly} is reachable from src/primary-main.ts`).toBe(false);
    }
  });

  it('the walk finds them from main.ts (the service), so the check above can fail', () => {
    const service = reachable('main.ts');
    expect([...service.packages]).toEqual(expect.arrayContaining(['express', '@medplum/core', 'json-rules-engine', 'jose', 'prom-client']));
  });

  it('start.ts loads either root, by role', () => {
    const start = reachable('start.ts');
    expect(start.files).toContain(path.join(SRC, 'primary-main.ts'));
    expect(start.files).toContain(path.join(SRC, 'main.ts'));
  });
});
