/**
 * Text normalisation shared by the name matcher and the dose-form hints.
 * EHR displays mix tall-man lettering ("oxyCODONE"), brackets ("[Xanax]"), slashes and dashes in
 * combinations ("oxycodone/APAP", "oxycodone-acetaminophen"), doses glued to the name
 * ("alprazolam0.5mg"), accented characters and, now and then, a Cyrillic or Greek letter that looks
 * like a Latin one ("Аlprazolam" with a Cyrillic А); all of that is reduced to lower-case ASCII so
 * that matching is on whole words only.
 */

const COMBINING_MARKS = /[\u0300-\u036f]/g;

/**
 * Characters that do not show but split a word: soft hyphen, zero-width space and joiners, word joiner,
 * byte order mark ("Alpra\u00ADzolam" must read as alprazolam, not as "alpra" and "zolam").
 */
const INVISIBLE = /[\u00AD\u200B-\u200D\u2060\uFEFF]/g;
const ANY_INVISIBLE = /[\u00AD\u200B-\u200D\u2060\uFEFF]/;

/**
 * Cyrillic and Greek letters that look like a Latin letter, folded to that (lower-case) Latin letter.
 * Source: the Unicode confusables data of Unicode Technical Standard #39 (UTS #39, "Unicode Security
 * Mechanisms", confusables.txt), from which only single letters whose skeleton is one ASCII letter are
 * taken; the list is written here by hand, not copied. Letters with accents need no entry: NFKD has
 * already split them into the base letter and a combining mark ("ё" -> "е" + U+0308 -> "e").
 * Deliberately left out: Greek mu (U+03BC, what NFKD makes of the micro sign in "µg"), so a dose unit
 * is not turned into a Latin word, and small sigma, whose look-alike ("o") is only a loose one.
 * A name written wholly in Cyrillic or Greek is not read as a Latin name: its other letters still
 * split it into fragments that match nothing.
 */
const CONFUSABLE_TO_LATIN: Readonly<Record<string, string>> = {
  // Cyrillic
  '\u0410': 'a', '\u0430': 'a', // А а
  '\u0412': 'b', // В
  '\u0421': 'c', '\u0441': 'c', // С с
  '\u0501': 'd', // ԁ
  '\u0415': 'e', '\u0435': 'e', // Е е
  '\u041D': 'h', '\u04BB': 'h', // Н һ
  '\u0406': 'i', '\u0456': 'i', // І і
  '\u0408': 'j', '\u0458': 'j', // Ј ј
  '\u041A': 'k', // К
  '\u04C0': 'l', '\u04CF': 'l', // Ӏ ӏ
  '\u041C': 'm', // М
  '\u041E': 'o', '\u043E': 'o', // О о
  '\u0420': 'p', '\u0440': 'p', // Р р
  '\u051A': 'q', '\u051B': 'q', // Ԛ ԛ
  '\u0405': 's', '\u0455': 's', // Ѕ ѕ
  '\u0422': 't', // Т
  '\u0474': 'v', '\u0475': 'v', // Ѵ ѵ
  '\u051C': 'w', '\u051D': 'w', // Ԝ ԝ
  '\u0425': 'x', '\u0445': 'x', // Х х
  '\u0423': 'y', '\u0443': 'y', '\u04AE': 'y', '\u04AF': 'y', // У у Ү ү
  // Greek
  '\u0391': 'a', '\u03B1': 'a', // Α α
  '\u0392': 'b', // Β
  '\u03F9': 'c', '\u03F2': 'c', // Ϲ ϲ (lunate sigma)
  '\u0395': 'e', // Ε
  '\u0397': 'h', // Η
  '\u0399': 'i', '\u03B9': 'i', // Ι ι
  '\u037F': 'j', '\u03F3': 'j', // Ϳ ϳ
  '\u039A': 'k', // Κ
  '\u039C': 'm', // Μ
  '\u039D': 'n', // Ν
  '\u039F': 'o', '\u03BF': 'o', // Ο ο
  '\u03A1': 'p', '\u03C1': 'p', // Ρ ρ
  '\u03A4': 't', // Τ
  '\u03C5': 'u', // υ
  '\u03BD': 'v', // ν
  '\u03A7': 'x', // Χ
  '\u03A5': 'y', '\u03B3': 'y', // Υ γ
  '\u0396': 'z', // Ζ
};

const CONFUSABLE = new RegExp(`[${Object.keys(CONFUSABLE_TO_LATIN).join('')}]`, 'g');

function toLatin(letter: string): string {
  return CONFUSABLE_TO_LATIN[letter] ?? letter;
}

/**
 * Strip accents and invisible characters (or, with `invisible` " ", read each as a space) and fold
 * Cyrillic/Greek look-alikes to (lower-case) Latin letters; case and punctuation otherwise kept. Shared by medication names (below) and condition text
 * (conditions/condition-text.ts), so "СOPD" with a Cyrillic С reads as COPD as "Аlprazolam" reads as
 * alprazolam.
 */
export function foldLookAlikes(text: string, invisible: '' | ' ' = ''): string {
  return text.normalize('NFKD').replace(COMBINING_MARKS, '').replace(INVISIBLE, invisible).replace(CONFUSABLE, toLatin);
}

/** Whether the text holds a character that does not show (soft hyphen, zero-width space or joiner...). */
export function hasInvisible(text: string): boolean {
  return ANY_INVISIBLE.test(text);
}

/**
 * Lower-case, strip accents and invisible characters, fold Cyrillic/Greek look-alikes to Latin,
 * collapse whitespace. Keeps punctuation (dose strings use "/" and ".").
 */
export function normaliseText(text: string): string {
  const folded = foldLookAlikes(text).toLowerCase().replace(/\s+/g, ' ').trim();
  if (!hasInvisible(text)) return folded;
  // A character that does not show may sit inside a word ("Alpra\u00ADzolam") or between two
  // ("oxycodone\u200Bacetaminophen"): both readings, one after the other, so neither hides a name.
  return `${folded} ; ${foldLookAlikes(text, ' ').toLowerCase().replace(/\s+/g, ' ').trim()}`;
}

/** A run of letters or a run of digits. */
const WORD = /[a-z]+|[0-9]+/g;

/**
 * Split normalised text into words: runs of letters and runs of digits. Every other character
 * separates words, and so does a change from letter to digit or back, so a dose glued to the name
 * reads as separate words ("alprazolam0.5mg" -> "alprazolam", "0", "5", "mg"; "tylenol3" ->
 * "tylenol", "3"). The dictionary keys are tokenised with this same function (name-patterns.ts).
 */
export function tokenise(normalised: string): string[] {
  return normalised.match(WORD) ?? [];
}
