// FHIR-server answers nested deeper than a request body may be (MAX_JSON_DEPTH, 64 by default) are failed
// reads, as answers that are not JSON are: a 412 when the data was required, else a "check incomplete" gap.
// Before, they had no depth limit, and two copies of one record nested 2,000 deep overflowed the stack in
// the deep comparison that merges records: a 500, and no card.
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { indexMedications } from '../../src/patient/medication-index.ts';
import { loadPatientRecord } from '../../src/patient/index.ts';
import type { FetchLike, PatientRecordRequest } from '../../src/patient/index.ts';

const PATIENT = 'p1';
const SERVER = 'https://ehr.example/fhir';

/**
 * Stands for JSON nested `depth` levels deep (arrays, with one object inside), as a hostile or broken server
 * could send; written out as text by `serverAnswering` (JSON.stringify itself would overflow on it).
 */
function nested(depth: number): string {
  return `@@deep:${depth}@@`;
}

function withDeepValues(body: unknown): string {
  return JSON.stringify(body).replace(/"@@deep:(\d+)@@"/g, (_, depth: string) => `${'['.repeat(Number(depth) - 1)}{"leaf":true}${']'.repeat(Number(depth) - 1)}`);
}

function searchset(resources: readonly Resource[]): Bundle {
  return { resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource })) };
}

/** A FHIR server answering every call with `body`, and the URLs it was asked for. */
function serverAnswering(body: unknown): { fetch: FetchLike; calls: string[] } {
  const calls: string[] = [];
  const text = withDeepValues(body);
  const fetch: FetchLike = async (input) => {
    calls.push(String(input instanceof Request ? input.url : input));
    return new Response(text, { status: 200, headers: { 'content-type': 'application/fhir+json' } });
  };
  return { fetch, calls };
}

function requestFor(required: boolean): PatientRecordRequest {
  return {
    patientId: PATIENT,
    draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [] },
    prefetch: {},
    prefetchTemplates: { medicationRequests: 'MedicationRequest?patient={{context.patientId}}' },
    policy: { medicationRequests: { required, purpose: 'the active orders' } },
    fhirServer: SERVER,
    accessToken: 'opaque',
  };
}

const order = (extra: Record<string, unknown>): Resource =>
  ({ resourceType: 'MedicationRequest', id: 'm1', status: 'active', intent: 'order', subject: { reference: `Patient/${PATIENT}` }, ...extra }) as Resource;

const drug = (extra: Record<string, unknown>): Resource => ({ resourceType: 'Medication', id: 'med1', ...extra }) as Resource;

const load = (request: PatientRecordRequest, fetch: FetchLike) => loadPatientRecord(request, { budgetMs: 5_000, requestTimeoutMs: 5_000, maxPages: 1, allowedServers: [], fetch });

const TOO_DEEP = /nested more than 64 levels deep/;

describe('FHIR-server answers nested too deep', () => {
  it('two copies of one record nested 5,000 deep: an optional key is a gap, not a crash', async () => {
    const server = serverAnswering(searchset([order({ _deep: nested(5000) }), order({ _deep: nested(5000) })]));
    const record = await load(requestFor(false), server.fetch);
    expect(record.sources.medicationRequests).toBe('missing');
    expect(record.resources.get('MedicationRequest')).toBeUndefined();
    expect(record.gaps).toEqual([expect.objectContaining({ key: 'medicationRequests', required: false, reason: expect.stringMatching(TOO_DEEP) })]);
    // Garbage from the server, as an answer that is not JSON: not asked again.
    expect(server.calls).toHaveLength(1);
  });

  it('two Medications with one id and one code nested 5,000 deep (compared as one drug or two): a gap, not a crash', async () => {
    // Their status differs, so both are kept as records and their drugs compared.
    const code = { text: 'x', _deep: nested(5000) };
    const server = serverAnswering(searchset([order({}), drug({ status: 'active', code }), drug({ status: 'inactive', code })]));
    const record = await load(requestFor(false), server.fetch);
    expect(record.gaps).toEqual([expect.objectContaining({ key: 'medicationRequests', reason: expect.stringMatching(TOO_DEEP) })]);
  });

  it('a required key answered too deep is a 412 naming why', async () => {
    const server = serverAnswering(searchset([order({ _deep: nested(5000) })]));
    await expect(load(requestFor(true), server.fetch)).rejects.toMatchObject({ outcome: { issue: [expect.objectContaining({ details: { text: expect.stringMatching(TOO_DEEP) } })] } });
  });

  it('an answer nested 64 deep, as deep as a request body may be, is read; one level more is not', async () => {
    // Bundle (1), entry (2), entry object (3), resource (4), and `_deep` holds the rest: 64 levels in all.
    const record = await load(requestFor(true), serverAnswering(searchset([order({ _deep: nested(60) })])).fetch);
    expect(record.sources.medicationRequests).toBe('fhir-server');
    expect(record.resources.get('MedicationRequest')).toHaveLength(1);
    expect(record.gaps).toEqual([]);
    const deeper = await load(requestFor(false), serverAnswering(searchset([order({ _deep: nested(61) })])).fetch);
    expect(deeper.gaps).toEqual([expect.objectContaining({ key: 'medicationRequests', reason: expect.stringMatching(TOO_DEEP) })]);
  });
});

describe('comparing Medications with one id', () => {
  // Every source is depth-limited now (request bodies and FHIR answers), but the comparison itself walks
  // without recursion too: it overflowed the stack on a code nested 5,000 deep.
  it('tells one drug from two however deep their codes nest', () => {
    const deepCode = (): unknown => {
      let code: unknown = { text: 'x' };
      for (let i = 0; i < 5000; i++) code = { coding: [code] };
      return code;
    };
    const conflicts = new Set<string>();
    indexMedications([drug({ status: 'active', code: deepCode() }), drug({ status: 'inactive', code: deepCode() })], conflicts);
    expect(conflicts).toEqual(new Set());
    indexMedications([drug({ code: deepCode() }), drug({ code: { text: 'y' } })], conflicts);
    expect(conflicts).toEqual(new Set(['Medication/med1']));
  });
});
