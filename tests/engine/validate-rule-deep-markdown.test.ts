/**
 * Deeply nested Markdown in card text is refused as a problem at its JSON pointer, never thrown:
 * marked's lexer recurses per level, and "> " 3,000 times in a detail overflowed the stack (500 on
 * validate, test, dry-run, explain and save; a stack trace from `npm run rules -- validate`; a hot
 * reload error naming no file). Nesting is capped well below that, and the text's length bounds the
 * time marked takes on nested text.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRuleSet } from '../../src/engine/index.ts';
import { MAX_DETAIL_LENGTH, MAX_MARKDOWN_NESTING } from '../../src/engine/validate-rule.ts';
import { ROOT, copyRules } from '../admin/helpers.ts';
import { ruleErrors } from './rule-errors.ts';

const FILE = 'naloxone-co-prescribe.json';
const errorsFor = ruleErrors(FILE);
const withDetail = (detail: string) => errorsFor((r) => (r.card.detail = detail));
const dirs: string[] = [];
/** Refused before lexing (markers counted on the line), or by the lexer's overflow caught. */
const TOO_DEEP = /^naloxone-co-prescribe\.json: \/card\/detail: (the Markdown nests too deeply to be read|block quotes and lists nest \d+ levels deep)/m;

afterAll(() => {
  for (const dir of dirs) {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Texts marked's lexer cannot read without overflowing the stack (each under MAX_DETAIL_LENGTH). */
const OVERFLOWING: Record<string, string> = {
  'block quotes': `${'> '.repeat(3000)}Watch for slowed breathing.`,
  'bullet lists': `${'- '.repeat(3000)}Watch for slowed breathing.`,
  'numbered lists': `${'1. '.repeat(3000)}Watch for slowed breathing.`,
  'quotes and lists': `${'> - '.repeat(1000)}Watch for slowed breathing.`,
  emphasis: `${'*'.repeat(4900)}Watch${'*'.repeat(4900)}`,
};

describe('validateRule: deeply nested card Markdown', () => {
  for (const [name, detail] of Object.entries(OVERFLOWING)) {
    it(`refuses ${name} nested thousands deep with one error at /card/detail, without throwing`, () => {
      expect(detail.length).toBeLessThanOrEqual(10_000);
      const errors = withDetail(detail);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(TOO_DEEP);
    });
  }

  it('reads the lexer overflowing (emphasis: no line markers to count) as a problem of the text', () => {
    expect(withDetail(OVERFLOWING.emphasis!)).toEqual([`${FILE}: /card/detail: the Markdown nests too deeply to be read (block quotes, lists or emphasis inside each other); flatten it`]);
  });

  it('does not take a thematic break or a dose for nesting', () => {
    expect(withDetail('Watch for slowed breathing.\n\n- - - - - - - - - - - -\n\n1.5 mg - twice daily * as needed')).toEqual([]);
  });

  it('allows block quotes and lists 8 levels deep, and refuses one more', () => {
    expect(MAX_MARKDOWN_NESTING).toBe(8);
    expect(withDetail(`${'> '.repeat(4)}${'- '.repeat(4)}Watch for slowed breathing.`)).toEqual([]);
    expect(withDetail(`${'> '.repeat(5)}${'- '.repeat(4)}Watch for slowed breathing.`)).toEqual([
      `${FILE}: /card/detail: block quotes and lists nest 9 levels deep; at most 8 are allowed (EHRs may not show deeper nesting); flatten it`,
    ]);
    // Nested by indentation, one line each, as an editor would write it.
    const indented = Array.from({ length: 9 }, (_, i) => `${'  '.repeat(i)}- level ${i + 1}`).join('\n');
    expect(withDetail(indented)).toEqual([expect.stringContaining('nest 9 levels deep')]);
  });

  it('refuses a detail over 10,000 characters, also when its parameters make it so', () => {
    expect(MAX_DETAIL_LENGTH).toBe(10_000);
    expect(withDetail('x'.repeat(10_001))).toEqual([`${FILE}: /card/detail: must be at most 10000 characters`]);
    const errors = errorsFor((r) => {
      r.parameters = { ...r.parameters, long: { value: 'y'.repeat(6000), description: 'a long text' } };
      r.card.detail = '{{param.long}} and again {{param.long}}';
    });
    expect(errors).toEqual([`${FILE}: /card/detail: with the parameters' values in place, the text is 12011 characters; at most 10000 are allowed`]);
  });
});

describe('a rules folder with such a rule', () => {
  function folderWithDeepQuote(): string {
    const dir = copyRules();
    dirs.push(dir);
    const file = path.join(dir, FILE);
    const rule = JSON.parse(readFileSync(file, 'utf8'));
    rule.card.detail = OVERFLOWING['block quotes'];
    writeFileSync(file, `${JSON.stringify(rule, null, 2)}\n`);
    return dir;
  }

  it('is refused by the loader with the file and pointer named', async () => {
    const result = await loadRuleSet(folderWithDeepQuote());
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors).toEqual([expect.stringMatching(TOO_DEEP)]);
  });

  it('makes `npm run rules -- validate` report it, not crash', async () => {
    const dir = folderWithDeepQuote();
    const run = promisify(execFile);
    const result = await run(process.execPath, [path.join(ROOT, 'scripts', 'rules.ts'), 'validate', '--rules-dir', dir], { cwd: ROOT, env: { ...process.env, RULES_DIR: '' } }).then(
      ({ stdout, stderr }) => ({ code: 0, out: stdout + stderr }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code, out: `${err.stdout ?? ''}${err.stderr ?? ''}` })
    );
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/naloxone-co-prescribe\.json: \/card\/detail: block quotes and lists nest 3000 levels deep/);
    expect(result.out).not.toContain('RangeError');
  });
});
