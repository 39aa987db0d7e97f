/**
 * Whole-word dictionary matcher for ingredient and brand names.
 * Built once per classifier: every name becomes a key of space-joined words, and text is scanned
 * word by word, longest phrase first. Matching whole words is what keeps "codeine" from matching
 * inside "dihydrocodeine" and "naltrexone" inside "methylnaltrexone", without regex backtracking.
 */
import { BRAND_NAMES, type BrandHint } from './data/brand-names.ts';
import { INGREDIENT_NAMES } from './data/ingredient-names.ts';
import { PATTERN_NAMES } from './data/pattern-names.ts';
import { tokenise } from './text-normalise.ts';

export interface NameMatch {
  readonly ingredients: readonly string[];
  readonly hint?: BrandHint;
}

export interface NameMatcher {
  /**
   * Scan normalised text; returns every ingredient and brand hint found, and the words of letters that no name of
   * the dictionary took (read by unread-names.ts for a drug name the service nearly knows).
   */
  match(normalised: string): { ingredients: Set<string>; hints: Set<BrandHint>; unmatched: string[] };
  /** Whether a single word is a name of the dictionary ("apap", "oxycodone", "percocet"). */
  isName(word: string): boolean;
}

/** A word of letters only (not a number). */
const LETTERS = /^[a-z]+$/;

/** Compile the name dictionary from the data files. */
export function createNameMatcher(): NameMatcher {
  const dictionary = new Map<string, NameMatch>();
  let longestPhrase = 1;

  const add = (phrase: string, entry: NameMatch): void => {
    const key = tokenise(phrase).join(' ');
    if (key.length === 0) return;
    if (dictionary.has(key)) throw new Error(`Duplicate medication name in terminology data: "${key}"`);
    dictionary.set(key, entry);
    longestPhrase = Math.max(longestPhrase, key.split(' ').length);
  };

  for (const ingredient of INGREDIENT_NAMES) {
    const entry: NameMatch = { ingredients: [ingredient.name] };
    add(ingredient.name, entry);
    for (const synonym of ingredient.synonyms ?? []) add(synonym, entry);
  }
  for (const brand of BRAND_NAMES) {
    add(brand.brand, brand.hint === undefined ? { ingredients: brand.ingredients } : { ingredients: brand.ingredients, hint: brand.hint });
  }

  return {
    match(normalised) {
      const ingredients = new Set<string>();
      const hints = new Set<BrandHint>();
      const unmatched: string[] = [];
      const words = tokenise(normalised);
      let i = 0;
      while (i < words.length) {
        let consumed = 1;
        for (let length = Math.min(longestPhrase, words.length - i); length >= 1; length--) {
          const found = dictionary.get(length === 1 ? (words[i] ?? '') : words.slice(i, i + length).join(' '));
          if (found !== undefined) {
            for (const name of found.ingredients) ingredients.add(name);
            if (found.hint !== undefined) hints.add(found.hint);
            consumed = length;
            break;
          }
          if (length === 1 && LETTERS.test(words[i] ?? '')) unmatched.push(words[i] ?? '');
        }
        i += consumed;
      }
      // Names decided by a "#", a glued or trailing number or the rest of the text (data/pattern-names.ts).
      for (const entry of PATTERN_NAMES) {
        if (entry.pattern.test(normalised) && !(entry.unless?.test(normalised) ?? false)) {
          for (const name of entry.ingredients) ingredients.add(name);
        }
      }
      return { ingredients, hints, unmatched };
    },
    isName(word) {
      return dictionary.has(word);
    },
  };
}
