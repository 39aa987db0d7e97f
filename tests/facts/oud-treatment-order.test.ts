// Whether an order is OUD treatment or a pain opioid, decided in the facts from what the order says
// (src/facts/medication-facts.ts): methadone ordered for opioid use disorder (reasonCode or reasonReference,
// read with the condition classifier) is OUD treatment; buprenorphine given IV or IM is a pain opioid.
// The OUD rules (moud-benzodiazepine) and the pain rules (opioid-benzodiazepine, methadone-for-pain,
// opioid-high-mme) key on these classes: the wrong one shows a pain card on MOUD, or hides one on pain.
import type { Condition, MedicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { draftFacts, medicationRequest, patientRecord } from '../support/fhir-builders.ts';

const NOW = new Date('2026-11-21T12:00:00Z');
const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';
const SNOMED = 'http://snomed.info/sct';

function draft(text: string, extra: Partial<MedicationRequest> = {}): MedicationRequest {
  return medicationRequest('draft-1', 'draft', text, extra);
}

function classesOf(order: MedicationRequest, conditions: Condition[] = []): readonly string[] {
  return draftFacts(patientRecord(conditions, { birthDate: '1980-01-01' }), order, NOW).orders[0]!.order.classes;
}

const METHADONE = 'Methadone Hydrochloride 10 MG Oral Tablet';
const oudCondition: Condition = {
  resourceType: 'Condition',
  id: 'oud-1',
  subject: { reference: 'Patient/p' },
  code: { coding: [{ system: ICD10CM, code: 'F11.20', display: 'Opioid dependence, uncomplicated' }] },
};

describe('methadone ordered for opioid use disorder', () => {
  it.each([
    ['Opiate dependence', { text: 'Opiate dependence' }],
    ['Opioid abuse', { text: 'Opioid abuse' }],
    ['Heroin dependence', { text: 'Heroin dependence' }],
    ['SNOMED CT 5602001 Opioid abuse (disorder)', { coding: [{ system: SNOMED, code: '5602001', display: 'Opioid abuse (disorder)' }] }],
    ['ICD-10-CM F11.20 without text', { coding: [{ system: ICD10CM, code: 'F11.20' }] }],
    ['Opioid dependence (as before)', { text: 'Opioid dependence' }],
  ])('is OUD treatment when the reason code says %s', (_label, reason) => {
    const classes = classesOf(draft(METHADONE, { reasonCode: [reason] }));
    expect(classes).toContain('oud-treatment');
    expect(classes).not.toContain('opioid-analgesic');
  });

  it('is OUD treatment when reasonReference names an OUD Condition in the record, contained in the order, or only by its display', () => {
    expect(classesOf(draft(METHADONE, { reasonReference: [{ reference: 'Condition/oud-1' }] }), [oudCondition])).toContain('oud-treatment');
    expect(classesOf(draft(METHADONE, { reasonReference: [{ reference: 'https://ehr.example/fhir/Condition/oud-1' }] }), [oudCondition])).toContain('oud-treatment');
    expect(classesOf(draft(METHADONE, { contained: [{ ...oudCondition, id: 'dx' }], reasonReference: [{ reference: '#dx' }] }))).toContain('oud-treatment');
    expect(classesOf(draft(METHADONE, { reasonReference: [{ reference: 'Condition/not-sent', display: 'Opioid use disorder, severe' }] }))).toContain('oud-treatment');
  });

  it('stays a pain opioid for a pain reason, a negated or uncertain OUD, or a refuted OUD Condition', () => {
    expect(classesOf(draft(METHADONE, { reasonCode: [{ text: 'Chronic low back pain' }] }))).toEqual(['opioid-analgesic']);
    expect(classesOf(draft(METHADONE, { reasonCode: [{ text: 'Rule out opioid use disorder' }] }))).toEqual(['opioid-analgesic']);
    const refuted: Condition = { ...oudCondition, verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'refuted' }] } };
    expect(classesOf(draft(METHADONE, { reasonReference: [{ reference: 'Condition/oud-1' }] }), [refuted])).toEqual(['opioid-analgesic']);
    // A reference to another condition is not OUD.
    const pain: Condition = { ...oudCondition, id: 'pain-1', code: { text: 'Chronic pain syndrome' } };
    expect(classesOf(draft(METHADONE, { reasonReference: [{ reference: 'Condition/pain-1' }] }), [pain])).toEqual(['opioid-analgesic']);
  });
});

