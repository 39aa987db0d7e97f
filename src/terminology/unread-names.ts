/**
 * Names the classifier cannot read, but can tell are probably a CNS drug it should know: a misspelling
 * ("alprazolem", "lorazapam", "hydrocodon"), a truncated name as pharmacy labels write them ("HYDROCOD/APAP",
 * "BUTALB/APAP/CAFF", "BUTALBIT-ASA-CAFF-CODEINE"), or an abbreviated part of a combination beside ingredients it
 * does read ("ACETAMINOPHEN-COD #3", "PROMETHAZINE-COD", "bup/nal"). Such a name is not recognised (there is no cited
 * source for these abbreviations); the facts layer reports it as "check incomplete" (src/facts/derive-facts.ts),
 * naming the word and what it may be, rather than treating the medication as a drug of no interest.
 *
 * An unrecognised name alone is not reported ("lisinopril", "metformin" say nothing): only a word that is close to a
 * CNS drug name of the dictionary. Everything is derived from the dictionary's own names (ingredient-names.ts,
 * brand-names.ts), so no name is added here. Built once per classifier; its result is part of the cached
 * classification, so each distinct medication is examined once.
 */
import { BoundedCache } from './bounded-cache.ts';
import { BRAND_NAMES } from './data/brand-names.ts';
import { INGREDIENT_NAMES, type IngredientRole } from './data/ingredient-names.ts';

export interface UnreadName {
  /** The word as it was read (lower case): "alprazolem", "hydrocod", "cod", "#3". */
  readonly word: string;
  /** The canonical CNS ingredients it may stand for (sorted): ["alprazolam"], ["codeine"]. */
  readonly mayBe: readonly string[];
}

export interface UnreadNameFinder {
  /**
   * The first word of the text that probably names a CNS drug the dictionary did not read, or undefined.
   * @param normalised - The medication's normalised text (text-normalise.ts).
   * @param unmatched - Its words of letters that no dictionary name took (name-patterns.ts).
   * @param recognised - The ingredients recognised (a word that may only be one of them is not reported).
   */
  find(normalised: string, unmatched: readonly string[], recognised: ReadonlySet<string>): UnreadName | undefined;
}

const CNS_ROLES: ReadonlySet<IngredientRole> = new Set(['opioid', 'oud-opioid', 'benzodiazepine', 'z-drug', 'barbiturate', 'gabapentinoid', 'muscle-relaxant', 'ketamine']);

/** Shortest word compared by spelling: "ultra" (Ultram), "xanex" are left alone, as too many short words are close. */
const MIN_NEAR_WORD = 6;
/** Shortest truncated word read as the start of a name on its own ("hydroc", "butalb", "oxycod"). */
const MIN_PREFIX_WORD = 6;
/** Shortest part of a combination read as the start of an ingredient name ("cod", "bup"). */
const MIN_PART = 3;
/** Words compared per medication (the text is bounded already; this bounds the comparisons). */
const MAX_WORDS = 64;
/** A longer word is no misspelt drug name (the longest names of the dictionary have about 20 letters). */
const MAX_WORD_LENGTH = 40;

/** A CNS name of one word and the CNS ingredients it stands for. */
interface Target {
  readonly name: string;
  readonly ingredients: readonly string[];
}

/**
 * Parts of a combination: words of letters joined by "/" or "-" ("acetaminophen-cod", "hydrocod/apap",
 * "but-asa-caff-cod"). Linear: each character is read once.
 */
const COMBINATION = /[a-z]+(?: ?[/-] ?[a-z]+)+/g;
const PART_SEPARATOR = / ?[/-] ?/;

/**
 * Acetaminophen with codeine by its number after the generic name ("ACETAMINOPHEN #3", "APAP No. 4"): Tylenol with
 * Codeine No. 3 / No. 4 is acetaminophen with codeine 30 / 60 mg (data/pattern-names.ts, which reads the number after
 * the brand). After the generic name it is reported, not read as codeine.
 */
const ACETAMINOPHEN_NUMBER = /\b(?:acetaminophen|apap|paracetamol)\b[^;]{0,30}?(#|\bno\.? ?|\bnumber )[34](?![0-9])/;

/**
 * Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions), or `max + 1` as soon as it
 * exceeds `max`.
 */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let before: number[] = [];
  let previous: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current: number[] = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, (before[j - 2] ?? 0) + 1);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > max) return max + 1;
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? max + 1;
}

/** How far a word may be from a name of this length: one edit, two from 10 letters on ("hydrocodon", "gabapentine"). */
const allowedDistance = (name: string): number => (name.length >= 10 ? 2 : 1);

