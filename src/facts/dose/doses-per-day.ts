/**
 * Daily amount from `dosageInstruction[]` (MedicationRequest) or `dosage[]` (MedicationStatement), in the
 * unit of the dose (mg, mL, tablet, ...). Rules:
 * - dose: `doseAndRate[].doseQuantity`, or the HIGH end of `doseRange` (safe side for a threshold);
 * - as needed (PRN) with `maxDosePerPeriod`: the maximum per period is the daily amount, because the
 *   PRN maximum is what CDC 2022 counts; PRN without a maximum uses the scheduled frequency if given;
 * - frequency: see `timing.ts`;
 * - several instructions: the same `sequence` means taken together (summed); different sequences follow each
 *   other (tapering), and the highest daily amount is taken. Without a sequence, a scheduled and an as-needed
 *   instruction are taken together ("1 tab q12h" plus "1 tab q4h PRN, max 3/day": summed); instructions
 *   of the same kind are alternatives (the highest) unless they name different times of day (see
 *   `combineDaily`). Text-only entries are ignored.
 * Anything that cannot be computed is unknown with a reason, never 0.
 */
import type { Dosage } from '@medplum/fhirtypes';
import { arr, conceptCodes, conceptTexts, num, obj, own, positive } from './safe.ts';
import { timesPerDay } from './timing.ts';
import { canonicalUnit, quantityUnit, unitLabel, type ParsedUnit } from './units.ts';

export interface Amount {
  readonly value: number;
  readonly unit: ParsedUnit;
}

/** One dosage instruction's daily amount. */
export interface EntryAmount extends Amount {
  readonly sequence: number | undefined;
  /** True for an as-needed (PRN) instruction. */
  readonly asNeeded: boolean;
  /** The times of day it is taken (timing.repeat.timeOfDay and when), when given. */
  readonly slots?: readonly string[];
  /** The amount given at one time (same unit), when the daily amount was built from it. */
  readonly perDose?: number;
  /**
   * For an as-needed instruction read from its maximum per period: the dose × frequency reading, used when
   * the maximum cannot be converted (a combination product's maximum given for its partner: "max 3 g of
   * acetaminophen a day" on oxycodone/acetaminophen).
   */
  readonly fallback?: EntryAmount;
}

export type Unknown = { readonly perDay: null; readonly reason: string };

type DoseRead = { readonly dose: Amount } | { readonly dose: undefined; readonly reason: string };

/** The amount given at one time, from doseAndRate (an 'ordered' entry is preferred over 'calculated'). */
export function readDose(entry: Record<string, unknown>): DoseRead {
  const items = arr(entry.doseAndRate).flatMap((item) => {
    const o = obj(item);
    return o === undefined ? [] : [o];
  });
  const ordered = items.filter((item) => conceptCodes(item.type).includes('ordered'));
  let reason = 'no dose quantity';
  for (const item of [...ordered, ...items]) {
    const quantity = obj(item.doseQuantity) ?? obj(obj(item.doseRange)?.high);
    if (quantity === undefined) {
      if (obj(item.doseRange) !== undefined) reason = 'dose range has no high value';
      continue;
    }
    const value = positive(quantity.value);
    const unit = quantityUnit(quantity);
    if (value === undefined) {
      reason = 'dose quantity has no positive value';
      continue;
    }
    if (unit === undefined || unit.kind === 'time') {
      reason = `unrecognised dose unit '${unitLabel(quantity)}'`;
      continue;
    }
    return { dose: { value, unit } };
  }
  return { dose: undefined, reason };
}

/** maxDosePerPeriod (a Ratio; an array as in R5 is accepted) as a daily amount; the highest if several. */
function readMaxPerDay(value: unknown): Amount | undefined {
  let best: Amount | undefined;
  for (const item of arr(value)) {
    const ratio = obj(item);
    const amount = positive(obj(ratio?.numerator)?.value);
    const unit = quantityUnit(ratio?.numerator);
    const denominator = obj(ratio?.denominator);
    const per = quantityUnit(denominator);
    if (amount === undefined || unit === undefined || unit.kind === 'time' || per?.kind !== 'time') continue;
    const days = (positive(denominator?.value) ?? 1) * per.days;
    const perDay = amount / days;
    if (best === undefined || perDay > best.value) best = { value: perDay, unit };
  }
  return best;
}

export function isAsNeeded(entry: Record<string, unknown>): boolean {
  return entry.asNeededBoolean === true || entry.asNeeded === true || obj(entry.asNeededCodeableConcept) !== undefined || arr(entry.asNeededFor).length > 0;
}

/** True when an entry carries anything structured (text-only entries are ignored). */
export function isStructured(entry: Record<string, unknown>): boolean {
  return (
    entry.doseAndRate !== undefined || entry.timing !== undefined || entry.maxDosePerPeriod !== undefined || isAsNeeded(entry)
  );
}

/** Daily amount of one dosage instruction. */
function entryPerDay(entry: Record<string, unknown>): EntryAmount | Unknown {
  const sequence = num(entry.sequence);
  const asNeeded = isAsNeeded(entry);
  const dose = readDose(entry);
  const max = readMaxPerDay(entry.maxDosePerPeriod);
  const times = timesPerDay(entry.timing);
  if (asNeeded && max !== undefined) {
    const fallback: EntryAmount | undefined =
      dose.dose !== undefined && times.perDay !== null
        ? { value: dose.dose.value * times.perDay, unit: dose.dose.unit, sequence, asNeeded, perDose: dose.dose.value, ...slotsOf(entry) }
        : undefined;
    return { ...max, sequence, asNeeded, ...(fallback ? { fallback } : {}) };
  }
  if (dose.dose === undefined || times.perDay === null) {
    if (max !== undefined) return { ...max, sequence, asNeeded };
    if (dose.dose === undefined) return { perDay: null, reason: dose.reason };
    return { perDay: null, reason: asNeeded ? `as-needed dose with no frequency and no maximum per period` : (times as Unknown).reason };
  }
  return { value: dose.dose.value * times.perDay, unit: dose.dose.unit, sequence, asNeeded, perDose: dose.dose.value, ...slotsOf(entry) };
}

