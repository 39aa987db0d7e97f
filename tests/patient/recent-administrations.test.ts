// The medication administrations are asked for newest-updated first, 50 a page, and only those of the last
// 24 h (and those still in progress, however old) are used. A first page already reaching days back, with a
// `next` link, gave a "check incomplete" card on every order for a patient with a long stay ("the EHR sent
// only the first page", or "more than 5 pages" after four more FHIR calls). Now the rest is not read once the
// pages reach past the window, and the records still in progress come from a key of their own; an answer not
// sorted as asked is never taken for the whole list, and a running infusion is never silently missed.
import { readFileSync } from 'node:fs';
import type { Bundle, MedicationAdministration, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { isActiveAt } from '../../src/facts/medication-facts.ts';
import { loadPatientRecord } from '../../src/patient/index.ts';
import type { FetchLike, PatientRecord, PatientRecordRequest, PrefetchKeyPolicy } from '../../src/patient/index.ts';
import { CLOCK_MARGIN_MS } from '../../src/patient/recent-only.ts';

const PATIENT = 'p-long-stay';
const SERVER = 'https://ehr.example/fhir';
const NOW = new Date('2026-11-21T15:00:00Z');
const HOUR = 3_600_000;
const at = (ms: number): string => new Date(ms).toISOString();

const SERVICE = JSON.parse(readFileSync(new URL('../../cds-hooks/cns-depressant-order-sign.json', import.meta.url), 'utf8')) as {
  prefetch: Record<string, string>;
  prefetchPolicy: Record<string, PrefetchKeyPolicy>;
};
const MAIN = 'medicationAdministrations';
const RUNNING = 'medicationAdministrationsInProgress';
const KEYS = [MAIN, RUNNING] as const;

/** A completed administration given `hoursAgo`, its record written five minutes later. */
function given(id: string, hoursAgo: number, lastUpdated?: string | null): MedicationAdministration {
  const time = NOW.getTime() - hoursAgo * HOUR;
  return {
    resourceType: 'MedicationAdministration',
    id,
    status: 'completed',
    subject: { reference: `Patient/${PATIENT}` },
    medicationCodeableConcept: { text: id.endsWith('1') ? 'Heparin sodium 5000 UNT/ML Injectable Solution' : 'Cefazolin 1 GM Injection' },
    effectiveDateTime: at(time),
    ...(lastUpdated === null ? {} : { meta: { lastUpdated: lastUpdated ?? at(time + 5 * 60_000) } }),
  } as MedicationAdministration;
}

/** A midazolam infusion started `hoursAgo` and still running, its record not changed since it started. */
function running(hoursAgo: number): MedicationAdministration {
  const start = NOW.getTime() - hoursAgo * HOUR;
  return {
    resourceType: 'MedicationAdministration',
    id: 'ma-midazolam-drip',
    status: 'in-progress',
    subject: { reference: `Patient/${PATIENT}` },
    medicationCodeableConcept: { text: 'Midazolam 1 MG/ML Injectable Solution' },
    effectivePeriod: { start: at(start) },
    meta: { lastUpdated: at(start + 60_000) },
  } as MedicationAdministration;
}

const SELF = `${SERVER}/MedicationAdministration?patient=${PATIENT}&_sort=-_lastUpdated&_count=50`;
const nextUrl = (p: number): string => `${SERVER}?_getpages=abc&_getpagesoffset=${p * 50}&_count=50`;

/** Page `p` (0-based) of `pages` of a history with one administration every `every` hours, newest-updated first. */
function historyPage(p: number, pages: number, every = 2, self = SELF): Bundle {
  const entry = Array.from({ length: 50 }, (_, k) => ({ resource: given(`ma-${p * 50 + k}`, (p * 50 + k) * every) as Resource, search: { mode: 'match' as const } }));
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link: [{ relation: 'self', url: p === 0 ? self : nextUrl(p) }, ...(p + 1 < pages ? [{ relation: 'next', url: nextUrl(p + 1) }] : [])],
    entry,
  };
}

const searchset = (resources: readonly Resource[], link?: Bundle['link']): Bundle => ({ resourceType: 'Bundle', type: 'searchset', ...(link ? { link } : {}), entry: resources.map((resource) => ({ resource })) });

