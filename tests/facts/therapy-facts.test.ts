// Renewal detection and hint text in the facts (src/facts/derive-facts.ts, order-facts.ts,
// medication-facts.ts): a renewal is "not a new start" for the long-term and new-opioid checks, and the
// renewed therapy counts once in MME and CNS drug totals. Shared non-CNS ingredients (acetaminophen)
// must not make two products the same therapy.
import type { Medication, MedicationRequest, MedicationStatement } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { deriveFacts, selectDraftOrders } from '../../src/facts/index.ts';
import { draftFacts, everyHours, medicationRequest, patientRecord, plainTablets, testClassifier, timesADay } from '../support/fhir-builders.ts';

const NOW = new Date('2026-11-22T12:00:00Z');

function draft(text: string, extra: Partial<MedicationRequest> = {}): MedicationRequest {
  return medicationRequest('draft-1', 'draft', text, extra);
}

function active(id: string, text: string, authoredOn = '2026-09-01'): MedicationRequest {
  return medicationRequest(id, 'active', text, { authoredOn });
}

const record = (resources: (MedicationRequest | MedicationStatement)[]) => patientRecord(resources, { birthDate: '1950-01-01' });

function orderOf(order: MedicationRequest, others: (MedicationRequest | MedicationStatement)[]) {
  return draftFacts(record(others), order, NOW).orders[0]!;
}

describe('which standing therapy a draft replaces in the daily totals', () => {
  const withDose = (m: MedicationRequest, frequency: number): MedicationRequest => ({
    ...m,
    dosageInstruction: [timesADay(frequency, plainTablets(1))],
  });
  const er = withDose(active('er', 'oxycodone hydrochloride 40 mg 12 hr extended release oral tablet'), 2);

  it('counts both when a draft adds another product of the same opioid (immediate-release for breakthrough pain)', () => {
    const order = orderOf(withDose(draft('oxycodone hydrochloride 5 mg oral tablet'), 4), [er]);
    // 40 mg x 2 x 1.5 = 120 MME/day standing, plus 5 mg x 4 x 1.5 = 30 from the draft.
    expect(order.mme.totalKnown).toBe(150);
    expect(order.isNewTherapy).toBe(false); // still a continuation of oxycodone for the new-start checks
  });

  it('counts once when the draft renews the same product, or names it in priorPrescription', () => {
    expect(orderOf(withDose(draft('oxycodone hydrochloride 40 mg 12 hr extended release oral tablet'), 2), [er]).mme.totalKnown).toBe(120);
    const linked = withDose(draft('oxycodone hydrochloride 30 mg 12 hr extended release oral tablet', { priorPrescription: { reference: 'MedicationRequest/er' } }), 2);
    expect(orderOf(linked, [er]).mme.totalKnown).toBe(90);
  });
});

