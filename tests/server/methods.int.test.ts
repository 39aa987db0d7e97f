import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORDER_SELECT, ORDER_SIGN, createTestApp } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

/** RFC 9110 section 15.5.6: a 405 MUST carry Allow, listing the methods the resource supports. */
describe('methods on the CDS Hooks endpoints: 405 with Allow, 404 for a service this server does not have', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });

  for (const [method, path, allow] of [
    ['post', '/cds-services', 'GET, HEAD'],
    ['delete', '/cds-services', 'GET, HEAD'],
    ['get', ORDER_SIGN, 'POST'],
    ['put', ORDER_SELECT, 'POST'],
    ['get', `${ORDER_SIGN}/feedback`, 'POST'],
    ['delete', `${ORDER_SELECT}/feedback`, 'POST'],
  ] as const) {
    it(`answers ${method.toUpperCase()} ${path} with 405, an OperationOutcome and Allow: ${allow}`, async () => {
      const res = await request(t.app)[method](path);
      expect(res.status).toBe(405);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.headers.allow).toBe(allow);
      // Every method Allow names is one the resource answers.
      for (const allowed of allow.split(', ')) {
        expect((await request(t.app)[allowed.toLowerCase() as 'get' | 'head' | 'post'](path)).status).not.toBe(405);
      }
    });
  }

  for (const [method, path] of [
    ['get', '/cds-services/no-such-service'],
    ['put', '/cds-services/no-such-service'],
    ['get', '/cds-services/no-such-service/feedback'],
    ['delete', '/cds-services/no-such-service/feedback'],
  ] as const) {
    it(`answers ${method.toUpperCase()} ${path} with 404 and an OperationOutcome, not 405`, async () => {
      const res = await request(t.app)[method](path);
      expect(res.status).toBe(404);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.headers.allow).toBeUndefined();
    });
  }
});