function requestWith(prefetch: Record<string, Resource | null>, server: boolean): PatientRecordRequest {
  return {
    patientId: PATIENT,
    draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [] },
    prefetch,
    prefetchTemplates: Object.fromEntries(KEYS.map((k) => [k, SERVICE.prefetch[k]!])),
    policy: Object.fromEntries(KEYS.map((k) => [k, SERVICE.prefetchPolicy[k]!])),
    ...(server ? { fhirServer: SERVER, accessToken: 'opaque' } : {}),
  };
}

/** A FHIR server holding `pages` of history (with `every` hours between administrations) and the `inProgress` search's answer; and the calls made. */
function ehr(pages: number, inProgress: Bundle, every = 2): { fetch: FetchLike; calls: string[] } {
  const calls: string[] = [];
  const fetch: FetchLike = async (input) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    calls.push(url.search.includes('status=in-progress') ? 'in-progress search' : url.searchParams.has('_getpages') ? `page ${Number(url.searchParams.get('_getpagesoffset')) / 50}` : 'history search');
    const body = url.search.includes('status=in-progress') ? inProgress : url.searchParams.has('_getpages') ? historyPage(Number(url.searchParams.get('_getpagesoffset')) / 50, pages, every) : historyPage(0, pages, every);
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/fhir+json' } });
  };
  return { fetch, calls };
}

const load = (request: PatientRecordRequest, fetch?: FetchLike): Promise<PatientRecord> =>
  loadPatientRecord(request, { budgetMs: 5_000, requestTimeoutMs: 5_000, maxPages: 5, allowedServers: [], now: NOW, ...(fetch ? { fetch } : {}) });

const administrations = (record: PatientRecord): string[] => (record.resources.get('MedicationAdministration') ?? []).map((r) => r.id ?? '');

describe('administrations asked for newest-updated first: the rest is not read once past the 24 h used', () => {
  it('the EHR sent the first page (100 h back, with a next link) and the running ones, no FHIR server: complete, no gap', async () => {
    const record = await load(requestWith({ [MAIN]: historyPage(0, 8), [RUNNING]: searchset([]) }, false));
    expect(record.gaps).toEqual([]);
    expect(administrations(record)).toHaveLength(50);
  });

  it('the same with a FHIR server and token: no further page is read, and no call made', async () => {
    const server = ehr(8, searchset([]));
    const record = await load(requestWith({ [MAIN]: historyPage(0, 8), [RUNNING]: searchset([]) }, true), server.fetch);
    expect(record.gaps).toEqual([]);
    expect(server.calls).toEqual([]);
  });

  it('a first page within the window: the next page is read, and reading stops at the one that reaches past it', async () => {
    // One administration every 20 minutes: page 0 covers 16 h, page 1 reaches 33 h back.
    const server = ehr(8, searchset([]), 1 / 3);
    const record = await load(requestWith({ [MAIN]: historyPage(0, 8, 1 / 3), [RUNNING]: searchset([]) }, true), server.fetch);
    expect(server.calls).toEqual(['page 1']);
    expect(record.gaps).toEqual([]);
    expect(administrations(record)).toHaveLength(100);
  });

  it('nothing sent, a FHIR server: the history is searched, and stops at its first page', async () => {
    const server = ehr(8, searchset([running(120)]));
    const record = await load(requestWith({}, true), server.fetch);
    expect(server.calls.sort()).toEqual(['history search', 'in-progress search']);
    expect(record.gaps).toEqual([]);
    expect(administrations(record)).toContain('ma-midazolam-drip');
  });

  it('a midazolam drip started 5 days ago and still running, on no page read, is found by the in-progress key the EHR sent', async () => {
    const record = await load(requestWith({ [MAIN]: historyPage(0, 8), [RUNNING]: searchset([running(120)]) }, false));
    expect(record.gaps).toEqual([]);
    expect(administrations(record)).toContain('ma-midazolam-drip');
    // The facts count it: it is why the in-progress key is needed.
    expect(isActiveAt(running(120), NOW)).toBe(true);
  });

  it('the in-progress key not sent: read from the FHIR server when there is one (the drip is found)', async () => {
    const server = ehr(8, searchset([running(120)]));
    const record = await load(requestWith({ [MAIN]: historyPage(0, 8) }, true), server.fetch);
    expect(server.calls).toEqual(['in-progress search']);
    expect(record.sources[RUNNING]).toBe('fhir-server');
    expect(administrations(record)).toContain('ma-midazolam-drip');
    expect(record.gaps).toEqual([]);
  });

  it('the in-progress key not sent and no FHIR server: the card says the running ones could not be checked', async () => {
    const record = await load(requestWith({ [MAIN]: historyPage(0, 8) }, false));
    expect(record.gaps).toEqual([expect.objectContaining({ key: RUNNING, required: false, purpose: expect.stringMatching(/still being given/), reason: expect.stringMatching(/did not send this data/) })]);
  });

  it('the in-progress key sent with a next page and no FHIR server: the card says so (a running drip may be on it)', async () => {
    const record = await load(requestWith({ [MAIN]: historyPage(0, 8), [RUNNING]: searchset([], [{ relation: 'next', url: `${SERVER}?_getpages=r2` }]) }, false));
    expect(record.gaps).toEqual([expect.objectContaining({ key: RUNNING, reason: expect.stringMatching(/only the first page/) })]);
  });

  it('the whole history sent (no next link): the in-progress key is not needed, neither fetched nor a gap', async () => {
    const whole = historyPage(0, 1);
    expect(await load(requestWith({ [MAIN]: whole }, false))).toMatchObject({ gaps: [], sources: { [RUNNING]: 'not-needed' } });
    const server = ehr(1, searchset([running(120)]));
    const record = await load(requestWith({ [MAIN]: whole }, true), server.fetch);
    expect(server.calls).toEqual([]);
    expect(record.gaps).toEqual([]);
    // The same when the EHR says there are none.
    expect((await load(requestWith({ [MAIN]: null }, false))).gaps).toEqual([]);
  });

  it('a page that says it found 400, carries 50 reaching past the window and links to no more: complete', async () => {
    const page = { ...historyPage(0, 1), total: 400 };
    expect((await load(requestWith({ [MAIN]: page, [RUNNING]: searchset([]) }, false))).gaps).toEqual([]);
  });
});

