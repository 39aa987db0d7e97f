// A running opioid infusion or PCA (a MedicationAdministration in progress) is daily opioid dosing: it must
// not drop out of the MME total silently. Its MME is unknown (CDC 2022 has no factor for a parenteral dose),
// so the total is marked incomplete and the "check incomplete" card names it, with the basal rate per day
// when the rate is a mass per time. Before, a hydromorphone PCA beside a new oxycodone order gave no card at all.
// A fentanyl patch in place is computed as a patch order is (mcg/hr x 2.4: CDC 2022 has that factor), and an
// administration that names the active order it carries out (its `request`) is that order, counted once.
import type { MedicationAdministration, MedicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { deriveFacts, engineFactsFor, selectDraftOrders } from '../../src/facts/index.ts';
import { everyHours, medicationRequest, patientRecord, tablets, testClassifier } from '../support/fhir-builders.ts';

const NOW = new Date('2026-11-21T15:00:00Z');
const hoursAgo = (h: number): string => new Date(NOW.getTime() - h * 3_600_000).toISOString();
const HYDROMORPHONE_PCA = 'hydromorphone hydrochloride 0.2 MG/ML Injectable Solution';

let ids = 0;
const administration = (text: string, status: string, dosage: MedicationAdministration['dosage'], start = hoursAgo(20)): MedicationAdministration => ({
  resourceType: 'MedicationAdministration',
  id: `adm-${(ids += 1)}`,
  status: status as MedicationAdministration['status'],
  subject: { reference: 'Patient/p' },
  medicationCodeableConcept: { text },
  effectivePeriod: { start },
  ...(dosage ? { dosage } : {}),
});

// The order being signed: oxycodone 5 mg every 4 hours, 30 mg x 1.5 = 45 MME/day.
const oxycodone = medicationRequest('draft-oxy', 'draft', 'Oxycodone Hydrochloride 5 MG Oral Tablet', { dosageInstruction: [everyHours(4, tablets(1))] });

function factsWith(administrations: MedicationAdministration[], requests: MedicationRequest[] = [], sessionDrafts: MedicationRequest[] = []) {
  const record = patientRecord([...administrations, ...requests], { birthDate: '1970-01-01' });
  const facts = deriveFacts(record, selectDraftOrders({ resourceType: 'Bundle', type: 'collection', entry: [oxycodone, ...sessionDrafts].map((resource) => ({ resource })) }), testClassifier(), NOW);
  return { facts, order: facts.orders[0]! };
}

const intravenous = { text: 'Intravenous' };

describe('a running opioid infusion or PCA in the MME total', () => {
  it('counts a hydromorphone PCA running since yesterday as an unknown MME, with its basal 12 mg/day on the check-incomplete card', () => {
    const pca = administration(HYDROMORPHONE_PCA, 'in-progress', { route: intravenous, rateQuantity: { value: 0.5, unit: 'mg/h', system: 'http://unitsofmeasure.org', code: 'mg/h' } });
    const { facts, order } = factsWith([pca]);
    expect(order.mme.totalKnown).toBe(45);
    expect(order.mme.unknownCount).toBe(1);
    expect(order.mme.complete).toBe(false);
    expect(engineFactsFor(facts, order).mmeUnknownCount).toBe(1);
    const entry = order.mme.perDrug.find((d) => d.ingredient === 'hydromorphone');
    expect(entry).toMatchObject({ mgPerDay: 12, mmePerDay: null, factor: null });
    const gap = facts.gaps.find((g) => g.purpose.startsWith('the daily opioid dose of'));
    expect(gap?.reason).toContain('12 mg/day of hydromorphone');
    expect(gap?.reason).toContain('no MME factor for a parenteral dose');
  });

  it('reads a rate given as a ratio (0.5 mg per 1 h), and leaves a rate in mL/h unknown without a figure', () => {
    const ratio = administration(HYDROMORPHONE_PCA, 'in-progress', {
      route: intravenous,
      rateRatio: { numerator: { value: 0.5, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' }, denominator: { value: 1, unit: 'h', system: 'http://unitsofmeasure.org', code: 'h' } },
    });
    expect(factsWith([ratio]).order.mme.perDrug.find((d) => d.ingredient === 'hydromorphone')?.mgPerDay).toBe(12);
    const millilitres = administration(HYDROMORPHONE_PCA, 'in-progress', { route: intravenous, rateQuantity: { value: 2.5, unit: 'mL/h', system: 'http://unitsofmeasure.org', code: 'mL/h' } });
    const { order, facts } = factsWith([millilitres]);
    expect(order.mme.unknownCount).toBe(1);
    expect(order.mme.perDrug.find((d) => d.ingredient === 'hydromorphone')?.mgPerDay).toBeNull();
    expect(facts.gaps.some((g) => g.reason.includes('in progress (a running infusion or PCA)'))).toBe(true);
    // A mass rate on a mixture may be the partner's (bupivacaine in mg/h): no figure, still unknown.
    const epidural = administration('fentanyl 2 MCG/ML in bupivacaine 0.1 % Injectable Solution', 'in-progress', { rateQuantity: { value: 12, unit: 'mg/h', code: 'mg/h' } });
    expect(factsWith([epidural]).order.mme.perDrug.find((d) => d.ingredient === 'fentanyl')).toMatchObject({ mgPerDay: null, mmePerDay: null });
    // No dosage at all: still unknown, never left out.
    expect(factsWith([administration('Morphine Sulfate 1 MG/ML Injectable Solution', 'in-progress', undefined)]).order.mme.unknownCount).toBe(1);
  });

  it('leaves completed doses and non-opioids out as before', () => {
    // A dose given 2 hours ago is not daily dosing (by design); a running midazolam drip is not an opioid.
    const given = administration(HYDROMORPHONE_PCA, 'completed', { route: intravenous, dose: { value: 0.5, unit: 'mg' } }, hoursAgo(2));
    const midazolam = administration('Midazolam 1 MG/ML Injectable Solution', 'in-progress', { route: intravenous, rateQuantity: { value: 2, unit: 'mg/h', code: 'mg/h' } });
    const { order } = factsWith([given, midazolam]);
    expect(order.mme.totalKnown).toBe(45);
    expect(order.mme.unknownCount).toBe(0);
    expect(order.concurrent).toHaveLength(2); // both still count for the interaction checks
  });
});

const FENTANYL_100 = 'fentanyl 100 MCG/HR 72 HR Transdermal System';
const transdermal = { text: 'Transdermal' };

/** The active order for a fentanyl 100 mcg/hr patch, one patch every 72 hours: 100 x 2.4 = 240 MME/day. */
const patchOrder = medicationRequest('patch-order', 'active', FENTANYL_100, { authoredOn: '2026-11-20', dosageInstruction: [everyHours(72, { value: 1, unit: 'patch' })] });

const patchInPlace = (extra: Partial<MedicationAdministration> = {}, dosage: MedicationAdministration['dosage'] = { route: transdermal }): MedicationAdministration => ({
  ...administration(FENTANYL_100, 'in-progress', dosage),
  ...extra,
});

describe('a fentanyl patch in place (an administration in progress)', () => {
  it('is 240 MME/day for a 100 mcg/hr patch, as a patch order is: 285 with the new oxycodone, complete, no parenteral reason', () => {
    for (const dosage of [{ route: transdermal }, { route: transdermal, rateQuantity: { value: 100, unit: 'mcg/h', system: 'http://unitsofmeasure.org', code: 'ug/h' } }]) {
      const { facts, order } = factsWith([patchInPlace({}, dosage)]);
      expect(order.mme.perDrug.find((d) => d.ingredient === 'fentanyl')).toMatchObject({ mgPerDay: 100, unit: 'mcg/hr', factor: 2.4, mmePerDay: 240 });
      expect(order.mme.totalKnown).toBe(285);
      expect(order.mme.complete).toBe(true);
      expect(facts.gaps).toEqual([]);
    }
  });

  it('counts the patches applied, and gives an unknown with a reason true for a patch when their number cannot be read', () => {
    const two = patchInPlace({}, { route: transdermal, dose: { value: 2, unit: 'patch' } });
    expect(factsWith([two]).order.mme.totalKnown).toBe(45 + 480);
    const unreadable = patchInPlace({}, { route: transdermal, dose: { value: 2, unit: 'application' } });
    const { facts, order } = factsWith([unreadable]);
    expect(order.mme.unknownCount).toBe(1);
    const gap = facts.gaps.find((g) => g.purpose.includes('fentanyl'));
    expect(gap?.reason).toBeDefined();
    expect(gap?.reason).not.toContain('parenteral');
  });

  it('is counted once with its active order when it names that order as its request: 285 MME/day, not "at least"', () => {
    const linked = patchInPlace({ request: { reference: 'MedicationRequest/patch-order' } });
    const { facts, order } = factsWith([linked], [patchOrder]);
    expect(order.mme.totalKnown).toBe(285);
    expect(order.mme.unknownCount).toBe(0);
    expect(order.mme.perDrug.filter((d) => d.ingredient === 'fentanyl')).toHaveLength(1);
    expect(facts.gaps).toEqual([]);
    // Still a medication in use for the interaction checks.
    expect(order.concurrent.some((m) => m.kind === 'medication-administration')).toBe(true);
    // An absolute or versioned reference names the same order.
    const absolute = patchInPlace({ request: { reference: 'http://localhost:8080/fhir/MedicationRequest/patch-order/_history/3' } });
    expect(factsWith([absolute], [patchOrder]).order.mme.totalKnown).toBe(285);
  });

  it('without a request, is the one active patch order of the drug (285, not 525); with two patch orders of it, it still counts', () => {
    const { order } = factsWith([patchInPlace()], [patchOrder]);
    expect(order.mme.totalKnown).toBe(285);
    expect(order.mme.perDrug.filter((d) => d.ingredient === 'fentanyl')).toHaveLength(1);
    const second: MedicationRequest = { ...patchOrder, id: 'patch-order-2' };
    expect(factsWith([patchInPlace()], [patchOrder, second]).order.mme.totalKnown).toBe(45 + 3 * 240);
  });

  // An order's dose covers the patches it orders, not every patch charted in place (review hostile2, finding 2): an
  // old patch not removed is a classic fentanyl error. Each case gave 285 before (the second patch absorbed).
  it('stands for one patch in place only: a second patch of the same strength, with or without a request, counts (525, not 285)', () => {
    const older = hoursAgo(80);
    expect(factsWith([patchInPlace(), patchInPlace({ effectivePeriod: { start: older } })], [patchOrder]).order.mme.totalKnown).toBe(45 + 2 * 240);
    const linked = { request: { reference: 'MedicationRequest/patch-order' } };
    const { order } = factsWith([patchInPlace({ ...linked, id: 'stale-patch', effectivePeriod: { start: older } }), patchInPlace({ ...linked, id: 'current-patch' })], [patchOrder]);
    expect(order.mme.totalKnown).toBe(45 + 2 * 240);
    expect(order.mme.complete).toBe(true);
    // The order stands for the newest patch; the older one is the surplus and is the one counted.
    const counted = order.mme.perDrug.filter((d) => d.ingredient === 'fentanyl').map((d) => d.ref);
    expect(counted.sort()).toEqual(['MedicationAdministration/stale-patch', 'MedicationRequest/patch-order']);
    // One linked, one charted without its order: still two patches on the skin.
    expect(factsWith([patchInPlace(linked), patchInPlace()], [patchOrder]).order.mme.totalKnown).toBe(45 + 2 * 240);
  });

  it('stands for as many patches as it orders: "apply 2 patches" covers two patches linked to it, a third counts', () => {
    const twoPatches: MedicationRequest = { ...patchOrder, dosageInstruction: [everyHours(72, { value: 2, unit: 'patch' })] };
    const linked = { request: { reference: 'MedicationRequest/patch-order' } };
    // 2 x 100 mcg/hr ordered: 480 MME/day, the two patches in place are that dose.
    expect(factsWith([patchInPlace(linked), patchInPlace(linked)], [twoPatches]).order.mme.totalKnown).toBe(45 + 480);
    expect(factsWith([patchInPlace(linked), patchInPlace(linked), patchInPlace(linked)], [twoPatches]).order.mme.totalKnown).toBe(45 + 480 + 240);
    // One administration of two patches is the order's dose too; a patch whose strength cannot be read is one patch only.
    expect(factsWith([patchInPlace(linked, { route: transdermal, dose: { value: 2, unit: 'patch' } })], [twoPatches]).order.mme.totalKnown).toBe(45 + 480);
    const unreadable = patchInPlace({ ...linked, medicationCodeableConcept: { text: 'fentanyl transdermal patch' } });
    const { order } = factsWith([unreadable, patchInPlace({ ...linked, medicationCodeableConcept: { text: 'fentanyl transdermal patch' } })], [twoPatches]);
    expect(order.mme.totalKnown).toBe(45 + 480);
    expect(order.mme.unknownCount).toBe(1);
  });

  // Review diff8, finding 6: the "12 mcg/hr" strength delivers 12.5 mcg/hr (FDA label of fentanyl transdermal system)
  // and records write it either way; the order's own patch charted as 12.5 was counted as a second patch (+30 MME/day).
  it('a 12 mcg/hr order covers its patch charted as 12.5 mcg/hr, and the other way round; a further or stronger patch still counts', () => {
    const order12: MedicationRequest = { ...patchOrder, id: 'patch-order-12', medicationCodeableConcept: { text: 'Fentanyl 12 MCG/HR Transdermal System' } };
    const linked = { request: { reference: 'MedicationRequest/patch-order-12' } };
    const charted = (text: string, extra: Partial<MedicationAdministration> = {}): MedicationAdministration => ({ ...administration(text, 'in-progress', { route: transdermal }), ...extra });
    const patch125 = 'fentanyl 12.5 mcg/hr transdermal patch';
    // The order's 12 x 2.4 = 28.8 MME/day, beside the new oxycodone's 45: the patch is that order, counted once.
    const { facts, order } = factsWith([charted(patch125, linked)], [order12]);
    expect(order.mme.totalKnown).toBeCloseTo(45 + 28.8);
    expect(order.mme.perDrug.filter((d) => d.ingredient === 'fentanyl').map((d) => d.ref)).toEqual(['MedicationRequest/patch-order-12']);
    expect(engineFactsFor(facts, order).totalMme).toBeCloseTo(73.8);
    // Charted without its order: the one patch order of the drug, at that strength.
    expect(factsWith([charted(patch125)], [order12]).order.mme.totalKnown).toBeCloseTo(45 + 28.8);
    // An order written as 12.5 and its patch charted as 12.
    const order125: MedicationRequest = { ...order12, medicationCodeableConcept: { text: 'fentanyl 12.5 MCG/HR Transdermal System' } };
    expect(factsWith([charted('Fentanyl 12 MCG/HR Transdermal System', linked)], [order125]).order.mme.totalKnown).toBeCloseTo(45 + 30);
    // "Apply 2 patches" of 12 covers two patches charted as 12.5.
    const two12: MedicationRequest = { ...order12, dosageInstruction: [everyHours(72, { value: 2, unit: 'patch' })] };
    expect(factsWith([charted(patch125, linked), charted(patch125, linked)], [two12]).order.mme.totalKnown).toBeCloseTo(45 + 57.6);
    // A second 12.5 patch under an order for one, and a 25 mcg/hr patch under a 12 order, are patches beyond the order.
    expect(factsWith([charted(patch125, linked), charted(patch125, linked)], [order12]).order.mme.totalKnown).toBeCloseTo(45 + 28.8 + 30);
    expect(factsWith([charted('fentanyl 25 mcg/hr transdermal patch', linked)], [order12]).order.mme.totalKnown).toBeCloseTo(45 + 28.8 + 60);
  });

  it('still counts when the link does not show the dose is counted: an order not on the record, another drug, an order the session stops', () => {
    // A request naming an order that is not on the record: possibly a second patch; counting both is the safe side (240 + 240 + 45).
    expect(factsWith([patchInPlace({ request: { reference: 'MedicationRequest/elsewhere' } })], [patchOrder]).order.mme.totalKnown).toBe(525);
    const morphine: MedicationRequest = { ...patchOrder, id: 'morphine-order', medicationCodeableConcept: { text: 'Morphine Sulfate 15 MG Oral Tablet' } };
    expect(factsWith([patchInPlace({ request: { reference: 'MedicationRequest/morphine-order' } })], [morphine]).order.mme.perDrug.some((d) => d.ingredient === 'fentanyl')).toBe(true);
    // The session stops the order; the patch stays on until it is removed: still counted, the order is not.
    const stopped = { ...patchOrder, status: 'stopped' as const };
    const { order } = factsWith([patchInPlace({ request: { reference: 'MedicationRequest/patch-order' } })], [patchOrder], [stopped]);
    expect(order.mme.totalKnown).toBe(285);
    expect(order.mme.perDrug.filter((d) => d.ingredient === 'fentanyl').map((d) => d.ref)).toEqual([expect.stringMatching(/^MedicationAdministration\//)]);
  });
});