/** Build the finder from the dictionary's names. */
export function createUnreadNameFinder(isName: (word: string) => boolean): UnreadNameFinder {
  const roles = new Map(INGREDIENT_NAMES.map((i) => [i.name, i.role]));
  const isCns = (ingredient: string): boolean => CNS_ROLES.has(roles.get(ingredient) ?? 'other');
  const oneWord = (name: string): boolean => /^[a-z]+$/.test(name);

  /** Ingredient names and synonyms of one word: CNS ones, and all (for the parts of a combination). */
  const cnsIngredientNames: Target[] = [];
  const allIngredientNames: string[] = [];
  for (const ingredient of INGREDIENT_NAMES) {
    for (const name of [ingredient.name, ...(ingredient.synonyms ?? [])]) {
      if (!oneWord(name)) continue;
      allIngredientNames.push(name);
      if (CNS_ROLES.has(ingredient.role)) cnsIngredientNames.push({ name, ingredients: [ingredient.name] });
    }
  }
  /** CNS names compared by spelling and by their start: ingredients and brands with a CNS ingredient. */
  const targets: Target[] = [...cnsIngredientNames];
  for (const brand of BRAND_NAMES) {
    const cns = brand.ingredients.filter(isCns);
    if (oneWord(brand.brand) && cns.length > 0) targets.push({ name: brand.brand, ingredients: cns });
  }
  const byFirstLetter = new Map<string, Target[]>();
  for (const target of targets) {
    if (target.name.length < MIN_NEAR_WORD) continue;
    const list = byFirstLetter.get(target.name[0] ?? '') ?? [];
    list.push(target);
    byFirstLetter.set(target.name[0] ?? '', list);
  }

  const result = (word: string, found: readonly Target[], recognised: ReadonlySet<string>): UnreadName | undefined => {
    const mayBe = [...new Set(found.flatMap((t) => t.ingredients))].filter((i) => !recognised.has(i)).sort();
    return mayBe.length > 0 ? { word, mayBe } : undefined;
  };

  /**
   * The CNS names a word is a misspelling or the start of: same first letter, within the allowed distance, or its
   * start. Kept per word (the same words, "tablet", "extended", recur in every name).
   */
  const nearCache = new BoundedCache<readonly Target[]>(10_000);
  const nearTargets = (word: string): readonly Target[] => {
    const known = nearCache.get(word);
    if (known !== undefined) return known;
    const found: Target[] = [];
    for (const target of byFirstLetter.get(word[0] ?? '') ?? []) {
      const truncated = word.length >= MIN_PREFIX_WORD && target.name.length > word.length && target.name.startsWith(word);
      if (truncated || editDistance(word, target.name, allowedDistance(target.name)) <= allowedDistance(target.name)) found.push(target);
    }
    nearCache.set(word, found);
    return found;
  };
  const nearName = (word: string, recognised: ReadonlySet<string>): UnreadName | undefined =>
    word.length < MIN_NEAR_WORD || word.length > MAX_WORD_LENGTH ? undefined : result(word, nearTargets(word), recognised);

  /**
   * A part of a combination that is the start of a CNS ingredient's name, when every other part is a name the
   * dictionary reads or the start of an ingredient's name ("acetaminophen-cod", "but-asa-caff-cod", "bup/nal"):
   * a combination of known ingredients written short. "pre-filled", "Chlor-Trimeton" are left alone (a part that
   * starts no ingredient name).
   */
  const startsIngredient = (part: string): boolean => allIngredientNames.some((n) => n.length > part.length && n.startsWith(part));
  const combinationPart = (normalised: string, recognised: ReadonlySet<string>): UnreadName | undefined => {
    for (const match of normalised.matchAll(COMBINATION)) {
      const parts = match[0].split(PART_SEPARATOR).filter((p) => p.length >= MIN_PART);
      if (parts.length < 2) continue;
      for (const part of parts) {
        if (isName(part)) continue;
        const starts = cnsIngredientNames.filter((t) => t.name.length > part.length && t.name.startsWith(part));
        if (starts.length === 0) continue;
        if (!parts.every((other) => other === part || isName(other) || startsIngredient(other))) continue;
        const found = result(part, starts, recognised);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  };

  return {
    find(normalised, unmatched, recognised) {
      for (const word of [...new Set(unmatched)].slice(0, MAX_WORDS)) {
        const found = nearName(word, recognised);
        if (found !== undefined) return found;
      }
      const part = combinationPart(normalised, recognised);
      if (part !== undefined) return part;
      const number = recognised.has('acetaminophen') && !recognised.has('codeine') ? ACETAMINOPHEN_NUMBER.exec(normalised) : null;
      if (number !== null) return { word: `${number[1]?.trim() ?? '#'}${number[0].slice(-1)}`, mayBe: ['codeine'] };
      return undefined;
    },
  };
}
