/**
 * The rules tool for clinical informaticists: `npm run rules -- <command>`.
 *
 *   validate                 every rule file: schema, facts, parameters, placeholders, value sets,
 *                            duplicate ids, `replaces` targets, fixture files named by tests
 *   test [<rule-id>...]      every rule's own test cases (or the named rules'), as a table
 *   explain <request.json>   which rules fired for each draft order, and why (condition trees)
 *
 * Options: --rules-dir <dir> (default rules/ or RULES_DIR), --fixtures-dir <dir>, --services-dir <dir>,
 * --at <ISO date-time> (explain: evaluation time), --only-fired (explain), --json.
 *
 * Exit status: 0 when everything passes, 1 on any failure, 2 on a usage error. Messages name the
 * file and the JSON pointer of each problem.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RULE_TEST_NOW, offlineFetch, readFixture, runRuleTests, serviceForRequest } from '../src/admin/run-rule-tests.ts';
import type { RuleTestResult } from '../src/admin/run-rule-tests.ts';
import { buildRuleSet, readRuleSources } from '../src/engine/index.ts';
import type { RuleSet } from '../src/engine/index.ts';
import { explainRequest, formatExplanation } from '../src/engine/explain.ts';
import { loadServiceDefinitions } from '../src/protocol/index.ts';
import type { ServiceDefinition } from '../src/protocol/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FHIR = { budgetMs: 2500, requestTimeoutMs: 1500, maxPages: 5, allowedServers: [] as string[] };

const USAGE = `Usage: npm run rules -- <command> [options]

Commands:
  validate                 check every rule file (schema, facts, parameters, value sets, duplicate ids,
                           "replaces" targets, fixture files referenced by tests)
  test [<rule-id>...]      run every rule's test cases (or only the named rules') and print a table
  explain <request.json>   show, for each draft order, which rules fired and each condition's fact value

Options:
  --rules-dir <dir>        rules folder (default: $RULES_DIR or rules/)
  --fixtures-dir <dir>     fixtures folder (default: fixtures/)
  --services-dir <dir>     CDS service definitions (default: cds-hooks/)
  --at <date-time>         explain: evaluation time (default: 2026-11-21T12:00:00Z for files under fixtures/, else now)
  --only-fired             explain: show condition trees only for rules that fired
  --json                   machine-readable output
  -h, --help               this help
`;

interface Options {
  readonly rulesDir: string;
  readonly fixturesDir: string;
  readonly servicesDir: string;
  readonly json: boolean;
}

function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function fail(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Loads and validates the folder; returns the set or prints every error. */
async function loadSet(options: Options): Promise<{ set?: RuleSet; errors: string[] }> {
  if (!existsSync(options.rulesDir)) {
    return { errors: [`${options.rulesDir}: no such folder`] };
  }
  const sources = await readRuleSources(options.rulesDir);
  if (sources.rules.length === 0 && !sources.notFiles) {
    return { errors: [`${options.rulesDir}: no rule files (*.json)`] };
  }
  const built = buildRuleSet(sources);
  return built.ok ? { set: built.value, errors: [] } : { errors: built.errors };
}

/** Fixture files named by each rule's tests must exist (checked per file, even when other files are broken). */
async function missingFixtures(options: Options): Promise<string[]> {
  const sources = await readRuleSources(options.rulesDir);
  const problems: string[] = [];
  for (const file of sources.rules) {
    let rule: { tests?: unknown };
    try {
      rule = JSON.parse(file.text) as { tests?: unknown };
    } catch {
      continue; // reported by validation
    }
    if (!Array.isArray(rule.tests)) {
      continue;
    }
    for (const [i, testCase] of rule.tests.entries()) {
      const fixture = (testCase as { fixture?: unknown } | null)?.fixture;
      if (typeof fixture !== 'string') {
        continue;
      }
      const read = await readFixture(options.fixturesDir, fixture);
      if (!read.ok) {
        problems.push(`${file.name}: /tests/${i}/fixture: ${read.error}`);
      }
    }
  }
  return problems;
}

async function validate(options: Options): Promise<number> {
  const { set, errors } = await loadSet(options);
  const problems = [...errors, ...(existsSync(options.rulesDir) ? await missingFixtures(options) : [])];
  if (options.json) {
    print(JSON.stringify({ ok: problems.length === 0, ruleSetVersion: set?.version, rules: set?.rules.length, errors: problems }, null, 2));
    return problems.length === 0 ? 0 : 1;
  }
  if (problems.length > 0) {
    fail(`✗ ${options.rulesDir}: ${problems.length} problem(s); the service would refuse this rule set and keep serving the previous one:`);
    for (const problem of problems) {
      fail(`  ${problem}`);
    }
    return 1;
  }
  print(`✓ ${set?.rules.length ?? 0} rules valid (rule set version ${set?.version ?? '?'}) in ${options.rulesDir}`);
  return 0;
}

