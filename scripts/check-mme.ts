/**
 * Checks the dose module against the CDC IG's MME tables in ../shared/terminology/mme (resolved from the
 * repository root). Those files are check data only: read here at run time, never copied into the project.
 *
 * Usage: node scripts/check-mme.ts [path-to-shared-terminology]
 * 1. Strength parsing: for every opioid clinical drug in omtk-2020-drug-ingredients.json, a
 *    MedicationRequest with the RxNorm code + display and 1 unit once a day is built; the strength our
 *    parser reads from the display is compared with the file's strength (match / differ / not parsed).
 * 2. MME outcome of those requests (known, excluded, unknown by reason).
 * 3. Our conversion factors next to the reference files' values, with the intended differences flagged.
 * Exits 0 with a message when the folder is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dosage, MedicationRequest } from '@medplum/fhirtypes';
import { ingredientStrength, opioidMme, readProduct } from '../src/facts/dose/index.ts';
import type { Strength } from '../src/facts/dose/index.ts';
import { createClassifier, RXNORM_SYSTEM } from '../src/terminology/index.ts';
import { MME_CONVERSION_FACTORS, MME_EXCLUDED_INGREDIENTS } from '../src/terminology/data/mme-conversion-factors.ts';

interface DrugRow {
  readonly drugRxCui: string;
  readonly drugName: string;
  readonly ingredient: string;
  readonly strength: string;
  readonly strengthValue: number;
  readonly strengthUnit: string;
}

export interface StrengthDiff {
  readonly code: string;
  readonly display: string;
  readonly ingredient: string;
  readonly expected: string;
  readonly got: string;
}

export interface FactorRow {
  readonly ingredient: string;
  readonly ours: string;
  readonly omtk: string;
  readonly codeSystem: string;
  readonly verdict: string;
}

export interface MmeCheckResult {
  readonly dir: string;
  readonly present: boolean;
  readonly drugs: number;
  readonly matched: number;
  readonly differ: readonly StrengthDiff[];
  readonly unparsed: readonly StrengthDiff[];
  readonly outcomes: ReadonlyMap<string, number>;
  readonly factors: readonly FactorRow[];
}

/** ../shared/terminology from the repository root. */
export function defaultSharedDir(): string {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  return path.resolve(repoRoot, '../shared/terminology');
}

function readRows(file: string): Record<string, unknown>[] {
  const json = JSON.parse(readFileSync(file, 'utf8')) as { rows?: unknown };
  return Array.isArray(json.rows) ? (json.rows as Record<string, unknown>[]) : [];
}

/** Dose unit for "1 unit" of a product, from the words of its display (never from the reference strength). */
function unitFor(display: string): string {
  const d = display.toLowerCase();
  if (/transdermal/.test(d)) return 'patch';
  if (/tablet for oral suspension/.test(d)) return 'tablet';
  if (/spray/.test(d)) return 'actuation';
  if (/solution|suspension|inject|syrup|elixir|cartridge|syringe|concentrate|liquid/.test(d)) return 'mL';
  return 'tablet';
}

function requestFor(row: DrugRow): MedicationRequest {
  const dosage: Dosage = {
    timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } },
    doseAndRate: [{ doseQuantity: { value: 1, unit: unitFor(row.drugName) } }],
  };
  return {
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/check' },
    medicationCodeableConcept: { coding: [{ system: RXNORM_SYSTEM, code: row.drugRxCui, display: row.drugName }] },
    dosageInstruction: [dosage],
  };
}

const BASIS_OF_UNIT: Readonly<Record<string, Strength['per']>> = { MG: 'unit', 'MG/ML': 'mL', 'MG/HR': 'h', 'MG/ACTUAT': 'actuation' };

function describeStrength(s: Strength): string {
  const per = s.per === 'unit' ? '' : `/${s.perAmount === 1 ? '' : `${s.perAmount} `}${s.per === 'h' ? 'HR' : s.per === 'mL' ? 'ML' : 'ACTUAT'}`;
  return `${+s.mg.toPrecision(6)} MG${per}`;
}

function sameStrength(s: Strength, row: DrugRow): boolean {
  return BASIS_OF_UNIT[row.strengthUnit] === s.per && Math.abs(s.mg / s.perAmount - row.strengthValue) <= 1e-9 * Math.max(1, row.strengthValue);
}

