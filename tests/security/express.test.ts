/**
 * The Express middleware: bare 401 with nothing about why, the reason logged without the token, the
 * audience built from the public base URL (so proxies work), preflights untouched.
 */
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import express from 'express';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { audienceFor, createCdsJwtVerifier, createMemoryReplayStore, requireCdsJwt } from '../../src/security/index.ts';
import type { CdsJwtVerifier } from '../../src/security/index.ts';
import { ISS, jwksOf, makeKey, signToken } from './helpers.ts';
import type { TestKey } from './helpers.ts';

const PUBLIC = 'https://cds.example.org/base';
let key: TestKey;
let verifier: CdsJwtVerifier;
let logged: object[];

function app(using: CdsJwtVerifier = verifier): express.Express {
  const a = express();
  const logger = { warn: (obj: object) => logged.push(obj) };
  a.use('/cds-services', requireCdsJwt({ verifier: using, publicBaseUrl: `${PUBLIC}/`, logger }));
  a.all('/cds-services/{*rest}', (_req, res) => {
    res.json({ client: res.locals.cdsClient });
  });
  return a;
}

beforeAll(async () => {
  key = await makeKey('ES384');
  verifier = await createCdsJwtVerifier({ clients: [{ iss: ISS, jwks: jwksOf(key) }], replayStore: createMemoryReplayStore() });
});

describe('requireCdsJwt', () => {
  it('audienceFor joins the public base URL and the path, dropping the query', () => {
    expect(audienceFor('https://x.example/base/', '/cds-services/a?x=1')).toBe('https://x.example/base/cds-services/a');
    expect(audienceFor('https://x.example', '/cds-services')).toBe('https://x.example/cds-services');
  });

  // A request line in absolute form (RFC 9112 section 3.2.2), as some proxies and clients send it, made the expected
  // audience "<base>/http://host/cds-services/..."; every valid token was refused, and each refusal counted towards
  // the client's failed-authentication limit (security review 2, finding 1).
  it('audienceFor reads the path of a request line in absolute form', () => {
    expect(audienceFor('https://x.example/base', 'http://127.0.0.1:8080/cds-services/a?x=1')).toBe('https://x.example/base/cds-services/a');
    expect(audienceFor('https://x.example', 'HTTPS://cds.example.org/cds-services')).toBe('https://x.example/cds-services');
  });

  it('passes a valid token sent with a request line in absolute form', async () => {
    const token = await signToken(key, { nowMs: Date.now(), claims: { aud: `${PUBLIC}/cds-services/svc` } });
    const server = app().listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    try {
      const port = (server.address() as AddressInfo).port;
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.write(`POST http://127.0.0.1:${port}/cds-services/svc HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
        });
        let text = '';
        socket.on('data', (chunk) => {
          text += chunk.toString();
          if (text.includes('\r\n')) {
            socket.destroy();
            resolve(text);
          }
        });
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(reply.split('\r\n', 1)[0]).toBe('HTTP/1.1 200 OK');
    } finally {
      server.close();
    }
  });

  it('passes a valid token and exposes the identity', async () => {
    logged = [];
    const token = await signToken(key, { nowMs: Date.now(), claims: { aud: `${PUBLIC}/cds-services/svc`, sub: 'client-1' } });
    const res = await request(app()).post('/cds-services/svc?debug=1').set('Authorization', `Bearer ${token}`).send({});
    expect(res.status).toBe(200);
    expect(res.body.client).toMatchObject({ iss: ISS, sub: 'client-1' });
    expect(logged).toEqual([]);
  });

  it('refuses with a bare 401 and logs the reason, never the token', async () => {
    logged = [];
    const token = await signToken(key, { nowMs: Date.now(), claims: { aud: 'http://127.0.0.1/cds-services/svc' } });
    const res = await request(app()).post('/cds-services/svc').set('Authorization', `Bearer ${token}`).send({});
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.text).toBe('');
    expect(logged).toEqual([expect.objectContaining({ reason: 'audience-mismatch', iss: ISS, audience: `${PUBLIC}/cds-services/svc` })]);
    expect(JSON.stringify(logged)).not.toContain(token.split('.')[2]);
  });

  it('the log line of a refusal stays short when the client sends a very long path', async () => {
    logged = [];
    const long = `/cds-services/${'A'.repeat(15_000)}`;
    const res = await request(app()).get(long).set('Authorization', 'Bearer x.y.z');
    expect(res.status).toBe(401);
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(logged[0]).length).toBeLessThan(1000);
    expect(logged[0]).toMatchObject({ reason: 'malformed-token', audience: expect.stringMatching(new RegExp(`^${PUBLIC}/cds-services/A+…$`)) });
  });

  it('refuses a request without a token', async () => {
    const res = await request(app()).get('/cds-services/x');
    expect(res.status).toBe(401);
  });

  it('refuses with 503 and Retry-After, quickly, when the replay store does not answer (a stuck store): the token was not at fault', async () => {
    logged = [];
    const stuck = await createCdsJwtVerifier({ clients: [{ iss: ISS, jwks: jwksOf(key) }], replayStore: { remember: () => new Promise(() => undefined) }, replayTimeoutMs: 100 });
    const token = await signToken(key, { nowMs: Date.now(), claims: { aud: `${PUBLIC}/cds-services/svc` } });
    const res = await request(app(stuck)).post('/cds-services/svc').set('Authorization', `Bearer ${token}`).send({});
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'transient' }] });
    // the store may still record the jti when it answers: the same token sent again would be a replay
    expect(res.body.issue[0].details.text).toMatch(/again with a new token/);
    expect(logged).toEqual([expect.objectContaining({ reason: 'replay-store-unavailable' })]);
  });

  it('lets CORS preflights through', async () => {
    const res = await request(app()).options('/cds-services/svc');
    expect(res.status).toBe(200);
  });
});
