/** Shared builders for the condition classifier tests. */
import type { CodeableConcept } from '@medplum/fhirtypes';
import { classifyConditionCode, ICD10_SYSTEM, ICD10CM_SYSTEM, SNOMED_SYSTEM } from '../../../src/terminology/index.ts';

export function icd10cm(code: string, display?: string): CodeableConcept {
  return { coding: [{ system: ICD10CM_SYSTEM, code, ...(display === undefined ? {} : { display }) }] };
}

export function icd10(code: string, display?: string): CodeableConcept {
  return { coding: [{ system: ICD10_SYSTEM, code, ...(display === undefined ? {} : { display }) }] };
}

export function snomed(code: string, display?: string): CodeableConcept {
  return { coding: [{ system: SNOMED_SYSTEM, code, ...(display === undefined ? {} : { display }) }] };
}

/** Groups of a concept, as a plain array for toEqual. */
export function groupsOf(concept: CodeableConcept | undefined): string[] {
  return [...classifyConditionCode(concept)];
}

/** Groups of a free-text-only concept. */
export function groupsOfText(text: string): string[] {
  return groupsOf({ text });
}

export const OUD = ['opioid-use-disorder', 'substance-use-disorder'];
export const AUD = ['alcohol-use-disorder', 'substance-use-disorder'];
export const SUD = ['substance-use-disorder'];
