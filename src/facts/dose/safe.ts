/**
 * Defensive readers for EHR-supplied JSON. FHIR types describe what a resource should look like; these
 * helpers accept `unknown` so a wrong type anywhere yields `undefined` instead of an exception.
 */

/**
 * The entry of a lookup table for a key the EHR sent, or undefined: only the table's own entries, never
 * what every object inherits ("constructor", "__proto__"), which an EHR's unit or system text can name.
 */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** A plain object, or undefined. */
export function obj(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** An array (a single object is read as a one-element array, as some EHRs send), or []. */
export function arr(value: unknown): readonly unknown[] {
  if (Array.isArray(value)) return value;
  return obj(value) === undefined ? [] : [value];
}

/** A finite number (numeric strings accepted), or undefined. */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/.test(value)) return Number(value);
  return undefined;
}

/** A finite number greater than zero, or undefined. */
export function positive(value: unknown): number | undefined {
  const n = num(value);
  return n !== undefined && n > 0 ? n : undefined;
}

/** A non-blank string, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim().length > 0 ? value : undefined;
}

/** The non-blank texts of a CodeableConcept: every coding display, then text. */
export function conceptTexts(value: unknown): string[] {
  const concept = obj(value);
  if (concept === undefined) return [];
  const texts: string[] = [];
  for (const coding of arr(concept.coding)) {
    const display = str(obj(coding)?.display);
    if (display !== undefined) texts.push(display);
  }
  const text = str(concept.text);
  if (text !== undefined) texts.push(text);
  return texts;
}

/** The codes of a CodeableConcept (code only, any system). */
export function conceptCodes(value: unknown): string[] {
  const concept = obj(value);
  if (concept === undefined) return [];
  return arr(concept.coding).flatMap((coding) => {
    const code = str(obj(coding)?.code);
    return code === undefined ? [] : [code.trim()];
  });
}

/** Round to `digits` decimals (removes float noise such as 30.000000000000004). */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
