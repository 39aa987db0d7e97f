/**
 * A JSON body is read only where it is used: on the CDS endpoints after the token (and the rate limit),
 * and by the admin API after its own authentication. Anywhere else (a 404, health, readiness, metrics)
 * the answer is sent without reading the body, so an unauthenticated client cannot make the service
 * buffer and parse megabytes per connection.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminRouterDeps } from '../../src/admin/index.ts';
import { testConfig } from '../../src/config/index.ts';
import { loadRuleSet } from '../../src/engine/index.ts';
import { loadServiceDefinitions } from '../../src/protocol/index.ts';
import { createCdsJwtVerifier, createMemoryReplayStore, devTrustedClient, generateDevKeys, mintDevToken } from '../../src/security/index.ts';
import type { DevKeys } from '../../src/security/index.ts';
import { createApp, createHttpServer } from '../../src/server/index.ts';
import { createLogger } from '../../src/shared/index.ts';
import type { Express } from 'express';

const BASE = 'https://cds.hospital.test/base';
const LIMIT = 4096;
/** Valid JSON, over the body limit. */
const OVERSIZED = JSON.stringify({ pad: 'x'.repeat(LIMIT * 2) });

let app: Express;
let keys: DevKeys;
let server: Server;
let port: number;

beforeAll(async () => {
  keys = await generateDevKeys('https://ehr.hospital.test');
  const verifier = await createCdsJwtVerifier({ clients: [devTrustedClient(keys)], replayStore: createMemoryReplayStore() });
  const config = testConfig({ publicBaseUrl: BASE, maxBodyBytes: LIMIT });
  const services = await loadServiceDefinitions(config.servicesDir);
  const rules = await loadRuleSet(config.rulesDir);
  if (!services.ok || !rules.ok) {
    throw new Error('cannot load the shipped services or rules');
  }
  const ruleSet = rules.value;
  // An admin API whose authentication refuses everyone: nothing past its gate is ever reached.
  const admin: AdminRouterDeps = {
    admin: {} as AdminRouterDeps['admin'],
    auth: { mode: 'on', authenticate: async () => ({ ok: false, status: 401, reason: 'test: nobody is let in' }) },
    logger: { warn: () => undefined, info: () => undefined, error: () => undefined } as unknown as AdminRouterDeps['logger'],
    maxBodyBytes: LIMIT,
  };
  app = createApp({ config, logger: createLogger('silent'), services: services.value, auth: { mode: 'required', verifier, issuers: [keys.iss] }, ruleSet: () => ruleSet, admin });
  // A long request timeout: a server waiting for the rest of a body would not answer within the waits below.
  server = createHttpServer(app, { headersTimeoutMs: 60_000, requestTimeoutMs: 120_000, keepAliveTimeoutMs: 5_000, checkIntervalMs: 1_000 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/**
 * Sends the headers of a JSON request announcing `declared` body bytes and only the first few of them,
 * then waits (at most `waitMs`) for the status line of the answer.
 */
function statusWithUnfinishedBody(method: string, path: string, waitMs = 10_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    const done = (value: string): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done('no answer while the body was unfinished'), waitMs);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const line = received.indexOf('\r\n');
      if (line >= 0) {
        done(received.slice(0, line));
      }
    });
    socket.on('error', () => done(`socket error; received ${JSON.stringify(received)}`));
    socket.write(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":[`);
  });
}

describe('request bodies are read only where they are used', () => {
  it.each([
    ['POST', '/x', 'HTTP/1.1 404 Not Found'],
    ['POST', '/healthz', 'HTTP/1.1 404 Not Found'],
    ['GET', '/healthz', 'HTTP/1.1 200 OK'],
    ['GET', '/readyz', 'HTTP/1.1 200 OK'],
    ['GET', '/metrics', 'HTTP/1.1 200 OK'],
    ['POST', '/admin/api/no-such-route', 'HTTP/1.1 404 Not Found'],
    ['POST', '/admin/api/rules', 'HTTP/1.1 401 Unauthorized'],
    ['POST', '/cds-services/cns-depressant-order-sign', 'HTTP/1.1 401 Unauthorized'],
  ])('%s %s without a token is answered while its JSON body is still arriving', async (method, path, status) => {
    expect(await statusWithUnfinishedBody(method, path)).toBe(status);
  });

  it.each([
    ['post', '/x', 404],
    ['post', '/healthz', 404],
    ['get', '/healthz', 200],
    ['post', '/admin/api/no-such-route', 404],
  ] as const)('%s %s with a JSON body over the limit is answered as if it had none (not 413: it was not read)', async (method, path, status) => {
    const res = await request(app)[method](path).set('Content-Type', 'application/json').send(OVERSIZED);
    expect(res.status).toBe(status);
  });

  it('the CDS endpoints still read the body of an authenticated call (over the limit: 413)', async () => {
    const path = '/cds-services/cns-depressant-order-sign';
    const token = await mintDevToken(keys, `${BASE}${path}`, { iss: keys.iss });
    const res = await request(app).post(path).set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(OVERSIZED);
    expect(res.status).toBe(413);
  });
});
