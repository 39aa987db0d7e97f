// A running opioid infusion or PCA (a MedicationAdministration in progress) is daily opioid dosing: it must
// not drop out of the MME total silently. Its MME is unknown (CDC 2022 has no factor for a parenteral dose),
// so the total is marked incomplete and the "check incomplete" card names it, with the basal rate per day
// when the rate is a mass per time. Before, a hydromorphone PCA beside a new oxycodone order gave no card at all.
import type { MedicationAdministration, MedicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { deriveFacts, engineFactsFor } from '../../src/facts/index.ts';
import type { PatientRecord } from '../../src/patient/index.ts';
import { createClassifier } from '../../src/terminology/index.ts';

const NOW = new Date('2026-11-21T15:00:00Z');
const hoursAgo = (h: number): string => new Date(NOW.getTime() - h * 3_600_000).toISOString();
const classifier = createClassifier();
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
const oxycodone: MedicationRequest = {
  resourceType: 'MedicationRequest',
  id: 'draft-oxy',
  status: 'draft',
  intent: 'order',
  subject: { reference: 'Patient/p' },
  medicationCodeableConcept: { text: 'Oxycodone Hydrochloride 5 MG Oral Tablet' },
  dosageInstruction: [{ timing: { repeat: { frequency: 1, period: 4, periodUnit: 'h' } }, doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet', system: 'http://unitsofmeasure.org', code: '{tbl}' } }] }],
};

function factsWith(administrations: MedicationAdministration[]) {
  const record: PatientRecord = {
    patientId: 'p',
    patient: { resourceType: 'Patient', id: 'p', birthDate: '1970-01-01' },
    resources: new Map([['MedicationAdministration', administrations]]),
    medications: new Map(),
    gaps: [],
    sources: {},
  };
  const facts = deriveFacts(record, [{ resource: oxycodone, fallbackRef: 'MedicationRequest/#0', evaluate: true }], classifier, NOW);
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
    expect(facts.gaps.some((g) => g.reason.includes('in progress (a running infusion, PCA or patch)'))).toBe(true);
    // A mass rate on a mixture may be the partner's (bupivacaine in mg/h): no figure, still unknown.
    const epidural = administration('fentanyl 2 MCG/ML in bupivacaine 0.1 % Injectable Solution', 'in-progress', { rateQuantity: { value: 12, unit: 'mg/h', code: 'mg/h' } });
    expect(factsWith([epidural]).order.mme.perDrug.find((d) => d.ingredient === 'fentanyl')).toMatchObject({ mgPerDay: null, mmePerDay: null });
    // No dosage at all: still unknown, never left out.
    expect(factsWith([administration('Morphine Sulfate 1 MG/ML Injectable Solution', 'in-progress', undefined)]).order.mme.unknownCount).toBe(1);
  });

  it('gives no figure for a patch in place, and leaves completed doses and non-opioids out as before', () => {
    const patch = administration('fentanyl 25 MCG/HR 72 HR Transdermal System', 'in-progress', { rateQuantity: { value: 25, unit: 'mcg/h', code: 'ug/h' } });
    const patchEntry = factsWith([patch]).order.mme.perDrug.find((d) => d.ingredient === 'fentanyl');
    expect(patchEntry).toMatchObject({ mgPerDay: null, mmePerDay: null });
    // A dose given 2 hours ago is not daily dosing (by design); a running midazolam drip is not an opioid.
    const given = administration(HYDROMORPHONE_PCA, 'completed', { route: intravenous, dose: { value: 0.5, unit: 'mg' } }, hoursAgo(2));
    const midazolam = administration('Midazolam 1 MG/ML Injectable Solution', 'in-progress', { route: intravenous, rateQuantity: { value: 2, unit: 'mg/h', code: 'mg/h' } });
    const { order } = factsWith([given, midazolam]);
    expect(order.mme.totalKnown).toBe(45);
    expect(order.mme.unknownCount).toBe(0);
    expect(order.concurrent).toHaveLength(2); // both still count for the interaction checks
  });
});
