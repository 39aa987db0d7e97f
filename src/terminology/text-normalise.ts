/**
 * Text normalisation shared by the name matcher and the dose-form hints.
 * EHR displays mix tall-man lettering ("oxyCODONE"), brackets ("[Xanax]"), slashes and dashes in
 * combinations ("oxycodone/APAP", "oxycodone-acetaminophen") and accented characters; all of that
 * is reduced to lower-case ASCII so that matching is on whole words only.
 */

const COMBINING_MARKS = /[\u0300-\u036f]/g;

/** Lower-case, strip accents, collapse whitespace. Keeps punctuation (dose strings use "/" and "."). */
export function normaliseText(text: string): string {
  return text.normalize('NFKD').replace(COMBINING_MARKS, '').replace(INVISIBLE, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * Characters that do not show but split a word: soft hyphen, zero-width space and joiners, word joiner,
 * byte order mark ("Alpra\u00ADzolam" must read as alprazolam, not as "alpra" and "zolam").
 */
const INVISIBLE = /[\u00AD\u200B-\u200D\u2060\uFEFF]/g;

const WORD_SPLIT = /[^a-z0-9]+/;

/** Split normalised text into alphanumeric words; every other character separates words. */
export function tokenise(normalised: string): string[] {
  return normalised.split(WORD_SPLIT).filter((word) => word.length > 0);
}
