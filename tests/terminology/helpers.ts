/** Shared builders for the terminology tests. */
import type { CodeableConcept } from '@medplum/fhirtypes';
import { ATC_SYSTEM, createClassifier, RXNORM_SYSTEM } from '../../src/terminology/index.ts';

export const classifier = createClassifier();

export function text(value: string): CodeableConcept {
  return { text: value };
}

export function rxnorm(code: string, display?: string): CodeableConcept {
  return { coding: [{ system: RXNORM_SYSTEM, code, ...(display === undefined ? {} : { display }) }] };
}

export function atc(code: string): CodeableConcept {
  return { coding: [{ system: ATC_SYSTEM, code }] };
}

/** Classes of a medication sent as free text only. */
export function classesOfText(value: string): readonly string[] {
  return classifier.classify(text(value)).classes;
}
