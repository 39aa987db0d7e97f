// A benzodiazepine filled at a pharmacy on another prescriber's order, that the EHR holds only as a dispense
// (MedicationDispense: pharmacy fill history, outside dispense data), was invisible: the service never read
// dispenses, and an opioid signed beside it got no card. A dispense counts as in use while its supply may last,
// dosed as the order it fills, and a fill of an order in use is counted once, as that order.
import type { MedicationDispense, MedicationRequest, MedicationStatement, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { hasRescueNaloxone } from '../../src/facts/index.ts';
import { dispenseInUseAt } from '../../src/facts/dispense-facts.ts';
import { days, draftFacts, everyHours, medicationDispense, medicationRequest, medicationStatement, patientRecord, tablets, timesADay } from '../support/fhir-builders.ts';

const NOW = new Date('2026-11-21T15:00:00Z');
const ALPRAZOLAM = 'Alprazolam 0.5 MG Oral Tablet';
const OXYCODONE = 'Oxycodone Hydrochloride 5 MG Oral Tablet';
const twiceADay = [timesADay(2, tablets(1))];
const everySixHours = [everyHours(6, tablets(1))];

/** A completed fill handed over on 10 November: 60 tablets, one twice a day, for 30 days. */
function dispense(id: string, text: string, fields: Partial<MedicationDispense> = {}): MedicationDispense {
  return medicationDispense(id, 'completed', text, { whenHandedOver: '2026-11-10T16:00:00Z', quantity: tablets(60), daysSupply: days(30), dosageInstruction: twiceADay, ...fields });
}

/** An active order of 1 November: one tablet every 6 hours. */
function request(id: string, text: string, fields: Partial<MedicationRequest> = {}): MedicationRequest {
  return medicationRequest(id, 'active', text, { authoredOn: '2026-11-01', dosageInstruction: everySixHours, ...fields });
}

/** The facts of one draft order beside the record's resources. */
function factsFor(draft: MedicationRequest, resources: Resource[]) {
  const facts = draftFacts(patientRecord(resources), { ...draft, status: 'draft' }, NOW);
  return { facts, order: facts.orders[0]! };
}

describe('a dispense is in use while its supply may last', () => {
  it('from its handover for its days of supply', () => {
    // Handed over 11 days ago with 30 days' supply: in use. 50 days ago with 30 days: used up.
    expect(dispenseInUseAt(dispense('d', ALPRAZOLAM), NOW)).toBe(true);
    expect(dispenseInUseAt(dispense('d', ALPRAZOLAM, { whenHandedOver: '2026-10-02T16:00:00Z' }), NOW)).toBe(false);
    // A date without a time is the whole day: handed over on 22 October with 30 days lasts through 21 November.
    expect(dispenseInUseAt(dispense('d', ALPRAZOLAM, { whenHandedOver: '2026-10-22' }), NOW)).toBe(true);
    expect(dispenseInUseAt(dispense('d', ALPRAZOLAM, { whenHandedOver: '2026-10-21' }), NOW)).toBe(false);
  });

  it('from when it was prepared when no handover is recorded', () => {
    expect(dispenseInUseAt(dispense('d', ALPRAZOLAM, { whenHandedOver: undefined, whenPrepared: '2026-11-10' }), NOW)).toBe(true);
    expect(dispenseInUseAt(dispense('d', ALPRAZOLAM, { whenHandedOver: undefined, whenPrepared: '2026-09-10' }), NOW)).toBe(false);
  });

  it('without a days supply, for as long as its quantity lasts at its dose, read as an ended order\'s supply is', () => {
    // 60 tablets twice a day: 30 days; handed over 25 days ago it is still in use, 35 days ago it is not.
    const noDays = { daysSupply: undefined };
    expect(dispenseInUseAt(dispense('d', ALPRAZOLAM, { ...noDays, whenHandedOver: '2026-10-27' }), NOW)).toBe(true);
    expect(dispenseInUseAt(dispense('d', ALPRAZOLAM, { ...noDays, whenHandedOver: '2026-10-17' }), NOW)).toBe(false);
    // As needed "1 tablet up to 3 times a day": read at one a day, 60 tablets last 60 days.
    const prn = [{ asNeededBoolean: true, ...timesADay(3, tablets(1)) }];
    expect(dispenseInUseAt(dispense('d', ALPRAZOLAM, { ...noDays, dosageInstruction: prn, whenHandedOver: '2026-10-01' }), NOW)).toBe(true);
    // Neither days nor a dose to divide the quantity by: 90 days, as for an ended order.
    const bare = { ...noDays, dosageInstruction: undefined };
    expect(dispenseInUseAt(dispense('d', ALPRAZOLAM, { ...bare, whenHandedOver: '2026-09-01' }), NOW)).toBe(true);
    expect(dispenseInUseAt(dispense('d', ALPRAZOLAM, { ...bare, whenHandedOver: '2026-08-20' }), NOW)).toBe(false);
  });

  it('counts completed, in-progress and unknown fills; not cancelled, declined, voided or unfilled ones', () => {
    for (const status of ['completed', 'in-progress', 'unknown'] as const) {
      expect(dispenseInUseAt(dispense('d', ALPRAZOLAM, { status }), NOW), status).toBe(true);
    }
    for (const status of ['cancelled', 'declined', 'entered-in-error', 'preparation', 'on-hold'] as const) {
      expect(dispenseInUseAt(dispense('d', ALPRAZOLAM, { status }), NOW), status).toBe(false);
    }
    // Stopped before the handover: nothing reached the patient. Stopped after it (a handover is recorded): it did.
    expect(dispenseInUseAt(dispense('d', ALPRAZOLAM, { status: 'stopped', whenHandedOver: undefined, whenPrepared: '2026-11-10' }), NOW)).toBe(false);
    expect(dispenseInUseAt(dispense('d', ALPRAZOLAM, { status: 'stopped' }), NOW)).toBe(true);
  });

  it('never for longer than six months after its handover', () => {
    expect(dispenseInUseAt(dispense('d', ALPRAZOLAM, { whenHandedOver: '2026-06-01', daysSupply: days(365) }), NOW)).toBe(true);
    expect(dispenseInUseAt(dispense('d', ALPRAZOLAM, { whenHandedOver: '2026-05-01', daysSupply: days(365) }), NOW)).toBe(false);
  });
});

describe('a dispense beside the orders', () => {
  it('makes a benzodiazepine filled elsewhere concurrent with an opioid being ordered, and names it as a dispense', () => {
    const { order } = factsFor(request('draft', OXYCODONE), [dispense('fill-1', ALPRAZOLAM)]);
    expect(order.concurrent.map((m) => m.classes).flat()).toContain('benzodiazepine');
    const fill = order.concurrent.find((m) => m.ref === 'MedicationDispense/fill-1');
    expect(fill).toMatchObject({ kind: 'medication-dispense', supplyDays: 30, date: '2026-11-10T16:00:00Z' });
  });

  it('counts the fill of an order in use once, as the order (authorizingPrescription)', () => {
    // Oxycodone 5 mg every 6 hours: 30 MME/day. Ordered and filled, it is one supply, not 60 MME/day.
    const oxycodone = request('oxy-order', OXYCODONE);
    const fill = dispense('oxy-fill', OXYCODONE, { dosageInstruction: everySixHours, quantity: tablets(120), authorizingPrescription: [{ reference: 'MedicationRequest/oxy-order' }] });
    const { order: facts } = factsFor(request('draft', ALPRAZOLAM, { dosageInstruction: twiceADay }), [oxycodone, fill]);
    expect(facts.mme.totalKnown).toBe(30);
    expect(facts.concurrent.find((m) => m.ref === 'MedicationDispense/oxy-fill')?.recordsRequest).toBe('MedicationRequest/oxy-order');
  });

  it('counts the fill of an ended order while its supply lasts, and overlapping fills of that order once', () => {
    const fill = (id: string, when: string) =>
      dispense(id, OXYCODONE, { dosageInstruction: everySixHours, quantity: tablets(120), whenHandedOver: when, authorizingPrescription: [{ reference: 'MedicationRequest/ended-order' }] });
    // The order is not in the record (completed); its fill of 10 days ago still lasts.
    expect(factsFor(request('draft', ALPRAZOLAM, { dosageInstruction: twiceADay }), [fill('f1', '2026-11-11')]).order.mme.totalKnown).toBe(30);
    // An early refill: both supplies last, one regimen (30 MME/day, not 60).
    const { order: facts } = factsFor(request('draft', ALPRAZOLAM, { dosageInstruction: twiceADay }), [fill('f1', '2026-10-30'), fill('f2', '2026-11-18')]);
    expect(facts.mme.totalKnown).toBe(30);
    expect(facts.concurrent.find((m) => m.ref === 'MedicationDispense/f1')?.recordsRequest).toBe('MedicationRequest/ended-order');
    expect(facts.concurrent.find((m) => m.ref === 'MedicationDispense/f2')?.recordsRequest).toBeUndefined();
  });
});

describe('the daily dose of a dispense', () => {
  it('is read from its dosage instruction, as an order\'s', () => {
    const { order } = factsFor(request('draft', ALPRAZOLAM, { dosageInstruction: twiceADay }), [dispense('oxy', OXYCODONE, { dosageInstruction: everySixHours, quantity: tablets(120) })]);
    expect(order.mme.totalKnown).toBe(30);
    expect(order.mme.complete).toBe(true);
  });

  it('else from its quantity over its days of supply where the strength is known', () => {
    // 120 tablets of oxycodone 5 mg for 30 days: 4 a day, 20 mg, 30 MME/day.
    const { order } = factsFor(request('draft', ALPRAZOLAM, { dosageInstruction: twiceADay }), [dispense('oxy', OXYCODONE, { dosageInstruction: undefined, quantity: tablets(120) })]);
    expect(order.mme.totalKnown).toBe(30);
    expect(order.mme.complete).toBe(true);
    // 60 tablets of alprazolam 0.5 mg for 30 days: 1 mg a day, 20 mg diazepam-equivalent (Ashton: 0.5 mg = 10 mg).
    const benzo = factsFor(request('draft', OXYCODONE), [dispense('alp', ALPRAZOLAM, { dosageInstruction: undefined })]);
    expect(benzo.order.concurrent.find((m) => m.ref === 'MedicationDispense/alp')?.benzoDoses[0]).toMatchObject({ mgPerDay: 1, diazepamEqMgPerDay: 20 });
  });

  it('else is unknown, and the check says it could not be calculated', () => {
    const { facts, order } = factsFor(request('draft', ALPRAZOLAM, { dosageInstruction: twiceADay }), [dispense('oxy', OXYCODONE, { dosageInstruction: undefined, daysSupply: undefined })]);
    expect(order.mme.complete).toBe(false);
    expect(facts.gaps.map((g) => g.purpose)).toContain(`the daily opioid dose of ${OXYCODONE}`);
  });
});

// Review diff8 F1-F4: one regimen held as a fill and as another record (a renewal, a medication-list entry, an order
// named by its number, an early refill with no order named) was counted twice, and the 50 MME/day info card became
// a wrong 90 MME/day warning. Oxycodone 10 mg every 8 hours is 45 MME/day.
const OXYCODONE_10 = 'Oxycodone Hydrochloride 10 MG Oral Tablet';
const everyEightHours = [everyHours(8, tablets(1))];
const alprazolamDraft = () => request('draft', ALPRAZOLAM, { dosageInstruction: twiceADay });
const oxyFill = (id: string, fields: Partial<MedicationDispense> = {}) => dispense(id, OXYCODONE_10, { dosageInstruction: everyEightHours, quantity: tablets(90), ...fields });
const oxyOrder = (id: string, fields: Partial<MedicationRequest> = {}) => request(id, OXYCODONE_10, { dosageInstruction: everyEightHours, ...fields });
const mmeWith = (resources: Resource[]) => factsFor(alprazolamDraft(), resources).order;

describe('a fill of an order that an order in use renews (review diff8 F1)', () => {
  it('a fill of the previous order in a renewal chain is counted once, as the renewal', () => {
    // October's order is completed; November's renewal (priorPrescription: October's) is active and not yet filled;
    // October's fill, handed over on 10 November with 30 days' supply, still lasts. One regimen: 45, not 90.
    const october = oxyOrder('rx-oct', { status: 'completed', authoredOn: '2026-10-20' });
    const november = oxyOrder('rx-nov', { authoredOn: '2026-11-18', priorPrescription: { reference: 'MedicationRequest/rx-oct' } });
    const fill = oxyFill('d-oct', { authorizingPrescription: [{ reference: 'MedicationRequest/rx-oct' }] });
    const order = mmeWith([october, november, fill]);
    expect(order.mme.totalKnown).toBe(45);
    expect(order.concurrent.find((m) => m.ref === 'MedicationDispense/d-oct')?.recordsRequest).toBe('MedicationRequest/rx-nov');
    // Through a chain: September's fill, October's order renewed by November's (only November's is in use).
    const september = oxyOrder('rx-sep', { status: 'completed', authoredOn: '2026-09-20' });
    const octoberRenewal = { ...october, priorPrescription: { reference: 'MedicationRequest/rx-sep' } };
    const septemberFill = oxyFill('d-sep', { authorizingPrescription: [{ reference: 'MedicationRequest/rx-sep' }] });
    expect(mmeWith([september, octoberRenewal, november, septemberFill]).mme.totalKnown).toBe(45);
  });

  it('still counts the fill when the renewal is of another drug, or renews another order', () => {
    const october = oxyOrder('rx-oct', { status: 'completed' });
    const fill = oxyFill('d-oct', { authorizingPrescription: [{ reference: 'MedicationRequest/rx-oct' }] });
    // Morphine 15 mg every 6 hours (60 MME/day) naming the oxycodone order as its prior: the oxycodone supply counts.
    const morphine = request('rx-mor', 'Morphine Sulfate 15 MG Oral Tablet', { priorPrescription: { reference: 'MedicationRequest/rx-oct' } });
    expect(mmeWith([october, morphine, fill]).mme.totalKnown).toBe(60 + 45);
    // An oxycodone order renewing another order: the fill of October's is a second supply.
    const other = oxyOrder('rx-nov', { priorPrescription: { reference: 'MedicationRequest/rx-else' } });
    expect(mmeWith([october, other, fill]).mme.totalKnown).toBe(90);
  });
});


describe('a fill of the order that the draft renews (review diff8 F1, signed in the session)', () => {
  it('signing November\'s renewal while October\'s fill lasts counts the regimen once, as the draft', () => {
    const october = oxyOrder('rx-oct', { status: 'completed', authoredOn: '2026-10-20' });
    const fill = oxyFill('d-oct', { authorizingPrescription: [{ reference: 'MedicationRequest/rx-oct' }] });
    const renewal = oxyOrder('rx-nov', { priorPrescription: { reference: 'MedicationRequest/rx-oct' } });
    expect(factsFor(renewal, [october, fill]).order.mme.totalKnown).toBe(45);
    // A draft of another drug naming it is taken as well: 60 + 45.
    const morphine = request('rx-mor', 'Morphine Sulfate 15 MG Oral Tablet', { priorPrescription: { reference: 'MedicationRequest/rx-oct' } });
    expect(factsFor(morphine, [october, fill]).order.mme.totalKnown).toBe(105);
  });
});
describe('a fill naming its order by its number (review diff8 F3)', () => {
  const RX_NUMBER = { system: 'urn:oid:2.16.840.1.113883.3.999', value: 'RX-778' };

  it('a fill naming its order by identifier counts once, as the order', () => {
    const order = oxyOrder('rx-1', { identifier: [RX_NUMBER] });
    const fill = oxyFill('d1', { authorizingPrescription: [{ identifier: RX_NUMBER }] });
    const facts = mmeWith([order, fill]);
    expect(facts.mme.totalKnown).toBe(45);
    expect(facts.concurrent.find((m) => m.ref === 'MedicationDispense/d1')?.recordsRequest).toBe('MedicationRequest/rx-1');
  });

  it('a fill naming a contained order ("#id") is linked by that order\'s identifier', () => {
    const order = oxyOrder('rx-1', { identifier: [RX_NUMBER] });
    const contained = { resourceType: 'MedicationRequest', id: 'rx', status: 'completed', intent: 'order', subject: { reference: 'Patient/p' }, identifier: [RX_NUMBER] } as MedicationRequest;
    const fill = oxyFill('d1', { contained: [contained], authorizingPrescription: [{ reference: '#rx' }] });
    expect(mmeWith([order, fill]).mme.totalKnown).toBe(45);
  });

  it('still counts a fill whose number belongs to no order of the record in use, or to another system', () => {
    const order = oxyOrder('rx-1', { identifier: [RX_NUMBER] });
    expect(mmeWith([order, oxyFill('d1', { authorizingPrescription: [{ identifier: { ...RX_NUMBER, system: 'urn:oid:1.2.3' } }] })]).mme.totalKnown).toBe(90);
    expect(mmeWith([order, oxyFill('d1', { authorizingPrescription: [{ identifier: { ...RX_NUMBER, value: 'RX-779' } }] })]).mme.totalKnown).toBe(90);
  });
});

describe('fills that name no order (review diff8 F4)', () => {
  it('two unlinked overlapping fills of one product count once, the newest', () => {
    // 27 October and an early refill on 18 November, 30 days each: both supplies last today. One regimen: 45.
    const facts = mmeWith([oxyFill('d-a', { whenHandedOver: '2026-10-27' }), oxyFill('d-b', { whenHandedOver: '2026-11-18' })]);
    expect(facts.mme.totalKnown).toBe(45);
    expect(facts.concurrent.find((m) => m.ref === 'MedicationDispense/d-b')?.recordsRequest).toBeUndefined();
    expect(facts.concurrent.find((m) => m.ref === 'MedicationDispense/d-a')?.recordsRequest).toBe('MedicationDispense/d-b');
  });

  it('counts both fills of different strengths, products or doses: two regimens', () => {
    const oxy5 = dispense('d-a', OXYCODONE, { dosageInstruction: everyEightHours, quantity: tablets(90), whenHandedOver: '2026-10-27' });
    // Oxycodone 5 mg every 8 hours (22.5) beside 10 mg every 8 hours (45).
    expect(mmeWith([oxy5, oxyFill('d-b', { whenHandedOver: '2026-11-18' })]).mme.totalKnown).toBe(67.5);
    // Morphine 15 mg every 6 hours (60) beside oxycodone (45).
    const morphine = dispense('d-a', 'Morphine Sulfate 15 MG Oral Tablet', { dosageInstruction: everySixHours, quantity: tablets(120), whenHandedOver: '2026-10-27' });
    expect(mmeWith([morphine, oxyFill('d-b', { whenHandedOver: '2026-11-18' })]).mme.totalKnown).toBe(105);
    // The same product every 6 hours (60) beside every 8 hours (45).
    const more = oxyFill('d-a', { dosageInstruction: everySixHours, quantity: tablets(120), whenHandedOver: '2026-10-27' });
    expect(mmeWith([more, oxyFill('d-b', { whenHandedOver: '2026-11-18' })]).mme.totalKnown).toBe(105);
  });
});
describe('a medication-list entry derived from a fill (review diff8 F2)', () => {
  const statement = (links: Partial<MedicationStatement>, text = OXYCODONE_10): MedicationStatement =>
    medicationStatement('s1', 'active', text, { effectivePeriod: { start: '2026-10-01' }, dosage: everyEightHours, ...links });

  it('a statement derivedFrom or partOf a fill in use is counted once with it', () => {
    const fill = oxyFill('d1');
    expect(mmeWith([statement({ derivedFrom: [{ reference: 'MedicationDispense/d1' }] }), fill]).mme.totalKnown).toBe(45);
    expect(mmeWith([statement({ partOf: [{ reference: 'https://ehr.example.org/fhir/MedicationDispense/d1/_history/2' }] }), fill]).mme.totalKnown).toBe(45);
    // The fill of an order in use, and the list entry made from that fill: one regimen.
    const linked = oxyFill('d1', { authorizingPrescription: [{ reference: 'MedicationRequest/rx-1' }] });
    expect(mmeWith([oxyOrder('rx-1'), statement({ derivedFrom: [{ reference: 'MedicationDispense/d1' }] }), linked]).mme.totalKnown).toBe(45);
  });

  it('counts the statement when the fill it names is used up, or is another drug', () => {
    const usedUp = oxyFill('d1', { whenHandedOver: '2026-09-01' });
    expect(mmeWith([statement({ derivedFrom: [{ reference: 'MedicationDispense/d1' }] }), usedUp]).mme.totalKnown).toBe(45);
    const morphine = dispense('d1', 'Morphine Sulfate 15 MG Oral Tablet', { dosageInstruction: everySixHours, quantity: tablets(120) });
    expect(mmeWith([statement({ derivedFrom: [{ reference: 'MedicationDispense/d1' }] }), morphine]).mme.totalKnown).toBe(45 + 60);
  });
});


// A ward's naloxone fill (category inpatient) counted as rescue naloxone the patient has: an opioid for home signed
// beside it got no naloxone card. It is read as an order for inpatient use only, as an inpatient naloxone order is.
describe('a fill for the ward (category inpatient)', () => {
  const NALOXONE = 'Naloxone Hydrochloride 4 MG/ACTUAT Nasal Spray';
  const category = (code: string) => ({ coding: [{ system: 'http://terminology.hl7.org/fhir/CodeSystem/medicationdispense-category', code }] });
  const naloxoneFill = (fields: Partial<MedicationDispense> = {}) => dispense('naloxone-fill', NALOXONE, { quantity: { value: 2, unit: 'spray' }, daysSupply: days(30), dosageInstruction: undefined, ...fields });

  it('is no rescue naloxone on hand beside an order for home; a fill for the community or uncategorised is', () => {
    const draft = request('draft-oxy', OXYCODONE);
    expect(hasRescueNaloxone(factsFor(draft, [naloxoneFill({ category: category('inpatient') })]).order)).toBe(false);
    expect(hasRescueNaloxone(factsFor(draft, [naloxoneFill({ category: category('community') })]).order)).toBe(true);
    expect(hasRescueNaloxone(factsFor(draft, [naloxoneFill()]).order)).toBe(true);
  });

  it('counts as naloxone at hand beside an order for inpatient use only, and a ward benzodiazepine fill still counts', () => {
    const inpatient = { category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/medicationrequest-category', code: 'inpatient' }] }] };
    expect(hasRescueNaloxone(factsFor(request('draft-oxy-ward', OXYCODONE, inpatient), [naloxoneFill({ category: category('inpatient') })]).order)).toBe(true);
    const ward = factsFor(request('draft-oxy-2', OXYCODONE), [dispense('alp-ward', ALPRAZOLAM, { category: category('inpatient') })]);
    expect(ward.order.concurrent.flatMap((m) => m.classes)).toContain('benzodiazepine');
  });
});

// Outside fill history rarely names the order it fills: an oxycodone ordered here and filled at a pharmacy read as
// two supplies (60 MME/day instead of 30, a critical card beside a benzodiazepine).
describe('a fill naming no order, of the same regimen as an order in use', () => {
  const oxycodoneOrder = () => request('oxy-order', OXYCODONE);
  const oxycodoneFill = (fields: Partial<MedicationDispense> = {}) => dispense('oxy-fill', OXYCODONE, { dosageInstruction: everySixHours, quantity: tablets(120), ...fields });
  const draft = () => request('draft', ALPRAZOLAM, { dosageInstruction: twiceADay });

  it('is that order\'s fill: counted once, as the order', () => {
    const { order } = factsFor(draft(), [oxycodoneOrder(), oxycodoneFill()]);
    expect(order.mme.totalKnown).toBe(30);
    expect(order.concurrent.find((m) => m.ref === 'MedicationDispense/oxy-fill')?.recordsRequest).toBe('MedicationRequest/oxy-order');
  });

  it('counts on its own at another dose or strength, or when it names another order (a second prescriber\'s supply)', () => {
    expect(factsFor(draft(), [oxycodoneOrder(), oxycodoneFill({ dosageInstruction: [{ ...everySixHours[0]!, doseAndRate: [{ doseQuantity: tablets(2) }] }] })]).order.mme.totalKnown).toBe(90);
    expect(factsFor(draft(), [oxycodoneOrder(), dispense('oxy10-fill', 'Oxycodone Hydrochloride 10 MG Oral Tablet', { dosageInstruction: everySixHours, quantity: tablets(120) })]).order.mme.totalKnown).toBe(90);
    expect(factsFor(draft(), [oxycodoneOrder(), oxycodoneFill({ authorizingPrescription: [{ reference: 'MedicationRequest/elsewhere' }] })]).order.mme.totalKnown).toBe(60);
  });

  it('a medication-list entry repeating that fill, with no order in use, is counted once with the fill', () => {
    const listed: MedicationStatement = {
      resourceType: 'MedicationStatement',
      id: 'oxy-listed',
      status: 'active',
      subject: { reference: 'Patient/p' },
      medicationCodeableConcept: { text: OXYCODONE },
      dosage: everySixHours,
    };
    const { order } = factsFor(draft(), [oxycodoneFill(), listed]);
    expect(order.mme.totalKnown).toBe(30);
    expect(order.concurrent.find((m) => m.ref === 'MedicationStatement/oxy-listed')?.recordsRequest).toBe('MedicationDispense/oxy-fill');
  });
});
