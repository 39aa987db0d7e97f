/**
 * Reads and validates the operator's list of trusted CDS clients:
 *
 * ```json
 * { "clients": [
 *   { "iss": "https://sandbox.cds-hooks.org", "jwksUrl": "https://sandbox.cds-hooks.org/.well-known/jwks.json" },
 *   { "iss": "https://ehr.example.org", "jwksFile": "keys/ehr.jwks.json", "algorithms": ["RS384"], "tenants": ["hosp-1"] },
 *   { "iss": "urn:example:client", "jwks": { "keys": [ ... ] } }
 * ] }
 * ```
 *
 * A relative `jwksFile` is resolved against the configuration file's folder (or the working folder
 * for a JSON string). Every problem is reported, each naming the client and the field.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ASYMMETRIC_ALGORITHMS, isForbiddenAlgorithm } from './algorithms.ts';
import { checkJwks, checkJwksUrl } from './jwks.ts';
import type { JSONWebKeySet, TrustedClient } from './types.ts';

export type TrustedClientsResult = { ok: true; value: TrustedClient[] } | { ok: false; errors: string[] };

const CLIENT_FIELDS = new Set(['iss', 'jwks', 'jwksFile', 'jwksUrl', 'algorithms', 'tenants', 'description']);
const KEY_SOURCES = ['jwks', 'jwksFile', 'jwksUrl'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorMessage(err: unknown): string {
  if (isRecord(err) && typeof err.code === 'string') {
    return err.code;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * Reads a JWKS file and checks it.
 * @param file - Absolute or working-folder-relative path.
 * @param where - Message prefix.
 */
export function readJwksFile(file: string, where: string): { ok: true; value: JSONWebKeySet } | { ok: false; errors: string[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, errors: [`${where}: cannot read ${file} (${errorMessage(err)})`] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ok: false, errors: [`${where}: ${file} is not valid JSON (${errorMessage(err)})`] };
  }
  const errors = checkJwks(parsed, `${where} (${file})`);
  return errors.length === 0 ? { ok: true, value: parsed as JSONWebKeySet } : { ok: false, errors };
}

function stringList(value: unknown, at: string, errors: string[]): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && v.trim() !== '')) {
    errors.push(`${at} must be a non-empty array of non-empty strings`);
    return undefined;
  }
  return value as string[];
}