describe('an answer not shown to be sorted as asked, or not yet past the window, is never taken for the whole list', () => {
  const onlyFirstPage = [expect.objectContaining({ key: MAIN, reason: expect.stringMatching(/sent only the first page/) })];

  it('a server that ignored _sort (its self link does not show it): the rest is still needed', async () => {
    const ignored = historyPage(0, 8, 2, `${SERVER}/MedicationAdministration?patient=${PATIENT}&_count=50`);
    expect((await load(requestWith({ [MAIN]: ignored, [RUNNING]: searchset([]) }, false))).gaps).toEqual(onlyFirstPage);
    const noSelf = { ...historyPage(0, 8), link: historyPage(0, 8).link!.filter((l) => l.relation !== 'self') };
    expect((await load(requestWith({ [MAIN]: noSelf, [RUNNING]: searchset([]) }, false))).gaps).toEqual(onlyFirstPage);
    const byTime = historyPage(0, 8, 2, `${SERVER}/MedicationAdministration?patient=${PATIENT}&_sort=-effective-time&_count=50`);
    expect((await load(requestWith({ [MAIN]: byTime, [RUNNING]: searchset([]) }, false))).gaps).toEqual(onlyFirstPage);
  });

  it('with a FHIR server, such an answer is read on as before (up to the page cap)', async () => {
    const server = ehr(8, searchset([]));
    const ignored = historyPage(0, 8, 2, `${SERVER}/MedicationAdministration?patient=${PATIENT}&_count=50`);
    const record = await load(requestWith({ [MAIN]: ignored, [RUNNING]: searchset([]) }, true), server.fetch);
    expect(server.calls).toEqual(['page 1', 'page 2', 'page 3', 'page 4']);
    expect(record.gaps).toEqual([expect.objectContaining({ key: MAIN, reason: expect.stringMatching(/more than 5 pages/) })]);
  });

  it('records out of newest-first order, though the self link shows the sort', async () => {
    const page = historyPage(0, 8);
    const [a, b] = [page.entry![10]!, page.entry![11]!];
    page.entry![10] = b;
    page.entry![11] = a;
    expect((await load(requestWith({ [MAIN]: page, [RUNNING]: searchset([]) }, false))).gaps).toEqual(onlyFirstPage);
  });

  it('an order broken across pages: the page read after the first is newer than the first page\'s last record', async () => {
    const server = ehr(8, searchset([]), 1 / 3);
    // Page 0 is within the window; page 1 starts with a record updated after page 0's last one.
    const fetch: FetchLike = async (input, init) => {
      const response = await server.fetch(input, init);
      const body = (await response.json()) as Bundle;
      if (body.link?.some((l) => l.relation === 'self' && l.url === nextUrl(1))) {
        body.entry![0]!.resource!.meta = { lastUpdated: at(NOW.getTime()) };
      }
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/fhir+json' } });
    };
    const record = await load(requestWith({ [MAIN]: historyPage(0, 8, 1 / 3), [RUNNING]: searchset([]) }, true), fetch);
    expect(server.calls).toEqual(['page 1', 'page 2', 'page 3', 'page 4']);
    expect(record.gaps).toEqual([expect.objectContaining({ key: MAIN, reason: expect.stringMatching(/more than 5 pages/) })]);
  });

  it('records without meta.lastUpdated, or with a date where an instant belongs', async () => {
    const page = historyPage(0, 8);
    page.entry![49]!.resource = given('ma-49', 98, null);
    expect((await load(requestWith({ [MAIN]: page, [RUNNING]: searchset([]) }, false))).gaps).toEqual(onlyFirstPage);
    const dated = historyPage(0, 8);
    dated.entry![49]!.resource = given('ma-49', 98, '2026-11-17');
    expect((await load(requestWith({ [MAIN]: dated, [RUNNING]: searchset([]) }, false))).gaps).toEqual(onlyFirstPage);
  });

  it('a page whose last record is within 24 h and the clock margin: the rest is still needed', async () => {
    // Its last record was updated 24 h 50 min ago (given 24 h 55 min ago): inside the hour's margin.
    const page = historyPage(0, 8, (24 + 55 / 60) / 49);
    expect(Date.parse(page.entry![49]!.resource!.meta!.lastUpdated!)).toBeGreaterThan(NOW.getTime() - 24 * HOUR - CLOCK_MARGIN_MS);
    expect((await load(requestWith({ [MAIN]: page, [RUNNING]: searchset([]) }, false))).gaps).toEqual(onlyFirstPage);
  });
});

