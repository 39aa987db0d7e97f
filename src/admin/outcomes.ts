/**
 * Errors of the admin API, as FHIR OperationOutcomes with an explicit HTTP status.
 *
 * Validation errors list one issue per problem: `details.text` is the message, `expression[0]` the
 * RFC 6901 JSON pointer into the rule (not FHIRPath: this API edits JSON files, not FHIR
 * resources) and `diagnostics` the file the problem is in.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

/** One problem with a rule (or rule set), located by file and JSON pointer. */
export interface ValidationIssue {
  /** File the problem is in, e.g. "opioid-benzodiazepine.json" or "value-sets/local.json". */
  readonly file?: string;
  /** RFC 6901 pointer into that file ("" for the whole file or set). */
  readonly pointer: string;
  readonly message: string;
}

export class AdminError extends Error {
  readonly status: number;
  readonly outcome: OperationOutcome;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, outcome: OperationOutcome, headers: Readonly<Record<string, string>> = {}) {
    super(outcome.issue?.[0]?.details?.text ?? `HTTP ${status}`);
    this.name = 'AdminError';
    this.status = status;
    this.outcome = outcome;
    this.headers = headers;
  }
}

type IssueCode = OperationOutcomeIssue['code'];

function outcome(id: string, code: IssueCode, text: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', id, issue: [{ severity: 'error', code, details: { text } }] };
}

export const unauthorized = (): AdminError =>
  new AdminError(401, outcome('unauthorized', 'login', 'Authentication required: send Authorization: Bearer <admin token>.'), {
    'WWW-Authenticate': 'Bearer realm="cds-rule-admin"',
  });

export const forbidden = (needed: string): AdminError => new AdminError(403, outcome('forbidden', 'forbidden', `This operation needs the ${needed} role.`));

export const crossSiteRefused = (): AdminError =>
  new AdminError(403, outcome('cross-site', 'forbidden', 'A change sent from another site is refused while admin authentication is off (ADMIN_AUTH=off): use the console served by this service.'));

export const notFound = (what: string): AdminError => new AdminError(404, outcome('not-found', 'not-found', `${what} not found.`));

/** 404 for an id from the request path that is not even the shape of one: says so without repeating it (any length, any markup). */
export const noSuchId = (thing: string): AdminError => new AdminError(404, outcome('not-found', 'not-found', `No ${thing} with that id.`));

export const conflict = (text: string): AdminError => new AdminError(409, outcome('conflict', 'conflict', text));

export const preconditionRequired = (): AdminError =>
  new AdminError(428, outcome('precondition-required', 'required', 'Send If-Match with the ETag of the rule you edited (GET the rule to get it).'));

export const preconditionFailed = (): AdminError =>
  new AdminError(412, outcome('precondition-failed', 'conflict', 'The rule changed since you loaded it (If-Match does not match its ETag): reload it and apply your change again.'));

export const changedElsewhere = (): AdminError =>
  new AdminError(
    412,
    outcome('precondition-failed', 'conflict', 'The rule was just changed through another server of this service, and this one has not caught up yet: reload it in a moment and apply your change again.')
  );

export const badRequest = (text: string, pointer?: string): AdminError => {
  const o = outcome('bad-request', 'invalid', text);
  if (pointer !== undefined && o.issue?.[0]) {
    o.issue[0].expression = [pointer];
  }
  return new AdminError(400, o);
};

export const unavailable = (text: string): AdminError => new AdminError(503, outcome('service-unavailable', 'transient', text));

/**
 * 400 listing every problem.
 * @param summary - Why the request was refused, first issue (e.g. "the rule is not valid").
 * @param issues - Each problem with its file and JSON pointer.
 * @param code - FHIR issue code for the problems ("invalid" for validation, "business-rule" for failing tests).
 */
export function invalid(summary: string, issues: readonly ValidationIssue[], code: IssueCode = 'invalid'): AdminError {
  return new AdminError(400, {
    resourceType: 'OperationOutcome',
    id: 'rule-invalid',
    issue: [{ severity: 'error', code: 'processing', details: { text: summary } }, ...issues.map((i) => issueOf(i, code, 'error'))],
  });
}

function issueOf(i: ValidationIssue, code: IssueCode, severity: 'error' | 'warning'): OperationOutcomeIssue {
  return { severity, code, details: { text: i.message }, expression: [i.pointer], ...(i.file ? { diagnostics: i.file } : {}) };
}

/**
 * 400 for failing rule test cases (code business-rule), followed by `warnings`: other rules' cases that were
 * already failing before the change (severity warning, not what refused it).
 */
export function invalidWithWarnings(summary: string, failures: readonly ValidationIssue[], warnings: readonly ValidationIssue[]): AdminError {
  const error = invalid(summary, failures, 'business-rule');
  error.outcome.issue = [...(error.outcome.issue ?? []), ...warnings.map((w) => issueOf(w, 'business-rule', 'warning'))];
  return error;
}

/**
 * 409 for a change that runs no tests of its own (disable) but makes other rules' test cases fail (a rule it
 * replaces fires again): refused unless the editor acknowledges it (`{ "acknowledgeFailingTests": true }`).
 */
export function failingTestsNeedAcknowledgement(summary: string, failures: readonly ValidationIssue[]): AdminError {
  return new AdminError(409, {
    resourceType: 'OperationOutcome',
    id: 'acknowledge-failing-tests',
    issue: [{ severity: 'error', code: 'business-rule', details: { text: summary } }, ...failures.map((i) => issueOf(i, 'business-rule', 'error'))],
  });
}

export function internalError(): AdminError {
  return new AdminError(500, outcome('internal-error', 'exception', 'Internal error'));
}

const WITH_POINTER = /^([^:\s][^:]*?): (\/[^:]*|\/): ([\s\S]*)$/;
const WITH_FILE = /^([^:\s][^:]*?\.json|value-sets): ([\s\S]*)$/;

/**
 * Splits the loader's messages ("file.json: /pointer: message") into structured issues.
 * @param messages - From validateRule / buildRuleSet.
 * @returns One issue per message.
 */
export function toIssues(messages: readonly string[]): ValidationIssue[] {
  return messages.map((m) => {
    const withPointer = WITH_POINTER.exec(m);
    if (withPointer) {
      const pointer = withPointer[2] === '/' ? '' : (withPointer[2] ?? '');
      return { file: withPointer[1] ?? '', pointer, message: withPointer[3] ?? m };
    }
    const withFile = WITH_FILE.exec(m);
    if (withFile) {
      return { file: withFile[1] ?? '', pointer: '', message: withFile[2] ?? m };
    }
    return { pointer: '', message: m };
  });
}
