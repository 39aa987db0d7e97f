// Dispenses are asked for newest-updated first, 50 a page, and a fill counts at most about six months after its
// handover (src/facts/dispense-facts.ts): once the pages reach fills last updated before that, the rest of a long
// fill history is not read, and its absence is no gap (a record is written at or after its handover). Without the
// bound, a patient with years of monthly fills had a "check incomplete" card on every order.
import { readFileSync } from 'node:fs';
import type { Bundle, MedicationDispense, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { loadPatientRecord } from '../../src/patient/index.ts';
import type { PatientRecordRequest, PrefetchKeyPolicy } from '../../src/patient/index.ts';

const PATIENT = 'p-fill-history';
const SERVER = 'https://ehr.example/fhir';
const NOW = new Date('2026-11-21T15:00:00Z');
const DAY = 86_400_000;
const KEY = 'medicationDispenses';
const SERVICE = JSON.parse(readFileSync(new URL('../../cds-hooks/cns-depressant-order-sign.json', import.meta.url), 'utf8')) as {
  prefetch: Record<string, string>;
  prefetchPolicy: Record<string, PrefetchKeyPolicy>;
};
const SELF = `${SERVER}/MedicationDispense?patient=${PATIENT}&status=completed,in-progress,stopped,unknown&_sort=-_lastUpdated&_count=50`;

/** The first page of a fill history, one fill every `every` days, newest-updated first, with a next link. */
function firstPage(every: number): Bundle {
  const fill = (k: number): MedicationDispense => {
    const when = new Date(NOW.getTime() - k * every * DAY).toISOString();
    return {
      resourceType: 'MedicationDispense',
      id: `fill-${k}`,
      status: 'completed',
      subject: { reference: `Patient/${PATIENT}` },
      medicationCodeableConcept: { text: 'Lisinopril 10 MG Oral Tablet' },
      whenHandedOver: when,
      daysSupply: { value: 30, unit: 'day' },
      meta: { lastUpdated: when },
    };
  };
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link: [
      { relation: 'self', url: SELF },
      { relation: 'next', url: `${SERVER}?_getpages=abc&_getpagesoffset=50&_count=50` },
    ],
    entry: Array.from({ length: 50 }, (_, k) => ({ resource: fill(k) as Resource })),
  };
}

function requestWith(page: Bundle): PatientRecordRequest {
  return {
    patientId: PATIENT,
    draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [] },
    prefetch: { [KEY]: page },
    prefetchTemplates: { [KEY]: SERVICE.prefetch[KEY]! },
    policy: { [KEY]: SERVICE.prefetchPolicy[KEY]! },
  };
}

const load = (request: PatientRecordRequest) => loadPatientRecord(request, { budgetMs: 5_000, requestTimeoutMs: 5_000, maxPages: 5, allowedServers: [], now: NOW });

describe('dispenses asked for newest-updated first: the rest is not read once past the fills that can count', () => {
  it('a first page reaching back a year (a fill every week), with a next link and no FHIR server: complete, no gap', async () => {
    const record = await load(requestWith(firstPage(7)));
    expect(record.gaps).toEqual([]);
    expect(record.resources.get('MedicationDispense')).toHaveLength(50);
  });

  it('a first page reaching back 50 days only: the rest may hold a fill in use, and the clinician is told', async () => {
    const record = await load(requestWith(firstPage(1)));
    expect(record.gaps).toContainEqual(expect.objectContaining({ key: KEY, reason: expect.stringMatching(/only the first page/) }));
  });
});
