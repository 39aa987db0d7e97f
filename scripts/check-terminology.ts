/**
 * Measures the medication classifier against the published value sets in ../shared/terminology
 * (resolved from the repository root). Those lists are check data only: they are read here at run
 * time and never copied into the project.
 *
 * Usage: node scripts/check-terminology.ts [path-to-shared-terminology]
 * Prints, per list: entries checked, % landing in the expected family with code+display and with
 * the code alone, and the code+display misses. Exits 0 with a message when the folder is absent.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CNS_DEPRESSANT_CLASSES, createClassifier, OPIOID_FAMILY } from '../src/terminology/index.ts';
import type { Classifier, DrugClass } from '../src/terminology/index.ts';

export type ListFamily = 'opioid' | 'benzodiazepine' | 'barbiturate' | 'naloxone' | 'cns-depressant' | 'muscle-relaxant';

/** What one list entry should classify as. */
type Expectation =
  | { readonly kind: 'classes'; readonly anyOf: readonly DrugClass[]; readonly label: string }
  | { readonly kind: 'not-depressant'; readonly label: string };

export interface ListEntry {
  readonly system: string;
  readonly code: string;
  readonly display?: string;
}

export interface Miss {
  readonly code: string;
  readonly display: string;
  readonly expected: string;
  readonly got: string;
  /** Why the project disagrees with the list on purpose, when it does. */
  readonly note?: string;
}

export interface ListReport {
  readonly file: string;
  readonly family: ListFamily;
  readonly count: number;
  readonly withDisplay: number;
  /** Entries with a display that land in the expected family when sent as code+display. */
  readonly passWithDisplay: number;
  /** All entries that land in the expected family when sent as the code alone. */
  readonly passCodeOnly: number;
  readonly misses: readonly Miss[];
  /** Entries skipped because they are not medications (e.g. "buprenorphine overdose (disorder)"). */
  readonly skippedNonMedication: number;
}

export interface CheckResult {
  readonly sharedDir: string;
  readonly present: boolean;
  readonly reports: readonly ListReport[];
  readonly skippedFiles: readonly string[];
}

/** Default location of the shared reference data: ../shared/terminology from the repository root. */
export function defaultSharedDir(): string {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  return path.resolve(repoRoot, '../shared/terminology');
}

/** Decide a list's expected family from its file name; undefined for lists that are not medication lists. */
export function familyOf(file: string): ListFamily | undefined {
  const name = path.basename(file).toLowerCase();
  if (/condition|disorder|override-reasons|conversion-factors/.test(name)) return undefined;
  if (name.includes('benzodiazepine')) return 'benzodiazepine';
  if (name.includes('naloxone')) return 'naloxone';
  if (name.includes('barbiturate')) return 'barbiturate';
  if (name.includes('cns-depressant')) return 'cns-depressant';
  if (name.includes('muscle-relaxant')) return 'muscle-relaxant';
  if (/opioid|buprenorphine|methadone|omtk-2020-drug-ingredients/.test(name)) return 'opioid';
  return undefined;
}

// Reference lists carry a few non-medication concepts (overdose, dependence) next to the drugs.
const NON_MEDICATION = /\((?:disorder|finding)\)|\boverdose\b|\bpoisoning\b|\bdependence\b|\bwithdrawal syndrome\b|\bmisuse\b/i;
// The README of the reference data flags MOUD and pentazocine entries inside naloxone lists.
const OPIOID_IN_NALOXONE_LIST = /\b(?:buprenorphine|pentazocine|oxycodone|morphine|hydromorphone|tilidine)\b/i;
// Stimulant anorectics that the CDC cns-depressant list contains by mistake (reference README).
// Entries where the project's rules (clinical-evidence.md, task brief) deliberately disagree with a
// list. They still count as misses; the note only explains them.
const PROJECT_RULE_NOTES: readonly { readonly pattern: RegExp; readonly note: string }[] = [
  { pattern: /\b(?:loperamide|diphenoxylate|difenoxin|eluxadoline)\b/i, note: 'project rule: peripheral opioid, not a CNS opioid' },
  { pattern: /\bnalmefene\b/i, note: 'project rule: nalmefene is classed opioid-antagonist' },
];
const STIMULANT = /\b(?:phentermine|methamphetamine|amphetamine|dextroamphetamine|diethylpropion|amfepramone|phendimetrazine|benzphetamine|mazindol)\b/i;

function expectationFor(family: ListFamily, display: string): Expectation {
  switch (family) {
    case 'opioid':
      return { kind: 'classes', anyOf: OPIOID_FAMILY, label: 'opioid family' };
    case 'benzodiazepine':
      return { kind: 'classes', anyOf: ['benzodiazepine'], label: 'benzodiazepine' };
    case 'barbiturate':
      return { kind: 'classes', anyOf: ['barbiturate'], label: 'barbiturate' };
    case 'muscle-relaxant':
      return { kind: 'classes', anyOf: ['muscle-relaxant'], label: 'muscle-relaxant' };
    case 'naloxone':
      return OPIOID_IN_NALOXONE_LIST.test(display)
        ? { kind: 'classes', anyOf: OPIOID_FAMILY, label: 'opioid family (MOUD/pentazocine entry)' }
        : { kind: 'classes', anyOf: ['naloxone-rescue'], label: 'naloxone-rescue' };
    case 'cns-depressant':
      return STIMULANT.test(display)
        ? { kind: 'not-depressant', label: 'not a depressant (stimulant)' }
        : { kind: 'classes', anyOf: CNS_DEPRESSANT_CLASSES, label: 'any depressant class' };
  }
}

