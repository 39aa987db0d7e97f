/**
 * Administrations per day from a FHIR Timing. Where the timing allows a range, the most frequent
 * reading is used (frequencyMax over frequency, period over periodMax): a safety threshold should not
 * be under-counted.
 */
import { arr, conceptCodes, conceptTexts, obj, own, positive, str } from './safe.ts';
import { TIME_DAYS } from './units.ts';

export type TimesPerDay = { readonly perDay: number } | { readonly perDay: null; readonly reason: string };

/**
 * Most administrations a day taken as a reading of the order: every 5 minutes (288 a day). Acute-care
 * as-needed orders are written that often ("fentanyl IV every 5 minutes as needed" after surgery; every 10
 * or 15 minutes for IV hydromorphone) and are read, multiplied as the most frequent reading (a safety
 * threshold is not under-counted). More often than that is not a dosing schedule but a typing error or a
 * hostile value ("frequency 1, period 1e-300 d"), and the dose is reported as unreadable rather than
 * multiplied into an absurd daily figure. Continuous infusions do not come through here: they are rates
 * (`rateQuantity`), which the dose calculators do not read.
 */
export const MAX_PER_DAY = 288;

/** http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation codes (Timing.code), per day. */
const TIMING_CODES: Readonly<Record<string, number>> = {
  QD: 1,
  AM: 1,
  PM: 1,
  BED: 1,
  BID: 2,
  TID: 3,
  QID: 4,
  QOD: 0.5,
  Q1H: 24,
  Q2H: 12,
  Q3H: 8,
  Q4H: 6,
  Q6H: 4,
  Q8H: 3,
  Q12H: 2,
  WK: 1 / 7,
  MO: 1 / 30,
};

/** EventTiming codes that stand for every meal (up to three a day); every other code is one event a day. */
const MEAL_EVENTS = new Set(['C', 'AC', 'PC']);

/** The largest total count read as a one-time order taken within a day ("once", "twice"). */
const MAX_ONE_TIME_COUNT = 2;

function fromRepeat(repeat: Record<string, unknown>): TimesPerDay | undefined {
  const frequency = Math.max(positive(repeat.frequency) ?? 0, positive(repeat.frequencyMax) ?? 0);
  const period = minDefined(positive(repeat.period), positive(repeat.periodMax));
  const periodUnit = str(repeat.periodUnit);
  const events = countEvents(repeat);

  if (period !== undefined || frequency > 0) {
    if (period === undefined) return { perDay: null, reason: 'timing has a frequency but no period' };
    if (periodUnit === undefined) return { perDay: null, reason: 'timing has no period unit' };
    const days = own(TIME_DAYS, periodUnit.trim().toLowerCase());
    if (days === undefined) return { perDay: null, reason: `unknown period unit '${periodUnit}'` };
    // FHIR: "frequency" defaults to 1 when only a period is given ("every 8 hours").
    const perDay = (frequency > 0 ? frequency : 1) / (period * days);
    return { perDay: atMostCount(Math.max(perDay, events), repeat) };
  }
  if (events > 0) return { perDay: atMostCount(events, repeat) };
  // "Once" / "twice in total" (count without frequency): never more than that many a day. A larger total
  // ("20 doses") says how many in all, not how often: read as a daily figure it made "every 6 hours, 20 doses"
  // (the frequency in a code this reader does not know) 20 doses a day. Unknown unless a code gives the frequency.
  const count = totalCount(repeat);
  if (count <= 0) return undefined;
  return count <= MAX_ONE_TIME_COUNT ? { perDay: count } : { perDay: null, reason: 'timing gives only the total number of doses, not how often' };
}

/**
 * "Every 4 hours, 3 doses": never more a day than the total count, however the frequency is written (as for a
 * timing code with a count). The count is the whole order's, so a smaller daily figure stands ("every 6 hours,
 * 20 doses" is 4 a day).
 */
function atMostCount(perDay: number, repeat: Record<string, unknown>): number {
  const count = totalCount(repeat);
  return count > 0 ? Math.min(perDay, count) : perDay;
}

/** repeat.count (or countMax): how many doses in all, not per day. */
function totalCount(repeat: Record<string, unknown>): number {
  return Math.max(positive(repeat.count) ?? 0, positive(repeat.countMax) ?? 0);
}

/** True when `repeat` says how often only through a total count (no frequency, period or times of day). */
function countOnly(repeat: Record<string, unknown>): boolean {
  return totalCount(repeat) > 0 && positive(repeat.frequency) === undefined && positive(repeat.frequencyMax) === undefined && positive(repeat.period) === undefined && countEvents(repeat) === 0;
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a, b);
}

function countEvents(repeat: Record<string, unknown>): number {
  const when = new Set(arr(repeat.when).flatMap((w) => (typeof w === 'string' ? [w.trim().toUpperCase()] : [])));
  const times = new Set(arr(repeat.timeOfDay).flatMap((t) => (typeof t === 'string' ? [t.trim()] : [])));
  let count = times.size;
  for (const w of when) count += MEAL_EVENTS.has(w) ? 3 : 1;
  return count;
}

function fromCode(code: unknown): number | undefined {
  for (const text of [...conceptCodes(code), ...conceptTexts(code)]) {
    const perDay = own(TIMING_CODES, text.trim().toUpperCase());
    if (perDay !== undefined) return perDay;
  }
  return undefined;
}

/**
 * Administrations per day; `repeat` wins over `code` when both are given. More than MAX_PER_DAY, or a
 * figure that is not a finite number, is unreadable (the reason does not repeat the figure).
 */
export function timesPerDay(timing: unknown): TimesPerDay {
  const result = readTimesPerDay(timing);
  if (result.perDay === null || (Number.isFinite(result.perDay) && result.perDay <= MAX_PER_DAY + 1e-9)) return result;
  return { perDay: null, reason: `timing gives more than ${MAX_PER_DAY} administrations a day (more often than every 5 minutes), which is not a plausible schedule` };
}

function readTimesPerDay(timing: unknown): TimesPerDay {
  const t = obj(timing);
  if (t === undefined) return { perDay: null, reason: 'no frequency' };
  const repeat = obj(t.repeat);
  const fromRep = repeat === undefined ? undefined : fromRepeat(repeat);
  const coded = fromCode(t.code);
  // "Q6H, 20 doses": the code says how often, the count how many in all (at most that many a day).
  if (repeat !== undefined && coded !== undefined && countOnly(repeat)) return { perDay: Math.min(coded, totalCount(repeat)) };
  if (fromRep !== undefined && fromRep.perDay !== null) return fromRep;
  if (coded !== undefined) return { perDay: coded };
  return fromRep ?? { perDay: null, reason: 'no frequency' };
}
