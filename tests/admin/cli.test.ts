/**
 * `npm run rules -- <command>` (scripts/rules.ts) as a subprocess, against the shipped catalogue and
 * against a temporary copy of rules/ with mistakes in it (--rules-dir).
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, copyRules } from './helpers.ts';

const run = promisify(execFile);
const CLI = path.join(ROOT, 'scripts', 'rules.ts');
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function rules(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, RULES_DIR: '' }, maxBuffer: 10 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function tempCopy(): string {
  const dir = copyRules();
  dirs.push(dir);
  return dir;
}

function edit(dir: string, id: string, mutate: (rule: any) => void): void {
  const file = path.join(dir, `${id}.json`);
  const rule = JSON.parse(readFileSync(file, 'utf8'));
  mutate(rule);
  writeFileSync(file, `${JSON.stringify(rule, null, 2)}\n`);
}

describe('npm run rules -- validate', () => {
  it('passes on the shipped catalogue', async () => {
    const res = await rules('validate');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^✓ \d+ rules valid \(rule set version [0-9a-f]{12}\)/);
  });

  it('fails with the file and JSON pointer of every problem', async () => {
    const dir = tempCopy();
    edit(dir, 'benzodiazepine-long-term', (r) => {
      r.card.sumary = r.card.summary;
      r.conditions.all[0].fact = 'orderClass';
      r.tests[1].fixture = 'rules/benzodiazepine-long-term/no-such-fixture.json';
    });
    edit(dir, 'opioid-high-mme', (r) => {
      r.replaces = ['no-such-rule'];
      r.escalations[0].conditions.all = [{ fact: 'totalMme', operator: 'greaterThanInclusive', value: '$param:warningThreshol' }];
    });
    writeFileSync(path.join(dir, 'typo.json'), '{ "id": "typo", }');
    const res = await rules('validate', '--rules-dir', dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('the service would refuse this rule set and keep serving the previous one');
    expect(res.stderr).toContain('benzodiazepine-long-term.json: /card: unknown field "sumary" (check the spelling)');
    expect(res.stderr).toContain('benzodiazepine-long-term.json: /tests/1/fixture: fixture "rules/benzodiazepine-long-term/no-such-fixture.json" not found under fixtures/');
    expect(res.stderr).toContain('opioid-high-mme.json: /replaces: no rule with id "no-such-rule"');
    expect(res.stderr).toContain('opioid-high-mme.json: /escalations/0/conditions: "$param:warningThreshol" names no entry in "parameters"');
    expect(res.stderr).toMatch(/typo\.json: not valid JSON/);
  });

  it('reports unknown facts once the schema passes', async () => {
    const dir = tempCopy();
    edit(dir, 'benzodiazepine-long-term', (r) => {
      r.conditions.all[0].fact = 'orderClass';
    });
    const res = await rules('validate', '--rules-dir', dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/benzodiazepine-long-term\.json: \/conditions\/all\/0\/fact: unknown fact "orderClass"; known facts are .*orderClasses/);
  });

  it('prints JSON with --json', async () => {
    const res = await rules('validate', '--json');
    expect(JSON.parse(res.stdout)).toMatchObject({ ok: true, errors: [] });
  });
});

describe('npm run rules -- test', () => {
  it('runs every rule case on the shipped catalogue and prints a table', async () => {
    const res = await rules('test');
    expect(res.code).toBe(0);
    expect(res.stdout.split('\n')[0]).toMatch(/^RULE\s+FIXTURE\s+EXPECT\s+GOT\s+RESULT$/);
    expect(res.stdout).toMatch(/benzodiazepine-long-term\s+rules\/benzodiazepine-long-term\/alprazolam-renewal-since-august\.json\s+info\s+info\s+pass/);
    expect(res.stdout).toMatch(/✓ \d+ test case\(s\) passed in \d+ rule\(s\)/);
    expect(res.stdout).not.toContain('FAIL');
  });

  it('fails with a non-zero exit naming the rule file, the case pointer, expected and got', async () => {
    const dir = tempCopy();
    edit(dir, 'benzodiazepine-long-term', (r) => {
      r.tests[0].expect = 'critical';
      r.tests[4].fixture = 'rules/benzodiazepine-long-term/missing.json';
    });
    const res = await rules('test', 'benzodiazepine-long-term', '--rules-dir', dir);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/benzodiazepine-long-term\s+rules\/benzodiazepine-long-term\/alprazolam-renewal-since-august\.json\s+critical\s+info\s+FAIL/);
    expect(res.stderr).toContain('✗ 2 of 10 test case(s) failed');
    expect(res.stderr).toContain('benzodiazepine-long-term.json: /tests/0: rules/benzodiazepine-long-term/alprazolam-renewal-since-august.json: expected critical, got info');
    expect(res.stderr).toContain('benzodiazepine-long-term.json: /tests/4: fixture "rules/benzodiazepine-long-term/missing.json" not found under fixtures/');
  });

  it('refuses to test an invalid rule set and an unknown rule id', async () => {
    const dir = tempCopy();
    writeFileSync(path.join(dir, 'typo.json'), '{');
    const invalid = await rules('test', '--rules-dir', dir);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/is not a valid rule set[\s\S]*typo\.json: not valid JSON/);
    const unknown = await rules('test', 'no-such-rule');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no rule with id "no-such-rule"');
  });
});

describe('npm run rules -- explain', () => {
  it('shows facts, the rules fired and each condition with its fact value', async () => {
    const res = await rules('explain', 'fixtures/order-sign/opioid-draft-with-active-benzodiazepine.json', '--only-fired');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Order MedicationRequest/draft-oxycodone-acetaminophen');
    expect(res.stdout).toContain('Fired: opioid-benzodiazepine (warning)');
    expect(res.stdout).toContain('✓ concurrentClasses contains "benzodiazepine"   (concurrentClasses = ["benzodiazepine"])');
    expect(res.stdout).toContain('✗ totalMme greaterThanInclusive 50   (totalMme = 30)');
  });

  it('calls a card replaced only when the clinician does not see it (the replacing card names all its medicines)', async () => {
    // Lorazepam for a 72-year-old with COPD on oxycodone 90 MME/day who reports a codeine cough syrup: the cough
    // card names the syrup, not the oxycodone, so the COPD card naming the oxycodone is shown, and explain says so.
    const res = await rules('explain', 'rules/sedative-with-opioid-cough-medicine/lorazepam-draft-oxycodone-90-mme-reported-cheratussin-copd-72.json', '--json');
    expect(res.code).toBe(0);
    const fired = JSON.parse(res.stdout).orders[0].fired as { ruleId: string; shown: boolean }[];
    expect(fired).toEqual(expect.arrayContaining([expect.objectContaining({ ruleId: 'opioid-benzodiazepine-copd-older-adult', shown: true }), expect.objectContaining({ ruleId: 'sedative-with-opioid-cough-medicine', shown: true })]));
  });

  it('accepts a path relative to fixtures/ and shows replaced rules', async () => {
    const res = await rules('explain', 'rules/opioid-cough-benzodiazepine/tussionex-with-active-alprazolam.json', '--json');
    expect(res.code).toBe(0);
    const explanation = JSON.parse(res.stdout);
    const fired = explanation.orders[0].fired;
    expect(fired).toEqual(expect.arrayContaining([{ ruleId: 'opioid-benzodiazepine', indicator: expect.any(String), shown: false, replacedBy: ['opioid-cough-benzodiazepine'] }]));
  });

  it('fails clearly on a missing file, a bad request and bad usage', async () => {
    expect((await rules('explain', 'nope.json')).stderr).toContain('nope.json: no such file');
    const bad = await rules('explain', 'fixtures/invalid/missing-hook.json');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('/hook: must be order-sign or order-select');
    expect((await rules()).code).toBe(2);
    expect((await rules('frobnicate')).code).toBe(2);
    expect((await rules('validate', '--no-such-option')).code).toBe(2);
  });
});
