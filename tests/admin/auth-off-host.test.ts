/**
 * With ADMIN_AUTH=off, DNS rebinding passed the cross-site check: a page at http://rebind.example:PORT,
 * its name re-pointed at 127.0.0.1, is same-origin for the browser (Origin equals Host). The admin
 * API now answers, reads included, only to a loopback Host or the host of PUBLIC_BASE_URL (console
 * security review, finding 2). Built through setupAdmin, as the service is, so the wiring of
 * PUBLIC_BASE_URL is tested too.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupAdmin } from '../../src/admin/index.ts';
import { testConfig } from '../../src/config/index.ts';
import { createRuleSetHolder } from '../../src/engine/rule-set-holder.ts';
import { loadServiceDefinitions } from '../../src/protocol/index.ts';
import { createApp } from '../../src/server/index.ts';
import { ROOT, bearer, copyRules, createAdminTestApp, silentLogger } from './helpers.ts';

const PUBLIC = 'https://cds.hospital.example';

async function authOffApp(rulesDir: string): Promise<Express> {
  const base = testConfig();
  const config = testConfig({ rulesDir, publicBaseUrl: PUBLIC, admin: { ...base.admin, auth: 'off', fixturesDir: path.join(ROOT, 'fixtures'), devTokenFile: undefined } });
  const services = await loadServiceDefinitions(config.servicesDir);
  const holder = await createRuleSetHolder({ rulesDir });
  if (!services.ok || !holder.ok) {
    throw new Error('setup failed');
  }
  const admin = await setupAdmin({ config, holder: holder.value, services: services.value, logger: silentLogger });
  expect(admin.errors).toEqual([]);
  return createApp({ config, logger: silentLogger, services: services.value, auth: { mode: 'off' }, ruleSet: holder.value.current, admin: admin.router });
}

describe('admin authentication off: the admin API answers only to loopback and PUBLIC_BASE_URL hosts', () => {
  let app: Express;
  let rulesDir: string;
  beforeAll(async () => {
    rulesDir = copyRules();
    app = await authOffApp(rulesDir);
  });
  afterAll(() => {
    rmSync(rulesDir, { recursive: true, force: true });
  });

  it('refuses a DNS-rebinding page: its own name as Host, Origin equal to it, reads and changes alike', async () => {
    const read = await request(app).get('/admin/api/rules').set('Host', 'rebind.attacker.example:8080').set('Sec-Fetch-Site', 'same-origin');
    expect(read.status).toBe(403);
    expect(read.body).toMatchObject({ resourceType: 'OperationOutcome', id: 'host-refused' });
    expect(read.body.issue[0].details.text).toMatch(/localhost, 127\.0\.0\.1, \[::1\] or the host of PUBLIC_BASE_URL/);
    const change = await request(app).post('/admin/api/reload').set('Host', 'rebind.attacker.example:8080').set('Origin', 'http://rebind.attacker.example:8080');
    expect(change.status).toBe(403);
    expect(change.body.id).toBe('host-refused');
    for (const path of ['/admin/api/status', '/admin/api/snoozes', '/admin/api/whoami', '/admin/api/no-such-endpoint']) {
      expect((await request(app).get(path).set('Host', 'rebind.attacker.example')).status, path).toBe(403);
    }
  });

  it('refuses names that only look like loopback or the public host', async () => {
    for (const host of ['localhost.attacker.example', '127.0.0.1.nip.io', 'cds.hospital.example.attacker.example', 'cds.hospital.example:8443', '10.0.0.5', '0.0.0.0:3000', 'evil.example@localhost', 'a b']) {
      expect((await request(app).get('/admin/api/rules').set('Host', host)).status, host).toBe(403);
    }
  });

  it('answers at localhost, 127.0.0.1 and [::1] on any port, and at the host of PUBLIC_BASE_URL', async () => {
    for (const host of ['localhost', 'localhost:3000', 'LOCALHOST:3000', '127.0.0.1:18711', '[::1]:3000', 'cds.hospital.example', 'CDS.Hospital.Example', 'cds.hospital.example:443']) {
      expect((await request(app).get('/admin/api/rules').set('Host', host)).status, host).toBe(200);
    }
    const change = await request(app).post('/admin/api/reload').set('Host', 'cds.hospital.example').set('Origin', PUBLIC);
    expect(change.status).toBe(200);
  });

  it('leaves the CDS endpoints alone', async () => {
    expect((await request(app).get('/cds-services').set('Host', 'rebind.attacker.example')).status).toBe(200);
  });
});

describe('admin authentication on: the Host check does not apply (a token is needed anyway)', () => {
  let t: Awaited<ReturnType<typeof createAdminTestApp>>;
  beforeAll(async () => {
    t = await createAdminTestApp({ store: false });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers a signed-in user at any Host', async () => {
    expect((await request(t.app).get('/admin/api/rules').set('Host', 'cds.internal.example').set('Authorization', bearer(t.viewer))).status).toBe(200);
  });
});
