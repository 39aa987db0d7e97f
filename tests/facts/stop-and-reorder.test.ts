// Many EHRs change a dose by stopping the current order and signing a new one in the same session: the current
// order then comes among the drafts with status "stopped" (src/facts/draft-orders.ts). The stopped order is out of
// every total and interaction (the patient will not take it beside the new one), but it is what the patient took
// until now: the re-order of the same drug is not a new start (methadone-for-pain's "Starting methadone" card, the
// new-start checks), its days on therapy run from the stopped order, and a higher dose is a dose increase
// (methadone-dose-increase). Before, the record's copy of the stopped order was dropped altogether, so a methadone
// dose doubled this way read as a new start.
import type { MedicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { deriveFacts, engineFactsFor, selectDraftOrders } from '../../src/facts/index.ts';
import type { DraftOrderInput, EngineFacts, OrderFacts } from '../../src/facts/index.ts';
import { everyHours, medicationRequest, patientRecord, plainTablets, testClassifier } from '../support/fhir-builders.ts';

const NOW = new Date('2026-11-21T12:00:00Z');
const METHADONE_5 = 'Methadone Hydrochloride 5 MG Oral Tablet';
const LORAZEPAM_1 = 'Lorazepam 1 MG Oral Tablet';

function order(id: string, status: MedicationRequest['status'], text: string, tablets: number, hours: number, authoredOn: string): MedicationRequest {
  return medicationRequest(id, status, text, {
    authoredOn,
    reasonCode: [{ text: text.startsWith('Methadone') ? 'Chronic low back pain' : 'Anxiety' }],
    dosageInstruction: [everyHours(hours, plainTablets(tablets))],
  });
}

/** The record holds `current` (active); the session sends it with `endingStatus` beside the new draft. */
function reorder(current: MedicationRequest, draft: MedicationRequest, endingStatus: MedicationRequest['status'] = 'stopped'): { order: OrderFacts; engine: EngineFacts } {
  const record = patientRecord([current], { birthDate: '1950-01-01' });
  const drafts: DraftOrderInput[] = selectDraftOrders({
    resourceType: 'Bundle',
    type: 'collection',
    entry: [{ resource: draft }, { resource: { ...current, status: endingStatus } }],
  });
  const facts = deriveFacts(record, drafts, testClassifier(), NOW);
  expect(facts.orders).toHaveLength(1);
  const only = facts.orders[0]!;
  return { order: only, engine: engineFactsFor(facts, only) };
}

const currentMethadone = (tablets: number): MedicationRequest => order('active-methadone', 'active', METHADONE_5, tablets, 8, '2026-11-07');
const newMethadone = (tablets: number, text = METHADONE_5): MedicationRequest => order('draft-methadone', 'draft', text, tablets, 8, '2026-11-21');

describe('an order the session stops, re-ordered in the same session', () => {
  it('methadone 15 -> 30 mg/day by stop and re-order: not a new start, raises the daily dose, counted once (141 MME/day)', () => {
    const { order, engine } = reorder(currentMethadone(1), newMethadone(2));
    expect(engine.orderIsNewTherapy).toBe(false);
    expect(engine.orderDaysOnTherapy).toBe(14);
    expect(engine.orderRaisesDailyDose).toBe(true);
    // The stopped order is not taken beside the new one: 30 mg x 4.7, not 45 mg.
    expect(engine.totalMme).toBe(141);
    expect(engine.mmeUnknownCount).toBe(0);
    expect(order.concurrent).toEqual([]);
    expect(engine.cnsActiveDrugCount).toBe(1);
  });

  it('methadone re-ordered at the same dose, or lower: not a new start and no increase', () => {
    expect(reorder(currentMethadone(1), newMethadone(1)).engine).toMatchObject({ orderIsNewTherapy: false, orderRaisesDailyDose: false });
    expect(reorder(currentMethadone(2), newMethadone(1)).engine).toMatchObject({ orderIsNewTherapy: false, orderRaisesDailyDose: false });
  });

  it('a stopped methadone order is replaced whatever the new product: 10 mg tablets for 5 mg ones, 15 -> 30 mg/day raises, 30 -> 30 does not', () => {
    const tenMg = newMethadone(1, 'Methadone Hydrochloride 10 MG Oral Tablet');
    expect(reorder(currentMethadone(1), tenMg).engine.orderRaisesDailyDose).toBe(true);
    expect(reorder(currentMethadone(2), tenMg).engine.orderRaisesDailyDose).toBe(false);
  });

  it('a long-term benzodiazepine stopped and re-ordered keeps its days on therapy (benzodiazepine-long-term), and is no new start', () => {
    const current = order('active-lorazepam', 'active', LORAZEPAM_1, 1, 8, '2026-08-01');
    const { engine } = reorder(current, order('draft-lorazepam', 'draft', LORAZEPAM_1, 1, 12, '2026-11-21'));
    expect(engine.orderIsNewTherapy).toBe(false);
    expect(engine.orderDaysOnTherapy).toBe(112);
    // Out of the interactions: the stopped order is not a second CNS-active drug.
    expect(engine.cnsActiveDrugCount).toBe(1);
    expect(engine.concurrentClasses).toEqual([]);
  });

  it('a stopped order without a readable dose leaves the increase open, and the check-incomplete line names it as the order being stopped', () => {
    const { dosageInstruction: _none, ...doseless } = currentMethadone(1);
    const record = patientRecord([doseless], { birthDate: '1950-01-01' });
    const drafts = selectDraftOrders({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: newMethadone(2) }, { resource: { ...doseless, status: 'stopped' } }] });
    const facts = deriveFacts(record, drafts, testClassifier(), NOW);
    expect(engineFactsFor(facts, facts.orders[0]!)).toMatchObject({ orderIsNewTherapy: false, orderRaisesDailyDose: null });
    expect(facts.gaps.map((g) => g.purpose)).toEqual([
      `whether this order raises the daily methadone dose (the daily dose of the current order being stopped in this session, ${METHADONE_5}, ordered 2026-11-07)`,
    ]);
  });

  it('an order cancelled or entered in error is not what the patient took: the re-order is still a new start', () => {
    expect(reorder(currentMethadone(1), newMethadone(2), 'cancelled').engine.orderIsNewTherapy).toBe(true);
    expect(reorder(currentMethadone(1), newMethadone(2), 'entered-in-error').engine.orderIsNewTherapy).toBe(true);
  });

  it('a stopped order of another drug is no baseline: oxycodone after stopped methadone is a new start', () => {
    const { engine } = reorder(currentMethadone(1), order('draft-oxy', 'draft', 'Oxycodone Hydrochloride 5 MG Oral Tablet', 1, 6, '2026-11-21'));
    expect(engine.orderIsNewTherapy).toBe(true);
    expect(engine.orderDaysOnTherapy).toBeNull();
    expect(engine.totalMme).toBe(30);
  });
});
