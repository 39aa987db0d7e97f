/**
 * Unit reading for dose quantities and strengths. UCUM codes (mg, ug, mL, h, d, {tbl}) and the
 * free-text units EHRs put in `Quantity.unit` ("tablet", "TAB", "mcg", "patch") are both accepted.
 */
import { obj, own, str } from './safe.ts';

export type ParsedUnit =
  /** Mass; `mg` is how many mg one of this unit is. */
  | { readonly kind: 'mass'; readonly mg: number }
  /** Volume; `ml` is how many mL one of this unit is. */
  | { readonly kind: 'volume'; readonly ml: number }
  /** A countable unit of presentation (tablet, capsule, patch, actuation, ...), by canonical name. */
  | { readonly kind: 'count'; readonly name: string }
  /** Time; `days` is how many days one of this unit is. */
  | { readonly kind: 'time'; readonly days: number }
  /** Mass per time (e.g. mcg/h); `mcgPerHour` is how many mcg/hr one of this unit is. */
  | { readonly kind: 'rate'; readonly mcgPerHour: number };

const MASS_MG: Readonly<Record<string, number>> = {
  mg: 1,
  milligram: 1,
  mcg: 0.001,
  ug: 0.001,
  µg: 0.001,
  μg: 0.001,
  microgram: 0.001,
  g: 1000,
  gm: 1000,
  gram: 1000,
  ng: 0.000001,
  nanogram: 0.000001,
};

// Household measures are the standard equivalents (1 tsp = 5 mL, 1 tbsp = 15 mL).
const VOLUME_ML: Readonly<Record<string, number>> = {
  ml: 1,
  milliliter: 1,
  millilitre: 1,
  cc: 1,
  l: 1000,
  liter: 1000,
  litre: 1000,
  tsp: 5,
  teaspoon: 5,
  tbsp: 15,
  tablespoon: 15,
};

/** UCUM units of time (FHIR `UnitsOfTime`) plus common spellings, in days. */
export const TIME_DAYS: Readonly<Record<string, number>> = {
  s: 1 / 86_400,
  sec: 1 / 86_400,
  second: 1 / 86_400,
  min: 1 / 1440,
  minute: 1 / 1440,
  h: 1 / 24,
  hr: 1 / 24,
  hour: 1 / 24,
  d: 1,
  day: 1,
  wk: 7,
  week: 7,
  mo: 30,
  month: 30,
  a: 365,
  y: 365,
  yr: 365,
  year: 365,
};

const COUNT_NAMES: Readonly<Record<string, string>> = {
  '1': 'unit',
  tab: 'tablet',
  tbl: 'tablet',
  tablet: 'tablet',
  cap: 'capsule',
  capsule: 'capsule',
  pill: 'pill',
  patch: 'patch',
  system: 'patch',
  each: 'unit',
  ea: 'unit',
  unit_of_presentation: 'unit',
  suppository: 'suppository',
  supp: 'suppository',
  lozenge: 'lozenge',
  troche: 'lozenge',
  film: 'film',
  strip: 'film',
  wafer: 'tablet',
  actuat: 'actuation',
  actuation: 'actuation',
  spray: 'actuation',
  puff: 'actuation',
  inhalation: 'actuation',
  applicator: 'unit',
};

function singular(word: string): string {
  if (own(COUNT_NAMES, word) !== undefined || own(MASS_MG, word) !== undefined || own(VOLUME_ML, word) !== undefined || own(TIME_DAYS, word) !== undefined) {
    return word;
  }
  if (word.endsWith('ches')) return word.slice(0, -2);
  if (word.endsWith('s') && word.length > 2) return word.slice(0, -1);
  return word;
}

/** Normalise a unit word: lower-case, no UCUM braces/brackets, no "(s)"/"(es)" plural mark ("tab(s)", "patch(es)"), singular. */
function cleanWord(raw: string): string {
  const word = raw.trim().toLowerCase().replace(/\((?:e)?s\)$/, '').replace(/[{}[\]]/g, '').replace(/\s+/g, '_').replace(/\.$/, '');
  return singular(word);
}