function factorText(row: Record<string, unknown>): string {
  if (typeof row.conversionFactor === 'number') return String(row.conversionFactor);
  const parts: string[] = [];
  for (const c of Array.isArray(row.conditional) ? (row.conditional as Record<string, unknown>[]) : []) {
    parts.push(`${String(c.factor)} (${String(c.note ?? c.when)})`);
  }
  const otherwise = row.else as Record<string, unknown> | undefined;
  if (otherwise !== undefined) parts.push(`else ${String(otherwise.factor)}`);
  return parts.join('; ');
}

function codeSystemText(row: Record<string, unknown>): string {
  const props = Array.isArray(row.properties) ? (row.properties as Record<string, unknown>[]) : [];
  return props.map((p) => `${String(p.property).replace('-conversion-factor', '').replace('conversion-factor', 'factor')} ${String(p.value)}`).join(', ');
}

/** Plain numeric factors of the reference rows (conditional/tiered ones are not plain numbers). */
function plainFactors(refs: readonly string[]): number[] {
  return refs.flatMap((r) => {
    const m = /^(?:factor )?(\d+(?:\.\d+)?)$/.exec(r);
    return m === null ? [] : [Number(m[1])];
  });
}

function verdict(ingredient: string, omtk: string, codeSystem: string): string {
  const ours = MME_CONVERSION_FACTORS.find((f) => f.ingredient === ingredient);
  if (MME_EXCLUDED_INGREDIENTS.includes(ingredient)) return 'intended: excluded from MME (CDC 2022, partial agonist)';
  if (ours === undefined) return 'intended: no factor in the evidence file -> MME unknown';
  if (ours.onlyForm === 'transdermal') {
    const transdermal = omtk.includes(`${ours.factor} (Transdermal`) || codeSystem.includes('316987:7200@0.333');
    return transdermal
      ? 'same for transdermal (2.4 per mcg/hr = 7200 per mg/hr x 1/3); other forms intended unknown (no CDC 2022 factor)'
      : 'DIFFERENT: check';
  }
  const refs = [omtk, codeSystem].filter((r) => r !== '-');
  const plain = plainFactors(refs);
  if (plain.length === refs.length && plain.every((f) => f === ours.factor)) {
    return ours.source === 'cdc-2017-not-2022' ? 'same (ours labelled "not a CDC 2022 value")' : 'same';
  }
  const previousMatches = refs.every((r) => (ours.previous === 'tiered' ? /20.*4|between 1 and 20/.test(r) : plainFactors([r])[0] === ours.previous || plainFactors([r])[0] === ours.factor));
  if (ours.previous !== undefined && ours.previous !== ours.factor && previousMatches) {
    return `intended: CDC 2022 value ${ours.factor} (reference has the 2016/2017 value ${String(ours.previous)})`;
  }
  return 'DIFFERENT: check';
}

function compareFactors(dir: string): FactorRow[] {
  const omtk = new Map<string, string>();
  for (const row of readRows(path.join(dir, 'omtk-mk2020-ingredient-conversion-factors.json'))) {
    const name = String(row.ingredient ?? '').split(' (')[0]?.toLowerCase() ?? '';
    const text = factorText(row);
    if (text !== '0') omtk.set(name, text);
  }
  const cs = new Map<string, string>();
  for (const row of readRows(path.join(dir, 'cdc-clinical-conversion-factors-codesystem.json'))) {
    cs.set(String(row.ingredient ?? '').toLowerCase(), codeSystemText(row));
  }
  const names = [...new Set([...MME_CONVERSION_FACTORS.map((f) => f.ingredient), ...omtk.keys(), ...cs.keys()])].sort();
  return names.map((ingredient) => {
    const ours = MME_CONVERSION_FACTORS.find((f) => f.ingredient === ingredient);
    const oursText = MME_EXCLUDED_INGREDIENTS.includes(ingredient)
      ? 'excluded'
      : ours === undefined
        ? 'none'
        : `${ours.factor}${ours.per === 'mcg/hr' ? ' per mcg/hr (transdermal)' : ''} [${ours.source}]`;
    const o = omtk.get(ingredient) ?? '-';
    const c = cs.get(ingredient) ?? '-';
    return { ingredient, ours: oursText, omtk: o, codeSystem: c, verdict: verdict(ingredient, o, c) };
  });
}