// An OUD-only methadone form (a generic oral concentrate, Methadose) ordered for pain was OUD treatment whatever
// the order said: beside a benzodiazepine the critical pain card gave way to "do not withhold OUD treatment".
describe('an OUD-only methadone form ordered for pain', () => {
  const CONCENTRATE = 'methadone oral concentrate 10 mg/mL';

  it.each([
    ['ICD-10-CM G89.29 Other chronic pain', { coding: [{ system: ICD10CM, code: 'G89.29' }] }],
    ['ICD-10-CM R52 Pain, unspecified', { coding: [{ system: ICD10CM, code: 'R52', display: 'Pain, unspecified' }] }],
    ['text "Chronic low back pain"', { text: 'Chronic low back pain' }],
  ])('is a pain opioid when the reason says %s', (_label, reason) => {
    expect(classesOf(draft(CONCENTRATE, { reasonCode: [reason] }))).toEqual(['opioid-analgesic']);
  });

  it('is a pain opioid when reasonReference names a pain Condition', () => {
    const pain: Condition = { ...oudCondition, id: 'pain-2', code: { text: 'Chronic pain syndrome' } };
    expect(classesOf(draft(CONCENTRATE, { reasonReference: [{ reference: 'Condition/pain-2' }] }), [pain])).toEqual(['opioid-analgesic']);
  });

  it('stays OUD treatment with no reason, another reason, or OUD named beside the pain', () => {
    expect(classesOf(draft(CONCENTRATE))).toEqual(['oud-treatment']);
    expect(classesOf(draft(CONCENTRATE, { reasonCode: [{ text: 'Maintenance' }] }))).toEqual(['oud-treatment']);
    expect(classesOf(draft(CONCENTRATE, { reasonCode: [{ text: 'Chronic pain' }, { coding: [{ system: ICD10CM, code: 'F11.20' }] }] }))).toEqual(['oud-treatment']);
  });
});

describe('buprenorphine by the route of the order', () => {
  const route = (coding: { code: string; display: string } | undefined, text?: string) => ({
    dosageInstruction: [{ text: '0.3 mg every 6 hours as needed', route: { ...(coding ? { coding: [{ system: SNOMED, ...coding }] } : {}), ...(text ? { text } : {}) } }],
  });

  it('is a pain opioid when given intravenously or intramuscularly', () => {
    expect(classesOf(draft('buprenorphine 0.3 mg', route({ code: '47625008', display: 'Intravenous route' })))).toEqual(['opioid-analgesic']);
    expect(classesOf(draft('buprenorphine 0.3 mg', route({ code: '78421000', display: 'Intramuscular route' })))).toEqual(['opioid-analgesic']);
    expect(classesOf(draft('buprenorphine 0.3 mg', route(undefined, 'IV')))).toEqual(['opioid-analgesic']);
    expect(classesOf(draft('buprenorphine 0.3 mg', route(undefined, 'IM')))).toEqual(['opioid-analgesic']);
  });

  it('stays OUD treatment under the skin, under the tongue, or with no route', () => {
    expect(classesOf(draft('buprenorphine 300 mg', route({ code: '34206005', display: 'Subcutaneous route' })))).toEqual(['oud-treatment']);
    expect(classesOf(draft('buprenorphine 8 mg', route({ code: '37839007', display: 'Sublingual route' })))).toEqual(['oud-treatment']);
    expect(classesOf(draft('buprenorphine 8 mg'))).toEqual(['oud-treatment']);
  });
});
