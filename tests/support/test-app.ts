/**
 * Builders shared by the API tests: the real app on the shipped rules and service definitions,
 * fixtures, and the response validator applied to every 200.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Express } from 'express';
import type { Resource } from '@medplum/fhirtypes';
import request from 'supertest';
import { expect } from 'vitest';
import { testConfig } from '../../src/config/index.ts';
import type { Config } from '../../src/config/index.ts';
import { loadRuleSet } from '../../src/engine/index.ts';
import type { RuleSet } from '../../src/engine/index.ts';
import { loadServiceDefinitions } from '../../src/protocol/index.ts';
import type { Card, ServiceDefinition } from '../../src/protocol/index.ts';
import { validateCdsResponse } from '../../src/protocol/validate-response.ts';
import type { CdsAuth } from '../../src/security/index.ts';
import { createApp } from '../../src/server/index.ts';
import { createPatientKeyer, createStore } from '../../src/store/index.ts';
import type { ServiceStore, Store } from '../../src/store/index.ts';

export const TEST_PATIENT_KEY_SECRET = 'test-secret-for-patient-keys-0123456789';
import { createLogger } from '../../src/shared/index.ts';
import type { Logger } from '../../src/shared/index.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ORDER_SIGN = '/cds-services/cns-depressant-order-sign';
export const ORDER_SELECT = '/cds-services/cns-depressant-order-select';

export interface TestApp {
  readonly app: Express;
  readonly ruleSet: RuleSet;
  readonly services: readonly ServiceDefinition[];
  readonly config: Config;
}

export async function createTestApp(
  options: { config?: Parameters<typeof testConfig>[0]; ruleSet?: RuleSet; now?: () => Date; auth?: CdsAuth; store?: Store; logger?: Logger } = {}
): Promise<TestApp> {
  const config = testConfig(options.config);
  const services = await loadServiceDefinitions(config.servicesDir);
  if (!services.ok) {
    throw new Error(services.errors.join('\n'));
  }
  let ruleSet = options.ruleSet;
  if (!ruleSet) {
    const rules = await loadRuleSet(config.rulesDir);
    if (!rules.ok) {
      throw new Error(rules.errors.join('\n'));
    }
    ruleSet = rules.value;
  }
  const fixed = ruleSet;
  const app = createApp({ config, logger: options.logger ?? createLogger('silent'), services: services.value, auth: options.auth ?? { mode: 'off' }, ruleSet: () => fixed, ...(options.store ? { store: options.store, patientKey: createPatientKeyer(TEST_PATIENT_KEY_SECRET) } : {}), ...(options.now ? { now: options.now } : {}) });
  return { app, ruleSet: fixed, services: services.value, config };
}

/** Reads a fixture as a fresh mutable object. */
export function fixture<T = Record<string, any>>(relative: string): T {
  return JSON.parse(readFileSync(path.join(ROOT, 'fixtures', relative), 'utf8')) as T;
}

/** A fixture's request made about another patient (every "Patient/<id>" and context.patientId), with a fresh hookInstance. */
export function fixtureForPatient(relative: string, patientId: string): Record<string, any> {
  const body = fixture(relative);
  const out = JSON.parse(JSON.stringify(body).split(`Patient/${body.context.patientId}`).join(`Patient/${patientId}`));
  out.context.patientId = patientId;
  out.hookInstance = crypto.randomUUID();
  return out;
}

/** An in-memory store (audit written every 20 ms) and an app using it, for feedback and snooze tests. */
export async function openAppWithStore(): Promise<{ store: ServiceStore; t: TestApp }> {
  const store = await createStore({ flushIntervalMs: 20 });
  return { store, t: await createTestApp({ store }) };
}

/** Signs the opioid + benzodiazepine fixture for `patientId` and returns the card of `ruleId` it got. */
export async function issuedCard(app: Express, patientId: string, ruleId: string): Promise<Card> {
  const res = await request(app).post(ORDER_SIGN).send(fixtureForPatient('order-sign/opioid-draft-with-active-benzodiazepine.json', patientId));
  expect(res.status).toBe(200);
  const card = expectConformant(res.body).find((c) => c.source.topic?.code === ruleId);
  if (!card) throw new Error(`no ${ruleId} card for ${patientId}`);
  return card;
}

export function fixtureNames(folder: string): string[] {
  return readdirSync(path.join(ROOT, 'fixtures', folder))
    .filter((n) => n.endsWith('.json'))
    .sort();
}

/** Every resource in a request's prefetch (Bundles flattened): what an EHR's FHIR server would hold. */
export function prefetchResources(request: Record<string, any>): Resource[] {
  const out: Resource[] = [];
  for (const value of Object.values<any>(request.prefetch ?? {})) {
    if (!value) {
      continue;
    }
    if (value.resourceType === 'Bundle') {
      for (const entry of value.entry ?? []) {
        if (entry.resource) {
          out.push(entry.resource);
        }
      }
    } else {
      out.push(value);
    }
  }
  return out;
}

/** Asserts the body is a spec-conformant CDS Hooks response and returns its cards. */
export function expectConformant(body: unknown): Card[] {
  expect(validateCdsResponse(body)).toEqual([]);
  return (body as { cards: Card[] }).cards;
}

export function topics(cards: readonly Card[]): string[] {
  return cards.map((c) => c.source.topic?.code ?? '?').sort();
}
