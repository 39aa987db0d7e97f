/**
 * Mutations of JSON documents for property-based hostile-input tests: delete, replace, wrap in an array
 * or stringify the value at a random path, starting from a valid document (a fixture), so the cases
 * reach deep into validation instead of failing at the first check.
 */
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a value inside a JSON document. */
function paths(value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) {
    value.forEach((v, i) => paths(v, [...prefix, i], out));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      paths(v, [...prefix, k], out);
    }
  }
  return out;
}

export type Mutation = { pathPick: number; op: 'delete' | 'replace' | 'wrap-array' | 'stringify' | 'retext'; value: Json };

export function mutate(doc: Json, mutations: readonly Mutation[]): Json {
  let root: Json = structuredClone(doc);
  for (const m of mutations) {
    const all = paths(root);
    const path = all[m.pathPick % all.length]!;
    if (path.length === 0) {
      root = m.op === 'replace' ? m.value : root;
      continue;
    }
    const parent = path.slice(0, -1).reduce<Json>((node, key) => (node as Record<string | number, Json>)[key as never]!, root) as Record<string | number, Json>;
    const key = path[path.length - 1]!;
    const current = parent[key as never] as Json;
    if (m.op === 'delete') {
      if (Array.isArray(parent)) {
        (parent as Json[]).splice(key as number, 1);
      } else {
        delete parent[key as never];
      }
    } else if (m.op === 'replace') {
      parent[key as never] = m.value as never;
    } else if (m.op === 'retext') {
      // Keeps the document's shape: only a string is replaced, by another string.
      if (typeof current === 'string') {
        parent[key as never] = String(m.value) as never;
      }
    } else if (m.op === 'wrap-array') {
      parent[key as never] = [current] as never;
    } else {
      parent[key as never] = JSON.stringify(current) as never;
    }
  }
  return root;
}

export const mutationArb = fc.record({
  pathPick: fc.nat(),
  op: fc.constantFrom('delete', 'replace', 'wrap-array', 'stringify'),
  // Besides any JSON value, objects whose keys shadow Object.prototype's methods: `{"toString":1}` as an id
  // threw in string conversions the generated values never reached (a 500 with no card).
  value: fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom({ toString: 1 }, { valueOf: 1, toString: 1 }, { constructor: 1 }, JSON.parse('{"__proto__":1}') as Json, { toJSON: 1 }, { hasOwnProperty: 1 })
  ) as fc.Arbitrary<Json>,
}) as fc.Arbitrary<Mutation>;

/**
 * Replaces a string somewhere in the document by hostile text (markup, control and astral characters,
 * long runs), keeping its shape: such documents mostly stay valid, so the cases reach what is done
 * with valid input (evaluation, card text) rather than stopping at validation.
 */
export const retextArb = fc.record({
  pathPick: fc.nat(),
  op: fc.constant('retext'),
  value: fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('<script>alert(1)</script>', '[x](javascript:alert(1))', '${param}', '{{x}}', '\u0000', 'a'.repeat(5000), '** _ ` # > |')),
}) as fc.Arbitrary<Mutation>;
