/**
 * Validates one rule file: the JSON Schema in rules/schema/rule.schema.json first, then what a
 * schema cannot say (file name matches id, facts exist, placeholders exist (a parameter's in any card text, the
 * patient's record's in the detail only), summaries read as one sentence under 140 characters with the
 * parameters' values in place, card text holds no raw HTML,
 * image or non-https link, nor Markdown nested deeper than EHRs show). Errors name the file,
 * the JSON pointer and what was expected, in words an informaticist understands.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import { Lexer } from 'marked';
import type { TokensList } from 'marked';
import { FACT_KINDS, FACT_NAMES } from '../facts/index.ts';
import type { FactKind } from '../facts/index.ts';
import { isSingleSentence } from '../protocol/validate-response.ts';
import { CONDITION_GROUPS, DRUG_CLASSES } from '../terminology/index.ts';
import { PARAM_PREFIX, hasParameter, parameterPlaceholder, substituteParameters, substituteTextParameters } from './compile-rules.ts';
import type { RuleDefinition } from './types.ts';

export const RULE_SCHEMA_PATH = fileURLToPath(new URL('../../rules/schema/rule.schema.json', import.meta.url));
const schema = JSON.parse(readFileSync(RULE_SCHEMA_PATH, 'utf8')) as object;
const validateSchema = new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(schema);

/**
 * Most test cases a rule may list (the schema's `tests` maxItems): callers that look at a draft's cases
 * before validating it (the admin API's fixture check) stop at it too.
 */
export const MAX_RULE_TESTS = (schema as { properties: { tests: { maxItems: number } } }).properties.tests.maxItems;

/**
 * Most characters of a card detail (the schema's maxLength), also once the parameters' values are in
 * place: the text marked lexes here. Nested Markdown takes marked superlinear time (1,000 lines each
 * indented one level more: 9 s), so the length bounds the time a validation (a viewer's call) can take.
 */
export const MAX_DETAIL_LENGTH = (schema as { properties: { card: { properties: { detail: { maxLength: number } } } } }).properties.card.properties.detail.maxLength;

/**
 * Most block quotes and lists nested in each other in card text. Cards use two or three levels; EHRs
 * render deeper nesting badly or not at all, and marked's lexer recurses once per level (the stack
 * overflowed at 3,000 levels of "> ", which one JSON string can hold).
 */
export const MAX_MARKDOWN_NESTING = 8;

/**
 * Most characters of a card summary or escalation summary as it reads (parameters' values in place): CDS Hooks
 * asks for "<140". The schema holds the text as written to a looser bound, as "{{param:minimumAge}}" is longer
 * than the "65" it becomes.
 */
export const MAX_SUMMARY_LENGTH = 139;

export const DETAIL_PLACEHOLDERS = [
  'order',
  'interacting',
  'patientAge',
  'riskFactors',
  'triggers',
  'mmeBreakdown',
  'totalMme',
  'cnsDrugs',
  'ketamineTiming',
  'overdoseSigns',
] as const;
/**
 * Every placeholder, for matchAll; the name is trimmed where it is read. Linear in the text: the former
 * `{{\s*([^}]*?)\s*}}` took cubic time on "{{" and many spaces with no "}}" (8,000 spaces: 81 s to save a rule).
 */
const PLACEHOLDERS = /\{\{([^}]*)\}\}/g;

export type RuleResult = { readonly ok: true; readonly value: RuleDefinition } | { readonly ok: false; readonly errors: string[] };

/**
 * @param json - Parsed file content.
 * @param fileName - Base name, e.g. "opioid-benzodiazepine.json" (used in messages and to check the id).
 * @returns The typed rule, or every problem found.
 */