describe('a renewal is the same product, not only the same ingredient name', () => {
  const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
  // Many EHRs code an order with the RxNorm ingredient (7804 "oxycodone") and put the product in the text.
  const ingredientCoded = (m: MedicationRequest, text: string): MedicationRequest => ({
    ...m,
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: '7804', display: 'oxycodone' }], text },
  });
  const dosed = (m: MedicationRequest, hours: number): MedicationRequest => ({
    ...m,
    dosageInstruction: [everyHours(hours, plainTablets(1))],
  });
  const oxycontin = dosed(ingredientCoded(active('oxycontin', ''), 'OxyContin 40 MG 12 HR Extended Release Oral Tablet'), 12);

  it('counts both when two products of one opioid share only the ingredient display (OxyContin 40 q12h + oxycodone IR 5 q6h = 150)', () => {
    const order = orderOf(dosed(ingredientCoded(draft(''), 'Oxycodone Hydrochloride 5 MG Oral Tablet'), 6), [oxycontin]);
    expect(order.mme.totalKnown).toBe(150);
    expect(order.isNewTherapy).toBe(false);
  });

  it('counts both when contained Medications carry only the ingredient code and a strength (40 q12h + 10 q4h = 210)', () => {
    const contained = (m: MedicationRequest, mg: number, hours: number): MedicationRequest =>
      dosed(
        {
          ...m,
          medicationCodeableConcept: undefined,
          medicationReference: { reference: '#med' },
          contained: [
            {
              resourceType: 'Medication',
              id: 'med',
              code: { coding: [{ system: RXNORM, code: '7804', display: 'oxycodone' }] },
              ingredient: [{ itemCodeableConcept: { coding: [{ system: RXNORM, code: '7804', display: 'oxycodone' }] }, strength: { numerator: { value: mg, unit: 'mg' }, denominator: { value: 1, unit: 'tablet' } } }],
            },
          ],
        },
        hours
      );
    const order = orderOf(contained(draft(''), 10, 4), [contained(active('er', ''), 40, 12)]);
    expect(order.mme.totalKnown).toBe(210);
  });

  it('still counts a true renewal once when the same product is named in the text or in a coding display', () => {
    const sameText = orderOf(dosed(ingredientCoded(draft(''), 'OxyContin 40 MG 12 HR Extended Release Oral Tablet'), 12), [oxycontin]);
    expect(sameText.mme.totalKnown).toBe(120);
    const scd = (m: MedicationRequest, text: string): MedicationRequest => ({
      ...m,
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: '1049621', display: 'oxycodone hydrochloride 5 MG Oral Tablet' }], text },
    });
    const renewed = orderOf(dosed(scd(draft(''), 'oxycodone 5mg tab'), 6), [dosed(scd(active('ir', ''), 'OXYCODONE HCL 5 MG TAB'), 6)]);
    expect(renewed.mme.totalKnown).toBe(30);
  });

  it('counts a renewal once when the two names differ only in wording (HCl, tab, a glued unit, "oral", plurals)', () => {
    // No shared product code and no priorPrescription: only the names say it is the same product.
    const standing = dosed(active('ir', 'Oxycodone Hydrochloride 5 MG Oral Tablet'), 6);
    for (const text of ['oxycodone HCl 5mg tab', 'OXYCODONE HCL 5 MG TABS', 'oxycodone hydrochloride 5 mg tablet', 'Oxycodone Hydrochloride, 5 MG, Oral Tablet']) {
      expect(orderOf(dosed(draft(text), 6), [standing]).mme.totalKnown, text).toBe(30);
    }
  });

  it('counts a renewal once when both orders name the same Medication of the record, and both for two Medications', () => {
    const medication = (id: string, mg: number): Medication => ({
      resourceType: 'Medication',
      id,
      code: { coding: [{ system: RXNORM, code: '7804', display: 'oxycodone' }] },
      ingredient: [{ itemCodeableConcept: { coding: [{ system: RXNORM, code: '7804', display: 'oxycodone' }] }, strength: { numerator: { value: mg, unit: 'mg' }, denominator: { value: 1, unit: 'tablet' } } }],
    });
    const byRef = (m: MedicationRequest, id: string): MedicationRequest => dosed({ ...m, medicationCodeableConcept: undefined, medicationReference: { reference: `Medication/${id}` } }, 6);
    const rec = record([byRef(active('standing', ''), 'ox5')]);
    const withMeds = { ...rec, medications: new Map([['Medication/ox5', medication('ox5', 5)], ['Medication/ox10', medication('ox10', 10)]]) };
    const facts = (id: string) => draftFacts(withMeds, byRef(draft(''), id), NOW).orders[0]!;
    expect(facts('ox5').mme.totalKnown).toBe(30); // 5 mg x 4 x 1.5, once
    expect(facts('ox10').mme.totalKnown).toBe(90); // 30 + 10 mg x 4 x 1.5
  });

  it('counts both when two orders name one ingredient-level Medication (no strength), or name different products', () => {
    // Dose-based ordering: one Medication "oxycodone" (RxNorm 7804 only) for every oxycodone order, the dose in mg.
    const oxycodone: Medication = { resourceType: 'Medication', id: 'oxycodone', code: { coding: [{ system: RXNORM, code: '7804', display: 'oxycodone' }] } };
    const mgOrder = (m: MedicationRequest, mg: number, hours: number, display?: string): MedicationRequest => ({
      ...m,
      medicationCodeableConcept: undefined,
      medicationReference: { reference: 'Medication/oxycodone', ...(display ? { display } : {}) },
      dosageInstruction: [everyHours(hours, { value: mg, unit: 'mg' })],
    });
    const total = (names: [string, string] | undefined): number | null => {
      const rec = { ...record([mgOrder(active('er', ''), 40, 12, names?.[0])]), medications: new Map([['Medication/oxycodone', oxycodone]]) };
      return draftFacts(rec, mgOrder(draft(''), 5, 6, names?.[1]), NOW).orders[0]!.mme.totalKnown;
    };
    // 40 mg x 2 x 1.5 = 120 standing, 5 mg x 4 x 1.5 = 30 drafted.
    expect(total(undefined)).toBe(150);
    expect(total(['OxyContin 40 mg 12 hr extended-release tablet', 'oxycodone 5 mg tablet'])).toBe(150);
  });

  it('still counts both when the names differ in strength, release or form', () => {
    const standing = dosed(active('ir', 'Morphine Sulfate 15 MG Oral Tablet'), 12);
    // 15 mg x 2 x 1 = 30 MME/day standing, the same from each draft.
    for (const text of ['morphine sulfate 15 mg ER tab', 'Morphine Sulfate 15 MG Extended Release Oral Tablet', 'MS Contin 15 mg tab', 'morphine sulfate 1.5 mg tab']) {
      expect(orderOf(dosed(draft(text), 12), [standing]).mme.totalKnown, text).not.toBe(30);
    }
  });
});

