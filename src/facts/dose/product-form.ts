/** Transdermal detection for fentanyl, the only form with a CDC 2022 fentanyl factor. */
import type { Product } from './strength.ts';
import type { StrengthResult } from './strength-types.ts';

// RxNorm dose form 316987 "Transdermal System"; SNOMED CT route 45890007 "Transdermal route".
const TRANSDERMAL = /\b(transdermal|patch(es)?|duragesic|316987|45890007)\b/;
const NOT_PATCH = /\b(inject\w*|infusion|intravenous|iv|buccal|sublingual|lozenge|nasal|spray|film|tablet|iontophoretic|ionsys)\b/;

/**
 * True when the product is a transdermal patch: a transdermal form/route word or code, or a per-hour
 * strength with no word pointing to another form (an IV infusion is also "per hour").
 */
export function isTransdermal(product: Product, strength: StrengthResult): boolean {
  const text = [...product.names, product.formText].join(' ; ').toLowerCase();
  if (/\bionsys\b|iontophoretic/.test(text)) return false;
  if (TRANSDERMAL.test(text)) return true;
  return strength.strength?.per === 'h' && !NOT_PATCH.test(text);
}
