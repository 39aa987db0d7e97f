import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPatientKeyer, loadPatientKeySecret, PATIENT_KEY_SECRET_FILE } from '../../src/store/index.ts';
import { captureLogger } from './helpers.ts';

const SECRET = 'x'.repeat(40);
const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cds-patient-key-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

describe('createPatientKeyer', () => {
  it('is a stable HMAC-SHA256 (hex) of server and patient id', () => {
    const key = createPatientKeyer(SECRET);
    const k = key('https://ehr.example/fhir', '123');
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(key('https://ehr.example/fhir', '123')).toBe(k);
    expect(key('https://ehr.example/fhir/', '123')).toBe(k); // trailing slash
    expect(key('https://ehr.example/fhir', '124')).not.toBe(k);
    expect(key('https://other.example/fhir', '123')).not.toBe(k);
    expect(key(undefined, '123')).not.toBe(k);
    expect(createPatientKeyer('y'.repeat(40))('https://ehr.example/fhir', '123')).not.toBe(k);
    expect(k).not.toContain('123');
  });

  it('differs by calling client (issuer, tenant), and is unchanged without one', () => {
    const key = createPatientKeyer(SECRET);
    const a = key('https://ehr.example/fhir', '123', { iss: 'https://ehr-a.example' });
    expect(a).toBe(key('https://ehr.example/fhir', '123', { iss: 'https://ehr-a.example' }));
    expect(key('https://ehr.example/fhir', '123', { iss: 'https://ehr-b.example' })).not.toBe(a);
    expect(key('https://ehr.example/fhir', '123', { iss: 'https://ehr-a.example', tenant: 't1' })).not.toBe(a);
    expect(key('https://ehr.example/fhir', '123', { iss: 'https://ehr-a.example', tenant: 't1' })).not.toBe(key('https://ehr.example/fhir', '123', { iss: 'https://ehr-a.example', tenant: 't2' }));
    expect(key('https://ehr.example/fhir', '123')).not.toBe(a); // auth off: the key of before clients were part of it
  });

  it('is unambiguous between server and id', () => {
    const key = createPatientKeyer(SECRET);
    expect(key('https://a', 'b|c')).not.toBe(key('https://a|b', 'c'));
  });

  it('refuses a short secret', () => {
    expect(() => createPatientKeyer('short')).toThrow(/at least 32/);
  });
});

describe('loadPatientKeySecret', () => {
  it('uses the configured secret', async () => {
    expect(await loadPatientKeySecret({ configured: `  ${SECRET} `, dataDir: await tempDir() })).toEqual({ secret: SECRET, source: 'config' });
    await expect(loadPatientKeySecret({ configured: 'short' })).rejects.toThrow(/too short/);
  });

  it('creates a random secret under the data directory with mode 0600, then reads it back; never logs it', async () => {
    const dataDir = await tempDir();
    const log = captureLogger();
    const created = await loadPatientKeySecret({ dataDir, logger: log.logger });
    expect(created.source).toBe('created');
    expect(created.secret).toMatch(/^[0-9a-f]{64}$/);
    const file = path.join(dataDir, PATIENT_KEY_SECRET_FILE);
    expect(created.file).toBe(file);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(await loadPatientKeySecret({ dataDir, logger: log.logger })).toEqual({ secret: created.secret, source: 'file', file });
    expect(JSON.stringify(log.entries)).not.toContain(created.secret);
    expect((await fs.readdir(dataDir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('gives processes racing to create it the same secret', async () => {
    const dataDir = await tempDir();
    const results = await Promise.all(Array.from({ length: 8 }, () => loadPatientKeySecret({ dataDir })));
    expect(new Set(results.map((r) => r.secret)).size).toBe(1);
    expect(results.filter((r) => r.source === 'created')).toHaveLength(1);
  });

  it('tightens a secret file readable by others', async () => {
    const dataDir = await tempDir();
    const file = path.join(dataDir, PATIENT_KEY_SECRET_FILE);
    await fs.writeFile(file, `${SECRET}\n`, { mode: 0o644 });
    await fs.chmod(file, 0o644);
    const log = captureLogger();
    expect((await loadPatientKeySecret({ dataDir, logger: log.logger })).secret).toBe(SECRET);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(log.entries.some((e) => e.level === 'warn')).toBe(true);
  });

  it('refuses a secret file that holds no usable secret', async () => {
    const dataDir = await tempDir();
    await fs.writeFile(path.join(dataDir, PATIENT_KEY_SECRET_FILE), '\n', { mode: 0o600 });
    await expect(loadPatientKeySecret({ dataDir })).rejects.toThrow(/does not hold a usable/);
  });

  it('without a data directory: a random secret for this process only, with a warning', async () => {
    const log = captureLogger();
    const result = await loadPatientKeySecret({ logger: log.logger });
    expect(result.source).toBe('ephemeral');
    expect(result.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(log.entries.some((e) => e.level === 'warn')).toBe(true);
  });
});
