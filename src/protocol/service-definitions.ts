/**
 * CDS service definitions are data: one JSON file per service in cds-hooks/, read at start-up.
 * Each file holds the discovery fields (id, hook, title, description, prefetch, usageRequirements)
 * plus `prefetchPolicy`, which says per prefetch key whether the data is required (412 when it
 * cannot be had) and what it is for (shown on the "check incomplete" card), and, for a search of which
 * only recent records are used, `recentOnly` (src/patient/recent-only.ts): its template sorts newest-updated
 * first, and a second key searches the records still in progress (when records in progress may be older than the
 * window: administrations, not dispenses). Discovery publishes only the spec's fields.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv } from 'ajv';
import { NEWEST_UPDATED_FIRST, asksNewestUpdatedFirst, unsupportedTokens } from '../patient/index.ts';
import type { PrefetchKeyPolicy } from '../patient/index.ts';
import type { CdsServiceDescription } from './types.ts';

export const SUPPORTED_HOOKS = ['order-sign', 'order-select'] as const;
export type SupportedHook = (typeof SUPPORTED_HOOKS)[number];

export interface ServiceDefinition {
  readonly id: string;
  readonly hook: SupportedHook;
  readonly title: string;
  readonly description: string;
  readonly usageRequirements?: string;
  readonly prefetch: Readonly<Record<string, string>>;
  readonly prefetchPolicy: Readonly<Record<string, PrefetchKeyPolicy>>;
}

const SCHEMA = {
  type: 'object',
  required: ['id', 'hook', 'title', 'description', 'prefetch', 'prefetchPolicy'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
    hook: { enum: [...SUPPORTED_HOOKS] },
    title: { type: 'string', minLength: 1 },
    description: { type: 'string', minLength: 1 },
    usageRequirements: { type: 'string', minLength: 1 },
    prefetch: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
    prefetchPolicy: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['required', 'purpose'],
        additionalProperties: false,
        properties: {
          required: { type: 'boolean' },
          purpose: { type: 'string', minLength: 3 },
          recentOnly: {
            type: 'object',
            required: ['hours'],
            additionalProperties: false,
            properties: { hours: { type: 'number', exclusiveMinimum: 0, maximum: 8784 }, inProgressKey: { type: 'string', minLength: 1 } },
          },
        },
      },
    },
  },
} as const;
const validate = new Ajv({ allErrors: true }).compile(SCHEMA);

export type ServicesResult = { readonly ok: true; readonly value: ServiceDefinition[] } | { readonly ok: false; readonly errors: string[] };

/**
 * Reads every *.json in the folder.
 * @param dir - The cds-hooks/ folder.
 * @returns The definitions, or readable errors per file.
 */
export async function loadServiceDefinitions(dir: string): Promise<ServicesResult> {
  const errors: string[] = [];
  const services: ServiceDefinition[] = [];
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  for (const name of names) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path.join(dir, name), 'utf8'));
    } catch (err) {
      errors.push(`${name}: not valid JSON: ${(err as Error).message}`);
      continue;
    }
    if (!validate(json)) {
      errors.push(...(validate.errors ?? []).map((e) => `${name}: ${e.instancePath || '/'}: ${e.message ?? 'invalid'}`));
      continue;
    }
    const def = json as unknown as ServiceDefinition;
    for (const [key, template] of Object.entries(def.prefetch)) {
      const bad = unsupportedTokens(template);
      if (bad.length > 0) {
        errors.push(`${name}: /prefetch/${key}: tokens not defined by CDS Hooks 2.0: ${bad.join(', ')}`);
      }
    }
    for (const key of Object.keys(def.prefetchPolicy)) {
      if (!Object.hasOwn(def.prefetch, key)) {
        errors.push(`${name}: /prefetchPolicy/${key}: no prefetch template with that key`);
      }
    }
    errors.push(...recentOnlyProblems(def).map((e) => `${name}: ${e}`));
    if (services.some((s) => s.id === def.id)) {
      errors.push(`${name}: /id: duplicate service id "${def.id}"`);
    }
    services.push(def);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: services };
}

/**
 * What is wrong with the `recentOnly` policies of a service (src/patient/recent-only.ts): the key's template
 * must search newest-updated first, and its in-progress key (when it names one) must search the same type for
 * `status=in-progress` only and have no `recentOnly` itself. Otherwise the loader could stop at a window the answer is not sorted
 * by, or miss records still in progress.
 */
function recentOnlyProblems(def: ServiceDefinition): string[] {
  const problems: string[] = [];
  const used = new Set<string>();
  for (const [key, policy] of Object.entries(def.prefetchPolicy)) {
    const recent = policy.recentOnly;
    const template = def.prefetch[key];
    if (!recent || template === undefined) {
      continue;
    }
    const at = `/prefetchPolicy/${key}/recentOnly`;
    const type = /^([A-Z][A-Za-z]{1,63})\?/.exec(template)?.[1];
    if (type === undefined || !asksNewestUpdatedFirst(template)) {
      problems.push(`${at}: the template of "${key}" must be a search sorted newest-updated first (_sort=${NEWEST_UPDATED_FIRST})`);
    }
    if (recent.inProgressKey === undefined) {
      // Records used only from a moment at or before their last change (dispenses): none in progress is missed.
      continue;
    }
    const other = def.prefetch[recent.inProgressKey];
    const query = other?.split('?')[1];
    const statuses = query === undefined ? [] : new URLSearchParams(query).getAll('status');
    if (other === undefined || recent.inProgressKey === key) {
      problems.push(`${at}/inProgressKey: no other prefetch template with the key "${recent.inProgressKey}"`);
    } else if (!other.startsWith(`${type ?? ''}?`) || statuses.length !== 1 || statuses[0] !== 'in-progress') {
      problems.push(`${at}/inProgressKey: the template of "${recent.inProgressKey}" must search ${type ?? 'the same type'} with status=in-progress`);
    } else if (def.prefetchPolicy[recent.inProgressKey]?.recentOnly) {
      problems.push(`${at}/inProgressKey: "${recent.inProgressKey}" must not be recentOnly itself`);
    } else if (used.has(recent.inProgressKey)) {
      problems.push(`${at}/inProgressKey: "${recent.inProgressKey}" completes another key already`);
    }
    used.add(recent.inProgressKey);
  }
  return problems;
}

/** The discovery entry for a service: only the CDS Hooks fields. */
export function toDiscovery(def: ServiceDefinition): CdsServiceDescription {
  return {
    hook: def.hook,
    id: def.id,
    title: def.title,
    description: def.description,
    ...(Object.keys(def.prefetch).length > 0 ? { prefetch: def.prefetch } : {}),
    ...(def.usageRequirements ? { usageRequirements: def.usageRequirements } : {}),
  };
}
