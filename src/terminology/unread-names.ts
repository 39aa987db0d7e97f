/**
 * Names the classifier cannot read, but can tell are probably a CNS drug it should know: a misspelling
 * ("alprazolem", "lorazapam", "hydrocodon"), a truncated name as pharmacy labels write them ("HYDROCOD/APAP",
 * "BUTALB/APAP/CAFF", "BUTALBIT-ASA-CAFF-CODEINE"), or an abbreviated part of a combination beside ingredients it
 * does read ("ACETAMINOPHEN-COD #3", "PROMETHAZINE-COD", "bup/nal"). Such a name is not recognised (there is no cited
 * source for these abbreviations); the facts layer reports it as "check incomplete" (src/facts/derive-facts.ts),
 * naming the word and what it may be, rather than treating the medication as a drug of no interest.
 *
 * An unrecognised name alone is not reported ("lisinopril", "metformin" say nothing): only a word that is close to a
 * CNS drug name of the dictionary. Nor is a word that is as much the start (or a misspelling) of a common ingredient
 * of no class ("CARB/LEVO": levodopa, not levorphanol; "PHENAZO": phenazopyridine, not phenazocine; "BUP/NALTREX":
 * bupropion/naltrexone), unless it is a part of a combination that only the CNS reading makes a known product
 * ("bup/nal": buprenorphine/naloxone, Suboxone; "OXY/APAP": oxycodone/acetaminophen, Percocet). The names compared
 * are the dictionary's own (ingredient-names.ts, brand-names.ts) and, for the ingredients of no class,
 * data/other-ingredient-names.ts. Built once per classifier; its result is part of the cached classification, so
 * each distinct medication is examined once.
 */
