// README "Stopping": on SIGTERM the service stops accepting and finishes the calls in flight. With WORKERS=2 that
// did not hold under load: the primary (which owns the listening socket in Node's round-robin cluster) kept
// accepting until both workers had closed, then reset the connections still queued for a worker; and a worker
// reset a kept-alive connection whose next request was unread in its socket when its drain began. An EHR shows
// nothing for a call that was reset (nginx does not resend a POST): the order is signed with no card.
// Here keep-alive clients send calls back to back while the primary is signalled. Only counts are asserted: no
// call may be reset, every call answered 200 is in the audit, and the port then refuses new connections.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { until } from '../support/processes.ts';
import { auditedStatuses, startServiceProcess } from '../support/service-process.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const FIXTURE = JSON.parse(readFileSync(path.join(ROOT, 'fixtures/order-sign/opioid-draft-with-active-benzodiazepine.json'), 'utf8')) as Record<string, unknown>;
const SIGN = '/cds-services/cns-depressant-order-sign';
/** Clients, each on its own kept-alive connection (an EHR's or a proxy's pool). */
const CLIENTS = 50;
/** Answers before the stop, so that the stop meets a loaded service. */
const ANSWERS_BEFORE_STOP = 300;

interface Answer {
  readonly status: number;
  /** The answer said "Connection: close". */
  readonly close: boolean;
}

/** One hook call through `agent` (a kept-alive connection). */
function call(base: string, agent: http.Agent, hookInstance: string): Promise<Answer> {
  const body = JSON.stringify({ ...FIXTURE, hookInstance });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${SIGN}`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, close: res.headers.connection === 'close' }));
        res.on('error', reject);
      }
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe.skipIf(process.platform !== 'linux')('cluster: WORKERS=2, SIGTERM under keep-alive load', () => {
  it('resets no call: every call sent is answered (the last answer on a connection says Connection: close) or its connection refused', async () => {
    const service = await startServiceProcess({ env: { WORKERS: '2' } });
    try {
      // Both workers serve before the load starts (each logs when it listens).
      await until('both workers to listen', () => (service.output().split('"msg":"CDS service listening"').length - 1 >= 2 ? true : undefined));
      const answered: string[] = [];
      const otherStatuses: number[] = [];
      const resets: { code: string | undefined; reusedConnection: boolean }[] = [];
      let lastAnswerKeptOpen = 0;
      let refused = 0;
      let signalled = false;
      const signal = (): void => {
        if (signalled || answered.length < ANSWERS_BEFORE_STOP) return;
        signalled = true;
        service.child.kill('SIGTERM');
      };
      const client = async (): Promise<void> => {
        let agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        let reused = false;
        let last: Answer | undefined;
        for (;;) {
          const hookInstance = crypto.randomUUID();
          try {
            const answer = await call(service.base, agent, hookInstance);
            last = answer;
            if (answer.status === 200) answered.push(hookInstance);
            else otherStatuses.push(answer.status);
            signal();
            reused = !answer.close;
            if (answer.close) {
              agent.destroy();
              agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
            }
          } catch (error) {
            agent.destroy();
            const code = (error as NodeJS.ErrnoException).code;
            if (code === 'ECONNREFUSED' && signalled) {
              // The port is closed: this client's calls go elsewhere now. Its last answer told it to close.
              refused++;
              if (last && !last.close) lastAnswerKeptOpen++;
              return;
            }
            resets.push({ code, reusedConnection: reused });
            agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
            reused = false;
            last = undefined;
            if (!signalled) throw error;
          }
        }
      };
      await Promise.all(Array.from({ length: CLIENTS }, client));
      expect(await service.exited, service.output()).toBe(0);
      expect(resets).toEqual([]);
      expect(refused).toBe(CLIENTS);
      expect(lastAnswerKeptOpen).toBe(0);
      expect(otherStatuses).toEqual([]);
      // Every call answered 200 was audited (once, as 200).
      const audited = await auditedStatuses(service.dataDir, answered);
      const notAudited = answered.filter((h) => audited[h]?.length !== 1 || audited[h]![0] !== 200);
      expect(notAudited).toEqual([]);
    } finally {
      await service.dispose();
    }
  }, 120_000);
});
