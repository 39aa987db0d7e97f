// /readyz with CDS client authentication on and a store that answers a read but cannot write (a full disk):
// every hook call must record its token's jti, so every call was refused with 503 while /readyz said 200
// "ready", store "ok", and the store's error (ENOSPC) was logged nowhere (review ops2, finding F1). The load
// balancer kept sending clinicians' calls to an instance that answered none of them.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import type { AuthConfig } from '../../src/config/index.ts';
import { createCdsAuth, devTrustedClient, generateDevKeys, mintDevToken } from '../../src/security/index.ts';
import type { DevKeys, ReplayStore } from '../../src/security/index.ts';
import { createStore } from '../../src/store/index.ts';
import type { ServiceStore } from '../../src/store/index.ts';
import { captureLog } from '../support/log-capture.ts';
import { ORDER_SIGN, createTestApp, fixtureForPatient } from '../support/test-app.ts';

const BASE = 'https://cds.hospital.test';
const DISK_FULL = 'could not extend file "base/5/16423": No space left on device';

/** A replay store that fails every write while `full` says so, as PGlite on a full file system does. */
function replayStore(state: { full: boolean }): ReplayStore & { writes: number } {
  const store = {
    writes: 0,
    remember: async (): Promise<boolean> => {
      store.writes += 1;
      if (state.full) throw new Error(DISK_FULL);
      return true;
    },
  };
  return store;
}

function authConfig(keys: DevKeys): AuthConfig {
  const loaded = loadConfig({ CDS_TRUSTED_CLIENTS_JSON: JSON.stringify({ clients: [devTrustedClient(keys)] }) });
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  return loaded.value.auth;
}

describe('/readyz with auth on: the replay store must be writable', () => {
  let keys: DevKeys;
  /** The service's store: its ping (`SELECT 1`) answers, as it does on a full disk; the jti writes go to the failing one. */
  let readableStore: ServiceStore;
  beforeAll(async () => {
    keys = await generateDevKeys('https://ehr.hospital.test');
    readableStore = await createStore({ flushIntervalMs: 20 });
  });
  afterAll(async () => {
    await readableStore.close();
  });

  it('a hook call refused because its jti cannot be written makes /readyz 503 "not writable", logged at error level; a written one makes it ready again', async () => {
    const state = { full: true };
    const { logger, lines } = captureLog();
    const auth = await createCdsAuth(authConfig(keys), replayStore(state), logger);
    if (!auth.ok) throw new Error(auth.errors.join('; '));
    const t = await createTestApp({ config: { publicBaseUrl: BASE }, auth: auth.value, store: readableStore, logger });
    const token = await mintDevToken(keys, `${BASE}${ORDER_SIGN}`);
    const call = await request(t.app).post(ORDER_SIGN).set('Authorization', `Bearer ${token}`).send(fixtureForPatient('order-sign/opioid-draft-with-active-benzodiazepine.json', 'readyz-full-1'));
    expect(call.status).toBe(503);

    const ready = await request(t.app).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not-ready', store: 'not writable' });

    await new Promise((r) => setImmediate(r));
    const errors = lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ err: DISK_FULL });
    expect(JSON.stringify(lines)).not.toContain(token);

    state.full = false;
    const next = await mintDevToken(keys, `${BASE}${ORDER_SIGN}`);
    const answered = await request(t.app).post(ORDER_SIGN).set('Authorization', `Bearer ${next}`).send(fixtureForPatient('order-sign/opioid-draft-with-active-benzodiazepine.json', 'readyz-full-2'));
    expect(answered.status).toBe(200);
    const again = await request(t.app).get('/readyz');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'ready', store: 'ok' });
  });

  it('with no call yet, /readyz finds the full disk with a write of its own', async () => {
    const writes = replayStore({ full: true });
    const auth = await createCdsAuth(authConfig(keys), writes);
    if (!auth.ok) throw new Error(auth.errors.join('; '));
    const t = await createTestApp({ config: { publicBaseUrl: BASE }, auth: auth.value, store: readableStore });
    const ready = await request(t.app).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not-ready', store: 'not writable' });
    expect(writes.writes).toBe(1);
  });

  it('with auth off, a store that cannot write does not make the service unready (the checks go on)', async () => {
    const t = await createTestApp({ store: readableStore });
    const ready = await request(t.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', store: 'ok' });
  });
});