/**
 * v3-GTSAbbreviation timing codes that name a time of day, as the EventTiming code of that time: "3 tablets AM"
 * and "1 tablet PM" sent as two instructions are a split dose, as they are with `when` MORN and EVE.
 */
const TIME_OF_DAY_CODES: Readonly<Record<string, string>> = { AM: 'MORN', PM: 'EVE', BED: 'HS' };

/**
 * timing.repeat.timeOfDay and when, as one list ("08:00:00", "HS"), when the entry names any; else the time of
 * day a timing code AM, PM or BED names.
 */
function slotsOf(entry: Record<string, unknown>): { slots?: string[] } {
  const timing = obj(entry.timing);
  const repeat = obj(timing?.repeat);
  const slots = [...arr(repeat?.timeOfDay), ...arr(repeat?.when)].filter((v): v is string => typeof v === 'string' && v.length > 0);
  if (slots.length === 0) {
    for (const text of [...conceptCodes(timing?.code), ...conceptTexts(timing?.code)]) {
      const slot = own(TIME_OF_DAY_CODES, text.trim().toUpperCase());
      if (slot !== undefined && !slots.includes(slot)) slots.push(slot);
    }
  }
  return slots.length > 0 ? { slots } : {};
}

/** Every structured dosage instruction's daily amount, or the first reason one cannot be computed. */
export function dailyEntries(dosage: unknown): { readonly entries: readonly EntryAmount[] } | Unknown {
  const list = arr(dosage).flatMap((d) => {
    const o = obj(d);
    return o === undefined ? [] : [o];
  });
  if (list.length === 0) return { perDay: null, reason: 'no dosage instructions' };
  const structured = list.filter(isStructured);
  if (structured.length === 0) return { perDay: null, reason: 'no dose quantity' };
  const entries: EntryAmount[] = [];
  for (const entry of structured) {
    const result = entryPerDay(entry);
    if ('reason' in result) return result;
    entries.push(result);
  }
  return { entries };
}

/** One instruction's daily amount as `combineDaily` sees it. */
export interface DailyValue {
  readonly sequence: number | undefined;
  readonly value: number;
  /** As needed (PRN); absent means scheduled. */
  readonly asNeeded?: boolean;
  readonly slots?: readonly string[];
}

/**
 * Unsequenced instructions of one kind (all scheduled, or all as needed): alternatives, so the highest
 * counts, unless each names its own times of day and no two share one ("1 tablet at 08:00" and "2 tablets
 * at 20:00"): then they are taken the same day, and add up.
 */
function combineAlternatives(values: readonly DailyValue[]): number {
  const allSlots = values.flatMap((v) => v.slots ?? []);
  const splitByTime = values.length > 1 && values.every((v) => (v.slots?.length ?? 0) > 0) && new Set(allSlots).size === allSlots.length;
  return splitByTime ? values.reduce((sum, v) => sum + v.value, 0) : values.reduce((best, v) => Math.max(best, v.value), 0);
}

/**
 * Sum values sharing a `sequence` (taken together), then the highest across sequences (one after another).
 * Instructions without a sequence: the scheduled ones and the as-needed ones are each combined as
 * alternatives (`combineAlternatives`), and the two kinds are added, because a scheduled dose and an
 * as-needed dose for breakthrough pain in one order ("1 tab q12h" + "1 tab q4h PRN, max 3/day") are
 * both taken in a day (CDC 2022: sum each opioid's daily dose). That total competes with the sequences.
 */
export function combineDaily(values: readonly DailyValue[]): number {
  const unsequenced = values.filter((v) => v.sequence === undefined);
  const scheduled = unsequenced.filter((v) => v.asNeeded !== true);
  const asNeeded = unsequenced.filter((v) => v.asNeeded === true);
  const bySequence = new Map<number, number>();
  let best = combineAlternatives(scheduled) + combineAlternatives(asNeeded);
  for (const { sequence, value } of values) {
    if (sequence === undefined) continue;
    const sum = (bySequence.get(sequence) ?? 0) + value;
    bySequence.set(sequence, sum);
    best = Math.max(best, sum);
  }
  return best;
}

/** Convert a daily amount to mg when its unit is a mass; undefined otherwise. */
function massToMg(amount: Amount): number | undefined {
  return amount.unit.kind === 'mass' ? amount.value * amount.unit.mg : undefined;
}

/**
 * Daily amount in the dose's own unit (mass in mg). Exported for tests; the dose calculators convert
 * each instruction with the product strength before combining.
 */
export function dosesPerDay(dosage: readonly Dosage[] | undefined): { perDay: number; unit: string } | { perDay: null; reason: string } {
  try {
    const result = dailyEntries(dosage);
    if ('reason' in result) return { perDay: null, reason: result.reason };
    const units = new Set(result.entries.map((e) => canonicalUnit(e.unit)));
    const [unit] = units;
    if (units.size !== 1 || unit === undefined) return { perDay: null, reason: 'dosage instructions use different units' };
    const values = result.entries.map((e) => ({ sequence: e.sequence, value: massToMg(e) ?? e.value, asNeeded: e.asNeeded, ...(e.slots ? { slots: e.slots } : {}) }));
    return { perDay: combineDaily(values), unit };
  } catch {
    return { perDay: null, reason: 'malformed dosage' };
  }
}
