/**
 * Measures the condition classifier against the CDC opioid CDS IG condition value sets in
 * ../shared/terminology/cdc-opioid-cds-r4 (check data, read at run time, never copied).
 *
 * Each list has an expected group set. Where the project disagrees with a list on purpose, an
 * exception names the entries and the reason (see src/terminology/conditions/README.md); entries
 * an exception covers are reported apart and, when the exception says so, must land in the
 * alternative groups instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { classifyConditionCode } from '../../../src/terminology/index.ts';
import type { ConditionGroup } from '../../../src/terminology/index.ts';

export interface ReferenceEntry {
  readonly system: string;
  readonly code: string;
  readonly display?: string;
}

export interface Exception {
  readonly reason: string;
  readonly matches: (entry: ReferenceEntry) => boolean;
  /** Where the entry must land instead; undefined: anywhere, including nowhere. */
  readonly landsIn?: readonly ConditionGroup[];
}

export interface ListSpec {
  readonly file: string;
  readonly expected: readonly ConditionGroup[];
  readonly exceptions: readonly Exception[];
}

export interface EntryResult {
  readonly entry: ReferenceEntry;
  readonly groups: readonly ConditionGroup[];
  readonly exception?: Exception;
}

export interface ListReport {
  readonly file: string;
  readonly count: number;
  /** Entries landing in an expected group, sent as code + display. */
  readonly pass: number;
  /** Entries landing in an expected group, sent as the code alone. */
  readonly passCodeOnly: number;
  /** Entries no exception covers, and how many of them pass. */
  readonly inScope: number;
  readonly inScopePass: number;
  /** Entries an exception covers that land where the exception says (or anywhere, if it says nothing). */
  readonly exceptionsHonoured: number;
  readonly exceptionCount: number;
  readonly misses: readonly EntryResult[];
}

const has = (groups: readonly ConditionGroup[], wanted: readonly ConditionGroup[]): boolean => groups.some((g) => wanted.includes(g));
const displayOf = (entry: ReferenceEntry): string => entry.display ?? '';

const SUBSTANCE: readonly ConditionGroup[] = ['substance-use-disorder'];

export const LIST_SPECS: readonly ListSpec[] = [
  {
    file: 'conditions-documenting-sleep-disordered-breathing.json',
    expected: ['sleep-apnea'],
    exceptions: [
      {
        reason: 'substance-induced sleep disorder: a substance use code, not sleep-disordered breathing',
        matches: (e) => /^F1\d\.\d82$/.test(e.code),
        landsIn: SUBSTANCE,
      },
      { reason: 'narcolepsy or circadian rhythm disorder: not sleep-disordered breathing', matches: (e) => /^G47\.[24]/.test(e.code) },
      { reason: 'sleep-related tachypnea: neither apnea nor hypoventilation', matches: (e) => /tachypnea/i.test(displayOf(e)) },
    ],
  },
  {
    file: 'opioid-misuse-disorders.json',
    expected: ['opioid-use-disorder'],
    exceptions: [
      {
        reason: 'opioid poisoning or overdose: history of overdose, not a use disorder',
        matches: (e) => /poisoning|overdose/i.test(displayOf(e)),
        landsIn: ['overdose-history'],
      },
      {
        reason: 'ICD-10-CM F11.9 "opioid use, unspecified": no use disorder (DSM-5-TR), counted as substance use',
        matches: (e) => e.code.startsWith('F11.9'),
        landsIn: SUBSTANCE,
      },
      {
        reason: 'opioid withdrawal, intoxication, induced disorder or drug use without a use disorder: substance use',
        matches: (e) => /withdrawal|intoxication|caused by opioid|drug user/i.test(displayOf(e)),
        landsIn: SUBSTANCE,
      },
    ],
  },
  {
    file: 'conditions-documenting-substance-misuse.json',
    expected: ['substance-use-disorder', 'alcohol-use-disorder', 'opioid-use-disorder', 'overdose-history'],
    exceptions: [
      {
        reason: 'non-psychoactive substance or unnamed medication (ICD-10-CM F55 decision)',
        matches: (e) =>
          e.code.startsWith('F55') ||
          /antidepressant|laxative|diuretic|vitamin|steroid|nonpsychotropic|misuse of (?:analgesic|medication)/i.test(displayOf(e)),
      },
      {
        reason: 'overdose of a drug that is neither an opioid nor a benzodiazepine',
        matches: (e) => /(?:iproniazid|isocarboxazid|tranylcypromine|moclobemide|selegiline) overdose/i.test(displayOf(e)),
      },
      { reason: 'the patient is the fetus or newborn', matches: (e) => /fetal|neonatal|embryopathy/i.test(displayOf(e)) },
      { reason: 'negative or unknown statement', matches: (e) => /denies|never|unknown/i.test(displayOf(e)) },
      {
        reason: 'acute alcohol poisoning or flushing alone documents no use disorder',
        matches: (e) => /(?:toxic effect|poisoning).*(?:ethyl alcohol|alcoholic beverage)|flushing/i.test(displayOf(e)),
      },
      { reason: "Wernicke's disease: thiamine deficiency of any cause", matches: (e) => /wernicke/i.test(displayOf(e)) },
      {
        reason: 'drug trade or access, not use',
        matches: (e) => /dealing|selling|buying|possession|offending|access to/i.test(displayOf(e)),
      },
      {
        reason: 'ICD-10-CM Z71.4/Z71.5 header (alcoholic or relative) or counselling of a family member',
        matches: (e) => /^Z71\.(?:4|42|5|52)$/.test(e.code),
      },
    ],
  },
];

