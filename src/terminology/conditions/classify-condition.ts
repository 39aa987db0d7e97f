/**
 * Classifies a Condition.code (or any CodeableConcept naming a diagnosis, care programme or
 * situation) into the condition groups the rules use.
 *
 * Per coding: an ICD-10-CM / ICD-10 code shaped like a code, or a listed SNOMED CT concept, decides
 * that coding by itself and its display is not read; any other coding is classified from its
 * display. CodeableConcept.text is always read. The result is the union over codings and text.
 * Clinical and verification status are not looked at here (the facts layer does that).
 */
import type { CodeableConcept } from '@medplum/fhirtypes';
import { BoundedCache } from '../bounded-cache.ts';
import { codeSystemOf } from './code-systems.ts';
import { type ConditionGroup, sortGroups } from './condition-group.ts';
import { MAX_TEXT_LENGTH } from './condition-text.ts';
import { icd10Groups, normaliseIcd10Code } from './icd10-matcher.ts';
import { snomedGroups } from './snomed-matcher.ts';
import { matchConditionText, type TextHit } from './text-matcher.ts';

/** How one group was found, for tests and debugging. */
export interface ConditionEvidence {
  readonly groups: readonly ConditionGroup[];
  /** `system|code` of every coding decided by its code, with the groups it gave. */
  readonly codes: readonly { readonly coding: string; readonly groups: readonly ConditionGroup[] }[];
  /** Text rules that fired on displays and text. */
  readonly text: readonly TextHit[];
}

interface CodingFields {
  readonly system?: string;
  readonly code?: string;
  readonly display?: string;
}

const EMPTY: readonly ConditionGroup[] = Object.freeze([]);
const cache = new BoundedCache<readonly ConditionGroup[]>(10_000);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' && value.trim().length > 0 ? value.slice(0, MAX_TEXT_LENGTH) : undefined;
}

/** Reads codings and text defensively: EHR payloads are not always valid FHIR. */
function readConcept(concept: unknown): { codings: CodingFields[]; text?: string } {
  if (!isRecord(concept)) return { codings: [] };
  const codings: CodingFields[] = [];
  const raw = concept['coding'];
  for (const item of Array.isArray(raw) ? raw : []) {
    if (!isRecord(item)) continue;
    const system = stringField(item, 'system');
    const code = stringField(item, 'code');
    const display = stringField(item, 'display');
    codings.push({
      ...(system === undefined ? {} : { system }),
      ...(code === undefined ? {} : { code }),
      ...(display === undefined ? {} : { display }),
    });
  }
  const text = stringField(concept, 'text');
  return text === undefined ? { codings } : { codings, text };
}

/** Groups a coding's code decides, or undefined when the code does not decide it. */
function codeGroups(coding: CodingFields): readonly ConditionGroup[] | undefined {
  if (coding.system === undefined || coding.code === undefined) return undefined;
  const system = codeSystemOf(coding.system);
  if (system === 'icd-10-cm' || system === 'icd-10') {
    const code = normaliseIcd10Code(coding.code);
    return code === undefined ? undefined : icd10Groups(code, system);
  }
  if (system === 'snomed') return snomedGroups(coding.code);
  return undefined;
}

/**
 * Classification with the evidence behind it (which codes and text rules fired).
 * @param code a Condition.code; malformed input gives no groups and never throws
 */
export function explainConditionCode(code: CodeableConcept | undefined): ConditionEvidence {
  const { codings, text } = readConcept(code);
  const groups = new Set<ConditionGroup>();
  const codes: { coding: string; groups: readonly ConditionGroup[] }[] = [];
  const texts: string[] = [];
  for (const coding of codings) {
    const decided = codeGroups(coding);
    if (decided === undefined) {
      if (coding.display !== undefined) texts.push(coding.display);
      continue;
    }
    codes.push({ coding: `${coding.system ?? ''}|${coding.code ?? ''}`, groups: decided });
    for (const group of decided) groups.add(group);
  }
  if (text !== undefined) texts.push(text);
  const hits: TextHit[] = [];
  for (const value of texts) {
    for (const hit of matchConditionText(value)) {
      hits.push(hit);
      for (const group of hit.groups) groups.add(group);
    }
  }
  return { groups: sortGroups(groups), codes, text: hits };
}

function cacheKey(codings: readonly CodingFields[], text: string | undefined): string {
  let key = '';
  for (const c of codings) key += `${c.system ?? ''}\u0001${c.code ?? ''}\u0001${c.display ?? ''}\u0002`;
  return `${key}\u0003${text ?? ''}`;
}

/**
 * The condition groups of a Condition.code, sorted in CONDITION_GROUPS order and de-duplicated.
 * @param code a CodeableConcept with ICD-10-CM, ICD-10 and/or SNOMED CT codings, displays or text;
 *   malformed input (coding not an array, non-string fields) gives no groups and never throws
 * @returns a frozen array, empty when the concept is in no group
 */
export function classifyConditionCode(code: CodeableConcept | undefined): readonly ConditionGroup[] {
  const { codings, text } = readConcept(code);
  if (codings.length === 0 && text === undefined) return EMPTY;
  const key = cacheKey(codings, text);
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const groups = explainConditionCode(code).groups;
  const result = groups.length === 0 ? EMPTY : groups;
  cache.set(key, result);
  return result;
}
