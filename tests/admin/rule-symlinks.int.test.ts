/**
 * A rule whose file in rules/ is a symbolic link, through the admin API: it is listed and served like
 * any rule (the listing skipped it, though GET answered it), and it is not changed through the API (409):
 * the atomic write's rename replaced the link by a plain file, cutting the rule loose from where it is
 * managed (a ConfigMap, a shared content repository) without a word.
 */
import { lstatSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULE_TEST_NOW } from '../../src/admin/index.ts';
import { bearer, createAdminTestApp } from './helpers.ts';
import type { AdminTestApp } from './helpers.ts';

const API = '/admin/api';
const RULE = 'naloxone-co-prescribe';

describe('a rule file that is a symbolic link, through the admin API', () => {
  let t: AdminTestApp;
  let shared: string;
  let target: string;
  let link: string;
  beforeAll(async () => {
    t = await createAdminTestApp({ now: () => RULE_TEST_NOW });
    shared = mkdtempSync(path.join(tmpdir(), 'cds-shared-'));
    target = path.join(shared, `${RULE}.json`);
    link = path.join(t.rulesDir, `${RULE}.json`);
    renameSync(link, target);
    symlinkSync(target, link);
    const reloaded = await t.holder.reload();
    if (!reloaded.ok) {
      throw new Error(reloaded.errors.join('\n'));
    }
  });
  afterAll(async () => {
    await t.close();
    rmSync(shared, { recursive: true, force: true });
  });

  it('is listed, loaded and served', async () => {
    const list = await request(t.app).get(`${API}/rules`).set('Authorization', bearer(t.viewer));
    expect(list.status).toBe(200);
    expect(list.body.rules).toContainEqual(expect.objectContaining({ id: RULE, loaded: true }));
    expect(t.holder.current().rules.map((r) => r.id)).toContain(RULE);
  });

  it('is not changed through the API: PUT, disable and DELETE answer 409 with an OperationOutcome; link and file stay', async () => {
    const before = readFileSync(target, 'utf8');
    const current = await request(t.app).get(`${API}/rules/${RULE}`).set('Authorization', bearer(t.viewer));
    expect(current.status).toBe(200);
    const etag = current.headers.etag ?? '';
    const rule = JSON.parse(current.text);
    const put = await request(t.app).put(`${API}/rules/${RULE}`).set('Authorization', bearer(t.editor)).set('If-Match', etag).send({ ...rule, title: `${rule.title} (edited)` });
    const disable = await request(t.app).post(`${API}/rules/${RULE}/disable`).set('Authorization', bearer(t.editor)).set('If-Match', etag);
    const remove = await request(t.app).delete(`${API}/rules/${RULE}`).set('Authorization', bearer(t.editor)).set('If-Match', etag);
    for (const res of [put, disable, remove]) {
      expect(res.status).toBe(409);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue[0].details.text).toMatch(/is a symbolic link/);
    }
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe(before);
  });
});