export function validateRule(json: unknown, fileName: string): RuleResult {
  if (!validateSchema(json)) {
    return { ok: false, errors: explainSchemaErrors(validateSchema.errors ?? [], fileName) };
  }
  const rule = json as unknown as RuleDefinition;
  const errors: string[] = [];
  const expectedId = fileName.replace(/\.json$/, '');
  if (rule.replaces?.includes(rule.id)) {
    errors.push(`${fileName}: /replaces: a rule cannot replace itself`);
  }
  if (rule.id !== expectedId) {
    errors.push(`${fileName}: /id: the id "${rule.id}" must equal the file name "${expectedId}"`);
  }
  // A parameter's value is used as it is: "$param:other" would be compared as that text, and never match.
  for (const [name, parameter] of Object.entries(rule.parameters ?? {})) {
    if (typeof parameter.value === 'string' && parameter.value.startsWith(PARAM_PREFIX)) {
      errors.push(
        `${fileName}: /parameters/${name}/value: ${JSON.stringify(parameter.value)} refers to a parameter, but a parameter cannot refer to another (a condition using it would compare with this text and never hold); write the value itself: a number, a text, or true or false`
      );
    }
  }
  const trees: [string, unknown][] = [['/conditions', rule.conditions], ...(rule.escalations ?? []).map((e, i): [string, unknown] => [`/escalations/${i}/conditions`, e.conditions])];
  for (const [root, tree] of trees) {
    for (const [pointer, fact, value] of factsUsed(tree, root)) {
      if (!(FACT_NAMES as readonly string[]).includes(fact)) {
        errors.push(`${fileName}: ${pointer}/fact: unknown fact "${fact}"; known facts are ${FACT_NAMES.join(', ')}`);
      }
      errors.push(...checkValue(fileName, pointer, fact, value, rule));
    }
    const missing: string[] = [];
    const substituted = substituteParameters(tree, rule, missing);
    for (const name of new Set(missing)) {
      errors.push(`${fileName}: ${root}: "${PARAM_PREFIX}${name}" names no entry in "parameters"`);
    }
    // With the parameters' values in place: the operator suits the fact, and the value the operator.
    for (const [pointer, fact, value, operator] of factsUsed(substituted, root)) {
      errors.push(...checkOperator(fileName, pointer, fact, operator, value));
    }
  }
  // Summaries are the card's headline, the same for every patient: only the rule's own parameters may go in.
  // Details may also use what the card fills from the patient's record.
  const summaries: [string, string][] = [['/card/summary', rule.card.summary], ...(rule.escalations ?? []).flatMap((e, i): [string, string][] => (e.summary === undefined ? [] : [[`/escalations/${i}/summary`, e.summary]]))];
  for (const [pointer, summary] of summaries) {
    for (const name of placeholderNames(summary)) {
      if (parameterPlaceholder(name)) {
        errors.push(...checkParameterPlaceholder(fileName, pointer, name, rule));
      } else {
        errors.push(`${fileName}: ${pointer}: {{${name}}} is not allowed in a summary, which reads the same for every patient; only the rule's parameters are ({{param:<name>}}); put patient details in /card/detail`);
      }
    }
  }
  for (const name of placeholderNames(rule.card.detail)) {
    if (parameterPlaceholder(name)) {
      errors.push(...checkParameterPlaceholder(fileName, '/card/detail', name, rule));
    } else if (!(DETAIL_PLACEHOLDERS as readonly string[]).includes(name)) {
      errors.push(`${fileName}: /card/detail: unknown placeholder {{${name}}}; known placeholders are ${DETAIL_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}, {{param:<name>}} and {{param.<name>}}`);
    }
  }
  // The EHR shows the summary as the card's headline: CDS Hooks asks for one sentence under 140 characters (the
  // same checks the service applies to every card it sends, protocol/validate-response.ts), as it will read: with
  // the parameters' values in place.
  for (const [pointer, summary] of summaries) {
    const text = substituteTextParameters(summary, rule);
    const length = [...text].length;
    if (length > MAX_SUMMARY_LENGTH) {
      errors.push(
        text === summary
          ? `${fileName}: ${pointer}: must be at most ${MAX_SUMMARY_LENGTH} characters`
          : `${fileName}: ${pointer}: must be at most ${MAX_SUMMARY_LENGTH} characters with the parameters' values in place; it reads ${length}: ${JSON.stringify(text)}`
      );
    }
    if (!isSingleSentence(text)) {
      errors.push(`${fileName}: ${pointer}: must be one sentence on one line (CDS Hooks shows it as the card's headline); put the rest in /card/detail`);
    }
  }
  errors.push(...checkCardMarkup(fileName, rule));
  const highest = [rule.indicator, ...(rule.escalations ?? []).map((e) => e.indicator)].find((i) => i !== 'info');
  if (highest && (rule.card.overrideReasons?.length ?? 0) === 0) {
    errors.push(`${fileName}: /card/overrideReasons: ${highest} cards must offer at least one coded override reason`);
  }
  const recommended = rule.card.suggestions?.filter((s) => s.isRecommended).length ?? 0;
  if (recommended > 1) {
    errors.push(`${fileName}: /card/suggestions: at most one suggestion may be recommended`);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: rule };
}

