// /metrics with METRICS_TOKEN set (security review finding A): it answered anyone who could reach the
// EHR-facing port (cards per rule, auth refusal reasons, FHIR failures), and in a cluster every scrape made
// every worker answer over IPC. Now only `Authorization: Bearer <METRICS_TOKEN>` is served; /healthz and
// /readyz stay open for load balancers. Unset, /metrics stays open (tests/server/observability.int.test.ts
// and tests/cluster scrape it without a token); in production that is announced with a warning.
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig, testConfig } from '../../src/config/index.ts';
import type { Config } from '../../src/config/index.ts';
import { createLogger } from '../../src/shared/index.ts';
import { createApp } from '../../src/server/index.ts';
import { captureLog } from '../support/log-capture.ts';
import { createTestApp } from '../support/test-app.ts';

const TOKEN = 'prometheus-scrape-token-0123456789abcdef';

function metricsSetting(token: string): Config['metrics'] {
  const loaded = loadConfig({ METRICS_TOKEN: token });
  if (!loaded.ok) {
    throw new Error(loaded.errors.join('; '));
  }
  return loaded.value.metrics;
}

describe('/metrics with METRICS_TOKEN set', () => {
  it('refuses a scrape without the token, with a wrong one, or not as a bearer token: 401 with an OperationOutcome', async () => {
    const t = await createTestApp({ config: { metrics: metricsSetting(TOKEN) } });
    const attempts = [
      request(t.app).get('/metrics'),
      request(t.app).get('/metrics').set('Authorization', 'Bearer wrong-token-0123456789abcdef'),
      request(t.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}x`),
      request(t.app).get('/metrics').set('Authorization', `Basic ${TOKEN}`),
      request(t.app).get('/metrics').set('Authorization', TOKEN),
      request(t.app).get('/METRICS/'),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
      expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', id: 'unauthorized', issue: [{ severity: 'error', code: 'login' }] });
      expect(res.text).not.toContain('cds_');
      expect(res.text).not.toContain(TOKEN);
    }
  });

  it('answers Prometheus with the token', async () => {
    const t = await createTestApp({ config: { metrics: metricsSetting(TOKEN) } });
    for (const header of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`]) {
      const res = await request(t.app).get('/metrics').set('Authorization', header);
      expect(res.status).toBe(200);
      expect(res.text).toContain(`cds_rule_set_info{version="${t.ruleSet.version}"} 1`);
    }
  });

  it('leaves /healthz and /readyz open', async () => {
    const t = await createTestApp({ config: { metrics: metricsSetting(TOKEN) } });
    expect((await request(t.app).get('/healthz')).status).toBe(200);
    const ready = await request(t.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', rules: t.ruleSet.rules.length });
  });

  it('in a cluster worker, a refused scrape asks no other worker for its figures', async () => {
    const base = testConfig({ metrics: metricsSetting(TOKEN) });
    const t = await createTestApp({ config: { metrics: base.metrics } });
    const clusterMetrics = vi.fn(async () => []);
    const app = createApp({ config: base, logger: createLogger('silent'), services: t.services, auth: { mode: 'off' }, ruleSet: () => t.ruleSet, clusterMetrics });
    expect((await request(app).get('/metrics')).status).toBe(401);
    expect(clusterMetrics).not.toHaveBeenCalled();
  });

  it('logs a refusal with its reason, never a token', async () => {
    const { logger, lines } = captureLog();
    const t = await createTestApp({ config: { metrics: metricsSetting(TOKEN) }, logger });
    await request(t.app).get('/metrics').set('Authorization', 'Bearer presented-wrong-token-0123456789');
    await new Promise((r) => setImmediate(r));
    expect(lines.find((l) => String(l.msg).startsWith('/metrics call refused'))).toMatchObject({ path: '/metrics', reason: 'wrong-token' });
    expect(JSON.stringify(lines)).not.toContain('presented-wrong-token');
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });
});

describe('/metrics without METRICS_TOKEN', () => {
  it('stays open, as before', async () => {
    const t = await createTestApp();
    expect(t.config.metrics).toEqual({ mode: 'open', explicit: false });
    expect((await request(t.app).get('/metrics')).status).toBe(200);
  });

  it('in production, warns at start-up that /metrics is open, unless METRICS_TOKEN=off said so or a token is set', async () => {
    const warned = async (metrics: Config['metrics'], production: boolean): Promise<boolean> => {
      const { logger, lines } = captureLog();
      const t = await createTestApp({ config: { production, metrics }, logger });
      expect((await request(t.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).status).toBe(200);
      return lines.some((l) => String(l.msg).includes('/metrics answers anyone') && String(l.msg).includes('METRICS_TOKEN'));
    };
    expect(await warned({ mode: 'open', explicit: false }, true)).toBe(true);
    expect(await warned({ mode: 'open', explicit: true }, true)).toBe(false);
    expect(await warned(metricsSetting(TOKEN), true)).toBe(false);
    expect(await warned({ mode: 'open', explicit: false }, false)).toBe(false);
  });
});
