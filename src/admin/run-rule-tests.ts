/**
 * Runs a rule's own test cases (the `tests` list of rules/<id>.json): each fixture, a CDS Hooks
 * request under fixtures/, goes through handleOrderHook exactly as the CDS endpoint would handle
 * it, and the rule's cards (source.topic.code = rule id) must be one card at the expected
 * indicator, or none for "silent".
 *
 * - Time is fixed at 2026-11-21T12:00:00Z: the fixtures' ages, dates and dose windows assume it.
 * - The rule under test is evaluated as active even when its file says "disabled", so an editor can
 *   test a rule before switching it on. The other rules of the set keep their status (a replacing
 *   rule still replaces).
 * - No FHIR server is ever called: fixtures carry their data in prefetch.
 * - No store: snoozes never hide a card in a test.
 * - At most RULE_TEST_CONCURRENCY cases run at once, and each fixture is read once per run: the schema
 *   caps a rule at 200 cases, but all cases started together opened one file each and ran one hook call
 *   each (55,000 copies of one case, sent by a viewer to /admin/api/test: EMFILE, 800 MB more memory and
 *   hook calls stalled for 18 s).
 *
 * Used by the admin API (before every create/update/rollback) and by `npm run rules -- test`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { factsReadByActiveRules } from '../engine/index.ts';
import type { RuleSet } from '../engine/index.ts';
import { handleOrderHook } from '../protocol/index.ts';
import type { HookDeps, ServiceDefinition } from '../protocol/index.ts';
import type { FetchLike } from '../patient/index.ts';
import { mapBounded } from '../shared/index.ts';

/** The date the fixtures were written for. */
export const RULE_TEST_NOW = new Date('2026-11-21T12:00:00Z');

export interface RuleTestResult {
  /** Position in the rule's `tests` list (JSON pointer /tests/<index>). */
  readonly index: number;
  readonly fixture: string;
  readonly expect: string;
  /** "silent", the indicator of the one card, several indicators joined by "+", or "error". */
  readonly got: string;
  readonly pass: boolean;
  readonly note?: string;
  /** Why the case could not run (fixture missing, request invalid...). */
  readonly error?: string;
}

export interface RuleTestReport {
  readonly ruleId: string;
  readonly ok: boolean;
  readonly results: readonly RuleTestResult[];
}

export interface RuleTestOptions {
  readonly services: readonly ServiceDefinition[];
  readonly fixturesDir: string;
  readonly fhir: HookDeps['fhir'];
  readonly now?: Date;
}

/** A fetch that refuses: rule tests, dry runs and explanations never reach a FHIR server. */
export const offlineFetch: FetchLike = async () => {
  throw new Error('FHIR server calls are disabled here (prefetch only)');
};

const FIXTURE_PATH = /^[a-z0-9][a-z0-9/_.-]*\.json$/;

/** How many of a rule's cases run at once (each one reads a fixture and runs a whole hook call). */
export const RULE_TEST_CONCURRENCY = 8;

/**
 * Resolves a fixture path under the fixtures folder, refusing anything that could leave it.
 * @param fixturesDir - The fixtures folder.
 * @param relative - e.g. "rules/opioid-benzodiazepine/percocet-brand-with-active-xanax.json".
 * @returns The absolute path, or undefined when the name is not an acceptable fixture path.
 */
export function fixturePath(fixturesDir: string, relative: string): string | undefined {
  if (!FIXTURE_PATH.test(relative) || relative.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    return undefined;
  }
  const full = path.resolve(fixturesDir, relative);
  return full.startsWith(path.resolve(fixturesDir) + path.sep) ? full : undefined;
}

/**
 * A fixture as read: the parsed request, or why there is none. `serverFault` marks a read that failed
 * on the server's side (too many open files, a permission, a disk error): not the rule's mistake, and it
 * must not be reported as a missing fixture (an editor would go looking for a file that is there).
 */
export type FixtureRead = { ok: true; value: unknown } | { ok: false; error: string; serverFault?: true };

/** A fixture's text as read from disk, or a failed FixtureRead. */
type FixtureText = { ok: true; text: string } | Extract<FixtureRead, { ok: false }>;