/** The trimmed names of a text's placeholders, in order. */
function placeholderNames(text: string): string[] {
  return [...text.matchAll(PLACEHOLDERS)].map((m) => (m[1] ?? '').trim());
}

/** A {{param:<name>}} or {{param.<name>}} placeholder must name one of the rule's parameters. */
function checkParameterPlaceholder(fileName: string, pointer: string, placeholder: string, rule: RuleDefinition): string[] {
  const { parameter } = parameterPlaceholder(placeholder)!;
  if (hasParameter(rule, parameter)) {
    return [];
  }
  const known = Object.keys(rule.parameters ?? {});
  return [
    `${fileName}: ${pointer}: {{${placeholder}}} names no entry in "parameters"; ${known.length === 0 ? 'this rule has no parameters' : `known parameters are ${known.join(', ')}`}`,
  ];
}

/** Stands for a placeholder filled from the patient's record while the detail is lexed (see checkCardMarkup). */
const PATIENT_DATA = 'cdspatientdata';

/**
 * EHRs render card text as GitHub-flavoured Markdown, some with raw HTML switched on: an
 * `<img src="http://host/?age={{patientAge}}">` would send patient data to that host when the card
 * shows, without a click, and a `javascript:` or plain-http link is one click from the same. The
 * console preview strips these (DOMPurify), so a reviewer would approve text that looks harmless.
 * Refuses raw HTML (block and inline, comments included), images, and links (inline, reference-style,
 * autolinks, bare URLs and e-mail addresses) whose target is not https, or holds patient data.
 * The detail is lexed as the EHR gets it: parameters' values in place, and each placeholder
 * filled from the patient's record as one word.
 */
function checkCardMarkup(fileName: string, rule: RuleDefinition): string[] {
  const texts: [string, string][] = [
    ['/card/summary', fillPlaceholders(rule.card.summary, rule)],
    ['/card/detail', fillPlaceholders(rule.card.detail, rule)],
    ...(rule.escalations ?? []).flatMap((e, i): [string, string][] => (e.summary === undefined ? [] : [[`/escalations/${i}/summary`, fillPlaceholders(e.summary, rule)]])),
  ];
  const errors: string[] = [];
  for (const [pointer, text] of texts) {
    if (text.length > MAX_DETAIL_LENGTH) {
      errors.push(`${fileName}: ${pointer}: with the parameters' values in place, the text is ${text.length} characters; at most ${MAX_DETAIL_LENGTH} are allowed`);
      continue;
    }
    // Counted first on the text, so the common case ("> > > …", "- - - …" on one line) is refused
    // without lexing (which took 0.7 s to overflow on 3,000 "- ").
    const prefix = deepestLinePrefix(text);
    if (prefix > MAX_MARKDOWN_NESTING) {
      errors.push(`${fileName}: ${pointer}: block quotes and lists nest ${prefix} levels deep; at most ${MAX_MARKDOWN_NESTING} are allowed (EHRs may not show deeper nesting); flatten it`);
      continue;
    }
    let tokens: TokensList;
    try {
      tokens = Lexer.lex(text, { gfm: true });
    } catch (err) {
      // marked recurses per level of nesting: "> " 3,000 times (or "*" 5,000 times around a word) overflows
      // the stack. That is the text's fault, so it is reported like any other problem, never thrown.
      if (err instanceof RangeError) {
        errors.push(`${fileName}: ${pointer}: the Markdown nests too deeply to be read (block quotes, lists or emphasis inside each other); flatten it`);
        continue;
      }
      throw err;
    }
    const { problems, nesting } = markupProblems(tokens);
    if (nesting > MAX_MARKDOWN_NESTING) {
      errors.push(`${fileName}: ${pointer}: block quotes and lists nest ${nesting} levels deep; at most ${MAX_MARKDOWN_NESTING} are allowed (EHRs may not show deeper nesting); flatten it`);
    }
    for (const problem of new Set(problems)) {
      errors.push(`${fileName}: ${pointer}: ${problem}; raw HTML, images and non-https links are not allowed in card text`);
    }
  }
  return errors;
}

