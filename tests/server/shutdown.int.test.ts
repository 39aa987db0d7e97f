// SIGTERM on one process (WORKERS=1, as `npm start` runs it outside production), with the client keeping
// its connection open between calls, as EHRs and proxies do: the request in flight is answered, the
// connection is then closed, its audit record is written, and the process exits 0 (an unclean stop, cut
// off at the deadline, exits 1). No timings are asserted: every wait is bounded and only outcomes are checked.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmStartCommand } from '../support/npm-start.ts';
import { freePort, startStalledServer, until } from '../support/processes.ts';
import { auditedStatuses, startServiceProcess } from '../support/service-process.ts';
import type { ServiceProcess } from '../support/service-process.ts';
import type { StalledServer } from '../support/processes.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const NPM_START = npmStartCommand();
const SIGN = '/cds-services/cns-depressant-order-sign';
const THROW_ON_SIGNAL = path.join(ROOT, 'tests/support/throw-on-signal.ts');
const FIXTURE = JSON.parse(readFileSync(path.join(ROOT, 'fixtures/order-sign/opioid-draft-with-active-benzodiazepine.json'), 'utf8')) as Record<string, unknown>;

describe('SIGTERM, one process, a client that keeps its connection open', () => {
  let service: ServiceProcess;
  let base: string;
  let stall: StalledServer;

  beforeAll(async () => {
    stall = await startStalledServer();
    service = await startServiceProcess({ env: { FHIR_BUDGET_MS: '1500', FHIR_TIMEOUT_MS: '1500' } });
    base = service.base;
  }, 60_000);

  afterAll(async () => {
    stall.close();
    await service.dispose();
  });

  it("reports the audit queue's figures in /metrics (the store's, as npm start wires them)", async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/^cds_audit_queued \d+$/m);
    expect(text).toMatch(/^cds_audit_records_dropped\{cause="queue-full"\} 0$/m);
    expect(text).toMatch(/^cds_audit_write_failures 0$/m);
  });

  it('answers the request in flight, closes the kept-open connection, writes its audit record and exits 0', async () => {
    // One kept-alive connection for both calls, as an EHR's HTTP client or a proxy holds it.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const post = (body: unknown): Promise<{ status: number; connection: string | undefined; socketClosed: Promise<void> }> =>
      new Promise((resolve, reject) => {
        const req = http.request(`${base}${SIGN}`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
          const socketClosed = new Promise<void>((done) => res.socket.once('close', () => done()));
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, socketClosed }));
        });
        req.on('error', reject);
        req.end(JSON.stringify(body));
      });
    try {
      // A first call opens the connection, which stays open afterwards.
      expect((await post({ ...FIXTURE, hookInstance: randomUUID() })).status).toBe(200);
      // The second, on the same connection, waits on a FHIR server that never answers for the one key
      // not prefetched (the conditions, optional: the answer is a 200 with a "check incomplete" card).
      const hookInstance = randomUUID();
      const { conditions: _left, ...prefetch } = FIXTURE.prefetch as Record<string, unknown>;
      const slow: Record<string, unknown> = { ...FIXTURE, hookInstance, fhirServer: stall.url, prefetch };
      slow.fhirAuthorization = { access_token: 'opaque', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'test' };
      const inFlight = post(slow);
      await until('the FHIR call to reach the stalled server', () => (stall.sockets.size > 0 ? true : undefined));
      service.child.kill('SIGTERM');
      const answered = await inFlight;
      // Answered, not cut off.
      expect(answered.status).toBe(200);
      // The answer in flight at SIGTERM tells the client not to send on this connection again, and the
      // service closes it, so the stop does not wait on it.
      expect(answered.connection).toBe('close');
      await answered.socketClosed;
      // 0 only for a clean stop: the deadline for requests that never finish exits 1.
      expect(await service.exited, service.output()).toBe(0);
      expect(service.output()).not.toMatch(/deadline/);
      // The audit queue was written before the exit: the call answered during the shutdown is there.
      expect(await auditedStatuses(service.dataDir, [hookInstance])).toEqual({ [hookInstance]: [200] });
    } finally {
      agent.destroy();
    }
  }, 60_000);
});

// An uncaught exception (a bug) stops the process as SIGTERM does, but sooner: calls in flight get a short
// while to finish, the audit queue is written, and the exit code is 1. Before, the process exited at once:
// the call in flight was reset and the audit records of calls already answered 200 were lost, unlogged.
describe('an uncaught exception in one process', () => {
  // Also when it comes during a SIGTERM stop already running: that stop's clean exit must not turn it into a 0.
  it.each([
    ['alone', false],
    ['during a SIGTERM stop', true],
  ])('%s: answers the call in flight, writes the audit records of every call answered, and exits 1', async (_name, afterSigterm) => {
    const stall = await startStalledServer();
    // The call in flight waits on a FHIR server that never answers, for less than the stop allows it.
    const service = await startServiceProcess({ importFirst: THROW_ON_SIGNAL, env: { FHIR_BUDGET_MS: '1000', FHIR_TIMEOUT_MS: '1000' } });
    try {
      const post = async (body: unknown): Promise<number> =>
        (await fetch(`${service.base}${SIGN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status;
      const answered = randomUUID();
      expect(await post({ ...FIXTURE, hookInstance: answered })).toBe(200);
      const inFlightId = randomUUID();
      const { conditions: _left, ...prefetch } = FIXTURE.prefetch as Record<string, unknown>;
      const fhirAuthorization = { access_token: 'opaque', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'test' };
      const inFlight = post({ ...FIXTURE, hookInstance: inFlightId, fhirServer: stall.url, fhirAuthorization, prefetch });
      await until('the FHIR call to reach the stalled server', () => (stall.sockets.size > 0 ? true : undefined));
      if (afterSigterm) {
        service.child.kill('SIGTERM');
        await until('the stop to begin', () => (service.output().includes('shutting down') ? true : undefined));
      }
      service.child.kill('SIGUSR2');
      expect(await inFlight).toBe(200);
      expect(await service.exited, service.output()).toBe(1);
      expect(service.output()).toMatch(/uncaught exception; stopping for a clean restart/);
      expect(await auditedStatuses(service.dataDir, [answered, inFlightId])).toEqual({ [answered]: [200], [inFlightId]: [200] });
    } finally {
      stall.close();
      await service.dispose();
    }
  }, 60_000);
});

describe('start-up on an address it cannot listen on', () => {
  it('exits 1 with a log line that names HOST and PORT (not an uncaught-exception stack)', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cds-listen-test-'));
    try {
      const child = spawn(process.execPath, [...NPM_START.nodeArgs], {
        cwd: ROOT,
        env: { ...process.env, ...NPM_START.env, WORKERS: '1', PORT: String(await freePort()), HOST: 'not-a-host.invalid', LOG_LEVEL: 'info', DATA_DIR: dataDir, CDS_AUTH: 'off', NODE_ENV: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(code).toBe(1);
      expect(out).toMatch(/could not listen on not-a-host\.invalid:\d+ \(\w+\): check HOST and PORT/);
      expect(out).not.toMatch(/uncaught exception/);
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
