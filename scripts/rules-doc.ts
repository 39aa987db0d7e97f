/**
 * Writes docs/rules.md, the catalogue table, from rules/*.json and the fact catalogue, so the
 * documentation cannot drift from the rules. `node scripts/rules-doc.ts --check` exits 1 when the
 * file is out of date (the test suite runs that check).
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuleDefinition } from '../src/engine/index.ts';
import { LIST_VALUE_OPERATORS, OPERATORS_BY_KIND } from '../src/engine/validate-rule.ts';
import { FACT_CATALOGUE, FACT_KINDS } from '../src/facts/index.ts';
import type { FactKind } from '../src/facts/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const RULES_DOC = path.join(ROOT, 'docs', 'rules.md');

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Renders the catalogue as Markdown. */
export function renderRulesDoc(rulesDir = path.join(ROOT, 'rules')): string {
  const rules = readdirSync(rulesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(rulesDir, f), 'utf8')) as RuleDefinition);
  const lines = [
    '# Rule catalogue',
    '',
    'Generated from `rules/*.json` by `node scripts/rules-doc.ts`; do not edit by hand.',
    'Each card carries the rule id as `source.topic.code`.',
    '',
    '| Rule id | Trigger | Severity | Parameters | Evidence |',
    '|---|---|---|---|---|',
  ];
  for (const rule of rules) {
    const severity = [rule.indicator, ...(rule.escalations ?? []).map((e) => `${e.indicator} (escalation)`)].join('; ');
    const replaces = rule.replaces?.length ? ` Replaces ${rule.replaces.map((r) => `\`${r}\``).join(', ')} on the same order.` : '';
    const params = Object.entries(rule.parameters ?? {})
      .map(([name, p]) => `\`${name}\` = ${String(p.value)}${p.unit ? ` ${p.unit}` : ''}`)
      .join('; ');
    const evidence = rule.evidence.map((e) => `[${cell(e.label)}](${e.url})`).join('; ');
    const status = rule.status === 'active' ? '' : ` (${rule.status})`;
    lines.push(`| \`${rule.id}\`${status} | ${cell((rule.description ?? rule.title) + replaces)} | ${severity} | ${params || '—'} | ${evidence} |`);
  }
  lines.push('', '## Facts rules can read', '', '| Fact | Meaning |', '|---|---|');
  for (const [name, meaning] of Object.entries(FACT_CATALOGUE)) {
    lines.push(`| \`${name}\` | ${cell(meaning)} |`);
  }
  lines.push(
    '',
    'Operators: json-rules-engine built-ins (`equal`, `notEqual`, `lessThan`, `lessThanInclusive`, `greaterThan`,',
    '`greaterThanInclusive`, `in`, `notIn`, `contains`, `doesNotContain`) plus `containsAny` and `containsNone` for',
    'array facts. Numeric comparisons are false when a fact is null (unknown), so an unknown never fires a threshold.',
    '',
    'Which operator goes with which fact is checked when a rule is loaded or saved (with the parameters\' values in',
    'place), since a mismatch would never fire or would fail on every order:',
    '',
    '| Fact holds | Facts | Operators | Value |',
    '|---|---|---|---|'
  );
  const kinds: [FactKind, string, string][] = [
    ['list', 'a list', 'text value'],
    ['number', 'a number (or null)', 'number'],
    ['boolean', 'true or false', '`true` or `false`'],
  ];
  for (const [kind, holds, element] of kinds) {
    const facts = Object.entries(FACT_KINDS)
      .filter(([, k]) => k === kind)
      .map(([name]) => `\`${name}\``)
      .join(', ');
    const single = OPERATORS_BY_KIND[kind].filter((o) => !LIST_VALUE_OPERATORS.has(o));
    const listed = OPERATORS_BY_KIND[kind].filter((o) => LIST_VALUE_OPERATORS.has(o));
    const ops = (names: readonly string[]): string => names.map((o) => `\`${o}\``).join(', ');
    const one = kind === 'boolean' ? element : `one ${element}`;
    if (single.length > 0) lines.push(`| ${holds} | ${facts} | ${ops(single)} | ${one} |`);
    if (listed.length > 0) lines.push(`| ${single.length > 0 ? '' : holds} | ${single.length > 0 ? '' : facts} | ${ops(listed)} | a list of ${element}s |`);
  }
  lines.push(
    '',
    'Class and condition values (and parameters used for them) must be known values. A card\'s summary, and each',
    'escalation\'s summary, must be one sentence on one line (CDS Hooks shows it as the card\'s headline).',
    ''
  );
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const text = renderRulesDoc();
  if (process.argv.includes('--check')) {
    const current = readFileSync(RULES_DOC, 'utf8');
    if (current !== text) {
      console.error('docs/rules.md is out of date: run node scripts/rules-doc.ts');
      process.exit(1);
    }
    console.log('docs/rules.md is up to date');
  } else {
    writeFileSync(RULES_DOC, text);
    console.log(`wrote ${path.relative(ROOT, RULES_DOC)}`);
  }
}
