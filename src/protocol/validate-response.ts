/**
 * Structural validator for what this service sends: the CDS Hooks 2.0 service response and the discovery response.
 *
 * Written from CDS Hooks 2.0 (https://cds-hooks.hl7.org/2.0/, sections "CDS Service Response", "Discovery",
 * "Prefetch Template") and the FSH logical models and invariants of the HL7/cds-hooks IG
 * (input/fsh/logicals/CDSHooksResponse.fsh, CDSHooksServices.fsh, invariants cds-resp-1..6). It is pure, does no I/O
 * and never throws on any input; it returns a list of issues, each located by a JSON pointer (RFC 6901) such as
 * `/cards/0/summary`. The empty pointer `""` means the whole body.
 *
 * It is deliberately stricter than the spec in a few places, because it checks our own output, not a client's:
 * - Unknown fields on response objects (card, source, suggestion, action, link, coding, service) are issues. Only
 *   `extension` (CDSHooksElement, allowed on every CDS Hooks object) is accepted besides the 2.0 fields.
 * - 3.0-only fields (`actionSelectionBehavior`, discovery `version`/`hookVersion`) count as unknown: a 2.0 service
 *   "SHALL NOT make use of `actionSelectionBehavior` without knowing that the requesting client supports it".
 * - `description` is required on systemActions too (2.0 Action table; 3.0 relaxed it for systemActions only).
 * - `resourceId` is required for `delete` (cds-resp-2 is a warning in the IG), and an `update` resource needs an `id`
 *   (an update "holds the updated resource in its entirety").
 * - `summary` must be one sentence, checked with the heuristic in {@link isSingleSentence}.
 */

/** One problem found in a response body. */
export interface ValidationIssue {
  /** JSON pointer (RFC 6901) to the offending value, e.g. `/cards/0/summary`; `""` is the whole body. */
  readonly path: string;
  readonly message: string;
}

type JsonObject = Record<string, unknown>;

const INDICATORS: readonly string[] = ['info', 'warning', 'critical'];
const SELECTION_BEHAVIORS: readonly string[] = ['at-most-one', 'any'];
const ACTION_TYPES: readonly string[] = ['create', 'update', 'delete'];
const LINK_TYPES: readonly string[] = ['absolute', 'smart'];

const RESPONSE_FIELDS = new Set(['cards', 'systemActions', 'extension']);
const CARD_FIELDS = new Set([
  'uuid',
  'summary',
  'detail',
  'indicator',
  'source',
  'suggestions',
  'selectionBehavior',
  'overrideReasons',
  'links',
  'extension',
]);
const SOURCE_FIELDS = new Set(['label', 'url', 'icon', 'topic', 'extension']);
const SUGGESTION_FIELDS = new Set(['label', 'uuid', 'isRecommended', 'actions', 'extension']);
const ACTION_FIELDS = new Set(['type', 'description', 'resource', 'resourceId', 'extension']);
const LINK_FIELDS = new Set(['label', 'url', 'type', 'appContext', 'autolaunchable', 'extension']);
const CODING_FIELDS = new Set(['system', 'code', 'display']);
const DISCOVERY_FIELDS = new Set(['services', 'extension']);
const SERVICE_FIELDS = new Set(['hook', 'title', 'id', 'description', 'prefetch', 'usageRequirements', 'extension']);

/** The only prefetch tokens CDS Hooks 2.0 allows for order-sign/order-select (spec "Prefetch tokens"). */
const PREFETCH_TOKENS = new Set([
  '{{context.patientId}}',
  '{{context.encounterId}}',
  '{{context.userId}}',
  '{{userPractitionerId}}',
  '{{userPractitionerRoleId}}',
  '{{userPatientId}}',
  '{{userRelatedPersonId}}',
]);