function meets(expectation: Expectation, classes: readonly DrugClass[]): boolean {
  if (expectation.kind === 'not-depressant') return !classes.some((c) => CNS_DEPRESSANT_CLASSES.includes(c));
  return classes.some((c) => expectation.anyOf.includes(c));
}

function readEntries(file: string): ListEntry[] | undefined {
  const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof data !== 'object' || data === null) return undefined;
  const record = data as Record<string, unknown>;
  const entries: ListEntry[] = [];
  if (Array.isArray(record['codes'])) {
    for (const item of record['codes'] as unknown[]) {
      const row = item as Record<string, unknown>;
      if (typeof row['system'] !== 'string' || typeof row['code'] !== 'string') continue;
      const display = typeof row['display'] === 'string' && row['display'].length > 0 ? row['display'] : undefined;
      entries.push({ system: row['system'], code: row['code'], ...(display === undefined ? {} : { display }) });
    }
    return entries;
  }
  if (Array.isArray(record['rows'])) {
    // MME drug table: one row per drug ingredient; keep one entry per drug.
    const seen = new Set<string>();
    for (const item of record['rows'] as unknown[]) {
      const row = item as Record<string, unknown>;
      const code = row['drugRxCui'];
      if (typeof code !== 'string' || seen.has(code)) continue;
      seen.add(code);
      const display = typeof row['drugName'] === 'string' ? row['drugName'] : undefined;
      entries.push({ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code, ...(display === undefined ? {} : { display }) });
    }
    return entries;
  }
  return undefined;
}

function listFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) files.push(...listFiles(full));
    else if (name.endsWith('.json')) files.push(full);
  }
  return files;
}

/** Check one list with a classifier. */
export function checkList(classifier: Classifier, file: string, family: ListFamily, entries: readonly ListEntry[]): ListReport {
  let count = 0;
  let withDisplay = 0;
  let passWithDisplay = 0;
  let passCodeOnly = 0;
  let skippedNonMedication = 0;
  const misses: Miss[] = [];
  for (const entry of entries) {
    const display = entry.display ?? '';
    if (NON_MEDICATION.test(display)) {
      skippedNonMedication++;
      continue;
    }
    count++;
    const expectation = expectationFor(family, display);
    const codeOnly = classifier.classify({ coding: [{ system: entry.system, code: entry.code }] });
    if (meets(expectation, codeOnly.classes)) passCodeOnly++;
    if (entry.display === undefined) continue;
    withDisplay++;
    const full = classifier.classify({ coding: [{ system: entry.system, code: entry.code, display: entry.display }] });
    if (meets(expectation, full.classes)) passWithDisplay++;
    else {
      const note = PROJECT_RULE_NOTES.find((n) => n.pattern.test(display))?.note;
      misses.push({ code: entry.code, display, expected: expectation.label, got: full.classes.join(',') || '(none)', ...(note === undefined ? {} : { note }) });
    }
  }
  return { file, family, count, withDisplay, passWithDisplay, passCodeOnly, misses, skippedNonMedication };
}

/** Run the check over every JSON list under `sharedDir`. */
export function runTerminologyCheck(sharedDir: string = defaultSharedDir()): CheckResult {
  if (!existsSync(sharedDir)) return { sharedDir, present: false, reports: [], skippedFiles: [] };
  const classifier = createClassifier();
  const reports: ListReport[] = [];
  const skippedFiles: string[] = [];
  for (const file of listFiles(sharedDir)) {
    const relative = path.relative(sharedDir, file);
    const family = familyOf(file);
    const entries = family === undefined ? undefined : readEntries(file);
    if (family === undefined || entries === undefined) {
      skippedFiles.push(relative);
      continue;
    }
    reports.push(checkList(classifier, relative, family, entries));
  }
  return { sharedDir, present: true, reports, skippedFiles };
}

/** Percentage with one decimal; 100 when there is nothing to measure. */
export function percent(part: number, whole: number): number {
  return whole === 0 ? 100 : Math.round((part / whole) * 1000) / 10;
}

/** Human-readable report. */
export function formatCheck(result: CheckResult): string {
  if (!result.present) return `Reference folder ${result.sharedDir} not found: terminology check skipped.`;
  const lines: string[] = [`Terminology check against ${result.sharedDir}`, ''];
  const header = ['list', 'family', 'n', 'with display', 'code+display %', 'code only %', 'misses'];
  const rows = result.reports.map((r) => [
    r.file,
    r.family,
    String(r.count),
    String(r.withDisplay),
    percent(r.passWithDisplay, r.withDisplay).toFixed(1),
    percent(r.passCodeOnly, r.count).toFixed(1),
    String(r.misses.length),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const render = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  lines.push(render(header), render(widths.map((w) => '-'.repeat(w))), ...rows.map(render), '');
  lines.push('Percentages with display are over entries that have a display; entries without one can only be sent as a code.');
  const skippedNonMed = result.reports.reduce((n, r) => n + r.skippedNonMedication, 0);
  if (skippedNonMed > 0) lines.push(`Skipped ${skippedNonMed} non-medication entries (overdose, dependence, disorders).`);
  lines.push(`Skipped files (not medication lists): ${result.skippedFiles.join(', ') || 'none'}`, '');
  for (const r of result.reports) {
    if (r.misses.length === 0) continue;
    lines.push(`Misses in ${r.file} (code+display):`);
    for (const m of r.misses) {
      lines.push(`  ${m.code}  ${m.display}  [expected ${m.expected}; got ${m.got}]${m.note === undefined ? '' : ` (${m.note})`}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const arg = process.argv[2];
  console.log(formatCheck(runTerminologyCheck(arg === undefined ? defaultSharedDir() : path.resolve(arg))));
}
