// Records that share one type and id: the same content again (a page read twice, a record in two keys) is
// one record; different content is kept each time and the clinician told the ids clash. Each new record
// was deep-compared with every earlier one of its id: 3,000 records under one id in a 2.8 MB request body
// held the event loop for 75 s. No timings are asserted: the large case took minutes before (far past
// the test timeout) and takes well under a second now.
import type { Bundle, MedicationRequest, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { canonicalJson, contentFingerprint } from '../../src/patient/content-fingerprint.ts';
import { loadPatientRecord } from '../../src/patient/index.ts';
import type { PatientRecord, PatientRecordRequest } from '../../src/patient/index.ts';

const PATIENT = 'p1';
const OPTIONS = { budgetMs: 1000, requestTimeoutMs: 500, maxPages: 1, allowedServers: [] };

function order(id: string, note?: string): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id,
    status: 'active',
    intent: 'order',
    subject: { reference: `Patient/${PATIENT}` },
    medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '308048', display: 'Alprazolam 0.5 MG Oral Tablet' }] },
    ...(note === undefined ? {} : { note: [{ text: note }] }),
  };
}

function requestWith(resources: readonly Resource[]): PatientRecordRequest {
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource })) };
  return {
    patientId: PATIENT,
    draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [] },
    prefetch: { medicationRequests: bundle },
    prefetchTemplates: { medicationRequests: `MedicationRequest?patient={{context.patientId}}` },
    policy: { medicationRequests: { required: true, purpose: 'the active orders' } },
  };
}

function clashes(record: PatientRecord): string[] {
  return record.gaps.filter((g) => g.key === 'records').map((g) => g.purpose);
}

describe('records sharing one id', () => {
  it('5,000 different records under one id are all kept, and the clash is named once', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => order('dup', `variant ${i} ${'x'.repeat(200)}`));
    const record = await loadPatientRecord(requestWith(many), OPTIONS);
    expect(record.resources.get('MedicationRequest')).toHaveLength(5000);
    expect(clashes(record)).toEqual(['the records sent as MedicationRequest/dup']);
  });

  it('5,000 copies of one record under one id are one record, with nothing to tell', async () => {
    const copies = Array.from({ length: 5000 }, () => order('dup', 'the same'));
    const record = await loadPatientRecord(requestWith(copies), OPTIONS);
    expect(record.resources.get('MedicationRequest')).toHaveLength(1);
    expect(clashes(record)).toEqual([]);
  });

  it('the same record again with other meta, narrative or key order is one record', async () => {
    const a = order('a1', 'n');
    const again = { ...a, meta: { versionId: '7' }, text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' } } as MedicationRequest;
    const reordered = Object.fromEntries(Object.entries(a).reverse()) as unknown as MedicationRequest;
    const record = await loadPatientRecord(requestWith([a, again, reordered]), OPTIONS);
    expect(record.resources.get('MedicationRequest')).toHaveLength(1);
    expect(clashes(record)).toEqual([]);
  });

  it('different content under one id is kept twice and named, and a third copy of either adds nothing', async () => {
    const record = await loadPatientRecord(requestWith([order('a1', 'one'), order('a1', 'two'), order('a1', 'one'), order('b1')]), OPTIONS);
    expect(record.resources.get('MedicationRequest')?.map((r) => (r as MedicationRequest).note?.[0]?.text)).toEqual(['one', 'two', undefined]);
    expect(clashes(record)).toEqual(['the records sent as MedicationRequest/a1']);
  });
});

describe('content fingerprints', () => {
  it('ignore the order of object keys, not the order of array items', () => {
    expect(canonicalJson({ b: 1, a: [2, { d: null, c: 'x' }] })).toBe('{"a":[2,{"c":"x","d":null}],"b":1}');
    expect(contentFingerprint({ a: 1, b: 2 })).toBe(contentFingerprint({ b: 2, a: 1 }));
    expect(contentFingerprint([1, 2])).not.toBe(contentFingerprint([2, 1]));
  });

  it('tell apart values that only look alike as text (a string and a number, a key with a colon)', () => {
    expect(contentFingerprint({ a: '1' })).not.toBe(contentFingerprint({ a: 1 }));
    expect(contentFingerprint({ 'a":1,"b': 2 })).not.toBe(contentFingerprint({ a: 1, b: 2 }));
    expect(contentFingerprint({ a: undefined, b: 1 })).toBe(contentFingerprint({ b: 1 }));
  });

  it('walk a value nested 100,000 deep without overflowing the stack', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = i % 2 === 0 ? [deep] : { x: deep };
    expect(contentFingerprint(deep)).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });
});
