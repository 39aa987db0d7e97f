/**
 * Code lookups compiled once per classifier: RxNorm ingredient RXCUIs and ATC codes/groups.
 */
import { ATC_ENTRIES } from './data/atc-codes.ts';
import { RXNORM_INGREDIENT_CODES } from './data/rxnorm-ingredients.ts';
import type { DrugClass } from './drug-class.ts';

export const RXNORM_SYSTEM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const ATC_SYSTEM = 'http://www.whocc.no/atc';
// HL7 OIDs for the same code systems, still sent by some CDA-derived feeds.
const RXNORM_SYSTEMS: ReadonlySet<string> = new Set([RXNORM_SYSTEM, 'urn:oid:2.16.840.1.113883.6.88']);
const ATC_SYSTEMS: ReadonlySet<string> = new Set([ATC_SYSTEM, 'urn:oid:2.16.840.1.113883.6.73']);

/**
 * The one spelling of a code system we key codes by: an HL7 OID of RxNorm or ATC becomes its FHIR URI, so a
 * site's local value set (written with either) matches a coding sent with the other.
 */
export function canonicalSystem(system: string): string {
  if (RXNORM_SYSTEMS.has(system)) return RXNORM_SYSTEM;
  if (ATC_SYSTEMS.has(system)) return ATC_SYSTEM;
  return system;
}

export interface AtcHit {
  readonly classes: readonly DrugClass[];
  readonly ingredients: readonly string[];
  readonly methadone: boolean;
}

export interface CodeMaps {
  /** Canonical ingredient name for an RxNorm ingredient code, if known. */
  rxnormIngredient(system: string | undefined, code: string | undefined): string | undefined;
  /** Classes and ingredients for an ATC code (exact code plus every listed group it falls in). */
  atc(system: string | undefined, code: string | undefined): AtcHit | undefined;
}

/** Compile the RxNorm and ATC tables from the data files. */
export function createCodeMaps(): CodeMaps {
  const rxnorm = new Map<string, string>();
  for (const entry of RXNORM_INGREDIENT_CODES) {
    if (rxnorm.has(entry.code)) throw new Error(`Duplicate RxNorm code in terminology data: ${entry.code}`);
    rxnorm.set(entry.code, entry.name);
  }
  const exact = new Map<string, (typeof ATC_ENTRIES)[number]>();
  const prefixes = new Map<string, (typeof ATC_ENTRIES)[number]>();
  for (const entry of ATC_ENTRIES) {
    const target = entry.match === 'exact' ? exact : prefixes;
    if (target.has(entry.code)) throw new Error(`Duplicate ATC code in terminology data: ${entry.code}`);
    target.set(entry.code, entry);
  }

  return {
    rxnormIngredient(system, code) {
      if (system === undefined || code === undefined || !RXNORM_SYSTEMS.has(system)) return undefined;
      return rxnorm.get(code.trim());
    },
    atc(system, code) {
      if (system === undefined || code === undefined || !ATC_SYSTEMS.has(system)) return undefined;
      const normalised = code.trim().toUpperCase();
      const classes = new Set<DrugClass>();
      const ingredients = new Set<string>();
      let methadone = false;
      let found = false;
      const take = (entry: (typeof ATC_ENTRIES)[number] | undefined): void => {
        if (entry === undefined) return;
        found = true;
        for (const c of entry.classes) classes.add(c);
        for (const i of entry.ingredients ?? []) ingredients.add(i);
        if (entry.methadone === true) methadone = true;
      };
      take(exact.get(normalised));
      for (let length = 1; length <= normalised.length; length++) take(prefixes.get(normalised.slice(0, length)));
      return found ? { classes: [...classes], ingredients: [...ingredients], methadone } : undefined;
    },
  };
}