/** Run the whole check; `present` is false when the folder (or its mme/ files) is missing. */
export function runMmeCheck(sharedDir: string): MmeCheckResult {
  const dir = path.join(sharedDir, 'mme');
  const drugsFile = path.join(dir, 'omtk-2020-drug-ingredients.json');
  const empty = { dir, drugs: 0, matched: 0, differ: [], unparsed: [], outcomes: new Map<string, number>(), factors: [] };
  if (!existsSync(drugsFile)) return { ...empty, present: false };

  const classifier = createClassifier();
  const byDrug = new Map<string, DrugRow[]>();
  for (const raw of readRows(drugsFile)) {
    const row = raw as unknown as DrugRow;
    const key = `${row.drugRxCui}|${row.ingredient.toLowerCase()}`;
    byDrug.set(key, [...(byDrug.get(key) ?? []), row]);
  }
  let matched = 0;
  const differ: StrengthDiff[] = [];
  const unparsed: StrengthDiff[] = [];
  const outcomes = new Map<string, number>();
  const count = (key: string): void => {
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  };
  for (const rows of byDrug.values()) {
    const row = rows[0];
    if (row === undefined) continue;
    const ingredient = row.ingredient.toLowerCase();
    const request = requestFor(row);
    const product = readProduct(request, undefined);
    const found = ingredientStrength(product, ingredient, (i) => i === ingredient);
    const base = { code: row.drugRxCui, display: row.drugName, ingredient, expected: rows.map((r) => r.strength).join(' or ') };
    if (found.strength === undefined) unparsed.push({ ...base, got: found.reason });
    else if (rows.some((r) => sameStrength(found.strength, r))) matched += 1;
    else differ.push({ ...base, got: describeStrength(found.strength) });

    const mme = opioidMme(request, undefined, classifier.classify(request.medicationCodeableConcept)).find((m) => m.ingredient === ingredient);
    if (mme === undefined) count(MME_EXCLUDED_INGREDIENTS.includes(ingredient) ? 'excluded (buprenorphine)' : 'not returned');
    else if (mme.mmePerDay !== null) count('MME known');
    else count(`unknown: ${mme.reason ?? 'no reason'}`);
  }
  return { dir, present: true, drugs: byDrug.size, matched, differ, unparsed, outcomes, factors: compareFactors(dir) };
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const render = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [render(header), render(widths.map((w) => '-'.repeat(w))), ...rows.map(render)];
}

/** Human-readable report. */
export function formatMmeCheck(r: MmeCheckResult): string {
  if (!r.present) return `Reference folder ${r.dir} not found: MME check skipped.`;
  const lines = [`MME check against ${r.dir}`, ''];
  lines.push(`Strength parsed from the display, ${r.drugs} opioid drug/ingredient pairs (omtk-2020-drug-ingredients.json):`);
  lines.push(`  match ${r.matched}, differ ${r.differ.length}, not parsed ${r.unparsed.length}`);
  for (const d of r.differ.slice(0, 20)) lines.push(`  DIFFER ${d.code} ${d.display} [${d.ingredient}]: file ${d.expected}, parsed ${d.got}`);
  for (const d of r.unparsed.slice(0, 20)) lines.push(`  NOT PARSED ${d.code} ${d.display} [${d.ingredient}]: ${d.got}`);
  lines.push('', 'MME outcome for 1 unit once a day:');
  for (const [k, n] of [...r.outcomes].sort((a, b) => b[1] - a[1])) lines.push(`  ${String(n).padStart(5)}  ${k}`);
  lines.push('', 'Conversion factors (ours vs OMTKLogicMK2020.cql vs CDCMMEClinicalConversionFactors.cql):');
  lines.push(...table(['ingredient', 'ours', 'OMTK MK2020', 'CDC clinical CodeSystem', 'verdict'], r.factors.map((f) => [f.ingredient, f.ours, f.omtk, f.codeSystem, f.verdict])));
  return lines.join('\n');
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const arg = process.argv[2];
  console.log(formatMmeCheck(runMmeCheck(arg === undefined ? defaultSharedDir() : path.resolve(arg))));
}
