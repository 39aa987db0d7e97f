// SIGTERM on one process (WORKERS=1, as `npm start` runs it outside production), with the client keeping
// its connection open between calls, as EHRs and proxies do: the request in flight is answered, the
// connection is then closed, its audit record is written, and the process exits 0 (an unclean stop, cut
// off at the deadline, exits 1). No timings are asserted: every wait is bounded and only outcomes are checked.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/index.ts';
import { npmStartCommand } from '../support/npm-start.ts';
import { freePort, startStalledServer, until } from '../support/processes.ts';
import type { StalledServer } from '../support/processes.ts';
import { sqlOf } from '../store/helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const NPM_START = npmStartCommand();
const SIGN = '/cds-services/cns-depressant-order-sign';
const FIXTURE = JSON.parse(readFileSync(path.join(ROOT, 'fixtures/order-sign/opioid-draft-with-active-benzodiazepine.json'), 'utf8')) as Record<string, unknown>;

describe('SIGTERM, one process, a client that keeps its connection open', () => {
  let child: ChildProcess;
  let base: string;
  let dataDir: string;
  let output = '';
  let stall: StalledServer;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cds-shutdown-test-'));
    stall = await startStalledServer();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [...NPM_START.nodeArgs], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...NPM_START.env,
        WORKERS: '1',
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        DATA_DIR: dataDir,
        CDS_AUTH: 'off',
        RATE_LIMIT_PER_MINUTE: '0',
        FHIR_BUDGET_MS: '1500',
        FHIR_TIMEOUT_MS: '1500',
        NODE_ENV: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await until('the service to be ready', async () => {
      const res = await fetch(`${base}/readyz`).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    });
  }, 60_000);

  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    stall.close();
    await fs.rm(dataDir, { recursive: true, force: true });
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
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      const answered = await inFlight;
      // Answered, not cut off.
      expect(answered.status).toBe(200);
      // The answer in flight at SIGTERM tells the client not to send on this connection again, and the
      // service closes it, so the stop does not wait on it.
      expect(answered.connection).toBe('close');
      await answered.socketClosed;
      // 0 only for a clean stop: the deadline for requests that never finish exits 1.
      expect(await exited, output).toBe(0);
      expect(output).not.toMatch(/deadline/);
      // The audit queue was written before the exit: the call answered during the shutdown is there.
      const store = await createStore({ dataDir });
      try {
        const rows = await sqlOf(store).query<{ status: number }>('SELECT status FROM invocations WHERE hook_instance = $1', [hookInstance]);
        expect(rows.map((r) => Number(r.status))).toEqual([200]);
      } finally {
        await store.close();
      }
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
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cds-fatal-test-'));
    const stall = await startStalledServer();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const flags = NPM_START.nodeArgs.slice(0, -1);
    const entry = NPM_START.nodeArgs.at(-1)!;
    const child = spawn(process.execPath, [...flags, '--import', path.join(ROOT, 'tests/support/throw-on-signal.ts'), entry], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...NPM_START.env,
        WORKERS: '1',
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        DATA_DIR: dataDir,
        CDS_AUTH: 'off',
        RATE_LIMIT_PER_MINUTE: '0',
        // The call in flight waits on a FHIR server that never answers, for less than the stop allows it.
        FHIR_BUDGET_MS: '1000',
        FHIR_TIMEOUT_MS: '1000',
        NODE_ENV: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await until('the service to be ready', async () => {
        const res = await fetch(`${url}/readyz`).catch(() => undefined);
        return res?.status === 200 ? true : undefined;
      });
      const post = async (body: unknown): Promise<number> =>
        (await fetch(`${url}${SIGN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status;
      const answered = randomUUID();
      expect(await post({ ...FIXTURE, hookInstance: answered })).toBe(200);
      const inFlightId = randomUUID();
      const { conditions: _left, ...prefetch } = FIXTURE.prefetch as Record<string, unknown>;
      const fhirAuthorization = { access_token: 'opaque', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'test' };
      const inFlight = post({ ...FIXTURE, hookInstance: inFlightId, fhirServer: stall.url, fhirAuthorization, prefetch });
      await until('the FHIR call to reach the stalled server', () => (stall.sockets.size > 0 ? true : undefined));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      if (afterSigterm) {
        child.kill('SIGTERM');
        await until('the stop to begin', () => (out.includes('shutting down') ? true : undefined));
      }
      child.kill('SIGUSR2');
      expect(await inFlight).toBe(200);
      expect(await exited, out).toBe(1);
      expect(out).toMatch(/uncaught exception; stopping for a clean restart/);
      const store = await createStore({ dataDir });
      try {
        const rows = await sqlOf(store).query<{ hook_instance: string }>('SELECT hook_instance FROM invocations WHERE hook_instance = ANY($1::text[])', [[answered, inFlightId]]);
        expect(rows.map((r) => r.hook_instance).sort()).toEqual([answered, inFlightId].sort());
      } finally {
        await store.close();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      stall.close();
      await fs.rm(dataDir, { recursive: true, force: true });
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
