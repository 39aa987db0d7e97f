/**
 * Admin API authentication: static tokens (hashes only, constant-time comparison), OIDC-style JWTs
 * verified against a JWKS with roles from a claim, the development token, and the configuration rules
 * (auth off refused in production).
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminAuth, createAdminAuthenticator, parseTokenEntries, roleFromClaim, tokenHash } from '../../src/admin/index.ts';
import type { AdminAuthenticator } from '../../src/admin/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { bearer, createAdminTestApp } from './helpers.ts';
import type { AdminTestApp } from './helpers.ts';

const ISSUER = 'https://login.hospital.example/realms/cds';
const AUDIENCE = 'cds-rule-admin';

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'cds-admin-auth-'));
}

describe('static API tokens', () => {
  const auth = createAdminAuthenticator({
    mode: 'on',
    tokens: [
      { name: 'ci-viewer', role: 'viewer', sha256: tokenHash('viewer-token-0123456789') },
      { name: 'alice', role: 'editor', sha256: tokenHash('editor-token-0123456789') },
    ],
  });

  it('accepts a configured token and names its owner and role', async () => {
    expect(await auth.authenticate('Bearer editor-token-0123456789')).toEqual({ ok: true, principal: { name: 'alice', role: 'editor', via: 'token' } });
    expect(await auth.authenticate('bearer viewer-token-0123456789')).toEqual({ ok: true, principal: { name: 'ci-viewer', role: 'viewer', via: 'token' } });
  });

  it('refuses a missing, unknown or non-bearer credential with 401', async () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer wrong', 'Basic ZWRpdG9yLXRva2Vu', 'editor-token-0123456789', `Bearer ${'x'.repeat(10_000)}`]) {
      const result = await auth.authenticate(header);
      expect(result.ok, String(header)).toBe(false);
      expect(!result.ok && result.status).toBe(401);
    }
  });

  it('parses the tokens file and explains every mistake with its JSON pointer', () => {
    expect(parseTokenEntries([{ name: 'a', role: 'viewer', sha256: 'A'.repeat(64) }], 'tokens.json')).toEqual({ ok: true, value: [{ name: 'a', role: 'viewer', sha256: 'a'.repeat(64) }] });
    const bad = parseTokenEntries([{ name: '', role: 'admin', sha256: 'abc', token: 'secret' }, { name: 'b', role: 'editor', sha256: 'b'.repeat(64) }, { name: 'b', role: 'editor', sha256: 'c'.repeat(64) }], 'tokens.json');
    expect(bad).toEqual({
      ok: false,
      errors: [
        'tokens.json: /0/name: a non-empty name is required (it is recorded as the author of changes)',
        'tokens.json: /0/role: must be "viewer" or "editor"',
        'tokens.json: /0/sha256: must be the 64-character hex SHA-256 of the token (for example: printf %s "$TOKEN" | sha256sum)',
        'tokens.json: /0: unknown field "token" (store the SHA-256 of the token, never the token)',
        'tokens.json: /2/name: duplicate name "b"',
      ],
    });
    expect(parseTokenEntries({ tokens: [] }, 'tokens.json').ok).toBe(false);
  });

  it('loads ADMIN_TOKENS_FILE through the configuration', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'tokens.json');
    writeFileSync(file, JSON.stringify([{ name: 'bob', role: 'editor', sha256: tokenHash('bobs-token-0123456789') }]));
    const config = loadConfig({ ADMIN_TOKENS_FILE: file });
    expect(config.ok).toBe(true);
    if (!config.ok) {
      return;
    }
    expect(config.value.admin.devTokenFile).toBeUndefined();
    const setup = await createAdminAuth(config.value.admin);
    expect(setup.ok).toBe(true);
    if (setup.ok) {
      expect(await setup.value.authenticator.authenticate('Bearer bobs-token-0123456789')).toMatchObject({ ok: true, principal: { name: 'bob' } });
    }
    writeFileSync(file, '[{ "name": "bob" ');
    const broken = await createAdminAuth(config.value.admin);
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.errors[0]).toMatch(/^ADMIN_TOKENS_FILE .*tokens\.json: /);
  });
});

describe('OIDC-style JWTs', () => {
  let auth: AdminAuthenticator;
  let sign: (claims: Record<string, unknown>, options?: { audience?: string; issuer?: string; expiresIn?: string }) => Promise<string>;
  let otherKeySign: (claims: Record<string, unknown>) => Promise<string>;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const other = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const dir = tempDir();
    const jwksFile = path.join(dir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
    const config = loadConfig({ ADMIN_OIDC_ISSUER: ISSUER, ADMIN_OIDC_AUDIENCE: AUDIENCE, ADMIN_OIDC_JWKS_FILE: jwksFile, ADMIN_OIDC_ROLES_CLAIM: 'realm_access.roles' });
    if (!config.ok) {
      throw new Error(config.errors.join('\n'));
    }
    const setup = await createAdminAuth(config.value.admin);
    if (!setup.ok) {
      throw new Error(setup.errors.join('\n'));
    }
    auth = setup.value.authenticator;
    sign = (claims, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(options.issuer ?? ISSUER)
        .setAudience(options.audience ?? AUDIENCE)
        .setSubject('jane.informaticist')
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '5m')
        .sign(privateKey);
    otherKeySign = (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('x').setIssuedAt().setExpirationTime('5m').sign(other.privateKey);
  });

  it('takes the role from the configured claim (dotted path) and the author from sub', async () => {
    expect(await auth.authenticate(bearer(await sign({ realm_access: { roles: ['offline_access', 'cds-editor'] } })))).toEqual({
      ok: true,
      principal: { name: 'jane.informaticist', role: 'editor', via: 'oidc' },
    });
    expect(await auth.authenticate(bearer(await sign({ realm_access: { roles: ['cds-viewer'] } })))).toMatchObject({ ok: true, principal: { role: 'viewer' } });
  });

  it('answers 403 for a valid token without an admin role, 401 for a wrong audience, issuer, key or an expired token', async () => {
    expect(await auth.authenticate(bearer(await sign({ realm_access: { roles: ['nurse'] } })))).toMatchObject({ ok: false, status: 403 });
    for (const token of [
      await sign({ realm_access: { roles: ['cds-editor'] } }, { audience: 'another-app' }),
      await sign({ realm_access: { roles: ['cds-editor'] } }, { issuer: 'https://evil.example' }),
      await sign({ realm_access: { roles: ['cds-editor'] } }, { expiresIn: '-10m' }),
      await otherKeySign({ realm_access: { roles: ['cds-editor'] } }),
    ]) {
      expect(await auth.authenticate(bearer(token))).toMatchObject({ ok: false, status: 401 });
    }
  });

  it('reads roles from an array or a space-separated string', () => {
    expect(roleFromClaim(['cds-viewer', 'cds-editor'])).toBe('editor');
    expect(roleFromClaim('openid cds-viewer')).toBe('viewer');
    expect(roleFromClaim(['admin'])).toBeUndefined();
    expect(roleFromClaim(undefined)).toBeUndefined();
  });
});

describe('development defaults and configuration', () => {
  it('creates a random development editor token once (mode 0600) and announces only its path', async () => {
    const dir = tempDir();
    const config = loadConfig({ DATA_DIR: dir });
    expect(config.ok).toBe(true);
    if (!config.ok) {
      return;
    }
    expect(config.value.admin.devTokenFile).toBe(path.join(dir, 'admin-token'));
    const setup = await createAdminAuth(config.value.admin);
    expect(setup.ok).toBe(true);
    if (!setup.ok) {
      return;
    }
    const file = path.join(dir, 'admin-token');
    const token = readFileSync(file, 'utf8').trim();
    expect(token.length).toBeGreaterThanOrEqual(40);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(setup.value.notices.join('\n')).toContain(file);
    expect(setup.value.notices.join('\n')).not.toContain(token);
    expect(await setup.value.authenticator.authenticate(bearer(token))).toEqual({ ok: true, principal: { name: 'development', role: 'editor', via: 'token' } });
    const again = await createAdminAuth(config.value.admin);
    expect(readFileSync(file, 'utf8').trim()).toBe(token);
    expect(again.ok && (await again.value.authenticator.authenticate(bearer(token))).ok).toBe(true);
  });

  it('never creates a development token in production or when credentials are configured', () => {
    const prod = loadConfig({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://cds.hospital.example', CDS_TRUSTED_CLIENTS_JSON: '{"clients":[]}', FHIR_SERVER_ALLOWLIST: 'https://ehr.hospital.example/fhir' });
    expect(prod.ok && prod.value.admin.devTokenFile).toBeUndefined();
    const oidc = loadConfig({ ADMIN_OIDC_ISSUER: ISSUER, ADMIN_OIDC_AUDIENCE: AUDIENCE, ADMIN_OIDC_JWKS_URL: 'https://login.hospital.example/jwks' });
    expect(oidc.ok && oidc.value.admin.devTokenFile).toBeUndefined();
  });

  it('refuses ADMIN_AUTH=off in production and explains partial OIDC settings', () => {
    const off = loadConfig({ NODE_ENV: 'production', ADMIN_AUTH: 'off', CDS_TRUSTED_CLIENTS_JSON: '{"clients":[]}' });
    expect(off.ok).toBe(false);
    expect(!off.ok && off.errors).toContain('ADMIN_AUTH=off is refused in production (NODE_ENV=production): rule administrators must authenticate');
    const partial = loadConfig({ ADMIN_OIDC_ISSUER: ISSUER });
    expect(!partial.ok && partial.errors).toEqual(
      expect.arrayContaining([expect.stringMatching(/ADMIN_OIDC_ISSUER and ADMIN_OIDC_AUDIENCE must be set together/), 'Set exactly one of ADMIN_OIDC_JWKS_URL and ADMIN_OIDC_JWKS_FILE'])
    );
    const http = loadConfig({ ADMIN_OIDC_ISSUER: ISSUER, ADMIN_OIDC_AUDIENCE: AUDIENCE, ADMIN_OIDC_JWKS_URL: 'http://idp.example/jwks' });
    expect(!http.ok && http.errors).toEqual(['ADMIN_OIDC_JWKS_URL must be an https URL (got "http://idp.example/jwks")']);
  });

  it('with ADMIN_AUTH=off (development) every caller is an editor, and the start-up notice says so', async () => {
    const config = loadConfig({ ADMIN_AUTH: 'off' });
    expect(config.ok).toBe(true);
    if (!config.ok) {
      return;
    }
    const setup = await createAdminAuth(config.value.admin);
    expect(setup.ok && setup.value.notices[0]).toMatch(/AUTHENTICATION IS OFF \(ADMIN_AUTH=off\)/);
    expect(setup.ok && (await setup.value.authenticator.authenticate(undefined))).toMatchObject({ ok: true, principal: { role: 'editor', via: 'auth-off' } });
  });
});

describe('misconfigured admin authentication', () => {
  let t: AdminTestApp;
  beforeAll(async () => {
    t = await createAdminTestApp({ store: false });
  });
  afterAll(async () => {
    await t.close();
  });

  it('disables only the admin API (503); the CDS service keeps answering', async () => {
    const { createApp } = await import('../../src/server/index.ts');
    const { testConfig } = await import('../../src/config/index.ts');
    const { silentLogger } = await import('./helpers.ts');
    const app = createApp({
      config: testConfig(),
      logger: silentLogger,
      services: t.services,
      auth: { mode: 'off' },
      ruleSet: t.holder.current,
      admin: { admin: t.admin, auth: { disabled: 'its authentication is misconfigured' }, logger: silentLogger, maxBodyBytes: 1_000_000 },
    });
    const res = await request(app).get('/admin/api/status').set('Authorization', bearer(t.editor));
    expect(res.status).toBe(503);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect((await request(app).get('/cds-services')).status).toBe(200);
  });
});

describe('admin authentication off (development): other sites cannot post changes through the browser', () => {
  let t: Awaited<ReturnType<typeof createAdminTestApp>>;
  beforeAll(async () => {
    t = await createAdminTestApp({ auth: createAdminAuthenticator({ mode: 'off' }) });
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a change the browser marks as cross-site, or whose Origin is another host', async () => {
    const crossSite = await request(t.app).post('/admin/api/reload').set('Sec-Fetch-Site', 'cross-site');
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.resourceType).toBe('OperationOutcome');
    expect((await request(t.app).post('/admin/api/reload').set('Origin', 'http://localhost:47812')).status).toBe(403);
    expect((await request(t.app).post('/admin/api/reload').set('Origin', 'null')).status).toBe(403);
  });

  it('accepts changes from its own console, and from tools that are not browsers; reads from anywhere', async () => {
    expect((await request(t.app).post('/admin/api/reload').set('Sec-Fetch-Site', 'same-origin')).status).toBe(200);
    const host = await request(t.app).post('/admin/api/reload').set('Host', 'localhost:8080').set('Origin', 'http://localhost:8080');
    expect(host.status).toBe(200);
    expect((await request(t.app).post('/admin/api/reload')).status).toBe(200);
    expect((await request(t.app).get('/admin/api/rules').set('Sec-Fetch-Site', 'cross-site')).status).toBe(200);
  });
});