describe('what the loader leaves unread is never what the check uses', () => {
  it('a completed administration whose record changed last before the window is not in use (src/facts isActiveAt)', () => {
    const policy = SERVICE.prefetchPolicy[MAIN]!.recentOnly!;
    // Its record was written at or after its last moment (a dose given, an infusion's end), so that moment is older still.
    const updatedBefore = NOW.getTime() - policy.hours * HOUR - CLOCK_MARGIN_MS;
    const done: MedicationAdministration = { ...given('ma-x', 0), effectivePeriod: { start: at(updatedBefore - 72 * HOUR), end: at(updatedBefore) } };
    delete done.effectiveDateTime;
    expect(isActiveAt(done, NOW)).toBe(false);
    expect(isActiveAt({ ...done, effectivePeriod: { start: at(updatedBefore - 72 * HOUR), end: at(updatedBefore + CLOCK_MARGIN_MS + 60_000) } }, NOW)).toBe(true);
    // Still in progress, it counts however old: those come from the in-progress key.
    expect(isActiveAt({ ...done, status: 'in-progress', effectivePeriod: { start: at(updatedBefore - 72 * HOUR) } }, NOW)).toBe(true);
    expect(SERVICE.prefetch[policy.inProgressKey!]).toMatch(/^MedicationAdministration\?.*status=in-progress/);
  });

  it('nor is a stopped, paused or unknown-status one whose record changed last before the window, its period left open', () => {
    const policy = SERVICE.prefetchPolicy[MAIN]!.recentOnly!;
    const updatedBefore = NOW.getTime() - policy.hours * HOUR - CLOCK_MARGIN_MS;
    for (const status of ['stopped', 'on-hold', 'unknown']) {
      const halted: MedicationAdministration = { ...given('ma-x', 0), status: status as MedicationAdministration['status'], effectivePeriod: { start: at(updatedBefore - 72 * HOUR) }, meta: { lastUpdated: at(updatedBefore) } };
      delete halted.effectiveDateTime;
      expect(isActiveAt(halted, NOW), status).toBe(false);
      // Changed within the window (paused an hour ago): given until then, it counts.
      expect(isActiveAt({ ...halted, meta: { lastUpdated: at(NOW.getTime() - HOUR) } }, NOW), status).toBe(true);
    }
  });
});