/**
 * The most block quote and list markers ("> ", "- ", "* ", "+ ", "1. ", "1) ") any one line of the text
 * starts with: the nesting that line opens. A thematic break ("- - -", "* * *") is no nesting. One pass.
 */
function deepestLinePrefix(text: string): number {
  let deepest = 0;
  for (const line of text.split('\n')) {
    if (/^[ \t]*([-*_])([ \t]*\1)*[ \t]*$/.test(line)) {
      continue;
    }
    let markers = 0;
    let i = 0;
    for (;;) {
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] === '>') {
        markers++;
        i++;
        continue;
      }
      let end = i;
      while (end - i < 9 && line[end] !== undefined && line[end]! >= '0' && line[end]! <= '9') end++;
      const marker = end > i && (line[end] === '.' || line[end] === ')') ? end + 1 : line[i] === '-' || line[i] === '*' || line[i] === '+' ? i + 1 : -1;
      if (marker === -1 || !(line[marker] === undefined || line[marker] === ' ' || line[marker] === '\t')) break;
      markers++;
      i = marker;
    }
    deepest = Math.max(deepest, markers);
  }
  return deepest;
}

/**
 * A card text as the EHR gets it: the parameters' values in place as the card has them (compile-rules.ts,
 * cardText), then each placeholder filled from the patient's record as one word (a parameter the rule does
 * not have is reported elsewhere).
 */
function fillPlaceholders(text: string, rule: RuleDefinition): string {
  return substituteTextParameters(text, rule).replace(PLACEHOLDERS, (all, raw: string) => (parameterPlaceholder(raw.trim()) ? all : PATIENT_DATA));
}

/**
 * What is wrong in marked's tokens (paragraphs, lists, tables, link texts, ...), in document order, and
 * how deep block quotes and lists nest. Walked with a stack of its own, not by recursion: however deep
 * the tokens, this cannot overflow the call stack.
 */
function markupProblems(tokens: unknown): { problems: string[]; nesting: number } {
  const problems: string[] = [];
  let nesting = 0;
  const stack: [unknown, number][] = [[tokens, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    let below = depth;
    if (!Array.isArray(node)) {
      const token = node as { type?: unknown; raw?: unknown; href?: unknown };
      const raw = typeof token.raw === 'string' ? JSON.stringify(token.raw.trim().slice(0, 80)).replaceAll(PATIENT_DATA, '{{…}}') : '';
      if (token.type === 'html') {
        problems.push(`raw HTML ${raw}: write the text in Markdown instead (**bold**, lists, [label](https://…))`);
      } else if (token.type === 'image') {
        problems.push(`image ${raw}: remove it (cards carry text; put a picture behind an https link)`);
      } else if ((token.type === 'link' || token.type === 'def') && typeof token.href === 'string') {
        problems.push(...linkProblems(token.href, raw));
      } else if (token.type === 'blockquote' || token.type === 'list') {
        below = depth + 1;
        nesting = Math.max(nesting, below);
      }
    }
    // Children pushed last first, so they are visited in document order.
    const children = Array.isArray(node) ? (node as unknown[]) : Object.values(node as object);
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i];
      if (child !== null && typeof child === 'object') {
        stack.push([child, below]);
      }
    }
  }
  return { problems, nesting };
}

