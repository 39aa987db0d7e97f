/**
 * A cheap, exact pre-check run before json-rules-engine: which rules cannot fire for an order, given
 * its facts.
 *
 * Each rule's condition tree is compiled once (per compiled rule, cached) into a three-valued
 * predicate. A condition with a plain value (or an array of plain values) is decided exactly as the
 * operator decides it: the list operators `contains`, `doesNotContain`, `containsAny`, `containsNone`
 * on arrays; `equal`, `notEqual`, `in`, `notIn`; the numeric comparisons with json-rules-engine's
 * number validator (a number, or null which never passes). Whatever it cannot decide exactly (a
 * value of another type, an absent fact) is "unknown", and all/any/not combine the three values. A
 * rule whose predicate is definitely false cannot fire, so it is left out of the engine for that
 * order; when nothing is left the engine is not run. json-rules-engine still decides every rule that
 * may fire (true or unknown), with a fresh Engine per evaluation (see README.md), so every card comes
 * from an engine event.
 *
 * Failures are kept as they were: a rule is gated only when every condition in it uses a known
 * fact and a known operator with a plain value (no `path`, `params`, condition references or fact
 * references), i.e. when json-rules-engine could not throw on it. Anything else always runs.
 */
import type { TopLevelCondition } from 'json-rules-engine';
import { FACT_NAMES } from '../facts/index.ts';

/** false: cannot be true; true: is true; undefined: depends on other facts. */
type Tri = boolean | undefined;
/** The facts the gate reads (all arrays of strings in EngineFacts). */
export type GateFacts = Readonly<Record<string, unknown>>;
export type RuleGate = (facts: GateFacts) => Tri;