/** RFC 4122 layout with the RFC 4122 variant bits; versions 1-8 (RFC 9562, which obsoletes 4122, adds 6-8). */
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
/** A relative FHIR reference `Type/id` (FHIR id: 1-64 of [A-Za-z0-9-.]). */
const RELATIVE_REFERENCE_PATTERN = /^[A-Z][A-Za-z]*\/[A-Za-z0-9.-]{1,64}$/;
/** An absolute URI has a scheme (RFC 3986 section 3.1); used for Coding.system. */
const URI_SCHEME_PATTERN = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
/** Service ids become a URL path segment: `{baseUrl}/cds-services/{id}`. */
const SERVICE_ID_PATTERN = /^[A-Za-z0-9._~-]+$/;

const SUMMARY_MAX_LENGTH = 140;

/**
 * Words that end in a full stop without ending the sentence (compared lower-case, without the final dot).
 * Multi-dot abbreviations such as "e.g." and "b.i.d." and single-letter initials are recognised by shape instead.
 */
const ABBREVIATIONS = new Set([
  'approx',
  'cf',
  'dept',
  'dr',
  'etc',
  'fig',
  'hr',
  'hrs',
  'incl',
  'max',
  'mg',
  'min',
  'mr',
  'mrs',
  'ms',
  'no',
  'p',
  'pp',
  'prof',
  'rec',
  'ref',
  'st',
  'tab',
  'tabs',
  'vol',
  'vs',
]);

/**
 * Validates a CDS Hooks 2.0 service response (`POST {baseUrl}/cds-services/{id}` answer).
 * @param body - the parsed JSON body, or the object about to be serialised
 * @returns every issue found; an empty array when the body is valid
 */
export function validateCdsResponse(body: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!isObject(body)) {
    issues.push({ path: '', message: 'response body must be a JSON object' });
    return issues;
  }
  checkNoEmptyValues(body, '', new Set(['/cards']), issues);
  checkUnknownFields(body, '', RESPONSE_FIELDS, 'response', issues);
  checkExtension(body, '', issues);

  const uuids = new Map<string, string>();
  const cards = body['cards'];
  if (cards === undefined) {
    issues.push({ path: '/cards', message: 'cards is required (send an empty array when there is no guidance)' });
  } else if (!Array.isArray(cards)) {
    issues.push({ path: '/cards', message: 'cards must be an array' });
  } else {
    cards.forEach((card, i) => checkCard(card, pointer('/cards', i), uuids, issues));
  }

  const systemActions = body['systemActions'];
  if (systemActions !== undefined && !isEmptyValue(systemActions)) {
    if (Array.isArray(systemActions)) {
      systemActions.forEach((action, i) => checkAction(action, pointer('/systemActions', i), issues));
    } else {
      issues.push({ path: '/systemActions', message: 'systemActions must be an array' });
    }
  }
  return issues;
}

/**
 * Validates a CDS Hooks 2.0 discovery response (`GET {baseUrl}/cds-services` answer).
 * @param body - the parsed JSON body, or the object about to be serialised
 * @returns every issue found; an empty array when the body is valid
 */
export function validateDiscoveryResponse(body: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!isObject(body)) {
    issues.push({ path: '', message: 'discovery body must be a JSON object' });
    return issues;
  }
  checkNoEmptyValues(body, '', new Set(['/services']), issues);
  checkUnknownFields(body, '', DISCOVERY_FIELDS, 'discovery response', issues);
  checkExtension(body, '', issues);

  const services = body['services'];
  if (services === undefined) {
    issues.push({ path: '/services', message: 'services is required (send an empty array when no service is hosted)' });
    return issues;
  }
  if (!Array.isArray(services)) {
    issues.push({ path: '/services', message: 'services must be an array' });
    return issues;
  }
  const seen = new Map<string, string>();
  services.forEach((service, i) => checkService(service, pointer('/services', i), seen, issues));
  return issues;
}