import { BoundedCache } from './bounded-cache.ts';
import { BRAND_NAMES } from './data/brand-names.ts';
import { INGREDIENT_NAMES, type IngredientRole } from './data/ingredient-names.ts';
import { OTHER_INGREDIENT_NAMES } from './data/other-ingredient-names.ts';

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
  /** Every one-word name (ingredient, synonym, brand) and the ingredients it stands for. */
  const ingredientsByName = new Map<string, Set<string>>();
  const addName = (name: string, ingredients: readonly string[]): void => {
    const known = ingredientsByName.get(name) ?? new Set<string>();
    for (const ingredient of ingredients) known.add(ingredient);
    ingredientsByName.set(name, known);
  };
  for (const ingredient of INGREDIENT_NAMES) {
    for (const name of [ingredient.name, ...(ingredient.synonyms ?? [])]) {
      if (!oneWord(name)) continue;
      allIngredientNames.push(name);
      addName(name, [ingredient.name]);
      if (CNS_ROLES.has(ingredient.role)) cnsIngredientNames.push({ name, ingredients: [ingredient.name] });
    }
  }
  /** CNS names compared by spelling and by their start: ingredients and brands with a CNS ingredient. */
  const targets: Target[] = [...cnsIngredientNames];
  /** Products with a CNS ingredient and a partner, as the brands list them (Suboxone: buprenorphine, naloxone). */
  const cnsCombinations: ReadonlySet<string>[] = [];
  for (const brand of BRAND_NAMES) {
    const cns = brand.ingredients.filter(isCns);
    if (oneWord(brand.brand)) addName(brand.brand, brand.ingredients);
    if (oneWord(brand.brand) && cns.length > 0) targets.push({ name: brand.brand, ingredients: cns });
    if (cns.length > 0 && brand.ingredients.length > 1) cnsCombinations.push(new Set(brand.ingredients));
  }
  const cnsNames = new Set(targets.map((t) => t.name));
  const byFirstLetter = new Map<string, Target[]>();
  for (const target of targets) {
    if (target.name.length < MIN_NEAR_WORD) continue;
    const list = byFirstLetter.get(target.name[0] ?? '') ?? [];
    list.push(target);
    byFirstLetter.set(target.name[0] ?? '', list);
  }
  /** Names of one word of ingredients of no class: the dictionary's and data/other-ingredient-names.ts. */
  const otherByFirstLetter = new Map<string, string[]>();
  const otherNames = [
    ...INGREDIENT_NAMES.filter((i) => !CNS_ROLES.has(i.role)).flatMap((i) => [i.name, ...(i.synonyms ?? [])]),
    ...OTHER_INGREDIENT_NAMES,
  ];
  for (const name of new Set(otherNames)) {
    if (!oneWord(name) || cnsNames.has(name)) continue;
    const list = otherByFirstLetter.get(name[0] ?? '') ?? [];
    list.push(name);
    otherByFirstLetter.set(name[0] ?? '', list);
  }

  const result = (word: string, found: readonly Target[], recognised: ReadonlySet<string>): UnreadName | undefined => {
    const mayBe = [...new Set(found.flatMap((t) => t.ingredients))].filter((i) => !recognised.has(i)).sort();
    return mayBe.length > 0 ? { word, mayBe } : undefined;
  };

  /**
   * Whether a word may as well be an ingredient of no class: it is one, the start of one ("levo": levodopa, "phenazo":
   * phenazopyridine, "bup": bupropion), or, from 6 letters on, one edit from one. Kept per word.
   */
  const ambiguousCache = new BoundedCache<boolean>(10_000);
  const ambiguous = (word: string): boolean => {
    const known = ambiguousCache.get(word);
    if (known !== undefined) return known;
    const found = (otherByFirstLetter.get(word[0] ?? '') ?? []).some(
      (name) => name.startsWith(word) || (word.length >= MIN_NEAR_WORD && editDistance(word, name, 1) <= 1),
    );
    ambiguousCache.set(word, found);
    return found;
  };

  /** The ingredients a part of a combination may name: a name of the dictionary, or the start of one ("apap", "caff", "nal"). */
  const partIngredients = (part: string): Set<string> => {
    const found = new Set<string>();
    for (const [name, ingredients] of ingredientsByName) {
      if (name === part || (name.length > part.length && name.startsWith(part))) for (const ingredient of ingredients) found.add(ingredient);
    }
    return found;
  };
  /**
   * Of the CNS names an ambiguous word may be, those that with the other parts of its combination make a product the
   * brands list ("bup" with "nal": buprenorphine, as in Suboxone); none when the word stands alone or no product fits
   * ("levo" with "carb", "bup" with "naltrex", "pre" with "pen").
   */
  const inKnownProduct = (found: readonly Target[], partners: readonly string[]): Target[] => {
    if (partners.length === 0) return [];
    const partnerIngredients = partners.map(partIngredients);
    const fits = (ingredient: string): boolean =>
      cnsCombinations.some((product) => product.has(ingredient) && partnerIngredients.every((options) => [...options].some((o) => o !== ingredient && product.has(o))));
    return found.map((t) => ({ name: t.name, ingredients: t.ingredients.filter(fits) })).filter((t) => t.ingredients.length > 0);
  };

  /** The parts of each combination of the text (as combinationPart reads them), and the other parts of a part's first one. */
  const combinations = (normalised: string): string[][] =>
    [...normalised.matchAll(COMBINATION)].map((match) => match[0].split(PART_SEPARATOR).filter((p) => p.length >= MIN_PART)).filter((parts) => parts.length >= 2);
  const partnersOf = (word: string, parts: readonly (readonly string[])[]): string[] => {
    const combination = parts.find((p) => p.includes(word));
    return combination === undefined ? [] : combination.filter((p) => p !== word);
  };
  /** The names a word may be, less those of an ambiguous word that no known product with its partners supports. */
  const unambiguous = (word: string, found: readonly Target[], parts: readonly (readonly string[])[]): readonly Target[] =>
    found.length === 0 || !ambiguous(word) ? found : inKnownProduct(found, partnersOf(word, parts));

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
  const nearName = (word: string, recognised: ReadonlySet<string>, parts: readonly (readonly string[])[]): UnreadName | undefined =>
    word.length < MIN_NEAR_WORD || word.length > MAX_WORD_LENGTH ? undefined : result(word, unambiguous(word, nearTargets(word), parts), recognised);

  /**
   * A part of a combination that is the start of a CNS ingredient's name, when every other part is a name the
   * dictionary reads or the start of an ingredient's name ("acetaminophen-cod", "but-asa-caff-cod", "bup/nal"):
   * a combination of known ingredients written short. "pre-filled", "Chlor-Trimeton" are left alone (a part that
   * starts no ingredient name), and so are "CARB/LEVO", "BUP/NALTREX" (an ambiguous part, see unambiguous).
   */
  const startsIngredient = (part: string): boolean => allIngredientNames.some((n) => n.length > part.length && n.startsWith(part));
  const combinationPart = (parts: readonly (readonly string[])[], recognised: ReadonlySet<string>): UnreadName | undefined => {
    for (const combination of parts) {
      for (const part of combination) {
        if (isName(part)) continue;
        const starts = cnsIngredientNames.filter((t) => t.name.length > part.length && t.name.startsWith(part));
        if (starts.length === 0) continue;
        if (!combination.every((other) => other === part || isName(other) || startsIngredient(other))) continue;
        const found = result(part, unambiguous(part, starts, [combination]), recognised);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  };

  return {
    find(normalised, unmatched, recognised) {
      const parts = combinations(normalised);
      for (const word of [...new Set(unmatched)].slice(0, MAX_WORDS)) {
        const found = nearName(word, recognised, parts);
        if (found !== undefined) return found;
      }
      const part = combinationPart(parts, recognised);
      if (part !== undefined) return part;
      const number = recognised.has('acetaminophen') && !recognised.has('codeine') ? ACETAMINOPHEN_NUMBER.exec(normalised) : null;
      if (number !== null) return { word: `${number[1]?.trim() ?? '#'}${number[0].slice(-1)}`, mayBe: ['codeine'] };
      return undefined;
    },
  };
}
