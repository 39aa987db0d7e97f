/**
 * Strengths read from a product name, in RxNorm style ("Acetaminophen 325 MG / Oxycodone Hydrochloride
 * 5 MG Oral Tablet", "72 HR Fentanyl 0.025 MG/HR Transdermal System", "... 6.25 MG per 5 ML Oral
 * Solution") and the usual shorthands ("oxycodone/APAP 5/325 mg", "Percocet 5/325", "fentanyl 25 mcg/hr
 * patch"). Each strength is matched to its ingredient by position: the strengths that follow a group of
 * ingredient names belong to those names, in order. A brand that stands for several ingredients lists the
 * primary one first (the opioid in "Percocet 5/325").
 */
import { MAX_CACHED_KEY_LENGTH } from '../../terminology/index.ts';
import { own } from './safe.ts';
import { ingredientsNamedIn } from './ingredient-roles.ts';
import type { Strength, StrengthBasis } from './strength-types.ts';

const NUM = String.raw`(?:\d+(?:\.\d+)?|\.\d+)`;
const MASS = String.raw`(?:mg|mcg|ug|µg|μg|micrograms?|milligrams?|gm|grams?|g)`;
const PER_UNIT = String.raw`(?:ml|milliliters?|millilitres?|hrs?|hours?|h|actuat(?:ions?)?|sprays?|puffs?)`;
// Runs in time linear in the name (the EHR chooses it; a name has no length limit). The denominator's
// count is `(?:(NUM)\s*)?`, not `(NUM)?\s*`: with the count absent that left two adjacent `\s*`, tried at
// every split of a run of spaces, and removing bracketed text turns "[..][..]..." into such a run
// ("1 / " + 40,000 "[]" + "x" took 0.7 s, quadratic in the length). Same matches as before.
const STRENGTH = new RegExp(
  String.raw`(?<![a-z0-9.])(${NUM}(?:\s*[/-]\s*${NUM})*)\s*(${MASS})?(?:\s*(/|\bper\b)\s*(?:(${NUM})\s*)?(${PER_UNIT}))?(?![a-z0-9])`,
  'g'
);
const TIME_WORD_AFTER = /^\s*(?:h|hr|hrs|hours?|days?|d|min|minutes?|times?|x)\b/;
const WORD = /[a-z]+/g;
const MASS_MG: Readonly<Record<string, number>> = { mg: 1, milligram: 1, mcg: 0.001, ug: 0.001, 'µg': 0.001, 'μg': 0.001, microgram: 0.001, g: 1000, gm: 1000, gram: 1000 };

interface Token {
  readonly at: number;
  readonly values: readonly Strength[];
  /** Denominator written as "per 5 ML" (may apply to every strength of the name). */
  readonly sharedPer: boolean;
}

interface Mention {
  readonly at: number;
  readonly ingredients: readonly string[];
}

function basisOf(unit: string): StrengthBasis {
  if (unit.startsWith('m')) return 'mL';
  if (unit.startsWith('h')) return 'h';
  return 'actuation';
}

/**
 * True when the text before a strength ends in "q" or "x", spaces aside ("q 4-6", "x 1-2"). Was
 * `/[qx]\s*$/.test(before)`: a regex does not start from the end, so it read the whole text before each
 * strength, quadratic over a long name of many ("q 1/2 " 13,000 times, 80,000 characters: 0.5 s; 1 MB: over a minute).
 * `trimEnd` removes exactly what `\s` matches.
 */
function endsWithQOrX(before: string): boolean {
  const last = before.trimEnd().at(-1);
  return last === 'q' || last === 'x';
}

function strengthTokens(text: string): Token[] {
  const tokens: Token[] = [];
  for (const m of text.matchAll(STRENGTH)) {
    const numbers = (m[1] ?? '').split(/\s*[/-]\s*/).map(Number);
    const massWord = m[2]?.replace(/s$/, '');
    const after = text.slice((m.index ?? 0) + m[0].length);
    const before = text.slice(0, m.index ?? 0);
    if (massWord === undefined) {
      // A bare number is not a strength; "5/325" is, but not "q4-6h" or "1-2 times".
      if (numbers.length < 2 || m[3] !== undefined || TIME_WORD_AFTER.test(after) || endsWithQOrX(before)) continue;
    }
    const factor = own(MASS_MG, massWord ?? 'mg') ?? 1;
    const per: StrengthBasis = m[5] === undefined ? 'unit' : basisOf(m[5]);
    const perAmount = m[4] === undefined ? 1 : Number(m[4]);
    if (!(perAmount > 0) || numbers.some((n) => !(n > 0))) continue;
    tokens.push({
      at: m.index ?? 0,
      values: numbers.map((n) => ({ mg: n * factor, perAmount, per, source: 'name' as const })),
      sharedPer: m[3] !== undefined && m[3] !== '/' && per === 'mL',
    });
  }
  return tokens;
}

