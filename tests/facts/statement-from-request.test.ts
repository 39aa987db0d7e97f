// A MedicationStatement that says it records a MedicationRequest of the record (basedOn / derivedFrom) is that
// therapy, counted once: an EHR that puts each prescription on the medication list as a statement too doubled
// every opioid in the MME total (oxycodone 45 + hydrocodone 20 read as 110 MME/day, a warning instead of info).
// A link to a request that is in the record and in use removes the statement, as does an unlinked statement of the
// same regimen (product, strength, schedule and daily dose) as a request in use; otherwise both count.
import type { MedicationRequest, MedicationStatement } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { draftFacts, everyHours, medicationRequest, medicationStatement, patientRecord, tablets } from '../support/fhir-builders.ts';

const NOW = new Date('2026-11-21T15:00:00Z');
const OXYCODONE = 'Oxycodone Hydrochloride 10 MG Oral Tablet';
const every = (hours: number) => [everyHours(hours, tablets(1))];

/** An order of 1 October: one tablet every `hours` hours. */
const request = (id: string, text: string, status: MedicationRequest['status'] = 'active', hours = 8): MedicationRequest =>
  medicationRequest(id, status, text, { authoredOn: '2026-10-01', dosageInstruction: every(hours) });

/** The patient reports taking `text`, one tablet every 8 hours. */
const statement = (links: Pick<MedicationStatement, 'basedOn' | 'derivedFrom'>, text = OXYCODONE): MedicationStatement =>
  medicationStatement('stmt', 'active', text, { dosage: every(8), ...links });

// The order being signed: hydrocodone/acetaminophen 5/325 every 6 hours, 20 MME/day.
const hydrocodone: MedicationRequest = { ...request('draft-hc', 'Hydrocodone Bitartrate 5 MG / Acetaminophen 325 MG Oral Tablet', 'draft', 6) };

function orderOf(resources: (MedicationRequest | MedicationStatement)[], draft: MedicationRequest = hydrocodone) {
  const [order] = draftFacts(patientRecord(resources, { birthDate: '1970-01-01' }), draft, NOW).orders;
  return order!;
}
const mmeOf = (resources: (MedicationRequest | MedicationStatement)[], draft: MedicationRequest = hydrocodone) => orderOf(resources, draft).mme;

describe('a statement recorded from an active request counts once', () => {
  const oxyRx = request('oxy-rx', OXYCODONE);

  it('counts oxycodone 45 + hydrocodone 20 = 65 MME/day when the statement names the order as basedOn or derivedFrom', () => {
    expect(mmeOf([oxyRx]).totalKnown).toBe(65);
    const linked = mmeOf([oxyRx, statement({ basedOn: [{ reference: 'MedicationRequest/oxy-rx' }], derivedFrom: [{ reference: 'MedicationRequest/oxy-rx' }] })]);
    expect(linked.totalKnown).toBe(65);
    expect(linked.perDrug.filter((d) => d.ingredient === 'oxycodone')).toHaveLength(1);
    // derivedFrom alone, as an absolute URL with a version.
    expect(mmeOf([oxyRx, statement({ derivedFrom: [{ reference: 'https://ehr.example.org/fhir/MedicationRequest/oxy-rx/_history/3' }] })]).totalKnown).toBe(65);
  });

  it('counts the statement when the request it names is not in the record, not in use, or another drug', () => {
    const link = { basedOn: [{ reference: 'MedicationRequest/oxy-rx' }] };
    // Not in the record: the statement is the only record of that oxycodone.
    expect(mmeOf([statement(link)]).totalKnown).toBe(65);
    // The request ended (completed) but the patient still reports taking it: counted.
    expect(mmeOf([request('oxy-rx', OXYCODONE, 'completed'), statement(link)]).totalKnown).toBe(65);
    // The linked request is another drug (a data error): both count.
    expect(mmeOf([request('oxy-rx', 'Morphine Sulfate 15 MG Oral Tablet'), statement(link)]).totalKnown).toBe(45 + 45 + 20);
  });

  // EHRs often list a prescription on the medication list with no basedOn or derivedFrom: the same oxycodone at the
  // same dose read as two supplies (110 MME/day instead of 65, and a critical card beside a benzodiazepine).
  it('counts an unlinked statement of the same regimen as a request in use once; another dose, strength or schedule twice', () => {
    expect(mmeOf([oxyRx, statement({})]).totalKnown).toBe(65);
    expect(orderOf([oxyRx, statement({})]).concurrent.find((m) => m.ref === 'MedicationStatement/stmt')?.recordsRequest).toBe('MedicationRequest/oxy-rx');
    // Every 12 hours on the list, every 8 ordered: two regimens, both count (30 + 45 + 20).
    expect(mmeOf([oxyRx, { ...statement({}), dosage: every(12) }]).totalKnown).toBe(95);
    // Another strength (5 mg every 8 hours: 22.5 MME/day): both count.
    expect(mmeOf([oxyRx, statement({}, 'Oxycodone Hydrochloride 5 MG Oral Tablet')]).totalKnown).toBe(87.5);
    // A dose that cannot be read: both count (the known total is the order's, the statement's is unknown).
    const doseless = mmeOf([oxyRx, { ...statement({}), dosage: [{ text: 'as directed' }] }]);
    expect(doseless.totalKnown).toBe(65);
    expect(doseless.unknownCount).toBe(1);
    // The request ended: the statement is the supply, counted.
    expect(mmeOf([request('oxy-rx', OXYCODONE, 'completed'), statement({})]).totalKnown).toBe(65);
  });

  it('follows the request when the session re-signs it: counted once, as the draft', () => {
    // The same order re-signed as oxycodone 5 mg every 12 hours (15 MME/day): the statement of the old 10 mg
    // order does not add its 45.
    const resign = request('oxy-rx', 'Oxycodone Hydrochloride 5 MG Oral Tablet', 'draft', 12);
    expect(mmeOf([oxyRx, statement({ basedOn: [{ reference: 'MedicationRequest/oxy-rx' }] })], resign).totalKnown).toBe(15);
    // The same product re-signed was already counted once (the draft renews the statement's product too).
    expect(mmeOf([oxyRx, statement({ basedOn: [{ reference: 'MedicationRequest/oxy-rx' }] })], request('oxy-rx', OXYCODONE, 'draft', 12)).totalKnown).toBe(30);
  });

  it('keeps the statement for the therapy\'s history: its earlier start still counts in the days on therapy', () => {
    // Alprazolam since January 2025 on the medication list, recorded from this autumn's order: a renewal of it is
    // long-term benzodiazepine use (the long-term rule reads the days on therapy), not 51 days.
    const alprazolam = 'Alprazolam 0.5 MG Oral Tablet';
    const history: MedicationStatement = { ...statement({ derivedFrom: [{ reference: 'MedicationRequest/alp-rx' }] }, alprazolam), effectivePeriod: { start: '2025-01-01' } };
    const order = orderOf([request('alp-rx', alprazolam), history], request('alp-new', alprazolam, 'draft'));
    expect(order.concurrent.map((m) => m.ref).sort()).toEqual(['MedicationRequest/alp-rx', 'MedicationStatement/stmt']);
    expect(order.daysOnTherapy).toBeGreaterThan(365);
  });
});
