/**
 * Normalises a condition display or free text into clauses of lower-case ASCII words.
 *
 * Clauses are cut at sentence punctuation (. ; ! newline |) and at "but"/"however"/"although", so
 * a negation in one statement ("No COPD; OSA on CPAP") does not reach the next. Commas do not cut:
 * ICD-10-CM titles use them inside one concept ("Opioid dependence, in remission"). Nor does a colon: it
 * joins a label to its value ("Hospice: no", "Cancer: suspected", "Family history: alcoholism"), which
 * must be read together.
 */

import { foldLookAlikes, hasInvisible } from '../text-normalise.ts';

/** Longest text read per field; displays are short, this bounds the work on pasted notes. */
export const MAX_TEXT_LENGTH = 1000;

// Order matters: abbreviations that contain "/" or "?" are rewritten before punctuation goes.
const REWRITES: readonly (readonly [RegExp, string])[] = [
  [/\bh\s*\/\s*o\b/g, ' history of '],
  [/\br\s*\/\s*o\b/g, ' rule out '],
  [/\bs\s*\/\s*p\b/g, ' status post '],
  [/\bw\s*\/\s*o\b/g, ' without '],
  [/\bw\s*\//g, ' with '],
  [/\bfhx\b/g, ' family history '],
  [/\bhx\b/g, ' history '],
  [/\?/g, ' query '],
  [/['\u2019`]/g, ''],
  // British spellings: apnoea, anaemia, leukaemia, haemoglobin, oesophagus, foetal, tumour.
  [/oea/g, 'ea'],
  [/aem/g, 'em'],
  [/\boe(?=[a-z])/g, 'e'],
  [/foet/g, 'fet'],
  [/tumour/g, 'tumor'],
  [/behaviour/g, 'behavior'],
  [/amfetamine/g, 'amphetamine'],
];

// Phrases whose "not" is not a negation.
const NOT_NEGATIONS: readonly (readonly [RegExp, string])[] = [
  [/\bnot (?:having )?(?:achieved |in )remission\b/g, ' active '],
  [/\bnot (?:otherwise specified|elsewhere classified)\b/g, ' '],
  [/\b(?:nos|nec)\b/g, ' '],
];

const CLAUSE_SPLIT = /[.;!\n\r|]+|\s(?:but|however|although)\s/;
const NON_WORD = /[^a-z0-9]+/g;

/**
 * Lower-case, strip accents and invisible characters, fold look-alike letters (text-normalise.ts), rewrite
 * abbreviations and spellings, split into clauses of words.
 */
export function conditionClauses(text: string): string[] {
  const clipped = text.slice(0, MAX_TEXT_LENGTH);
  // A character that does not show may sit inside a word (a soft hyphen: "ap\u00ADnea") or between two (a
  // zero-width space: "sleep\u200Bapnea"); both readings are kept, so neither hides the condition.
  return hasInvisible(clipped) ? [...clausesOf(foldLookAlikes(clipped)), ...clausesOf(foldLookAlikes(clipped, ' '))] : clausesOf(foldLookAlikes(clipped));
}

function clausesOf(folded: string): string[] {
  let value = folded.toLowerCase();
  for (const [pattern, replacement] of REWRITES) value = value.replace(pattern, replacement);
  const clauses: string[] = [];
  for (const part of value.split(CLAUSE_SPLIT)) {
    let clause = part.replace(NON_WORD, ' ');
    for (const [pattern, replacement] of NOT_NEGATIONS) clause = clause.replace(pattern, replacement);
    clause = clause.replace(/\s+/g, ' ').trim();
    if (clause.length > 0) clauses.push(clause);
  }
  return clauses;
}