/** Ingredient mentions by word position; multi-word names are tried only where no single word matched. */
function mentions(text: string): Mention[] {
  const words = [...text.matchAll(WORD)].map((m) => ({ at: m.index ?? 0, word: m[0] }));
  const found: Mention[] = [];
  let i = 0;
  while (i < words.length) {
    const one = words[i];
    if (one === undefined) break;
    const single = ingredientsNamedIn(one.word);
    if (single.length > 0) {
      found.push({ at: one.at, ingredients: single });
      i += 1;
      continue;
    }
    let matched = false;
    for (const size of [3, 2]) {
      const span = words.slice(i, i + size);
      if (span.length < size || span.slice(1).some((w) => ingredientsNamedIn(w.word).length > 0)) continue;
      const phrase = ingredientsNamedIn(span.map((w) => w.word).join(' '));
      if (phrase.length > 0) {
        found.push({ at: one.at, ingredients: phrase });
        i += size;
        matched = true;
        break;
      }
    }
    if (!matched) i += 1;
  }
  return found;
}

/**
 * The values of a strength run that belong to `count` names: the whole first tokens whose values add up
 * to exactly `count` ("10-325 mg" for two names, ignoring a later "1-2"); else none.
 */
function leadingValues(run: readonly (readonly Strength[])[], count: number): readonly Strength[] {
  const taken: Strength[] = [];
  for (const values of run) {
    if (taken.length >= count) break;
    taken.push(...values);
  }
  return taken.length === count ? taken : [];
}

/** Pair strength runs with the ingredient groups before them. */
function pair(items: readonly (Mention | Token)[], isPrimary: (ingredient: string) => boolean): Map<string, Strength> {
  const result = new Map<string, Strength>();
  let names: string[] = [];
  let brand = false;
  let run: (readonly Strength[])[] = [];
  const flush = (): void => {
    // One name takes the first strength ("hydrocodone 10/325": 10); a brand standing for several
    // ingredients written with a single number ("Norco 10 mg") gives it to the primary ingredient.
    const all = run.flat();
    const values = names.length === 1 || (brand && all.length === 1) ? all.slice(0, 1) : leadingValues(run, names.length);
    values.forEach((value, k) => {
      const name = names[k];
      if (name !== undefined && !result.has(name)) result.set(name, value);
    });
    names = [];
    brand = false;
    run = [];
  };
  for (const item of items) {
    if ('ingredients' in item) {
      if (run.length > 0) flush();
      const ordered = [...item.ingredients].sort((a, b) => Number(isPrimary(b)) - Number(isPrimary(a)));
      brand = brand || (item.ingredients.length > 1 && names.length === 0);
      for (const name of ordered) if (!names.includes(name)) names.push(name);
    } else {
      run.push(item.values);
    }
  }
  flush();
  return result;
}

function parse(text: string, isPrimary: (ingredient: string) => boolean): Map<string, Strength> {
  const tokens = strengthTokens(text);
  // "2.5 MG / Promethazine 6.25 MG per 5 ML": a trailing "per 5 ML" applies to every strength without one.
  const last = tokens.at(-1);
  const shared = last?.sharedPer === true ? last.values[0] : undefined;
  const adjusted = tokens.map((t) =>
    shared !== undefined && t.values.every((v) => v.per === 'unit')
      ? { ...t, values: t.values.map((v) => ({ ...v, per: shared.per, perAmount: shared.perAmount })) }
      : t
  );
  const found = mentions(text);
  const items = [...found, ...adjusted].sort((a, b) => a.at - b.at);
  const result = pair(items, isPrimary);
  // "5 mg oxycodone tablet": one ingredient, strength written first.
  const distinct = new Set(found.flatMap((m) => m.ingredients));
  const first = adjusted[0]?.values[0];
  if (result.size === 0 && distinct.size === 1 && first !== undefined && adjusted[0]?.values.length === 1) {
    const [only] = distinct;
    if (only !== undefined) result.set(only, first);
  }
  return result;
}

const NO_PRIMARY = (): boolean => false;
const MEMO_LIMIT = 5000;
const MEMO = new WeakMap<(ingredient: string) => boolean, Map<string, ReadonlyMap<string, Strength>>>();

/**
 * Strength of each ingredient named in a product name. Bracketed brand suffixes ("[Percocet]",
 * "[Subsys 1200 MCG]") are ignored unless the name means nothing without them.
 */
export function strengthsFromName(name: string, isPrimary: (ingredient: string) => boolean = NO_PRIMARY): ReadonlyMap<string, Strength> {
  // Memoised per isPrimary function and name: the same few hundred product names recur on every
  // request (each dose fact reads a name twice), and parsing one costs tens of microseconds.
  let memo = MEMO.get(isPrimary);
  if (memo === undefined) {
    memo = new Map();
    MEMO.set(isPrimary, memo);
  }
  const cached = memo.get(name);
  if (cached !== undefined) return cached;
  const text = name.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ');
  const withoutBrackets = text.replace(/\[[^\]]*\]/g, ' ');
  const parsed = parse(withoutBrackets, isPrimary);
  const result = parsed.size > 0 || withoutBrackets === text ? parsed : parse(text, isPrimary);
  // Bounded: free-text names are unbounded in variety; start afresh rather than grow. A name longer than
  // any product's is not kept (5,000 names of a megabyte each would hold gigabytes between requests).
  if (name.length <= MAX_CACHED_KEY_LENGTH) {
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(name, result);
  }
  return result;
}
