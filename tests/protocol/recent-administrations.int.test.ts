// The service's own medicationAdministrations template (newest first, 50 a page) gave a "Medication safety
// check incomplete" card on every order for a patient with more than 50 administrations: the first page's
// `next` link alone made it, though page 1 reached days past the 24 h the check uses (conformance review,
// finding 1). Now the template sorts newest-updated first, the rest is not read once past the window, and the
// administrations still in progress come from a template of their own.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { loadServiceDefinitions } from '../../src/protocol/index.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { ORDER_SELECT, ORDER_SIGN, ROOT, createTestApp, expectConformant, fixture, topics } from '../support/test-app.ts';

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const HOUR = 3_600_000;
const MAIN = 'medicationAdministrations';
const RUNNING = 'medicationAdministrationsInProgress';

/** Page `p` of `pages`: 50 cefazolin and heparin doses, one every 2 h going back from now, newest-updated first. */
function historyPage(patientId: string, p: number, pages: number, base = 'https://ehr.example/fhir'): Bundle {
  const now = Date.now();
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: pages * 50,
    link: [
      { relation: 'self', url: p === 0 ? `${base}/MedicationAdministration?patient=${patientId}&_sort=-_lastUpdated&_count=50` : `${base}/page-${p}` },
      ...(p + 1 < pages ? [{ relation: 'next', url: `${base}/page-${p + 1}` }] : []),
    ],
    entry: Array.from({ length: 50 }, (_, k) => {
      const i = p * 50 + k;
      const given = now - i * 2 * HOUR;
      const resource = {
        resourceType: 'MedicationAdministration',
        id: `ma-${i}`,
        meta: { lastUpdated: new Date(given + 5 * 60_000).toISOString() },
        status: 'completed',
        subject: { reference: `Patient/${patientId}` },
        medicationCodeableConcept: { text: i % 2 ? 'Heparin sodium 5000 UNT/ML Injectable Solution' : 'Cefazolin 1 GM Injection' },
        effectiveDateTime: new Date(given).toISOString(),
      } as Resource;
      return { fullUrl: `${base}/MedicationAdministration/ma-${i}`, resource, search: { mode: 'match' as const } };
    }),
  };
}

const searchset = (resources: readonly Resource[]): Bundle => ({ resourceType: 'Bundle', type: 'searchset', total: resources.length, entry: resources.map((resource) => ({ resource })) });

/** A midazolam drip started three days ago and still running. */
const drip = (patientId: string): Resource =>
  ({
    resourceType: 'MedicationAdministration',
    id: 'ma-midazolam-drip',
    meta: { lastUpdated: new Date(Date.now() - 72 * HOUR).toISOString() },
    status: 'in-progress',
    subject: { reference: `Patient/${patientId}` },
    medicationCodeableConcept: { text: 'Midazolam 1 MG/ML Injectable Solution' },
    effectivePeriod: { start: new Date(Date.now() - 72 * HOUR).toISOString() },
  }) as Resource;

const incomplete = (body: unknown): string | undefined => expectConformant(body).find((c) => c.source.topic?.code === 'check-incomplete')?.detail;