/**
 * After the last "/" of a rate unit ("mcg/hr", "mg / 24 h"): an optional count, then a word. Each part is
 * written so that it can be matched only one way: the count must start with a digit or ".", and the space
 * after it is inside the optional group, so no two adjacent quantifiers share characters.
 */
const PER_TIME = /^\/\s*(?:(\d+(?:\.\d*)?|\.\d*)\s*)?([a-z]+)$/;
/** What `.` does not match (the characters a rate unit's mass word may not contain). */
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;

/**
 * A rate unit split into its mass word, count and time word; null when the text is not one. The same as
 * `/^(.+?)\s*\/\s*(\d*\.?\d*)\s*([a-z]+)$/` (the count '' when absent), read in time linear in the text: the
 * EHR chooses the unit text, and that pattern took quadratic time on a long run of spaces ("mg" + 80,000
 * spaces: 2.3 s) or of digits after the slash ("mg/" + 80,000 digits: 7.4 s). Only the last "/" can be the
 * one (nothing after it may hold another), and the lazy `.+?` then ends where the spaces before it begin.
 */
function splitRate(text: string): readonly [mass: string, count: string, time: string] | null {
  const at = text.lastIndexOf('/');
  if (at < 1) return null;
  const mass = text.slice(0, at).trimEnd();
  if (mass === '' || LINE_TERMINATOR.test(mass)) return null;
  const rest = PER_TIME.exec(text.slice(at));
  return rest === null ? null : [mass, rest[1] ?? '', rest[2] ?? ''];
}

/** Read one unit string; undefined when not recognised. */
export function parseUnitText(raw: string): ParsedUnit | undefined {
  const text = raw.trim().toLowerCase();
  const slash = splitRate(text);
  if (slash !== null) {
    const mass = own(MASS_MG, cleanWord(slash[0]));
    const time = own(TIME_DAYS, cleanWord(slash[2]));
    const n = slash[1] === '' ? 1 : Number(slash[1]);
    if (mass !== undefined && time !== undefined && n > 0) {
      return { kind: 'rate', mcgPerHour: (mass * 1000) / (n * time * 24) };
    }
    return undefined;
  }
  const word = cleanWord(text);
  const mass = own(MASS_MG, word);
  if (mass !== undefined) return { kind: 'mass', mg: mass };
  const volume = own(VOLUME_ML, word);
  if (volume !== undefined) return { kind: 'volume', ml: volume };
  const time = own(TIME_DAYS, word);
  if (time !== undefined) return { kind: 'time', days: time };
  const count = own(COUNT_NAMES, word);
  if (count !== undefined) return { kind: 'count', name: count };
  return undefined;
}

/** Read the unit of a FHIR Quantity: `code` first (UCUM), then `unit`. */
export function quantityUnit(quantity: unknown): ParsedUnit | undefined {
  const q = obj(quantity);
  if (q === undefined) return undefined;
  for (const candidate of [str(q.code), str(q.unit)]) {
    if (candidate === undefined) continue;
    const parsed = parseUnitText(candidate);
    if (parsed !== undefined) return parsed;
  }
  return undefined;
}

/** The unit text of a Quantity for messages. */
export function unitLabel(quantity: unknown): string {
  const q = obj(quantity);
  return str(q?.unit) ?? str(q?.code) ?? 'no unit';
}

/** Canonical label of a parsed unit ('mg', 'mL', 'tablet', 'mcg/hr', 'd'). */
export function canonicalUnit(unit: ParsedUnit): string {
  switch (unit.kind) {
    case 'mass':
      return 'mg';
    case 'volume':
      return 'mL';
    case 'count':
      return unit.name;
    case 'time':
      return 'd';
    case 'rate':
      return 'mcg/hr';
  }
}