function linkProblems(href: string, raw: string): string[] {
  if (href.includes(PATIENT_DATA)) {
    return [`link ${raw} puts patient data ({{…}}) in the address: link to a fixed https address`];
  }
  if (/^https:\/\/[^\s]/i.test(href)) {
    return [];
  }
  if (href.startsWith('mailto:')) {
    return [`e-mail link ${raw}: write the address as text with its @ escaped (\\@), or link to an https page`];
  }
  return [`link ${raw} goes to ${JSON.stringify(href.slice(0, 60))}: use an https:// address (a bare "www." or "http://" address is a link too; escape its "." or ":" with a backslash to keep it text)`];
}

/** Values a class or condition fact can hold: a typo such as "benzodiazepines" would never match. */
const KNOWN_VALUES: Readonly<Record<string, readonly string[]>> = {
  orderClasses: DRUG_CLASSES,
  concurrentClasses: DRUG_CLASSES,
  conditions: CONDITION_GROUPS,
};

function checkValue(fileName: string, pointer: string, fact: string, value: unknown, rule: RuleDefinition): string[] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return [`${fileName}: ${pointer}/value: must be a value or a list of values (comparing with another fact is not supported)`];
  }
  // Own entries only: a fact named "valueOf" or "constructor" is an unknown fact, not Object's method.
  const known = Object.hasOwn(KNOWN_VALUES, fact) ? KNOWN_VALUES[fact] : undefined;
  if (!known) {
    return [];
  }
  const errors: string[] = [];
  for (const v of Array.isArray(value) ? value : [value]) {
    if (typeof v === 'string' && v.startsWith(PARAM_PREFIX)) {
      // A parameter's value is held to the same list (a missing parameter is reported elsewhere).
      const name = v.slice(PARAM_PREFIX.length);
      const parameterValue = hasParameter(rule, name) ? rule.parameters![name]!.value : undefined;
      for (const p of Array.isArray(parameterValue) ? parameterValue : parameterValue === undefined ? [] : [parameterValue]) {
        if (!(typeof p === 'string' && known.includes(p))) {
          errors.push(`${fileName}: /parameters/${name}/value: ${JSON.stringify(p)} (used at ${pointer}/value) is not a known value of "${fact}"; known values are ${known.join(', ')}`);
        }
      }
    } else if (!(typeof v === 'string' && known.includes(v))) {
      errors.push(`${fileName}: ${pointer}/value: ${JSON.stringify(v)} is not a known value of "${fact}"; known values are ${known.join(', ')}`);
    }
  }
  return errors;
}

function* factsUsed(node: unknown, pointer: string): Generator<[string, string, unknown, string]> {
  if (!node || typeof node !== 'object') {
    return;
  }
  const obj = node as Record<string, unknown>;
  if (typeof obj.fact === 'string') {
    yield [pointer, obj.fact, obj.value, typeof obj.operator === 'string' ? obj.operator : ''];
  }
  for (const key of ['all', 'any'] as const) {
    const list = obj[key];
    if (Array.isArray(list)) {
      for (let i = 0; i < list.length; i++) {
        yield* factsUsed(list[i], `${pointer}/${key}/${i}`);
      }
    }
  }
  if (obj.not) {
    yield* factsUsed(obj.not, `${pointer}/not`);
  }
}

function explainSchemaErrors(errors: readonly ErrorObject[], fileName: string): string[] {
  // oneOf failures repeat every branch's complaint; keep the most specific (deepest) messages. An if/else
  // failure ("must match else schema") repeats the complaint of its branch, which is kept.
  const deepest = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'if' && !errors.some((o) => o !== e && o.instancePath.startsWith(`${e.instancePath}/`)));
  const messages = (deepest.length > 0 ? deepest : errors).map((e) => `${fileName}: ${e.instancePath || '/'}: ${explain(e)}`);
  return [...new Set(messages)];
}

