/**
 * One spelling for a product name, so that a renewal written in other words is still the same product: RxNorm's
 * "Oxycodone Hydrochloride 5 MG Oral Tablet" and an order entry's "oxycodone HCl 5mg tab" are one product.
 *
 * Only wording is folded, never meaning: case, spacing, punctuation between words, a unit glued to its number,
 * the salt abbreviation HCl and the dose-form abbreviations of order entry (tab, cap, soln), plurals, and the
 * word "oral" (a tablet, capsule or solution named without a route is the oral one in these names). Every word
 * that can tell two products apart stays: strength, release (ER, extended release, 12 hr), brand, form (buccal,
 * sublingual, film, patch). Two names that still differ are two products, and both count in the daily totals:
 * the safe side, as a wrongly merged pair would hide a dose the patient takes.
 */

/** Order-entry abbreviations and plurals, as the word RxNorm's names use. */
const WORDS: Readonly<Record<string, string>> = {
  hcl: 'hydrochloride',
  tab: 'tablet',
  tabs: 'tablet',
  tablets: 'tablet',
  cap: 'capsule',
  caps: 'capsule',
  capsules: 'capsule',
  soln: 'solution',
  sol: 'solution',
  mgs: 'mg',
  mcgs: 'mcg',
};

/** Words that name no product: dropped. */
const DROPPED: ReadonlySet<string> = new Set(['oral', 'po']);

/**
 * The canonical spelling of a product name: lower case, numbers and words split apart ("5mg" = "5 mg"), decimal
 * points kept ("0.5 mg"), "/" kept as its own word ("10/325"), other punctuation read as a space.
 * @param name - A product name as the EHR wrote it.
 */
export function canonicalProductName(name: string): string {
  const words = name
    .toLowerCase()
    // A strength written without its leading zero (".5 mg") is 0.5, not 5.
    .replace(/(^|[^0-9a-z.])\.(\d)/g, (_match, before: string, digit: string) => `${before}0.${digit}`)
    .replace(/(\d)\s*\.\s*(\d)/g, '$1.$2')
    .replace(/(\d)(?=[a-z])|([a-z])(?=\d)/g, '$1$2 ')
    .replace(/\//g, ' / ')
    .split(/[^a-z0-9./]+/)
    .map((w) => w.replace(/^\.+|\.+$/g, ''))
    .filter((w) => w !== '');
  const out: string[] = [];
  for (const word of words) {
    if (DROPPED.has(word)) continue;
    out.push(Object.hasOwn(WORDS, word) ? (WORDS[word] as string) : word);
  }
  return out.join(' ');
}