describe('a long administration history, prefetched as the service asks', () => {
  it('no FHIR server: the first page reaching past 24 h and the running ones are complete, no check-incomplete card', async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-no-benzodiazepine.json');
    delete body.fhirServer;
    body.prefetch[MAIN] = historyPage(body.context.patientId, 0, 8);
    body.prefetch[RUNNING] = searchset([]);
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    expect(incomplete(res.body)).toBeUndefined();
    expect(expectConformant(res.body)).toEqual([]);
  });

  it('with a FHIR server and token: no further page is fetched and no card', async () => {
    const t = await createTestApp();
    const calls: string[] = [];
    server = await startLoopbackServer((req, res) => {
      calls.push(req.url ?? '');
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('not expected');
    });
    const base = `${server.base}/fhir`;
    const body = fixture('order-sign/opioid-draft-no-benzodiazepine.json');
    body.prefetch[MAIN] = historyPage(body.context.patientId, 0, 8, base);
    body.prefetch[RUNNING] = searchset([]);
    const res = await request(t.app).post(ORDER_SIGN).send({ ...body, fhirServer: base, fhirAuthorization: { access_token: 'x', token_type: 'Bearer' } });
    expect(res.status).toBe(200);
    expect(incomplete(res.body)).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('a midazolam drip started three days ago, on no page read, still gives the opioid-benzodiazepine warning (order-select too)', async () => {
    const t = await createTestApp();
    const sign = fixture('order-sign/opioid-draft-no-benzodiazepine.json');
    delete sign.fhirServer;
    sign.prefetch[MAIN] = historyPage(sign.context.patientId, 0, 8);
    sign.prefetch[RUNNING] = searchset([drip(sign.context.patientId)]);
    const res = await request(t.app).post(ORDER_SIGN).send(sign);
    expect(res.status).toBe(200);
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
    expect(incomplete(res.body)).toBeUndefined();

    const select = fixture('order-select/order-select-opioid-selected.json');
    delete select.fhirServer;
    // Without its active lorazepam: the drip is the only benzodiazepine.
    select.prefetch.medicationRequests.entry = select.prefetch.medicationRequests.entry.filter((e: any) => !/lorazepam/i.test(JSON.stringify(e.resource)));
    select.prefetch.medicationRequests.total = select.prefetch.medicationRequests.entry.length;
    const without = await request(t.app).post(ORDER_SELECT).send({ ...select, prefetch: { ...select.prefetch, [MAIN]: historyPage(select.context.patientId, 0, 8), [RUNNING]: searchset([]) } });
    expect(topics(expectConformant(without.body))).not.toContain('opioid-benzodiazepine');
    select.prefetch[MAIN] = historyPage(select.context.patientId, 0, 8);
    select.prefetch[RUNNING] = searchset([drip(select.context.patientId)]);
    const selected = await request(t.app).post(ORDER_SELECT).send(select);
    expect(selected.status).toBe(200);
    expect(topics(expectConformant(selected.body))).toContain('opioid-benzodiazepine');
  });

  it('an EHR that did not send the running ones, and no FHIR server: the card says they could not be checked', async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-no-benzodiazepine.json');
    delete body.fhirServer;
    body.prefetch[MAIN] = historyPage(body.context.patientId, 0, 8);
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    expect(incomplete(res.body)).toMatch(/medications still being given \(a running infusion or PCA\).*did not send this data/);
  });

  it('an EHR that ignored _sort (its self link does not show it) still gets the card: the list may go on', async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-no-benzodiazepine.json');
    delete body.fhirServer;
    const page = historyPage(body.context.patientId, 0, 8);
    page.link![0]!.url = `https://ehr.example/fhir/MedicationAdministration?patient=${body.context.patientId}&_count=50`;
    body.prefetch[MAIN] = page;
    body.prefetch[RUNNING] = searchset([]);
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(incomplete(res.body)).toMatch(/medications given recently: the EHR sent only the first page/);
  });
});

describe('service definitions with recentOnly', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** Loads the shipped order-sign definition changed by `change`. */
  async function loadChanged(change: (def: Record<string, any>) => void): Promise<Awaited<ReturnType<typeof loadServiceDefinitions>>> {
    dir = await mkdtemp(path.join(tmpdir(), 'cds-services-'));
    const def = JSON.parse(await readFile(path.join(ROOT, 'cds-hooks', 'cns-depressant-order-sign.json'), 'utf8'));
    change(def);
    await writeFile(path.join(dir, 'service.json'), JSON.stringify(def));
    return loadServiceDefinitions(dir);
  }

  it('the shipped services ask for the administrations newest-updated first, and for those in progress', async () => {
    const loaded = await loadServiceDefinitions(path.join(ROOT, 'cds-hooks'));
    expect(loaded.ok).toBe(true);
    for (const def of loaded.ok ? loaded.value : []) {
      expect(def.prefetch[MAIN]).toContain('_sort=-_lastUpdated');
      expect(def.prefetch[RUNNING]).toBe('MedicationAdministration?patient={{context.patientId}}&status=in-progress');
      expect(def.prefetchPolicy[MAIN]?.recentOnly).toEqual({ hours: 24, inProgressKey: RUNNING });
    }
  });

  it('refuses a recentOnly key not sorted newest-updated first, or without a search of those in progress', async () => {
    const unsorted = await loadChanged((def) => {
      def.prefetch[MAIN] = 'MedicationAdministration?patient={{context.patientId}}&_sort=-effective-time&_count=50';
    });
    expect(unsorted).toMatchObject({ ok: false, errors: [expect.stringMatching(/recentOnly: .*newest-updated first/)] });
    const noStatus = await loadChanged((def) => {
      def.prefetch[RUNNING] = 'MedicationAdministration?patient={{context.patientId}}';
    });
    expect(noStatus).toMatchObject({ ok: false, errors: [expect.stringMatching(/inProgressKey: .*status=in-progress/)] });
    const missing = await loadChanged((def) => {
      delete def.prefetch[RUNNING];
      delete def.prefetchPolicy[RUNNING];
    });
    expect(missing).toMatchObject({ ok: false, errors: [expect.stringMatching(/inProgressKey: no other prefetch template/)] });
    const otherType = await loadChanged((def) => {
      def.prefetch[RUNNING] = 'MedicationRequest?patient={{context.patientId}}&status=in-progress';
    });
    expect(otherType.ok).toBe(false);
  });
});
