import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORDER_SIGN, createTestApp, fixture } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

describe('CORS for browser-based CDS clients', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });

  for (const path of ['/cds-services', ORDER_SIGN, `${ORDER_SIGN}/feedback`]) {
    it(`answers the preflight on ${path} with 204, allowing Authorization and Content-Type`, async () => {
      const res = await request(t.app)
        .options(path)
        .set('Origin', 'https://sandbox.example.org')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type');
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['access-control-allow-methods']).toMatch(/POST/);
      expect(res.headers['access-control-allow-headers']?.toLowerCase()).toMatch(/authorization/);
      expect(res.headers['access-control-allow-headers']?.toLowerCase()).toMatch(/content-type/);
    });
  }

  it('puts Access-Control-Allow-Origin on a successful POST', async () => {
    const res = await request(t.app).post(ORDER_SIGN).set('Origin', 'https://sandbox.example.org').send(fixture('order-sign/opioid-draft-with-active-benzodiazepine.json'));
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('puts Access-Control-Allow-Origin on a 400 too, so the browser shows the error', async () => {
    const res = await request(t.app).post(ORDER_SIGN).set('Origin', 'https://sandbox.example.org').send({ hook: 'order-sign' });
    expect(res.status).toBe(400);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });
});
