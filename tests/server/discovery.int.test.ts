import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateDiscoveryResponse } from '../../src/protocol/validate-response.ts';
import { ROOT, createTestApp } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

describe('GET /cds-services (discovery)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });

  it('answers 200 JSON with a services array that passes the discovery validator', async () => {
    const res = await request(t.app).get('/cds-services');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(validateDiscoveryResponse(res.body)).toEqual([]);
  });

  it('advertises exactly the service definitions in cds-hooks/, with only CDS Hooks fields', async () => {
    const res = await request(t.app).get('/cds-services');
    const files = readdirSync(path.join(ROOT, 'cds-hooks')).filter((f) => f.endsWith('.json'));
    expect(res.body.services).toHaveLength(files.length);
    for (const file of files) {
      const def = JSON.parse(readFileSync(path.join(ROOT, 'cds-hooks', file), 'utf8'));
      const advertised = res.body.services.find((s: { id: string }) => s.id === def.id);
      expect(advertised).toEqual({
        hook: def.hook,
        id: def.id,
        title: def.title,
        description: def.description,
        prefetch: def.prefetch,
        usageRequirements: def.usageRequirements,
      });
      expect(advertised).not.toHaveProperty('prefetchPolicy');
    }
  });

  it('offers an order-sign and an order-select service', async () => {
    const res = await request(t.app).get('/cds-services');
    const hooks = res.body.services.map((s: { hook: string }) => s.hook).sort();
    expect(hooks).toEqual(['order-select', 'order-sign']);
  });

  it('uses only CDS Hooks 2.0 prefetch tokens and never context.draftOrders', async () => {
    const res = await request(t.app).get('/cds-services');
    for (const service of res.body.services) {
      for (const template of Object.values<string>(service.prefetch)) {
        const tokens = [...template.matchAll(/\{\{([^}]+)\}\}/g)].map((m) => m[1]);
        for (const token of tokens) {
          expect(['context.patientId', 'context.encounterId', 'context.userId', 'userPractitionerId', 'userPractitionerRoleId', 'userPatientId', 'userRelatedPersonId']).toContain(token);
        }
      }
    }
  });

  it('answers an unknown path with 404 and an OperationOutcome', async () => {
    const res = await request(t.app).get('/nope');
    expect(res.status).toBe(404);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('answers POST on /cds-services with 405 and an OperationOutcome', async () => {
    const res = await request(t.app).post('/cds-services').send({});
    expect(res.status).toBe(405);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });
});