/** Default location: ../shared/terminology/cdc-opioid-cds-r4 from the repository root. */
export function defaultConditionListDir(): string {
  return path.resolve(import.meta.dirname, '../../../../shared/terminology/cdc-opioid-cds-r4');
}

function readEntries(file: string): ReferenceEntry[] {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const codes = typeof parsed === 'object' && parsed !== null ? (parsed as { codes?: unknown }).codes : undefined;
  if (!Array.isArray(codes)) return [];
  return codes.filter(
    (c): c is ReferenceEntry => typeof c === 'object' && c !== null && typeof c.system === 'string' && typeof c.code === 'string',
  );
}

/** Classify every entry of one list and summarise. */
export function checkList(dir: string, spec: ListSpec): ListReport | undefined {
  const file = path.join(dir, spec.file);
  if (!existsSync(file)) return undefined;
  const entries = readEntries(file);
  let pass = 0;
  let passCodeOnly = 0;
  let inScope = 0;
  let inScopePass = 0;
  let exceptionCount = 0;
  let exceptionsHonoured = 0;
  const misses: EntryResult[] = [];
  for (const entry of entries) {
    const coding = { system: entry.system, code: entry.code };
    const groups = classifyConditionCode({ coding: [{ ...coding, ...(entry.display === undefined ? {} : { display: entry.display }) }] });
    const ok = has(groups, spec.expected);
    if (ok) pass++;
    if (has(classifyConditionCode({ coding: [coding] }), spec.expected)) passCodeOnly++;
    const exception = spec.exceptions.find((x) => x.matches(entry));
    if (exception === undefined) {
      inScope++;
      if (ok) inScopePass++;
    } else {
      exceptionCount++;
      if (exception.landsIn === undefined || has(groups, exception.landsIn)) exceptionsHonoured++;
    }
    if (!ok) misses.push({ entry, groups, ...(exception === undefined ? {} : { exception }) });
  }
  return { file: spec.file, count: entries.length, pass, passCodeOnly, inScope, inScopePass, exceptionCount, exceptionsHonoured, misses };
}

export function percent(part: number, whole: number): number {
  return whole === 0 ? 100 : (100 * part) / whole;
}

/** Human-readable report: shares, then every miss with its exception reason (or UNEXPLAINED). */
export function formatReport(report: ListReport, spec: ListSpec): string {
  const lines = [
    `${report.file} (expected: ${spec.expected.join(' | ')})`,
    `  code+display: ${report.pass}/${report.count} = ${percent(report.pass, report.count).toFixed(1)}%` +
      `   code only: ${report.passCodeOnly}/${report.count} = ${percent(report.passCodeOnly, report.count).toFixed(1)}%`,
    `  in scope (no exception): ${report.inScopePass}/${report.inScope} = ${percent(report.inScopePass, report.inScope).toFixed(1)}%` +
      `   exceptions landing where documented: ${report.exceptionsHonoured}/${report.exceptionCount}`,
  ];
  const byReason = new Map<string, EntryResult[]>();
  for (const miss of report.misses) {
    const reason = miss.exception?.reason ?? 'UNEXPLAINED';
    byReason.set(reason, [...(byReason.get(reason) ?? []), miss]);
  }
  const shown = 4;
  for (const [reason, misses] of byReason) {
    lines.push(`  ${misses.length} x ${reason}`);
    // Unexplained misses, and exception entries that do not land where stated, are all listed.
    const exception = misses[0]?.exception;
    const honoured = (m: EntryResult): boolean => exception?.landsIn === undefined || has(m.groups, exception.landsIn);
    const listed = exception === undefined ? misses : [...misses.filter((m) => !honoured(m)), ...misses.filter(honoured).slice(0, shown)];
    for (const m of listed) lines.push(`      ${m.entry.code} ${m.entry.display ?? ''} -> [${m.groups.join(', ')}]`);
    if (listed.length < misses.length) lines.push(`      ... and ${misses.length - listed.length} more like these`);
  }
  return lines.join('\n');
}