async function readFixtureText(fixturesDir: string, relative: string): Promise<FixtureText> {
  const full = fixturePath(fixturesDir, relative);
  if (!full) {
    return { ok: false, error: `"${relative}" is not a fixture path (lower-case path under fixtures/ ending in .json)` };
  }
  try {
    return { ok: true, text: await readFile(full, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return { ok: false, error: `fixture "${relative}" not found under fixtures/` };
    }
    if (code === 'EISDIR') {
      return { ok: false, error: `fixture "${relative}" is a folder, not a file` };
    }
    // The code only: the message would show the server's path.
    return { ok: false, serverFault: true, error: `fixture "${relative}" could not be read on the server (${code ?? (err as Error).name}); this is not a problem with the rule: try again` };
  }
}

function parseFixture(relative: string, read: FixtureText): FixtureRead {
  if (!read.ok) {
    return read;
  }
  try {
    return { ok: true, value: JSON.parse(read.text) as unknown };
  } catch (err) {
    return { ok: false, error: `fixture "${relative}" is not valid JSON: ${(err as Error).message}` };
  }
}

/**
 * Reads a fixture.
 * @returns The parsed request, or an error message naming the fixture.
 */
export async function readFixture(fixturesDir: string, relative: string): Promise<FixtureRead> {
  return parseFixture(relative, await readFixtureText(fixturesDir, relative));
}

/**
 * A fixture reader that reads each fixture file once, however many cases name it (one run, one
 * validation). Each call parses its own copy, so a case can never see another case's request.
 * @param fixturesDir - The fixtures folder.
 */
export function fixtureReader(fixturesDir: string): (relative: string) => Promise<FixtureRead> {
  const texts = new Map<string, Promise<FixtureText>>();
  return async (relative) => {
    let text = texts.get(relative);
    if (!text) {
      text = readFixtureText(fixturesDir, relative);
      texts.set(relative, text);
    }
    return parseFixture(relative, await text);
  };
}

/**
 * The service a request is meant for, by its hook.
 * @returns The first service for that hook, or undefined.
 */
export function serviceForRequest(services: readonly ServiceDefinition[], body: unknown): ServiceDefinition | undefined {
  const hook = body && typeof body === 'object' ? (body as { hook?: unknown }).hook : undefined;
  return services.find((s) => s.hook === hook);
}

/**
 * The set with one rule forced active (for testing a disabled rule), the facts its active rules read included
 * (a case's "check incomplete" card lists what the rule under test cannot establish, as it will when switched on).
 */
export function withRuleActive(ruleSet: RuleSet, ruleId: string): RuleSet {
  if (!ruleSet.rules.some((r) => r.id === ruleId && r.status !== 'active')) {
    return ruleSet;
  }
  const engineRules = ruleSet.engineRules.map((r) => (r.ruleId === ruleId ? { ...r, active: true } : r));
  return {
    ...ruleSet,
    rules: ruleSet.rules.map((r) => (r.id === ruleId ? { ...r, status: 'active' as const } : r)),
    engineRules,
    factsRead: factsReadByActiveRules(engineRules),
  };
}

/**
 * Runs every test case of one rule.
 * @param ruleId - The rule, which must be in `ruleSet`.
 * @param ruleSet - The set to evaluate with (the serving set, or the serving set plus a draft).
 * @param options - Services, fixtures folder, FHIR settings, time.
 * @returns One result per case; `ok` when all pass (a rule without cases passes).
 */
export async function runRuleTests(ruleId: string, ruleSet: RuleSet, options: RuleTestOptions): Promise<RuleTestReport> {
  const rule = ruleSet.rules.find((r) => r.id === ruleId);
  if (!rule) {
    throw new Error(`rule "${ruleId}" is not in the rule set`);
  }
  const set = withRuleActive(ruleSet, ruleId);
  const now = options.now ?? RULE_TEST_NOW;
  const read = fixtureReader(options.fixturesDir);
  const results = await mapBounded(
    rule.tests ?? [],
    RULE_TEST_CONCURRENCY,
    async (testCase, index): Promise<RuleTestResult> => {
      const base = { index, fixture: testCase.fixture, expect: testCase.expect, ...(testCase.note ? { note: testCase.note } : {}) };
      const fixture = await read(testCase.fixture);
      if (!fixture.ok) {
        return { ...base, got: 'error', pass: false, error: fixture.error };
      }
      const service = serviceForRequest(options.services, fixture.value);
      if (!service) {
        return { ...base, got: 'error', pass: false, error: `fixture "${testCase.fixture}": no service for its hook` };
      }
      try {
        const outcome = await handleOrderHook(service, fixture.value, { ruleSet: () => set, fhir: options.fhir, fetch: offlineFetch, now: () => now });
        if (outcome.failedRules.includes(ruleId)) {
          // The rule threw: the clinician would get "check incomplete", not this rule's answer. Never a pass,
          // even for a case that expects silence.
          return { ...base, got: 'error', pass: false, error: `fixture "${testCase.fixture}": the rule could not be evaluated (the clinician would be told the check is incomplete)` };
        }
        if (outcome.checkError) {
          // The whole check stopped (the clinician would get only "check incomplete"): never a pass either.
          return { ...base, got: 'error', pass: false, error: `fixture "${testCase.fixture}": the check stopped with an error: ${outcome.checkError.message.slice(0, 300)}` };
        }
        const indicators = outcome.response.cards.filter((c) => c.source.topic?.code === ruleId).map((c) => c.indicator);
        const got = indicators.length === 0 ? 'silent' : indicators.join('+');
        return { ...base, got, pass: got === testCase.expect };
      } catch (err) {
        const text = (err as { outcome?: { issue?: { details?: { text?: string } }[] } }).outcome?.issue?.[0]?.details?.text ?? (err as Error).message;
        return { ...base, got: 'error', pass: false, error: `fixture "${testCase.fixture}": ${text}` };
      }
    }
  );
  return { ruleId, ok: results.every((r) => r.pass), results };
}