/**
 * Single-sentence heuristic for `card.summary` (spec: "One-sentence, <140-character summary").
 *
 * A line break always fails. Otherwise the text is split at `.`, `!` or `?` (optionally followed by closing quotes or
 * brackets) that is followed by whitespace and more text; text-final punctuation is fine. A full stop does NOT end a
 * sentence when:
 * - the word before it is a known abbreviation ("approx.", "vs.", "Dr.", "No.", "Rec.", ...), a dotted abbreviation
 *   ("e.g.", "i.e.", "b.i.d.") or a single letter (an initial);
 * - the next word starts with a lower-case letter (an abbreviation we do not know, e.g. "tab. daily").
 * Decimals ("2.5 mg") and versions never match because no whitespace follows the dot. `!` and `?` followed by more
 * text always split. Colons, semicolons and dashes never split.
 * @param text - the summary
 * @returns true when the text reads as one sentence
 */
export function isSingleSentence(text: string): boolean {
  if (/[\r\n\u2028\u2029]/.test(text)) {
    return false;
  }
  const boundary = /([.!?])["')\]]*\s+(\S)/g;
  for (const match of text.matchAll(boundary)) {
    const mark = match[1];
    const next = match[2] ?? '';
    if (mark !== '.') {
      return false;
    }
    const before = text.slice(0, match.index);
    const word = (/([^\s(["']+)$/.exec(before)?.[1] ?? '').toLowerCase();
    const isAbbreviation =
      ABBREVIATIONS.has(word) || /^[a-z]$/.test(word) || /^([a-z]\.)+[a-z]$/.test(word) || word.endsWith('.');
    const nextIsLowerCase = next !== next.toUpperCase() && next === next.toLowerCase();
    if (!isAbbreviation && !nextIsLowerCase) {
      return false;
    }
  }
  return true;
}

function checkCard(card: unknown, path: string, uuids: Map<string, string>, issues: ValidationIssue[]): void {
  if (!isObject(card)) {
    if (!isEmptyValue(card)) {
      issues.push({ path, message: 'card must be an object' });
    }
    return;
  }
  checkUnknownFields(card, path, CARD_FIELDS, 'card', issues);
  checkExtension(card, path, issues);
  checkUuid(card, path, uuids, issues);

  const summary = requireString(card, 'summary', path, issues);
  if (summary !== undefined) {
    const length = [...summary].length;
    if (length >= SUMMARY_MAX_LENGTH) {
      issues.push({
        path: pointer(path, 'summary'),
        message: `summary must be shorter than ${SUMMARY_MAX_LENGTH} characters (has ${length})`,
      });
    }
    if (!isSingleSentence(summary)) {
      issues.push({ path: pointer(path, 'summary'), message: 'summary must be a single sentence on one line' });
    }
  }

  const indicator = requireString(card, 'indicator', path, issues);
  if (indicator !== undefined && !INDICATORS.includes(indicator)) {
    issues.push({ path: pointer(path, 'indicator'), message: `indicator must be one of ${INDICATORS.join(' | ')}` });
  }

  optionalString(card, 'detail', path, issues);

  const source = card['source'];
  if (source === undefined) {
    issues.push({ path: pointer(path, 'source'), message: 'source is required' });
  } else if (!isEmptyValue(source)) {
    checkSource(source, pointer(path, 'source'), issues);
  }

  checkSuggestions(card, path, uuids, issues);

  forEachArrayItem(card, 'overrideReasons', path, issues, (reason, itemPath) =>
    checkCoding(reason, itemPath, true, issues),
  );
  forEachArrayItem(card, 'links', path, issues, (link, itemPath) => checkLink(link, itemPath, issues));
}

function checkSource(source: unknown, path: string, issues: ValidationIssue[]): void {
  if (!isObject(source)) {
    issues.push({ path, message: 'source must be an object' });
    return;
  }
  checkUnknownFields(source, path, SOURCE_FIELDS, 'source', issues);
  checkExtension(source, path, issues);
  requireString(source, 'label', path, issues);
  checkHttpUrl(source, 'url', path, false, issues);
  checkHttpUrl(source, 'icon', path, false, issues);
  const topic = source['topic'];
  if (topic !== undefined && !isEmptyValue(topic)) {
    checkCoding(topic, pointer(path, 'topic'), false, issues);
  }
}

function checkSuggestions(
  card: JsonObject,
  path: string,
  uuids: Map<string, string>,
  issues: ValidationIssue[],
): void {
  const suggestions = card['suggestions'];
  const behavior = card['selectionBehavior'];
  const hasSuggestions = Array.isArray(suggestions) && suggestions.length > 0;

  if (behavior !== undefined && !isEmptyValue(behavior)) {
    if (typeof behavior !== 'string' || !SELECTION_BEHAVIORS.includes(behavior)) {
      issues.push({
        path: pointer(path, 'selectionBehavior'),
        message: `selectionBehavior must be one of ${SELECTION_BEHAVIORS.join(' | ')}`,
      });
    }
  } else if (behavior === undefined && hasSuggestions) {
    // cds-resp-6: "If suggestions are present, selectionBehavior MUST also be provided."
    issues.push({
      path: pointer(path, 'selectionBehavior'),
      message: 'selectionBehavior is required when suggestions are present',
    });
  }

  forEachArrayItem(card, 'suggestions', path, issues, (suggestion, itemPath) =>
    checkSuggestion(suggestion, itemPath, uuids, issues),
  );

  if (behavior === 'at-most-one' && Array.isArray(suggestions)) {
    // cds-resp-1: at-most-one implies at most one suggestion with isRecommended = true.
    const recommended = suggestions
      .map((s, i) => (isObject(s) && s['isRecommended'] === true ? i : -1))
      .filter((i) => i >= 0);
    if (recommended.length > 1) {
      issues.push({
        path: pointer(path, 'suggestions'),
        message:
          'selectionBehavior at-most-one allows at most one isRecommended suggestion ' +
          `(found ${recommended.length}: indexes ${recommended.join(', ')})`,
      });
    }
  }
}

function checkSuggestion(
  suggestion: unknown,
  path: string,
  uuids: Map<string, string>,
  issues: ValidationIssue[],
): void {
  if (!isObject(suggestion)) {
    issues.push({ path, message: 'suggestion must be an object' });
    return;
  }
  checkUnknownFields(suggestion, path, SUGGESTION_FIELDS, 'suggestion', issues);
  checkExtension(suggestion, path, issues);
  requireString(suggestion, 'label', path, issues);
  checkUuid(suggestion, path, uuids, issues);
  const isRecommended = suggestion['isRecommended'];
  if (isRecommended !== undefined && !isEmptyValue(isRecommended) && typeof isRecommended !== 'boolean') {
    issues.push({ path: pointer(path, 'isRecommended'), message: 'isRecommended must be a boolean' });
  }
  forEachArrayItem(suggestion, 'actions', path, issues, (action, itemPath) => checkAction(action, itemPath, issues));
}

function checkAction(action: unknown, path: string, issues: ValidationIssue[]): void {
  if (!isObject(action)) {
    issues.push({ path, message: 'action must be an object' });
    return;
  }
  checkUnknownFields(action, path, ACTION_FIELDS, 'action', issues);
  checkExtension(action, path, issues);
  const type = requireString(action, 'type', path, issues);
  if (type !== undefined && !ACTION_TYPES.includes(type)) {
    issues.push({ path: pointer(path, 'type'), message: `action type must be one of ${ACTION_TYPES.join(' | ')}` });
  }
  requireString(action, 'description', path, issues);

  const resource = action['resource'];
  const resourceId = action['resourceId'];
  if (type === 'create' || type === 'update') {
    if (resource === undefined) {
      issues.push({ path: pointer(path, 'resource'), message: `a ${type} action must carry a resource` });
    } else if (!isEmptyValue(resource)) {
      if (!isObject(resource)) {
        issues.push({ path: pointer(path, 'resource'), message: 'resource must be a FHIR resource object' });
      } else {
        const resourceType = resource['resourceType'];
        if (typeof resourceType !== 'string' || !/^[A-Z][A-Za-z]*$/.test(resourceType)) {
          issues.push({
            path: pointer(pointer(path, 'resource'), 'resourceType'),
            message: 'resource must have a resourceType',
          });
        }
        if (type === 'update' && (typeof resource['id'] !== 'string' || resource['id'] === '')) {
          issues.push({
            path: pointer(pointer(path, 'resource'), 'id'),
            message: 'an update action must carry the whole resource, including its id',
          });
        }
      }
    }
  }
  if (type === 'delete') {
    if (resource !== undefined && !isEmptyValue(resource)) {
      issues.push({
        path: pointer(path, 'resource'),
        message: 'a delete action must not carry a resource (use resourceId)',
      });
    }
    if (resourceId === undefined) {
      issues.push({ path: pointer(path, 'resourceId'), message: 'a delete action must carry resourceId (Type/id)' });
    }
  }
  if (resourceId !== undefined && !isEmptyValue(resourceId)) {
    if (typeof resourceId !== 'string' || !RELATIVE_REFERENCE_PATTERN.test(resourceId)) {
      issues.push({
        path: pointer(path, 'resourceId'),
        message: 'resourceId must be a relative reference of the form Type/id',
      });
    }
  }
}

function checkCoding(coding: unknown, path: string, displayRequired: boolean, issues: ValidationIssue[]): void {
  if (!isObject(coding)) {
    issues.push({ path, message: 'must be a Coding object' });
    return;
  }
  checkUnknownFields(coding, path, CODING_FIELDS, 'Coding', issues);
  const system = requireString(coding, 'system', path, issues);
  if (system !== undefined && !URI_SCHEME_PATTERN.test(system)) {
    issues.push({ path: pointer(path, 'system'), message: 'system must be an absolute URI' });
  }
  requireString(coding, 'code', path, issues);
  if (displayRequired) {
    // cds-resp-4: each override reason "MUST populate a display".
    requireString(coding, 'display', path, issues);
  } else {
    optionalString(coding, 'display', path, issues);
  }
}

function checkLink(link: unknown, path: string, issues: ValidationIssue[]): void {
  if (!isObject(link)) {
    issues.push({ path, message: 'link must be an object' });
    return;
  }
  checkUnknownFields(link, path, LINK_FIELDS, 'link', issues);
  checkExtension(link, path, issues);
  requireString(link, 'label', path, issues);
  checkHttpUrl(link, 'url', path, true, issues);
  const type = requireString(link, 'type', path, issues);
  if (type !== undefined && !LINK_TYPES.includes(type)) {
    issues.push({ path: pointer(path, 'type'), message: `link type must be one of ${LINK_TYPES.join(' | ')}` });
  }
  const appContext = optionalString(link, 'appContext', path, issues);
  if (appContext !== undefined && type !== undefined && type !== 'smart') {
    // cds-resp-3: appContext only for smart links.
    issues.push({ path: pointer(path, 'appContext'), message: 'appContext is only allowed on links of type smart' });
  }
  const autolaunchable = link['autolaunchable'];
  if (autolaunchable !== undefined && !isEmptyValue(autolaunchable) && typeof autolaunchable !== 'boolean') {
    issues.push({ path: pointer(path, 'autolaunchable'), message: 'autolaunchable must be a boolean' });
  }
}

function checkService(
  service: unknown,
  path: string,
  seen: Map<string, string>,
  issues: ValidationIssue[],
): void {
  if (!isObject(service)) {
    if (!isEmptyValue(service)) {
      issues.push({ path, message: 'service must be an object' });
    }
    return;
  }
  checkUnknownFields(service, path, SERVICE_FIELDS, 'service', issues);
  checkExtension(service, path, issues);
  const hook = requireString(service, 'hook', path, issues);
  const id = requireString(service, 'id', path, issues);
  requireString(service, 'description', path, issues);
  requireString(service, 'title', path, issues);
  optionalString(service, 'usageRequirements', path, issues);

  if (id !== undefined && !SERVICE_ID_PATTERN.test(id)) {
    issues.push({
      path: pointer(path, 'id'),
      message: 'id must be usable as a URL path segment (letters, digits, ".", "_", "~", "-")',
    });
  }
  if (id !== undefined && hook !== undefined) {
    // The spec allows one id for several hooks, but not the same (id, hook) twice.
    const key = `${id}\u0000${hook}`;
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push({
        path: pointer(path, 'id'),
        message: `duplicate service id "${id}" for hook "${hook}" (first at ${first})`,
      });
    } else {
      seen.set(key, path);
    }
  }

  const prefetch = service['prefetch'];
  if (prefetch === undefined || isEmptyValue(prefetch)) {
    return;
  }
  const prefetchPath = pointer(path, 'prefetch');
  if (!isObject(prefetch)) {
    issues.push({ path: prefetchPath, message: 'prefetch must be an object of key -> template string' });
    return;
  }
  for (const [key, template] of Object.entries(prefetch)) {
    const templatePath = pointer(prefetchPath, key);
    if (key.trim() === '') {
      issues.push({ path: templatePath, message: 'prefetch keys must not be empty' });
    }
    if (template === undefined || isEmptyValue(template)) {
      continue;
    }
    if (typeof template !== 'string') {
      issues.push({ path: templatePath, message: 'prefetch template must be a string' });
      continue;
    }
    checkPrefetchTemplate(template, templatePath, issues);
  }
}

function checkPrefetchTemplate(template: string, path: string, issues: ValidationIssue[]): void {
  if (template.trim() === '') {
    issues.push({ path, message: 'prefetch template must not be blank' });
    return;
  }
  if (URI_SCHEME_PATTERN.test(template) || template.startsWith('/')) {
    issues.push({ path, message: 'prefetch template must be a FHIR query relative to fhirServer' });
  }
  const tokens = template.match(/\{\{.*?\}\}/g) ?? [];
  for (const token of tokens) {
    if (!PREFETCH_TOKENS.has(token)) {
      issues.push({ path, message: `prefetch token ${token} is not a CDS Hooks 2.0 token for this hook` });
    }
  }
  const rest = template.replace(/\{\{.*?\}\}/g, '');
  if (rest.includes('{{') || rest.includes('}}')) {
    issues.push({ path, message: 'prefetch template has unbalanced {{ }} token delimiters' });
  }
}

/**
 * Spec: "JSON elements SHALL NOT be null, unless otherwise specified", and `""`, `[]`, `{}` are prohibited; optional
 * attributes without a value are omitted. `allowEmptyAt` lists pointers where an empty array is allowed. FHIR resources
 * inside actions are walked too: FHIR JSON forbids the same empty values.
 */
function checkNoEmptyValues(
  value: unknown,
  path: string,
  allowEmptyAt: ReadonlySet<string>,
  issues: ValidationIssue[],
): void {
  const children: [string, unknown][] = Array.isArray(value)
    ? value.map((item, i) => [pointer(path, i), item])
    : isObject(value)
      ? Object.entries(value).map(([key, item]) => [pointer(path, key), item])
      : [];
  for (const [childPath, child] of children) {
    if (child === undefined) {
      continue; // JSON.stringify drops it: the field is absent
    }
    const kind = emptyKind(child);
    if (kind !== undefined) {
      if (!(kind === 'an empty array' && allowEmptyAt.has(childPath))) {
        issues.push({ path: childPath, message: `${kind} is not allowed; omit optional fields that have no value` });
      }
      continue;
    }
    if (typeof child === 'number' && !Number.isFinite(child)) {
      issues.push({ path: childPath, message: 'number must be finite (JSON has no NaN or Infinity)' });
      continue;
    }
    checkNoEmptyValues(child, childPath, allowEmptyAt, issues);
  }
}

function checkUnknownFields(
  obj: JsonObject,
  path: string,
  allowed: ReadonlySet<string>,
  what: string,
  issues: ValidationIssue[],
): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key) && obj[key] !== undefined) {
      issues.push({ path: pointer(path, key), message: `unknown ${what} field "${key}"` });
    }
  }
}

/** `extension` "MUST be a pre-coordinated JSON object" (spec "Extensions"). */
function checkExtension(obj: JsonObject, path: string, issues: ValidationIssue[]): void {
  const extension = obj['extension'];
  if (extension !== undefined && !isEmptyValue(extension) && !isObject(extension)) {
    issues.push({ path: pointer(path, 'extension'), message: 'extension must be a JSON object' });
  }
}

function checkUuid(obj: JsonObject, path: string, uuids: Map<string, string>, issues: ValidationIssue[]): void {
  const uuid = optionalString(obj, 'uuid', path, issues);
  if (uuid === undefined) {
    return;
  }
  const uuidPath = pointer(path, 'uuid');
  if (!UUID_PATTERN.test(uuid)) {
    issues.push({
      path: uuidPath,
      message: 'uuid must be an RFC 4122 UUID (8-4-4-4-12 hex digits, no urn:uuid: prefix)',
    });
    return;
  }
  const key = uuid.toLowerCase();
  const first = uuids.get(key);
  if (first !== undefined) {
    issues.push({ path: uuidPath, message: `uuid must be unique within the response (also used at ${first})` });
  } else {
    uuids.set(key, uuidPath);
  }
}

function checkHttpUrl(
  obj: JsonObject,
  key: string,
  path: string,
  required: boolean,
  issues: ValidationIssue[],
): void {
  const url = required ? requireString(obj, key, path, issues) : optionalString(obj, key, path, issues);
  if (url !== undefined && !isAbsoluteHttpUrl(url)) {
    issues.push({ path: pointer(path, key), message: `${key} must be an absolute http(s) URL` });
  }
}

function forEachArrayItem(
  obj: JsonObject,
  key: string,
  path: string,
  issues: ValidationIssue[],
  check: (item: unknown, itemPath: string) => void,
): void {
  const value = obj[key];
  if (value === undefined || isEmptyValue(value)) {
    return;
  }
  const arrayPath = pointer(path, key);
  if (!Array.isArray(value)) {
    issues.push({ path: arrayPath, message: `${key} must be an array` });
    return;
  }
  value.forEach((item, i) => {
    if (!isEmptyValue(item)) {
      check(item, pointer(arrayPath, i));
    }
  });
}

/**
 * Reads a required string. Empty values (`null`, `""`, ...) are reported once, by {@link checkNoEmptyValues}.
 * @returns the string when present and non-blank, else undefined
 */
function requireString(obj: JsonObject, key: string, path: string, issues: ValidationIssue[]): string | undefined {
  if (obj[key] === undefined) {
    issues.push({ path: pointer(path, key), message: `${key} is required` });
    return undefined;
  }
  return optionalString(obj, key, path, issues);
}

function optionalString(obj: JsonObject, key: string, path: string, issues: ValidationIssue[]): string | undefined {
  const value = obj[key];
  if (value === undefined || isEmptyValue(value)) {
    return undefined;
  }
  if (typeof value !== 'string') {
    issues.push({ path: pointer(path, key), message: `${key} must be a string` });
    return undefined;
  }
  if (value.trim() === '') {
    issues.push({ path: pointer(path, key), message: `${key} must not be blank` });
    return undefined;
  }
  return value;
}

function isAbsoluteHttpUrl(value: string): boolean {
  if (/\s/.test(value)) {
    return false;
  }
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function emptyKind(value: unknown): string | undefined {
  if (value === null) {
    return 'null';
  }
  if (value === '') {
    return 'an empty string';
  }
  if (Array.isArray(value)) {
    return value.length === 0 ? 'an empty array' : undefined;
  }
  if (isObject(value)) {
    return Object.values(value).every((v) => v === undefined) ? 'an empty object' : undefined;
  }
  return undefined;
}

function isEmptyValue(value: unknown): boolean {
  return emptyKind(value) !== undefined;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Appends one reference token to a JSON pointer, escaping `~` and `/` (RFC 6901 section 3). */
function pointer(parent: string, token: string | number): string {
  return `${parent}/${String(token).replaceAll('~', '~0').replaceAll('/', '~1')}`;
}
