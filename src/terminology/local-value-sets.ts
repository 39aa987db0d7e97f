/**
 * Admin-supplied local value sets: FHIR ValueSet resources that add site codes to a class.
 * The target class is declared in useContext (code = usage-context-type#focus, value =
 * urn:cns-cds:drug-class#<class id>); codes come from compose.include[].concept[] (with the
 * include's system) and from expansion.contains[] when present.
 */
import type { ValueSet } from '@medplum/fhirtypes';
import { canonicalSystem } from './code-maps.ts';
import { DRUG_CLASSES, type DrugClass, isDrugClass } from './drug-class.ts';

export const USAGE_CONTEXT_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/usage-context-type';
export const DRUG_CLASS_SYSTEM = 'urn:cns-cds:drug-class';

export type ValueSetValidation = { ok: true; value: ValueSet } | { ok: false; errors: string[] };

interface LocalCode {
  readonly system: string;
  readonly code: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function label(vs: Record<string, unknown>): string {
  const name = [vs['url'], vs['name'], vs['id']].find((v) => typeof v === 'string' && v.length > 0);
  return typeof name === 'string' ? `ValueSet "${name}"` : 'ValueSet';
}

/** Class ids declared in useContext (known and unknown), with errors for malformed entries. */
function declaredClasses(vs: Record<string, unknown>, errors: string[]): DrugClass[] {
  const classes: DrugClass[] = [];
  let sawFocus = false;
  arrayOf(vs['useContext']).forEach((context, i) => {
    if (!isRecord(context) || !isRecord(context['code'])) return;
    const code = context['code'];
    if (code['system'] !== USAGE_CONTEXT_TYPE_SYSTEM || code['code'] !== 'focus') return;
    const value = context['valueCodeableConcept'];
    for (const coding of isRecord(value) ? arrayOf(value['coding']) : []) {
      if (!isRecord(coding) || coding['system'] !== DRUG_CLASS_SYSTEM) continue;
      sawFocus = true;
      const id = coding['code'];
      if (isDrugClass(id)) {
        if (!classes.includes(id)) classes.push(id);
      } else {
        errors.push(
          `useContext[${i}]: unknown drug class ${JSON.stringify(id)}; expected one of ${DRUG_CLASSES.join(', ')}`,
        );
      }
    }
  });
  if (!sawFocus) {
    errors.push(
      `missing drug class: add a useContext with code ${USAGE_CONTEXT_TYPE_SYSTEM}#focus and a ` +
        `valueCodeableConcept coding with system ${DRUG_CLASS_SYSTEM} and a class id (${DRUG_CLASSES.join(', ')})`,
    );
  }
  return classes;
}

/** Codes listed in compose.include[].concept[] and expansion.contains[], with errors for malformed entries. */
function listedCodes(vs: Record<string, unknown>, errors: string[]): LocalCode[] {
  const codes: LocalCode[] = [];
  const compose = vs['compose'];
  arrayOf(isRecord(compose) ? compose['include'] : undefined).forEach((include, i) => {
    if (!isRecord(include)) return;
    const concepts = arrayOf(include['concept']);
    const system = include['system'];
    if (concepts.length > 0 && (typeof system !== 'string' || system.length === 0)) {
      errors.push(`compose.include[${i}]: concepts listed without a system`);
      return;
    }
    concepts.forEach((concept, j) => {
      const code = isRecord(concept) ? concept['code'] : undefined;
      if (typeof code !== 'string' || code.trim().length === 0) {
        errors.push(`compose.include[${i}].concept[${j}]: missing code`);
      } else if (typeof system === 'string') {
        codes.push({ system, code: code.trim() });
      }
    });
  });
  const expansion = vs['expansion'];
  const visit = (entries: unknown[], path: string): void => {
    entries.forEach((entry, i) => {
      if (!isRecord(entry)) return;
      const { system, code } = entry;
      if (typeof system === 'string' && typeof code === 'string' && code.trim().length > 0) {
        codes.push({ system, code: code.trim() });
      } else if (entry['abstract'] !== true && arrayOf(entry['contains']).length === 0) {
        errors.push(`${path}[${i}]: missing system or code`);
      }
      visit(arrayOf(entry['contains']), `${path}[${i}].contains`);
    });
  };
  visit(arrayOf(isRecord(expansion) ? expansion['contains'] : undefined), 'expansion.contains');
  return codes;
}

/** Check an admin ValueSet and return readable errors (missing class, unknown class id, no codes). */
export function validateLocalValueSet(vs: unknown): ValueSetValidation {
  if (!isRecord(vs)) return { ok: false, errors: ['not a JSON object'] };
  if (vs['resourceType'] !== 'ValueSet') {
    return { ok: false, errors: [`${label(vs)}: resourceType must be "ValueSet", got ${JSON.stringify(vs['resourceType'])}`] };
  }
  const errors: string[] = [];
  declaredClasses(vs, errors);
  const codes = listedCodes(vs, errors);
  if (codes.length === 0) {
    errors.push('no codes: list them in compose.include[].concept[] (with compose.include[].system) or expansion.contains[]');
  }
  if (errors.length > 0) return { ok: false, errors: errors.map((e) => `${label(vs)}: ${e}`) };
  // Structure checked above; the object is a ValueSet as far as this module reads it.
  return { ok: true, value: vs as unknown as ValueSet };
}

/** Key used for local code lookups (the RxNorm and ATC OIDs are keyed as their URIs; see code-maps.ts). */
export function codeKey(system: string, code: string): string {
  return `${canonicalSystem(system)}|${code}`;
}

/**
 * Build the code -> classes map from admin value sets. Throws with every validation error when a
 * value set is malformed: a silently ignored site code would mean a missed warning.
 */
export function compileLocalValueSets(valueSets: readonly ValueSet[]): ReadonlyMap<string, readonly DrugClass[]> {
  const map = new Map<string, DrugClass[]>();
  const problems: string[] = [];
  for (const vs of valueSets) {
    const checked = validateLocalValueSet(vs);
    if (!checked.ok) {
      problems.push(...checked.errors);
      continue;
    }
    const record = checked.value as unknown as Record<string, unknown>;
    const classes = declaredClasses(record, []);
    for (const { system, code } of listedCodes(record, [])) {
      const key = codeKey(system, code);
      const existing = map.get(key) ?? [];
      for (const c of classes) if (!existing.includes(c)) existing.push(c);
      map.set(key, existing);
    }
  }
  if (problems.length > 0) throw new Error(`Invalid local value set(s):\n- ${problems.join('\n- ')}`);
  return map;
}