describe('same therapy (renewal) in the facts', () => {
  it('takes a draft with the active opioid of a current order as a renewal, days counted from that order', () => {
    const order = orderOf(draft('hydrocodone 5 mg / acetaminophen 325 mg oral tablet'), [active('a1', 'hydrocodone 5 mg / acetaminophen 325 mg oral tablet', '2026-09-23')]);
    expect(order.order.activeIngredients).toEqual(['hydrocodone']);
    expect(order.isNewTherapy).toBe(false);
    expect(order.daysOnTherapy).toBe(60);
    // Counted once: the renewed order is not a second CNS drug.
    expect(order.cnsDrugs).toHaveLength(1);
  });

  it('does not take a shared non-CNS ingredient (acetaminophen) for the same therapy', () => {
    const order = orderOf(draft('hydrocodone 5 mg / acetaminophen 325 mg oral tablet'), [active('a1', 'acetaminophen 500 mg oral tablet')]);
    expect(order.isNewTherapy).toBe(true);
    expect(order.daysOnTherapy).toBeNull();
  });

  it('compares by name when the order has no recognised active ingredient', () => {
    const same = orderOf(draft('Unlisted Herbal Sleep Tonic'), [active('a1', 'unlisted herbal sleep tonic')]);
    expect(same.order.activeIngredients).toEqual([]);
    expect(same.isNewTherapy).toBe(false);
    const other = orderOf(draft('Unlisted Herbal Sleep Tonic'), [active('a1', 'another tonic')]);
    expect(other.isNewTherapy).toBe(true);
  });
});

describe('an order that says not to give the drug (doNotPerform)', () => {
  const methadone = 'methadone hydrochloride 5 mg oral tablet';

  it('on the record, it is no therapy a new start continues, nor a drug in use', () => {
    // A standing "do not prescribe methadone" order made a new methadone start a renewal: no methadone-for-pain warning.
    const order = orderOf(draft(methadone), [{ ...active('dnp', methadone), doNotPerform: true }]);
    expect(order.isNewTherapy).toBe(true);
    expect(order.concurrent).toEqual([]);
    const alprazolam = orderOf(draft('oxycodone hydrochloride 5 mg oral tablet'), [{ ...active('dnp', 'alprazolam 0.5 mg oral tablet'), doNotPerform: true }]);
    expect(alprazolam.concurrent).toEqual([]);
  });

  it('as a draft, it is not checked as a prescription and does not count beside the others, like a draft the session ends', () => {
    const drafts = selectDraftOrders({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { resource: draft('lorazepam 1 mg oral tablet', { id: 'dnp-lorazepam', doNotPerform: true }) },
        { resource: draft('oxycodone hydrochloride 5 mg oral tablet', { id: 'oxy' }) },
      ],
    });
    expect(drafts.map((d) => [d.fallbackRef, d.evaluate, d.ending === true])).toEqual([
      ['MedicationRequest/dnp-lorazepam', false, true],
      ['MedicationRequest/oxy', true, false],
    ]);
    const facts = deriveFacts(record([]), drafts, testClassifier(), NOW);
    expect(facts.orders.map((o) => o.order.ref)).toEqual(['MedicationRequest/oxy']);
    expect(facts.orders[0]!.concurrent).toEqual([]);
  });
});

describe('hint text', () => {
  it('is read from the draft order (dosage text, notes, reason) and left empty for the rest of the record', () => {
    const order = orderOf(
      draft('midazolam 2 mg oral solution', { dosageInstruction: [{ text: 'Premedication before the ketamine session' }], note: [{ text: 'Anxious' }] }),
      [{ ...active('a1', 'lorazepam 1 mg oral tablet'), note: [{ text: 'premed before procedures' }] }]
    );
    expect(order.order.hintText).toContain('premedication before the ketamine session');
    expect(order.order.hintText).toContain('anxious');
    expect(order.concurrent.map((m) => m.hintText)).toEqual(['']);
    // The draft's own words name the ketamine session: it is a ketamine pre-medication.
    expect(order.isKetaminePremedication).toBe(true);
  });

  it("does not read a concurrent medication's notes as the draft's", () => {
    const order = orderOf(draft('midazolam 2 mg oral solution'), [
      { ...active('a1', 'lorazepam 1 mg oral tablet'), note: [{ text: 'Premedication before the ketamine session' }] },
    ]);
    expect(order.order.hintText).toBe('');
    expect(order.isKetaminePremedication).toBe(false);
  });
});
