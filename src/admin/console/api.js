// @ts-check
/**
 * The admin API client (docs/admin-api.md). Every call carries the bearer token kept in
 * sessionStorage; errors come back as FHIR OperationOutcomes and are turned into readable text.
 * Paths are relative to the console's own URL (served at /admin/, the API at /admin/api/), so the
 * console also works behind a proxy that adds a path prefix.
 */

const TOKEN_KEY = 'cds-admin-token';

/**
 * @typedef {{ message: string, pointer?: string, file?: string }} Problem
 */

export class ApiError extends Error {
  /**
   * @param {number} status - HTTP status, 0 when the server could not be reached.
   * @param {string} message - A sentence for the user.
   * @param {Problem[]} problems - Each issue of the OperationOutcome (or validation error).
   * @param {unknown} [body]
   */
  constructor(status, message, problems, body) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.problems = problems;
    this.body = body;
  }
}

/** @returns {string | null} */
export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** @param {string | null} token */
export function setToken(token) {
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  } else {
    sessionStorage.removeItem(TOKEN_KEY);
  }
}

/**
 * Readable problems from an OperationOutcome or a `{ errors: [{ pointer, message }] }` body.
 * @param {unknown} body
 * @returns {Problem[]}
 */
export function problemsOf(body) {
  if (!body || typeof body !== 'object') {
    return [];
  }
  const b = /** @type {Record<string, any>} */ (body);
  /** @type {Problem[]} */
  const out = [];
  if (Array.isArray(b.errors)) {
    for (const e of b.errors) {
      if (typeof e === 'string') {
        out.push(splitPointer(e));
      } else if (e && typeof e === 'object') {
        out.push({
          message: String(e.message ?? e.diagnostics ?? JSON.stringify(e)),
          ...(typeof e.pointer === 'string' ? { pointer: e.pointer } : {}),
          ...(typeof e.file === 'string' && e.file ? { file: e.file } : {}),
        });
      }
    }
  }
  if (b.resourceType === 'OperationOutcome' && Array.isArray(b.issue)) {
    for (const issue of b.issue) {
      const text = String(issue?.details?.text ?? issue?.diagnostics ?? issue?.code ?? 'Error');
      const where = [...(Array.isArray(issue?.expression) ? issue.expression : []), ...(Array.isArray(issue?.location) ? issue.location : [])].find(
        (x) => typeof x === 'string' && (x === '' || x.startsWith('/'))
      );
      // The admin API puts the file a problem is in into diagnostics (e.g. "opioid-high-mme.json").
      const file = typeof issue?.diagnostics === 'string' && issue.diagnostics.endsWith('.json') ? { file: issue.diagnostics } : {};
      const problem = { ...(where !== undefined ? { message: text, pointer: where } : splitPointer(text)), ...file };
      if (!out.some((p) => p.message === problem.message && p.pointer === problem.pointer)) {
        out.push(problem);
      }
    }
  }
  return out;
}

/**
 * "file.json: /card/summary: message" or "/card/summary: message" -> pointer and message.
 * @param {string} text
 * @returns {Problem}
 */
export function splitPointer(text) {
  const match = /^(?:[\w.-]+\.json:\s*)?(\/[^\s:]*):\s*(.*)$/s.exec(text);
  return match ? { pointer: match[1] ?? '', message: match[2] ?? text } : { message: text };
}

/** @param {number} status @param {Problem[]} problems @returns {string} */
function explain(status, problems) {
  const first = problems[0]?.message;
  switch (status) {
    case 0:
      return 'The service could not be reached. Check your connection and try again.';
    case 401:
      return 'Your token was not accepted (401). It may be mistyped, expired or revoked: sign in again.';
    case 403:
      return `Your role does not allow this (403)${first ? `: ${first}` : ''}.`;
    case 404:
      return first ?? 'Not found (404).';
    case 409:
      return first ?? 'Conflict (409): it already exists.';
    case 412:
      return 'Someone else changed this rule since you opened it (412).';
    case 428:
      return 'The request lacked the version it changes (428). Reload the rule and try again.';
    case 503:
      return first ?? 'Not available (503).';
    default:
      return first ?? `The request failed (${status}).`;
  }
}

/**
 * @typedef {{ status: number, data: any, text: string, etag: string | null, failingTests: string[] }} ApiResponse
 * `failingTests`: other rules' test cases that fail on the set now serving after a saved change
 * (X-Rule-Tests-Failing: `<rule-id>/tests/<index>`), because they already failed before it or were acknowledged.
 */

/**
 * @param {string} method
 * @param {string} path - Relative to /admin/api/, e.g. "rules/opioid-high-mme".
 * @param {{ body?: unknown, ifMatch?: string | null, token?: string | null, signal?: AbortSignal }} [options]
 * @returns {Promise<ApiResponse>}
 */
export async function api(method, path, options = {}) {
  const token = options.token === undefined ? getToken() : options.token;
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  if (options.ifMatch) {
    headers['If-Match'] = options.ifMatch;
  }
  /** @type {Response} */
  let res;
  try {
    res = await fetch(new URL(`api/${path}`, document.baseURI), {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') {
      throw err;
    }
    throw new ApiError(0, explain(0, []), []);
  }
  const text = await res.text();
  /** @type {any} */
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    const problems = problemsOf(data);
    throw new ApiError(res.status, explain(res.status, problems), problems, data);
  }
  const failing = res.headers.get('X-Rule-Tests-Failing');
  return { status: res.status, data, text, etag: res.headers.get('ETag'), failingTests: failing ? failing.split(',').map((s) => s.trim()).filter(Boolean) : [] };
}

/** @param {string} id */
export const rulePath = (id) => `rules/${encodeURIComponent(id)}`;
