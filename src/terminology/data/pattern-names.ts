/**
 * Product names that a whole-word dictionary cannot read, because what decides them is a "#", a glued or a
 * trailing number, or the rest of the text. Each pattern runs once over the normalised text (lower-case,
 * whitespace collapsed to single spaces; see text-normalise.ts) in time linear in its length.
 *
 * Sources (names only, no codes):
 * - ISMP List of Error-Prone Abbreviations, Symbols, and Dose Designations (ismp.org/recommendations/
 *   error-prone-abbreviations-list): "T3" = Tylenol with codeine No. 3 (acetaminophen with codeine), mistaken
 *   as liothyronine.
 * - The published value sets in ../shared/terminology (check data): "[Tylenol with Codeine]" is acetaminophen
 *   300 mg with codeine phosphate 30 mg (No. 3) or 60 mg (No. 4); "[Fiorinal with Codeine]" and "[Fioricet with
 *   Codeine]" carry codeine phosphate 30 mg (cdc-opioid-cds-r4 and other-sources opioid lists).
 */
export interface PatternName {
  /** Tested on the normalised text of the whole medication. */
  readonly pattern: RegExp;
  /** Canonical ingredient names (ingredient-names.ts) the match stands for. */
  readonly ingredients: readonly string[];
  /** When this also matches, the pattern does not count. */
  readonly unless?: RegExp;
}

export const PATTERN_NAMES: readonly PatternName[] = [
  // Tylenol with Codeine by its number: "Tylenol #3", "Tylenol No. 3", "Tylenol number 4", glued "Tylenol3", or
  // "Tylenol 3" ending the name. A number that a word follows is a count or a frequency of plain Tylenol
  // ("Tylenol 2 tabs prn", "Tylenol 3 times daily", "Tylenol 4 hourly"), not codeine. Written out ("Tylenol with
  // Codeine", "Tylenol-Codeine") the name says codeine itself.
  {
    pattern: /\btylenol ?(?:#|no\.?|number) ?[234](?![0-9])|\btylenol[234](?![0-9])|\btylenol [234](?= ?(?:$|[;,)\]]))/,
    ingredients: ['acetaminophen', 'codeine'],
  },
  // Fiorinal/Fioricet with Codeine by the same number ("Fiorinal #3": codeine 30 mg, as Tylenol No. 3).
  {
    pattern: /\bfiori(?:nal|cet) ?(?:#|no\.?|number) ?3(?![0-9])|\bfiori(?:nal|cet)3(?![0-9])/,
    ingredients: ['codeine'],
  },
  // ISMP: "T3" = Tylenol with codeine No. 3, mistaken as liothyronine. Read as codeine (a missed opioid is the
  // worse error here) unless the same text says thyroid: liothyronine, its brand Cytomel, or a microgram dose
  // (liothyronine is dosed in micrograms, Tylenol No. 3 in milligrams).
  {
    pattern: /\bt3\b/,
    ingredients: ['acetaminophen', 'codeine'],
    unless: /\b(?:liothyronine|triiodothyronine|cytomel|thyroid)|mcg\b|\u03bcg\b|microgram|(?:\b|[0-9])ug\b/,
  },
];