async function services(options: Options): Promise<ServiceDefinition[]> {
  const result = await loadServiceDefinitions(options.servicesDir);
  if (!result.ok) {
    throw new Error(`${options.servicesDir}: ${result.errors.join('; ')}`);
  }
  return result.value;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

async function test(options: Options, only: readonly string[]): Promise<number> {
  const { set, errors } = await loadSet(options);
  if (!set) {
    fail(`✗ ${options.rulesDir} is not a valid rule set, so its tests cannot run (npm run rules -- validate):`);
    for (const e of errors) {
      fail(`  ${e}`);
    }
    return 1;
  }
  const unknown = only.filter((id) => !set.rules.some((r) => r.id === id));
  if (unknown.length > 0) {
    fail(`✗ no rule with id ${unknown.map((u) => `"${u}"`).join(', ')} in ${options.rulesDir}`);
    return 1;
  }
  const defs = await services(options);
  const rules = set.rules.filter((r) => only.length === 0 || only.includes(r.id));
  const rows: { ruleId: string; result: RuleTestResult }[] = [];
  const withoutTests: string[] = [];
  for (const rule of rules) {
    const report = await runRuleTests(rule.id, set, { services: defs, fixturesDir: options.fixturesDir, fhir: FHIR });
    if (report.results.length === 0) {
      withoutTests.push(rule.id);
    }
    rows.push(...report.results.map((result) => ({ ruleId: rule.id, result })));
  }
  const failed = rows.filter((r) => !r.result.pass);
  if (options.json) {
    print(JSON.stringify({ ok: failed.length === 0, ruleSetVersion: set.version, cases: rows.length, failed: failed.length, results: rows }, null, 2));
    return failed.length === 0 ? 0 : 1;
  }
  const widths = {
    rule: Math.max(4, ...rows.map((r) => r.ruleId.length)),
    fixture: Math.max(7, ...rows.map((r) => r.result.fixture.length)),
  };
  print(`${pad('RULE', widths.rule)}  ${pad('FIXTURE', widths.fixture)}  ${pad('EXPECT', 8)}  ${pad('GOT', 8)}  RESULT`);
  for (const { ruleId, result } of rows) {
    print(`${pad(ruleId, widths.rule)}  ${pad(result.fixture, widths.fixture)}  ${pad(result.expect, 8)}  ${pad(result.got, 8)}  ${result.pass ? 'pass' : 'FAIL'}`);
  }
  print();
  for (const id of withoutTests) {
    print(`! ${id}.json has no test cases`);
  }
  if (failed.length > 0) {
    fail(`✗ ${failed.length} of ${rows.length} test case(s) failed (rule set version ${set.version}, time fixed at ${RULE_TEST_NOW.toISOString()}):`);
    for (const { ruleId, result } of failed) {
      fail(`  ${ruleId}.json: /tests/${result.index}: ${result.error ?? `${result.fixture}: expected ${result.expect}, got ${result.got}`}`);
    }
    return 1;
  }
  print(`✓ ${rows.length} test case(s) passed in ${rules.length} rule(s) (rule set version ${set.version})`);
  return 0;
}

async function explain(options: Options, file: string | undefined, at: string | undefined, onlyFired: boolean): Promise<number> {
  if (!file) {
    fail('explain needs a request file: npm run rules -- explain <request.json>');
    return 2;
  }
  // A path relative to the current folder, or to the fixtures folder.
  const candidates = [path.resolve(file), path.resolve(options.fixturesDir, file)];
  const full = candidates.find((c) => existsSync(c));
  if (!full) {
    fail(`✗ ${file}: no such file (looked in the current folder and in ${options.fixturesDir})`);
    return 1;
  }
  let body: unknown;
  try {
    body = JSON.parse(readFileSync(full, 'utf8')) as unknown;
  } catch (err) {
    fail(`✗ ${file}: not valid JSON: ${(err as Error).message}`);
    return 1;
  }
  const { set, errors } = await loadSet(options);
  if (!set) {
    fail(`✗ ${options.rulesDir} is not a valid rule set (npm run rules -- validate):`);
    for (const e of errors) {
      fail(`  ${e}`);
    }
    return 1;
  }
  const service = serviceForRequest(await services(options), body);
  if (!service) {
    fail(`✗ ${file}: /hook: must be order-sign or order-select`);
    return 1;
  }
  const inFixtures = full.startsWith(path.resolve(options.fixturesDir) + path.sep);
  const when = at ? new Date(at) : inFixtures ? RULE_TEST_NOW : new Date();
  if (Number.isNaN(when.getTime())) {
    fail(`✗ --at ${at}: not a date-time`);
    return 2;
  }
  try {
    const explanation = await explainRequest(service, body, { ruleSet: set, fhir: FHIR, fetch: offlineFetch, now: when });
    print(options.json ? JSON.stringify(explanation, null, 2) : formatExplanation(explanation, { onlyFired }));
    return 0;
  } catch (err) {
    const issues = (err as { outcome?: { issue?: { details?: { text?: string } }[] } }).outcome?.issue;
    fail(`✗ ${file}: ${issues?.map((i) => i.details?.text).join('; ') ?? (err as Error).message}`);
    return 1;
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        'rules-dir': { type: 'string' },
        'fixtures-dir': { type: 'string' },
        'services-dir': { type: 'string' },
        at: { type: 'string' },
        'only-fired': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    fail(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || !command) {
    (parsed.values.help ? print : fail)(USAGE);
    return parsed.values.help ? 0 : 2;
  }
  const options: Options = {
    rulesDir: path.resolve(parsed.values['rules-dir'] ?? (process.env.RULES_DIR?.trim() || path.join(ROOT, 'rules'))),
    fixturesDir: path.resolve(parsed.values['fixtures-dir'] ?? path.join(ROOT, 'fixtures')),
    servicesDir: path.resolve(parsed.values['services-dir'] ?? path.join(ROOT, 'cds-hooks')),
    json: parsed.values.json,
  };
  switch (command) {
    case 'validate':
      return validate(options);
    case 'test':
      return test(options, rest);
    case 'explain':
      return explain(options, rest[0], parsed.values.at, parsed.values['only-fired']);
    default:
      fail(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
