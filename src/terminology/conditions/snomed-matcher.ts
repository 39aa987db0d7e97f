/**
 * SNOMED CT concept ids recognised by code (data/snomed-concepts.ts), compiled once at module load.
 */
import type { ConditionGroup } from './condition-group.ts';
import { SNOMED_CONCEPTS, SNOMED_SOURCES } from './data/snomed-concepts.ts';

function compile(): ReadonlyMap<string, readonly ConditionGroup[]> {
  const sources = new Set(SNOMED_SOURCES.map((s) => s.id));
  const map = new Map<string, readonly ConditionGroup[]>();
  for (const concept of SNOMED_CONCEPTS) {
    if (!sources.has(concept.source)) throw new Error(`SNOMED concept ${concept.code} cites unknown source ${concept.source}`);
    if (map.has(concept.code)) throw new Error(`Duplicate SNOMED concept in condition data: ${concept.code}`);
    map.set(concept.code, concept.groups);
  }
  return map;
}

const CONCEPTS = compile();

/** Groups of a listed SNOMED CT concept id; undefined when the concept is not listed. */
export function snomedGroups(code: string): readonly ConditionGroup[] | undefined {
  return CONCEPTS.get(code.trim());
}