function explain(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `missing required field "${String(p.missingProperty)}"`;
    case 'additionalProperties':
      return `unknown field "${String(p.additionalProperty)}" (check the spelling)`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'type':
      return `must be ${article(String(p.type))}`;
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters`;
    case 'minLength':
      return `must be at least ${String(p.limit)} characters`;
    case 'pattern':
      return `has the wrong format (expected to match ${String(p.pattern)})`;
    case 'minItems':
      return `must list at least ${String(p.limit)} item(s)`;
    case 'maxItems':
      return `must list at most ${String(p.limit)} item(s)`;
    case 'dependencies':
      // e.g. an override reason's recordsNaloxoneOnHand: the snooze is the record, its snoozeDays how long it holds.
      return `"${String(p.property)}" is allowed only together with "${String(p.missingProperty)}"`;
    default:
      return e.message ?? 'is not valid';
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** Operators that make sense for each kind of fact (json-rules-engine 7.3.1 and operators.ts). */
export const OPERATORS_BY_KIND: Readonly<Record<FactKind, readonly string[]>> = {
  list: ['contains', 'doesNotContain', 'containsAny', 'containsNone'],
  number: ['equal', 'notEqual', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive', 'in', 'notIn'],
  boolean: ['equal', 'notEqual'],
};
/** Operators whose value is a list; the others take one value. */
export const LIST_VALUE_OPERATORS: ReadonlySet<string> = new Set(['in', 'notIn', 'containsAny', 'containsNone']);

const describeKind: Readonly<Record<FactKind, string>> = { list: 'a list of values', number: 'a number', boolean: 'true or false' };

/**
 * A condition the engine would run but that could never fire, or would throw on every order: an
 * operator that does not suit the fact (`in` on a list of classes matches substrings or nothing), or a
 * value of the wrong shape for the operator (`in` with a single value throws). Checked with the
 * parameters' values in place, so a parameter cannot carry a wrong shape past it.
 */
function checkOperator(fileName: string, pointer: string, fact: string, operator: string, value: unknown): string[] {
  const kind = Object.hasOwn(FACT_KINDS, fact) ? (FACT_KINDS[fact as keyof typeof FACT_KINDS] as FactKind) : undefined;
  if (!kind) {
    return []; // unknown fact: reported already
  }
  const allowed = OPERATORS_BY_KIND[kind];
  if (!allowed.includes(operator)) {
    return [`${fileName}: ${pointer}/operator: "${operator}" does not work on "${fact}" (${describeKind[kind]}); use ${allowed.join(', ')}`];
  }
  const errors: string[] = [];
  const wantsList = LIST_VALUE_OPERATORS.has(operator);
  if (wantsList !== Array.isArray(value)) {
    errors.push(`${fileName}: ${pointer}/value: "${operator}" needs ${wantsList ? 'a list of values' : 'a single value, not a list'}`);
    return errors;
  }
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  // An empty list makes the condition the same for every order: it can never hold, or always does.
  if (wantsList && values.length === 0) {
    const always = operator === 'containsAny' || operator === 'in' ? 'false: this condition can never hold' : 'true: this condition tests nothing';
    errors.push(`${fileName}: ${pointer}/value: "${operator}" with an empty list is always ${always}; list at least one value, or remove the condition`);
    return errors;
  }
  const element: 'string' | 'number' | 'boolean' = kind === 'list' ? 'string' : kind === 'number' ? 'number' : 'boolean';
  // A "$param:" text left after substitution names no parameter: reported already.
  if (values.some((v) => typeof v !== element && !(typeof v === 'string' && v.startsWith(PARAM_PREFIX)))) {
    errors.push(`${fileName}: ${pointer}/value: "${fact}" is compared with ${element === 'string' ? 'text values' : element === 'number' ? 'numbers' : 'true or false'}`);
    return errors;
  }
  return errors;
}
