/**
 * Daily amount of one ingredient (mg/day) from the dosage instructions and the product strength, and
 * the delivered rate (mcg/hr) of a transdermal patch.
 */
import { arr, obj, round } from './safe.ts';
import { combineDaily, dailyEntries, readDose, type DailyValue, type EntryAmount } from './doses-per-day.ts';
import type { Strength, StrengthResult } from './strength-types.ts';

function reasonOf(strength: StrengthResult): string {
  return strength.strength === undefined ? strength.reason : 'patch strength is not per hour';
}

export type DailyResult = { readonly value: number } | { readonly value: null; readonly reason: string };

/** Whole or half units from 0.5 up to `max`. */
function isUnitCount(ratio: number, max: number): boolean {
  const doubled = ratio * 2;
  return ratio >= 0.5 && ratio <= max && Math.abs(doubled - Math.round(doubled)) < 1e-6;
}

/**
 * A mass dose of a combination product normally names the ingredient of interest ("oxycodone/APAP
 * 5/325: 10 mg" = 2 tablets). When it is instead a number of units of a partner ingredient ("650 mg"
 * of Percocet 10/325 = 2 tablets) it is read as that many units. A mass matching neither (e.g. a
 * "max 4000 mg/day" meant for acetaminophen) is unknown rather than read as the opioid.
 */
function massDoseMg(entry: EntryAmount, mgPerDay: number, strength: StrengthResult, partners: readonly number[]): DailyResult {
  const s = strength.strength;
  if (s === undefined || s.per !== 'unit' || partners.length === 0 || entry.unit.kind !== 'mass') return { value: mgPerDay };
  const perUnit = s.mg / s.perAmount;
  // Per dose: up to 4 units at a time; a daily maximum without a dose: up to 24 units a day.
  const [amount, max] = entry.perDose === undefined ? [mgPerDay, 24] : [entry.perDose * entry.unit.mg, 4];
  if (isUnitCount(amount / perUnit, max)) return { value: mgPerDay };
  for (const partner of partners) {
    if (isUnitCount(amount / partner, max)) return { value: (mgPerDay / partner) * perUnit };
  }
  return { value: null, reason: 'mass dose of a combination product matches neither ingredient strength' };
}

function amountToMg(amount: EntryAmount, strength: StrengthResult, partners: readonly number[]): DailyResult {
  const { unit } = amount;
  if (unit.kind === 'mass') return massDoseMg(amount, amount.value * unit.mg, strength, partners);
  if (unit.kind !== 'volume' && unit.kind !== 'count') return { value: null, reason: 'dose unit is a rate; only patches are supported' };
  if (strength.strength === undefined) return { value: null, reason: strength.reason };
  const s: Strength = strength.strength;
  if (unit.kind === 'volume') {
    if (s.per !== 'mL') return { value: null, reason: `dose is in mL but the strength is per ${s.per}` };
    return { value: ((amount.value * unit.ml) / s.perAmount) * s.mg };
  }
  if (s.per !== 'unit' && s.per !== 'actuation') return { value: null, reason: `dose is in ${unit.name}s but the strength is per ${s.per}` };
  return { value: (amount.value / s.perAmount) * s.mg };
}

/** A combined daily amount, or unknown when it is not a finite number (an absurd quantity such as 1e308). */
function finiteDaily(value: number): DailyResult {
  return Number.isFinite(value) ? { value: round(value, 4) } : { value: null, reason: 'the dose is too large to be read as a dose' };
}

/** mg/day of the ingredient: each instruction's daily amount converted with the strength, then combined. */
export function dailyMg(dosage: unknown, strength: StrengthResult, partners: readonly number[] = []): DailyResult {
  const daily = dailyEntries(dosage);
  if ('reason' in daily) return { value: null, reason: daily.reason };
  const values: DailyValue[] = [];
  for (const entry of daily.entries) {
    let mg = amountToMg(entry, strength, partners);
    // A PRN maximum that cannot be converted (given for a partner ingredient): the dose × frequency it allows.
    if (mg.value === null && entry.fallback) mg = amountToMg(entry.fallback, strength, partners);
    if (mg.value === null) return mg;
    values.push({ sequence: entry.sequence, value: mg.value, asNeeded: entry.asNeeded, ...(entry.slots ? { slots: entry.slots } : {}) });
  }
  return finiteDaily(combineDaily(values));
}

/** True when an instruction carries a dose quantity or a dose range (readable or not). */
function givesDose(entry: Record<string, unknown>): boolean {
  return arr(entry.doseAndRate).some((item) => {
    const o = obj(item);
    return o !== undefined && (o.doseQuantity !== undefined || o.doseRange !== undefined);
  });
}

/**
 * Delivered mcg/hr of a transdermal patch: strength (mcg/hr) × patches worn at once. A dose in patches
 * multiplies the strength; a dose given as a rate (mcg/h) or as a bare mass ("25 mcg", how patch doses
 * are often written) is read as mcg/hr. No dose quantity at all means one patch; a dose quantity that is
 * given but cannot be read (an unknown unit such as "application", no unit, no value) is unknown with its
 * reason, never one patch: "2 application" of a 50 mcg/hr patch is 240 MME/day, not 120.
 */
export function patchMcgPerHour(dosage: unknown, strength: StrengthResult): DailyResult {
  const perHour = strength.strength?.per === 'h' ? (strength.strength.mg * 1000) / strength.strength.perAmount : undefined;
  const values: { sequence: number | undefined; value: number }[] = [];
  for (const d of arr(dosage)) {
    const entry = obj(d);
    if (entry === undefined) continue;
    const dose = readDose(entry);
    if (dose.dose === undefined) {
      // A dose was written but could not be read: how many patches is not known.
      if (givesDose(entry)) return { value: null, reason: dose.reason };
      continue;
    }
    const { value, unit } = dose.dose;
    const sequence = typeof entry.sequence === 'number' ? entry.sequence : undefined;
    if (unit.kind === 'rate') values.push({ sequence, value: value * unit.mcgPerHour });
    else if (unit.kind === 'mass') values.push({ sequence, value: value * unit.mg * 1000 });
    else if (unit.kind === 'count' && perHour !== undefined) values.push({ sequence, value: value * perHour });
    else if (unit.kind === 'count') return { value: null, reason: reasonOf(strength) };
    else return { value: null, reason: `patch dose in ${unit.kind === 'volume' ? 'mL' : 'days'} cannot be read` };
  }
  if (values.length > 0) return finiteDaily(combineDaily(values));
  if (perHour !== undefined) return finiteDaily(perHour);
  return { value: null, reason: reasonOf(strength) };
}