const BUILT_IN_OPERATORS = new Set(['equal', 'notEqual', 'in', 'notIn', 'contains', 'doesNotContain', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive']);
const CUSTOM_OPERATORS = new Set(['containsAny', 'containsNone']);
const KNOWN_FACTS: ReadonlySet<string> = new Set(FACT_NAMES);

const UNKNOWN: RuleGate = () => undefined;
const NONE_OPEN: ReadonlySet<string> = new Set();

type Node = Record<string, unknown>;

function isPlain(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** The keys that make a node a group, a negation, a reference or a leaf: json-rules-engine reads one. */
const NODE_KINDS = ['all', 'any', 'not', 'condition', 'fact'] as const;

/** Plain data (a function-valued fact would be called by the engine, as a dynamic fact). */
function isPlainFact(value: unknown): boolean {
  return typeof value !== 'function';
}

/**
 * True when json-rules-engine cannot throw on this tree and reads it as the gate does (validated
 * rules always pass): every node is exactly one of all / any / not / leaf, and the root is not a leaf.
 */
function safeRoot(node: unknown): boolean {
  return safe(node) && !('fact' in (node as Node));
}

function safe(node: unknown): boolean {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return false;
  const n = node as Node;
  if (NODE_KINDS.filter((k) => k in n).length !== 1) return false;
  for (const key of ['all', 'any'] as const) {
    if (key in n) return Array.isArray(n[key]) && (n[key] as unknown[]).every(safe);
  }
  if ('not' in n) return safe(n.not);
  if ('condition' in n) return false;
  if (typeof n.fact !== 'string' || !KNOWN_FACTS.has(n.fact) || 'path' in n || 'params' in n) return false;
  if (typeof n.operator !== 'string' || !(BUILT_IN_OPERATORS.has(n.operator) || CUSTOM_OPERATORS.has(n.operator))) return false;
  // `in` / `notIn` call value.indexOf: anything but an array may throw.
  if ((n.operator === 'in' || n.operator === 'notIn') && !Array.isArray(n.value)) return false;
  return isPlain(n.value) || (Array.isArray(n.value) && n.value.every(isPlain));
}

/** Three-valued all (`decisive` false) or any (`decisive` true) of the parts. */
function combine(parts: readonly RuleGate[], decisive: boolean): RuleGate {
  return (facts) => {
    let result: Tri = !decisive;
    for (const part of parts) {
      const v = part(facts);
      if (v === decisive) return decisive;
      if (v === undefined) result = undefined;
    }
    return result;
  };
}

function compile(node: unknown, open: ReadonlySet<string> = NONE_OPEN): RuleGate {
  const n = node as Node;
  // json-rules-engine treats an empty all/any as true: leave such a node undecided.
  if ((Array.isArray(n.all) && n.all.length === 0) || (Array.isArray(n.any) && n.any.length === 0)) return UNKNOWN;
  // all: false as soon as a part is false; any: true as soon as a part is true; otherwise unknown if a part is.
  if (Array.isArray(n.all)) return combine((n.all as unknown[]).map((c) => compile(c, open)), false);
  if (Array.isArray(n.any)) return combine((n.any as unknown[]).map((c) => compile(c, open)), true);
  if ('not' in n) {
    const inner = compile(n.not, open);
    return (facts) => {
      const v = inner(facts);
      return v === undefined ? undefined : !v;
    };
  }
  const fact = n.fact as string;
  // A fact left open (its value unknown to the service): any value may be the real one.
  if (open.has(fact)) return UNKNOWN;
  const value = n.value;
  // A fact that is not an array at run time is left to the engine (its operators then answer false).
  const list = (facts: GateFacts): readonly unknown[] | undefined => {
    const v = facts[fact];
    return Array.isArray(v) ? v : undefined;
  };
  // json-rules-engine's numberValidator: Number.parseFloat(factValue).toString() !== 'NaN'. Decided here
  // only for a number (valid when not NaN) and null (never valid); anything else goes to the engine.
  const numeric = (compare: (a: number, b: unknown) => boolean): RuleGate => {
    return (facts) => {
      const v = facts[fact];
      if (v === null) return false;
      if (typeof v !== 'number') return undefined;
      return !Number.isNaN(v) && compare(v, value);
    };
  };
  switch (n.operator) {
    // json-rules-engine: factValue.indexOf(value) > -1 / === -1 (fact must be an array).
    case 'contains':
      return (facts) => {
        const l = list(facts);
        return l === undefined ? undefined : l.indexOf(value) > -1;
      };
    case 'doesNotContain':
      return (facts) => {
        const l = list(facts);
        return l === undefined ? undefined : l.indexOf(value) === -1;
      };
    // operators.ts: false unless the value is an array.
    case 'containsAny':
      return (facts) => {
        const l = list(facts);
        return l === undefined ? undefined : Array.isArray(value) && l.some((c) => value.includes(c));
      };
    case 'containsNone':
      return (facts) => {
        const l = list(facts);
        return l === undefined ? undefined : Array.isArray(value) && !l.some((c) => value.includes(c));
      };
    // json-rules-engine: a === b, a !== b, no validator.
    // (Absent facts never reach these predicates: see withFactsPresent.)
    case 'equal':
      return (facts) => facts[fact] === value;
    case 'notEqual':
      return (facts) => facts[fact] !== value;
    // json-rules-engine: value.indexOf(factValue) > -1 / === -1; only an array value is decided.
    case 'in':
      return Array.isArray(value) ? (facts) => value.indexOf(facts[fact]) > -1 : UNKNOWN;
    case 'notIn':
      return Array.isArray(value) ? (facts) => value.indexOf(facts[fact]) === -1 : UNKNOWN;
    // json-rules-engine: numberValidator(factValue) && a < b (and so on), the same JavaScript comparison.
    case 'lessThan':
      return numeric((a, b) => a < (b as number));
    case 'lessThanInclusive':
      return numeric((a, b) => a <= (b as number));
    case 'greaterThan':
      return numeric((a, b) => a > (b as number));
    case 'greaterThanInclusive':
      return numeric((a, b) => a >= (b as number));
    default:
      return UNKNOWN;
  }
}

const cache = new WeakMap<object, RuleGate>();

/**
 * The gate of one compiled rule's conditions (built once per conditions object, then cached).
 * @param conditions - The rule's top-level condition.
 * @returns A predicate: false when the rule cannot fire with these facts.
 */
export function ruleGate(conditions: TopLevelCondition): RuleGate {
  let gate = cache.get(conditions);
  if (!gate) {
    gate = safeRoot(conditions) ? withFactsPresent(factsUsed(conditions), compile(conditions)) : UNKNOWN;
    cache.set(conditions, gate);
  }
  return gate;
}

/** The facts a condition tree reads. */
function factsUsed(node: unknown, into: Set<string> = new Set()): Set<string> {
  const n = node as Node;
  for (const key of ['all', 'any'] as const) {
    if (Array.isArray(n[key])) (n[key] as unknown[]).forEach((c) => factsUsed(c, into));
  }
  if ('not' in n) factsUsed(n.not, into);
  if (typeof n.fact === 'string') into.add(n.fact);
  return into;
}

/**
 * With `allowUndefinedFacts: false` json-rules-engine rejects when it reads an absent fact, which
 * becomes a "check incomplete" card: a rule reading any absent fact is never left out (nor one reading
 * a function, which the engine would call).
 */
function withFactsPresent(facts: ReadonlySet<string>, gate: RuleGate): RuleGate {
  const names = [...facts];
  return (values) => {
    for (const name of names) {
      if (values[name] === undefined || !isPlainFact(values[name])) return undefined;
    }
    return gate(values);
  };
}

const openCache = new WeakMap<object, Map<string, RuleGate>>();

/**
 * Whether a rule could fire for an order if the facts the service could not establish were known: false only
 * when its other facts decide that it cannot, whatever values the open facts take (a patient under 18 for an
 * adult check, an excluded condition, a drug class the order does not have). A fact gap that only such rules
 * read changes no check. Decided by the same exact three-valued reading as the gate, with each condition on an
 * open fact undecided; a rule the gate cannot read (see above) may always fire.
 * @param conditions - The rule's top-level condition (compiled).
 * @param facts - The order's facts.
 * @param open - The facts left open (FactGap.facts of every gap of the request).
 */
export function couldFireWithOpenFacts(conditions: TopLevelCondition, facts: GateFacts, open: readonly string[]): boolean {
  if (!safeRoot(conditions)) return true;
  const names = [...new Set(open)].sort();
  const key = names.join('\u0000');
  let byOpen = openCache.get(conditions);
  if (!byOpen) {
    byOpen = new Map();
    openCache.set(conditions, byOpen);
  }
  let gate = byOpen.get(key);
  if (!gate) {
    const openSet = new Set(names);
    gate = withFactsPresent(new Set([...factsUsed(conditions)].filter((f) => !openSet.has(f))), compile(conditions, openSet));
    byOpen.set(key, gate);
  }
  return gate(facts) !== false;
}

/**
 * The facts a rule's condition tree reads, or `'all'` when the gate cannot read the tree (it may then read
 * anything: references to named conditions, values taken from other facts).
 * @param conditions - The rule's top-level condition (compiled).
 */
export function factsReadByRule(conditions: TopLevelCondition): ReadonlySet<string> | 'all' {
  let read = readCache.get(conditions);
  if (read === undefined) {
    read = safeRoot(conditions) ? factsUsed(conditions) : 'all';
    readCache.set(conditions, read);
  }
  return read;
}

const readCache = new WeakMap<object, ReadonlySet<string> | 'all'>();
