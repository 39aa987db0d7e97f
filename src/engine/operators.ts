/**
 * Operators we add to json-rules-engine. Both work on array facts (drug classes, condition groups)
 * against an array of values, which keeps rule JSON short and readable.
 */
import { Operator } from 'json-rules-engine';

const isArray = (value: unknown): value is unknown[] => Array.isArray(value);

/** True when the fact array shares at least one element with the value array. */
export const containsAny = new Operator<unknown[], unknown[]>(
  'containsAny',
  (factValue, jsonValue) => isArray(jsonValue) && factValue.some((v) => jsonValue.includes(v)),
  isArray
);

/** True when the fact array shares no element with the value array. */
export const containsNone = new Operator<unknown[], unknown[]>(
  'containsNone',
  (factValue, jsonValue) => isArray(jsonValue) && !factValue.some((v) => jsonValue.includes(v)),
  isArray
);

export const CUSTOM_OPERATORS = [containsAny, containsNone] as const;
