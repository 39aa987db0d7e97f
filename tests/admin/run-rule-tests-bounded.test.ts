/**
 * A rule's test cases run a few at a time, each fixture is read once per run, and a fixture the
 * server cannot read (EMFILE) is reported as that, not as missing. All cases used to start at once:
 * 55,000 copies of one case sent by a viewer opened a file each (EMFILE), and the EMFILE came back as
 * "fixture not found". fs.promises.readFile is wrapped here to count the reads of fixture files.
 */
import path from 'node:path';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runRuleTests } from '../../src/admin/run-rule-tests.ts';
import { testConfig } from '../../src/config/index.ts';
import { buildRuleSet, readRuleSources } from '../../src/engine/index.ts';
import type { RuleSet } from '../../src/engine/index.ts';
import type { RuleDefinition } from '../../src/engine/types.ts';
import { loadServiceDefinitions } from '../../src/protocol/index.ts';
import type { ServiceDefinition } from '../../src/protocol/index.ts';
import { ROOT } from './helpers.ts';

const io = vi.hoisted(() => ({ fixturesDir: '', inFlight: 0, peak: 0, reads: new Map<string, number>(), failWith: new Map<string, string>() }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const readFile = (async (file: unknown, ...rest: unknown[]) => {
    const name = String(file);
    if (io.fixturesDir === '' || !name.startsWith(io.fixturesDir)) {
      return (actual.readFile as (...args: unknown[]) => Promise<unknown>)(file, ...rest);
    }
    io.reads.set(name, (io.reads.get(name) ?? 0) + 1);
    io.inFlight += 1;
    io.peak = Math.max(io.peak, io.inFlight);
    try {
      // A read that takes a moment, so reads started together overlap.
      await new Promise((resolve) => setTimeout(resolve, 5));
      const code = io.failWith.get(name);
      if (code) {
        throw Object.assign(new Error(`${code}: simulated, open '${name}'`), { code });
      }
      return await (actual.readFile as (...args: unknown[]) => Promise<unknown>)(file, ...rest);
    } finally {
      io.inFlight -= 1;
    }
  }) as typeof actual.readFile;
  return { ...actual, readFile, default: { ...actual, readFile } };
});

const FIXTURES = path.join(ROOT, 'fixtures');
const RULE = 'opioid-benzodiazepine';
const FIXTURE = 'order-sign/opioid-draft-with-active-benzodiazepine.json';
const config = testConfig();

describe('runRuleTests bounds its work', () => {
  let set: RuleSet;
  let services: ServiceDefinition[];
  beforeAll(async () => {
    const built = buildRuleSet(await readRuleSources(path.join(ROOT, 'rules')));
    if (!built.ok) {
      throw new Error(built.errors.join('\n'));
    }
    set = built.value;
    const defs = await loadServiceDefinitions(config.servicesDir);
    if (!defs.ok) {
      throw new Error(defs.errors.join('\n'));
    }
    services = defs.value;
    io.fixturesDir = FIXTURES + path.sep;
  });
  beforeEach(() => {
    io.inFlight = 0;
    io.peak = 0;
    io.reads.clear();
    io.failWith.clear();
  });

  /** The set with the rule's cases replaced (past the schema's limit: the runner must bound its work on its own). */
  function withTests(tests: RuleDefinition['tests']): RuleSet {
    return { ...set, rules: set.rules.map((r) => (r.id === RULE ? { ...r, tests } : r)) };
  }

  it('reads a fixture named by 500 cases once, and every case still gets its result', async () => {
    const report = await runRuleTests(RULE, withTests(Array.from({ length: 500 }, () => ({ fixture: FIXTURE, expect: 'warning' as const }))), {
      services,
      fixturesDir: FIXTURES,
      fhir: config.fhir,
    });
    expect(report.results).toHaveLength(500);
    expect(report.ok).toBe(true);
    expect([...io.reads.values()]).toEqual([1]);
  });

  it('reads at most 8 fixtures at once', async () => {
    const tests = Array.from({ length: 60 }, (_, i) => ({ fixture: `rules/none/missing-${i}.json`, expect: 'silent' as const }));
    const report = await runRuleTests(RULE, withTests(tests), { services, fixturesDir: FIXTURES, fhir: config.fhir });
    expect(report.results.map((r) => r.index)).toEqual(tests.map((_, i) => i));
    expect(report.results.every((r) => r.error === `fixture "rules/none/missing-${r.index}.json" not found under fixtures/`)).toBe(true);
    expect(io.reads.size).toBe(60);
    expect(io.peak).toBeGreaterThan(1);
    expect(io.peak).toBeLessThanOrEqual(8);
  });

  it('reports a fixture the server cannot read (EMFILE) as such, never as "not found"', async () => {
    io.failWith.set(path.join(FIXTURES, FIXTURE), 'EMFILE');
    const report = await runRuleTests(RULE, withTests([{ fixture: FIXTURE, expect: 'warning' }]), { services, fixturesDir: FIXTURES, fhir: config.fhir });
    const [result] = report.results;
    expect(result).toMatchObject({ got: 'error', pass: false });
    expect(result?.error).toContain('EMFILE');
    expect(result?.error).not.toContain('not found');
    expect(result?.error).not.toContain(FIXTURES); // the server's path stays on the server
  });
});