function validateClient(raw: unknown, index: number, baseDir: string, errors: string[]): TrustedClient | undefined {
  if (!isRecord(raw)) {
    errors.push(`clients[${index}]: must be a JSON object`);
    return undefined;
  }
  const issOk = typeof raw.iss === 'string' && raw.iss.trim() !== '';
  const name = issOk ? `client "${raw.iss as string}"` : `clients[${index}]`;
  const before = errors.length;
  if (!issOk) {
    errors.push(`${name}: "iss" is required and must be a non-empty string (the exact iss claim the client sends)`);
  } else if ((raw.iss as string).trim() !== raw.iss) {
    errors.push(`${name}: "iss" has leading or trailing spaces`);
  }
  for (const field of Object.keys(raw)) {
    if (!CLIENT_FIELDS.has(field)) {
      errors.push(`${name}: unknown field "${field}" (expected ${[...CLIENT_FIELDS].join(', ')})`);
    }
  }
  const sources = KEY_SOURCES.filter((s) => raw[s] !== undefined);
  if (sources.length !== 1) {
    errors.push(
      sources.length === 0
        ? `${name}: needs a key source: one of "jwks" (inline JWK Set), "jwksFile" (path) or "jwksUrl" (https URL)`
        : `${name}: has ${sources.map((s) => `"${s}"`).join(' and ')}; give exactly one key source`
    );
  }
  let jwks: JSONWebKeySet | undefined;
  let jwksFile: string | undefined;
  let jwksUrl: string | undefined;
  if (raw.jwks !== undefined) {
    const problems = checkJwks(raw.jwks, `${name}: jwks`);
    errors.push(...problems);
    jwks = raw.jwks as JSONWebKeySet;
  }
  if (raw.jwksFile !== undefined) {
    if (typeof raw.jwksFile !== 'string' || raw.jwksFile.trim() === '') {
      errors.push(`${name}: "jwksFile" must be a non-empty path`);
    } else {
      jwksFile = path.resolve(baseDir, raw.jwksFile);
      const read = readJwksFile(jwksFile, `${name}: jwksFile`);
      if (!read.ok) {
        errors.push(...read.errors);
      }
    }
  }
  if (raw.jwksUrl !== undefined) {
    const problem = typeof raw.jwksUrl === 'string' ? checkJwksUrl(raw.jwksUrl) : 'must be a string';
    if (problem) {
      errors.push(`${name}: "jwksUrl" ${problem}`);
    } else {
      jwksUrl = raw.jwksUrl as string;
    }
  }
  let algorithms: string[] | undefined;
  if (raw.algorithms !== undefined) {
    algorithms = stringList(raw.algorithms, `${name}: "algorithms"`, errors);
    for (const alg of algorithms ?? []) {
      if (isForbiddenAlgorithm(alg)) {
        errors.push(`${name}: "algorithms" lists "${alg}", which is never accepted (CDS Hooks forbids "none" and symmetric HS* signatures)`);
      } else if (!ASYMMETRIC_ALGORITHMS.has(alg)) {
        errors.push(`${name}: "algorithms" lists unknown algorithm "${alg}" (use ${[...ASYMMETRIC_ALGORITHMS].join(', ')})`);
      }
    }
  }
  let tenants: string[] | undefined;
  if (raw.tenants !== undefined) {
    tenants = stringList(raw.tenants, `${name}: "tenants"`, errors);
  }
  if (errors.length > before) {
    return undefined;
  }
  return {
    iss: raw.iss as string,
    ...(jwks ? { jwks } : {}),
    ...(jwksFile ? { jwksFile } : {}),
    ...(jwksUrl ? { jwksUrl } : {}),
    ...(algorithms ? { algorithms } : {}),
    ...(tenants ? { tenants } : {}),
  };
}

/**
 * Parses and validates trusted-client configuration.
 * @param source - `file`: path of a JSON file; or `json`: the JSON text itself (e.g. from an env variable).
 * @returns The clients, or every problem found, each naming the client and field.
 */
export function loadTrustedClients(source: { file?: string; json?: string }): TrustedClientsResult {
  let text: string;
  let label: string;
  let baseDir: string;
  if (source.file !== undefined) {
    const file = path.resolve(source.file);
    label = `trusted clients file ${file}`;
    baseDir = path.dirname(file);
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      return { ok: false, errors: [`${label}: cannot read (${errorMessage(err)})`] };
    }
  } else if (source.json !== undefined) {
    label = 'trusted clients JSON';
    baseDir = process.cwd();
    text = source.json;
  } else {
    return { ok: false, errors: ['trusted clients: give a file path or a JSON string'] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ok: false, errors: [`${label}: not valid JSON (${errorMessage(err)})`] };
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.clients)) {
    return { ok: false, errors: [`${label}: must be an object with a "clients" array`] };
  }
  const errors: string[] = [];
  for (const field of Object.keys(parsed)) {
    if (field !== 'clients') {
      errors.push(`${label}: unknown top-level field "${field}" (expected "clients")`);
    }
  }
  const clients: TrustedClient[] = [];
  const seen = new Set<string>();
  parsed.clients.forEach((raw: unknown, i: number) => {
    const client = validateClient(raw, i, baseDir, errors);
    if (!client) {
      return;
    }
    if (seen.has(client.iss)) {
      errors.push(`client "${client.iss}": listed more than once; give each issuer one entry`);
      return;
    }
    seen.add(client.iss);
    clients.push(client);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: clients };
}
