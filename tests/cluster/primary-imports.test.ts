// The cluster primary (src/primary-main.ts) must start without the modules only workers use: loading
// them made the primary's heap twice as large and its start-up took CPU from the workers starting beside
// it (docs/benchmark.md). This walks the static and dynamic imports from each entry, as Node would load
// them (type-only imports are erased), and checks which packages each can reach.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** Module specifiers a file loads at run time: `import ... from`, `export ... from`, `import '...'`, `import('...')`; not `import type`. */
function runtimeSpecifiers(source: string): string[] {
  const out: string[] = [];
  const patterns = [
    /^\s*import\s+(?!type\s)[^'"]*?from\s+['"]([^'"]+)['"]/gm,
    /^\s*import\s+['"]([^'"]+)['"]/gm,
    /^\s*export\s+(?!type\s)[^'"]*?from\s+['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) out.push(match[1]!);
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
    for (const spec of runtimeSpecifiers(readFileSync(file, 'utf8'))) {
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
  it('reaches the store, the cluster and the logger, and none of the packages only workers use', () => {
    const primary = reachable('primary-main.ts');
    expect([...primary.packages].sort()).toEqual(expect.arrayContaining(['@electric-sql/pglite', 'pino']));
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
