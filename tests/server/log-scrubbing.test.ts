/**
 * The logger's second line of defence (createLogger's scrubbing): secrets and patient data that code
 * passes to it by mistake, at any depth and in any case, never reach the output. The fields are the ones
 * a logging review found written whole (/tmp review redact.ts) and the service's own names.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import express from 'express';
import { requestContext } from '../../src/server/request-context.ts';
import { createTestApp, fixture } from '../support/test-app.ts';
import { realLogger } from './real-logger.ts';

const body = {
  hookInstance: 'h',
  fhirAuthorization: { access_token: 'ZZSECRET-A1', token_type: 'Bearer' },
  context: { patientId: 'ZZPHI-ID' },
  prefetch: { patient: { resourceType: 'Patient', name: [{ text: 'ZZPHI-NAME' }] } },
};

describe('createLogger: scrubbing', () => {
  it('removes each field the review found in the output', () => {
    const { logger, text, lines } = realLogger();
    logger.info({ fhirAuthorization: body.fhirAuthorization }, 'top-level fhirAuthorization');
    logger.info({ body }, 'body object (req.body slipped in)');
    logger.info({ req: { body, headers: { authorization: 'Bearer ZZSECRET-JWT', cookie: 'sid=ZZSECRET-COOKIE' } } }, 'req');
    logger.info({ request: { headers: { Authorization: 'Bearer ZZSECRET-JWT2' } } }, 'capitalised');
    logger.info({ fhirServer: 'https://ehr.example/fhir', accessToken: 'ZZSECRET-A2', headers: { Authorization: 'Bearer ZZSECRET-JWT3' } }, 'camelCase');
    logger.error({ err: Object.assign(new Error('boom'), { request: { headers: { authorization: 'Bearer ZZSECRET-JWT4' } } }) }, 'err with nested headers');
    logger.info({ a: { b: { c: { d: { access_token: 'ZZSECRET-DEEP', ACCESS_TOKEN: 'ZZSECRET-UPPER', 'X-Api-Key': 'ZZSECRET-KEY', client_secret: 'ZZSECRET-CS', password: 'ZZSECRET-PW' } } } } }, 'deep');
    logger.info({ list: [{ token: 'ZZSECRET-T1' }, { nested: [{ Cookie: 'ZZSECRET-C2' }] }] }, 'arrays');
    logger.info({ call: { prefetch: { x: 'ZZPHI-P' }, context: { patientId: 'ZZPHI-C' }, draftOrders: { entry: ['ZZPHI-D'] } } }, 'hook parts');
    logger.info({ note: 'sent eyJhbGciOiJFUzM4NCJ9.eyJpc3MiOiJ6eiJ9.c2lnbmF0dXJlLXp6 by mistake' }, 'jwt in a string');
    const out = text();
    expect(out).not.toMatch(/ZZSECRET|ZZPHI|eyJ/);
    const byMsg = Object.fromEntries(lines().map((l) => [l.msg, l]));
    expect(byMsg['top-level fhirAuthorization']).toMatchObject({ fhirAuthorization: '[redacted]' });
    expect(byMsg['body object (req.body slipped in)']).toMatchObject({ body: '[redacted]' });
    expect(byMsg.req).toMatchObject({ req: { body: '[redacted]', headers: { authorization: '[redacted]', cookie: '[redacted]' } } });
    expect(byMsg.capitalised).toMatchObject({ request: { headers: { Authorization: '[redacted]' } } });
    expect(byMsg.camelCase).toMatchObject({ fhirServer: 'https://ehr.example/fhir', accessToken: '[redacted]', headers: { Authorization: '[redacted]' } });
    expect(byMsg['err with nested headers']).toMatchObject({ err: { type: 'Error', message: 'boom' } });
    expect(byMsg['err with nested headers']?.err).not.toHaveProperty('request');
    expect(byMsg['jwt in a string']).toMatchObject({ note: 'sent [jwt] by mistake' });
  });

  it('keeps ordinary fields and the objects it had nothing to take out', () => {
    const { logger, lines } = realLogger();
    const fields = { requestId: 'r-12345678', status: 200, ms: 1.5, ruleIds: ['a', 'b'], author: 'admin', tokenType: 'Bearer', when: new Date(0) };
    logger.info(fields, 'plain');
    expect(lines()[0]).toMatchObject({ ...fields, when: '1970-01-01T00:00:00.000Z', service: 'cns-depressant-cds' });
  });

  it('child bindings are scrubbed as well', () => {
    const { logger, text } = realLogger();
    logger.child({ headers: { authorization: 'Bearer ZZSECRET-CHILD' } }).info({}, 'from a child');
    const child = logger.child({ headers: { authorization: 'Bearer ZZSECRET-CHILD' } });
    child.child({ accessToken: 'ZZSECRET-GRANDCHILD' }).info({}, 'from a grandchild');
    child.setBindings({ cookie: 'ZZSECRET-SET' });
    child.info({}, 'after setBindings');
    expect(text()).toContain('from a child');
    expect(text()).toContain('from a grandchild');
    expect(text()).toContain('after setBindings');
    expect(text()).not.toContain('ZZSECRET');
  });

  it('a deep, a cyclic or a huge object is cut, not written whole or looping', () => {
    const { logger, text } = realLogger();
    let deep: Record<string, unknown> = { v: 'ZZPHI-DEEP' };
    for (let i = 0; i < 50; i++) deep = { o: deep };
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const selfJson = { toJSON: (): unknown => selfJson };
    logger.info({ deep, cyclic, selfJson, huge: Array.from({ length: 10_000 }, (_, i) => ({ i })) }, 'shapes');
    const out = text();
    expect(out).not.toContain('ZZPHI');
    expect(out).toContain('[left out: too deep]');
    expect(out.length).toBeLessThan(40_000);
    expect(out).toMatch(/more items left out/);
  });

  it('a getter that throws costs the line its fields, not the line', () => {
    const { logger, lines } = realLogger();
    logger.warn(
      {
        get broken(): string {
          throw new Error('no');
        },
      },
      'still written'
    );
    expect(lines()[0]).toMatchObject({ msg: 'still written', logFields: 'left out: they could not be read' });
  });
});

describe('request line', () => {
  it('keeps its fields, through the scrubbing, and holds neither the token nor the patient', async () => {
    const { logger, lines, text } = realLogger();
    const t = await createTestApp({ logger });
    const body = fixture<{ context: { patientId: string } }>('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const sent = { ...body, fhirAuthorization: { access_token: 'ZZSECRET-ACCESS', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'cds' } };
    const res = await request(t.app).post('/cds-services/cns-depressant-order-sign').set('X-Request-Id', 'req-12345678').send(sent);
    expect(res.status).toBe(200);
    await new Promise((r) => setImmediate(r));
    const line = lines().find((l) => l.msg === 'request');
    expect(line).toMatchObject({ requestId: 'req-12345678', method: 'POST', path: '/cds-services/cns-depressant-order-sign', status: 200, ms: expect.any(Number), ruleSetVersion: t.ruleSet.version, cards: res.body.cards.length });
    expect(line).toHaveProperty('hookInstance');
    expect(text()).not.toContain('ZZSECRET');
    expect(text()).not.toContain(body.context.patientId);
  });

  it('is scrubbed like every line: an object that reached one of its fields loses its secrets', async () => {
    const { logger, lines, text } = realLogger();
    const app = express();
    app.use(requestContext(logger));
    app.get('/x', (_req, res) => {
      res.locals.hookInstance = { accessToken: 'ZZSECRET-LOCALS', prefetch: { name: 'ZZPHI-LOCALS' } };
      res.json({});
    });
    expect((await request(app).get('/x')).status).toBe(200);
    await new Promise((r) => setImmediate(r));
    expect(lines().find((l) => l.msg === 'request')).toMatchObject({ method: 'GET', path: '/x', status: 200, hookInstance: { accessToken: '[redacted]', prefetch: '[redacted]' } });
    expect(text()).not.toMatch(/ZZSECRET|ZZPHI/);
  });
});
