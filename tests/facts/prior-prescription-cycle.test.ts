// Standing requests whose priorPrescription links go round in a cycle (A renews B and B renews A, or A, B, C in turn:
// corrupt data, or an EHR linking an order it modifies both ways). A renewal chain is one therapy counted as its
// newest link, but a cycle has no newest link: every member of it stays (over-counting is the safe side). Before,
// every member was dropped: the patient's alprazolam vanished and an opioid being signed got no card at all. A cycle
// that a request off it renews (this month's renewal naming one member) is superseded by that renewal, counted once.
import type { MedicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { engineFactsFor } from '../../src/facts/index.ts';
import type { EngineFacts, Facts } from '../../src/facts/index.ts';
import { draftFacts, everyHours, medicationRequest, patientRecord, plainTablets } from '../support/fhir-builders.ts';

const NOW = new Date('2026-11-21T12:00:00Z');

const every = (tablets: number, hours: number): MedicationRequest['dosageInstruction'] => [everyHours(hours, plainTablets(tablets))];

/** An active order of 1 November, one tablet every 8 hours, renewing the order `prior` when there is one. */
function request(id: string, text: string, prior: string | undefined, extra: Partial<MedicationRequest> = {}): MedicationRequest {
  return medicationRequest(id, 'active', text, {
    authoredOn: '2026-11-01',
    dosageInstruction: every(1, 8),
    ...(prior === undefined ? {} : { priorPrescription: { reference: `MedicationRequest/${prior}` } }),
    ...extra,
  });
}

const OXYCODONE_5 = 'Oxycodone Hydrochloride 5 MG Oral Tablet';
const ALPRAZOLAM = 'Alprazolam 0.5 MG Oral Tablet';
const METHADONE_5 = 'Methadone Hydrochloride 5 MG Oral Tablet';

/** The order being signed: oxycodone 5 mg every 8 hours, 22.5 MME/day. */
const oxycodoneDraft: MedicationRequest = { ...request('draft-oxy', OXYCODONE_5, undefined), status: 'draft', authoredOn: '2026-11-21' };

function factsFor(draft: MedicationRequest, requests: readonly MedicationRequest[]): Facts {
  return draftFacts(patientRecord(requests, { birthDate: '1965-01-01' }), draft, NOW);
}

function engineFacts(draft: MedicationRequest, requests: readonly MedicationRequest[]): EngineFacts {
  const facts = factsFor(draft, requests);
  return engineFactsFor(facts, facts.orders[0]!);
}

describe('a cycle of priorPrescription links among standing requests', () => {
  it('two alprazolam orders naming each other: the opioid being signed still meets the benzodiazepine', () => {
    const f = engineFacts(oxycodoneDraft, [request('alp-a', ALPRAZOLAM, 'alp-b'), request('alp-b', ALPRAZOLAM, 'alp-a')]);
    expect(f.concurrentClasses).toContain('benzodiazepine');
    expect(f.cnsActiveDrugCount).toBe(2);
  });

  it('three alprazolam orders renewing each other in turn (A -> B -> C -> A): still there', () => {
    const f = engineFacts(oxycodoneDraft, [request('alp-a', ALPRAZOLAM, 'alp-c'), request('alp-b', ALPRAZOLAM, 'alp-a'), request('alp-c', ALPRAZOLAM, 'alp-b')]);
    expect(f.concurrentClasses).toContain('benzodiazepine');
  });

  // Review diff8, finding 5: keeping the cycle beside its renewal counted one oxycodone regimen three times (a 65
  // MME/day info card read as a 155 MME/day warning).
  it('a renewal of a cycle member is the one entry counted (C renews A, A and B name each other)', () => {
    const lorazepam = { ...oxycodoneDraft, id: 'draft-lorazepam', medicationCodeableConcept: { text: 'Lorazepam 1 MG Oral Tablet' } };
    const requests = [request('oxy-a', OXYCODONE_5, 'oxy-b'), request('oxy-b', OXYCODONE_5, 'oxy-a'), request('oxy-c', OXYCODONE_5, 'oxy-a')];
    const facts = factsFor(lorazepam, requests);
    expect(facts.orders[0]!.concurrent.map((m) => m.ref)).toEqual(['MedicationRequest/oxy-c']);
    // One oxycodone 5 mg every 8 hours: 22.5 MME/day, not 67.5.
    expect(engineFactsFor(facts, facts.orders[0]!).totalMme).toBeCloseTo(22.5);
    // Through a chain (D renews C, C renews A): D alone.
    const chain = [...requests, request('oxy-d', OXYCODONE_5, 'oxy-c')];
    expect(factsFor(lorazepam, chain).orders[0]!.concurrent.map((m) => m.ref)).toEqual(['MedicationRequest/oxy-d']);
    // A benzodiazepine cycle renewed the same way: the renewal is still there for the opioid being signed.
    const alprazolam = [request('alp-a', ALPRAZOLAM, 'alp-b'), request('alp-b', ALPRAZOLAM, 'alp-a'), request('alp-d', ALPRAZOLAM, 'alp-a')];
    const f = engineFacts(oxycodoneDraft, alprazolam);
    expect(f.concurrentClasses).toContain('benzodiazepine');
    expect(factsFor(oxycodoneDraft, alprazolam).orders[0]!.concurrent.map((m) => m.ref)).toEqual(['MedicationRequest/alp-d']);
  });

  it('a request naming a cycle member but of another drug renews nothing: the cycle is kept', () => {
    const requests = [request('alp-a', ALPRAZOLAM, 'alp-b'), request('alp-b', ALPRAZOLAM, 'alp-a'), request('oxy-x', OXYCODONE_5, 'alp-a')];
    const lorazepam = { ...oxycodoneDraft, id: 'draft-lorazepam', medicationCodeableConcept: { text: 'Lorazepam 1 MG Oral Tablet' } };
    expect(factsFor(lorazepam, requests).orders[0]!.concurrent.map((m) => m.ref).sort()).toEqual(['MedicationRequest/alp-a', 'MedicationRequest/alp-b', 'MedicationRequest/oxy-x']);
  });

  it('counts every opioid order of a cycle in the MME total (over-counting, not 0)', () => {
    // Oxycodone 5 mg every 8 hours is 22.5 MME/day: the draft and the two orders of the cycle, 67.5.
    const cycle = [request('oxy-a', OXYCODONE_5, 'oxy-b'), request('oxy-b', OXYCODONE_5, 'oxy-a')];
    const methadone = { ...oxycodoneDraft, medicationCodeableConcept: { text: METHADONE_5 }, id: 'draft-methadone', reasonCode: [{ text: 'Chronic low back pain' }] };
    // The methadone draft is another drug: it renews neither, so both oxycodone orders count beside its 70.5 MME/day.
    expect(engineFacts(methadone, cycle).totalMme).toBeCloseTo(15 * 4.7 + 45);
  });

  it('a plain renewal chain is still one therapy, counted as its newest link, however long', () => {
    const chain = Array.from({ length: 2000 }, (_, i) => request(`oxy-${i}`, OXYCODONE_5, i === 0 ? undefined : `oxy-${i - 1}`));
    const lorazepam = { ...oxycodoneDraft, id: 'draft-lorazepam', medicationCodeableConcept: { text: 'Lorazepam 1 MG Oral Tablet' } };
    const facts = factsFor(lorazepam, chain);
    expect(facts.orders[0]!.concurrent.map((m) => m.ref)).toEqual(['MedicationRequest/oxy-1999']);
    // A chain ending in a cycle (A renews B, B and C name each other): A is the newest link, the cycle it renews goes.
    const tail = [request('oxy-a', OXYCODONE_5, 'oxy-b'), request('oxy-b', OXYCODONE_5, 'oxy-c'), request('oxy-c', OXYCODONE_5, 'oxy-b')];
    expect(factsFor(lorazepam, tail).orders[0]!.concurrent.map((m) => m.ref)).toEqual(['MedicationRequest/oxy-a']);
  });
});

describe('the methadone dose-increase baseline beside a cycle', () => {
  const methadone = (id: string, prior: string | undefined, tablets: number): MedicationRequest =>
    request(id, METHADONE_5, prior, { reasonCode: [{ text: 'Chronic low back pain' }], dosageInstruction: every(tablets, 8) });
  const draft = (tablets: number, extra: Partial<MedicationRequest> = {}): MedicationRequest => ({ ...methadone('draft-methadone', undefined, tablets), status: 'draft', authoredOn: '2026-11-21', ...extra });
  // Two 15 mg/day methadone orders naming each other: one therapy written twice (15 mg/day), or two (30 mg/day).
  const cycle = [methadone('met-a', 'met-b', 1), methadone('met-b', 'met-a', 1)];

  it('a renewal above one of them but not above both added is unsure: unknown, and the check-incomplete list names them', () => {
    const facts = factsFor(draft(2), cycle);
    expect(engineFactsFor(facts, facts.orders[0]!).orderRaisesDailyDose).toBeNull();
    const lines = facts.gaps.filter((g) => g.purpose.startsWith('whether this order raises the daily methadone dose'));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]!.purpose).toContain(`the current order, ${METHADONE_5}, ordered 2026-11-01`);
    expect(lines[0]!.reason).toContain('priorPrescription');
  });

  it('a renewal no higher than each of them is no increase; one above both added is one; one naming a member renews it alone', () => {
    expect(engineFacts(draft(1), cycle).orderRaisesDailyDose).toBe(false);
    expect(engineFacts(draft(3), cycle).orderRaisesDailyDose).toBe(true);
    expect(engineFacts(draft(2, { priorPrescription: { reference: 'MedicationRequest/met-a' } }), cycle).orderRaisesDailyDose).toBe(true);
  });
});
