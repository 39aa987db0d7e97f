// Facts of a ketamine or esketamine session beside a benzodiazepine (src/facts/medication-facts.ts,
// order-facts.ts): which benzodiazepine is the session's pre-medication, and which is maintenance therapy that
// must still meet the session's safety and timing checks; whether the session is for depression; and how far the
// nearest benzodiazepine dose is from a session.
import type { Condition, MedicationAdministration, MedicationRequest, MedicationStatement } from '@medplum/fhirtypes';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { smallestGapHours } from '../../src/facts/order-facts.ts';
import type { OrderFacts } from '../../src/facts/index.ts';
import { draftFacts, medicationRequest, medicationStatement, patientRecord, plainTablets, timesADay } from '../support/fhir-builders.ts';

const NOW = new Date('2026-11-21T12:00:00Z');

type Standing = MedicationRequest | MedicationStatement | MedicationAdministration | Condition;

function draft(id: string, text: string, extra: Partial<MedicationRequest> = {}): MedicationRequest {
  return medicationRequest(id, 'draft', text, extra);
}

/** The facts of every draft of the session, each evaluated beside the others and the record. */
function session(drafts: MedicationRequest[], standing: Standing[] = []): { facts: OrderFacts[]; gaps: string[] } {
  const facts = draftFacts(patientRecord(standing, { birthDate: '1972-03-14' }), drafts, NOW);
  return { facts: [...facts.orders], gaps: facts.gaps.map((g) => `${g.purpose}: ${g.reason}`) };
}

const SPRAVATO = 'esketamine (SPRAVATO) 56 MG dose nasal spray kit';
const twiceDaily = (tablets = 1): MedicationRequest['dosageInstruction'] => [timesADay(2, plainTablets(tablets))];

describe('a benzodiazepine signed with the session: pre-medication or maintenance (ongoingSupply)', () => {
  const clonazepam = (dispenseRequest: MedicationRequest['dispenseRequest']): MedicationRequest =>
    draft('clonazepam', 'clonazePAM (KLONOPIN) 1 MG tablet', { dosageInstruction: twiceDaily(), dispenseRequest });

  it('reads a supply given as a quantity at the daily dose: 60 tablets at one twice a day is 30 days, maintenance', () => {
    const { facts } = session([draft('spravato', SPRAVATO), clonazepam({ quantity: { value: 60, unit: 'tablet' } })]);
    const [ketamine, benzo] = facts;
    expect(benzo!.order.ongoingSupply).toBe(true);
    // Neither order is the session's pre-medication: the safety and timing checks see the clonazepam.
    expect(benzo!.isKetaminePremedication).toBe(false);
    expect(ketamine!.isKetaminePremedication).toBe(false);
    expect(ketamine!.benzoDiazepamEqPerDay).toBe(40);
  });

  it('still reads two tablets for the session as pre-medication', () => {
    const { facts } = session([draft('spravato', SPRAVATO), clonazepam({ quantity: { value: 2, unit: 'tablet' } })]);
    expect(facts[1]!.order.ongoingSupply).toBe(false);
    expect(facts[0]!.isKetaminePremedication).toBe(true);
    expect(facts[1]!.isKetaminePremedication).toBe(true);
  });
});

describe('a pre-medication draft beside a standing benzodiazepine', () => {
  const standingClonazepam = medicationRequest('clonazepam-standing', 'active', 'clonazePAM (KLONOPIN) 1 MG tablet', { authoredOn: '2026-09-01', dosageInstruction: twiceDaily() });
  const premed = draft('lorazepam-premed', 'Lorazepam 0.5 MG Oral Tablet', {
    dosageInstruction: [
      { text: 'Take 1 tablet by mouth once, 30 minutes before the session', timing: { event: ['2026-11-21T11:30:00Z'] }, doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }] },
    ],
    dispenseRequest: { quantity: { value: 1, unit: 'tablet' } },
  });

  it("does not hide it from the ketamine order's checks: the daily dose and the nearest dose are the standing one's", () => {
    const { facts, gaps } = session([draft('spravato', SPRAVATO), premed], [standingClonazepam]);
    const [ketamine, lorazepam] = facts;
    expect(ketamine!.isKetaminePremedication).toBe(false);
    expect(ketamine!.benzoDiazepamEqPerDay).toBe(40);
    // A standing order has no dose time; the pre-medication 30 minutes before the session is not counted either.
    expect(ketamine!.ketamineBenzoGapHours).toBeNull();
    // The pre-medication's once-only dose has no daily amount: not a gap in the ketamine order's checks.
    expect(gaps.filter((g) => g.startsWith('the daily benzodiazepine dose'))).toEqual([]);
    // The lorazepam order itself is still the session's pre-medication.
    expect(lorazepam!.isKetaminePremedication).toBe(true);
  });

  it('leaves the ketamine order covered by the pre-medication card when it is the only benzodiazepine', () => {
    const { facts } = session([draft('spravato', SPRAVATO), premed]);
    expect(facts[0]!.isKetaminePremedication).toBe(true);
  });
});

describe('a ketamine session for depression (forDepression), read by the condition classifier', () => {
  const KETAMINE = 'Ketamine Hydrochloride 50 MG/ML Injectable Solution';
  const condition = (id: string, text: string, verification = 'confirmed'): Condition => ({
    resourceType: 'Condition',
    id,
    subject: { reference: 'Patient/p' },
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: verification }] },
    code: { text },
  });
  const forDepression = (extra: Partial<MedicationRequest>, standing: Standing[] = []): boolean => session([draft('ketamine', KETAMINE, extra)], standing).facts[0]!.forDepression;

  it('reads the wordings and codes the problem list is read with', () => {
    expect(forDepression({ reasonCode: [{ text: 'TRD' }] })).toBe(true);
    expect(forDepression({ reasonCode: [{ text: 'MDD, recurrent, severe' }] })).toBe(true);
    expect(forDepression({ reasonCode: [{ coding: [{ system: 'http://snomed.info/sct', code: '35489007' }] }] })).toBe(true);
    expect(forDepression({ reasonCode: [{ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'F33.2' }] }] })).toBe(true);
  });

  it('counts a depressive episode of bipolar disorder', () => {
    expect(forDepression({ reasonCode: [{ text: 'Bipolar depression' }] })).toBe(true);
    expect(forDepression({ reasonCode: [{ text: 'Bipolar I disorder, current episode depressed, severe' }] })).toBe(true);
    expect(forDepression({ reasonCode: [{ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'F31.4' }] }] })).toBe(true);
    expect(forDepression({ reasonCode: [{ text: 'Bipolar disorder, current episode manic' }] })).toBe(false);
    expect(forDepression({ reasonCode: [{ text: 'Bipolar disorder, no current depressive episode' }] })).toBe(false);
  });

  it('reads "depressed" and "depressive" as the reason text says them, and F32/F33 sent without a system', () => {
    expect(forDepression({ reasonCode: [{ text: 'Depressed mood' }] })).toBe(true);
    expect(forDepression({ reasonCode: [{ text: 'Suicidal ideation with depressed mood' }] })).toBe(true);
    expect(forDepression({ reasonCode: [{ text: 'Severe depressive symptoms' }] })).toBe(true);
    expect(forDepression({ reasonCode: [{ coding: [{ code: 'F32.9' }] }] })).toBe(true);
    expect(forDepression({ reasonCode: [{ text: 'Not depressed; chronic pain' }] })).toBe(false);
    expect(forDepression({ reasonCode: [{ text: 'Depressed skull fracture, procedural sedation' }] })).toBe(false);
    expect(forDepression({ reasonCode: [{ text: 'Agitation with depressed level of consciousness' }] })).toBe(false);
    expect(forDepression({ reasonCode: [{ text: 'Sedation; depressed respirations expected' }] })).toBe(false);
    for (const text of [
      'Rapid sequence intubation for depressed consciousness',
      'Depressed mental status, intubation',
      'Depressed GCS',
      'Skull fracture, depressed',
      'Depressed open skull fracture',
      'Depressed tibial plateau fracture',
      'Depressed ejection fraction',
      'Depressed LV function',
      'Depressed respiratory drive',
      'Pain, non-depressed',
    ]) {
      expect(forDepression({ reasonCode: [{ text }] }), text).toBe(false);
    }
    expect(forDepression({ reasonCode: [{ text: 'Respiratory depressed patient, sedation' }] })).toBe(false);
    // A reason given as the display of a reference, with major depression on the problem list.
    const mdd: Condition = { resourceType: 'Condition', id: 'mdd', subject: { reference: 'Patient/p' }, code: { text: 'Major depressive disorder' } };
    expect(forDepression({ reasonReference: [{ reference: 'Condition/elsewhere', display: 'Depressed mood' }] }, [mdd])).toBe(true);
  });

  it('does not count respiratory depression or a negative screen', () => {
    expect(forDepression({ reasonCode: [{ text: 'Procedural sedation, low risk of respiratory depression' }] })).toBe(false);
    expect(forDepression({ reasonCode: [{ text: 'chronic pain (screening for depression negative)' }] })).toBe(false);
  });

  it('reads a Condition named by reasonReference (not a refuted one), and its display', () => {
    const trd = condition('trd', 'Treatment-resistant depression');
    expect(forDepression({ reasonReference: [{ reference: 'Condition/trd' }] }, [trd])).toBe(true);
    expect(forDepression({ reasonReference: [{ reference: 'Condition/trd' }] }, [condition('trd', 'Treatment-resistant depression', 'refuted')])).toBe(false);
    expect(forDepression({ reasonReference: [{ reference: 'Condition/elsewhere', display: 'Major depressive disorder' }] })).toBe(true);
  });

  it('falls back to the problem list only when the order gives no reason', () => {
    const problemList = [condition('mdd', 'Major depressive disorder, recurrent')];
    expect(forDepression({}, problemList)).toBe(true);
    // An unreadable reference says nothing: the problem list decides.
    expect(forDepression({ reasonReference: [{ reference: 'Condition/elsewhere' }] }, problemList)).toBe(true);
    expect(forDepression({ reasonCode: [{ text: 'Complex regional pain syndrome' }] }, problemList)).toBe(false);
    expect(forDepression({ reasonReference: [{ reference: 'Condition/crps' }] }, [...problemList, condition('crps', 'Complex regional pain syndrome')])).toBe(false);
  });
});

describe('hours between a ketamine session and the nearest benzodiazepine dose (ketamineBenzoGapHours)', () => {
  const given = (effectiveDateTime: string): MedicationAdministration => ({
    resourceType: 'MedicationAdministration',
    id: 'lorazepam-given',
    status: 'completed',
    subject: { reference: 'Patient/p' },
    medicationCodeableConcept: { text: 'Lorazepam 1 MG Oral Tablet' },
    effectiveDateTime,
  });
  const taken = (effectiveDateTime: string): MedicationStatement => medicationStatement('lorazepam-taken', 'active', 'Lorazepam 1 MG Oral Tablet', { effectiveDateTime });
  const spravato = (...dosageInstruction: MedicationRequest['dosageInstruction'] & object): MedicationRequest => draft('spravato', SPRAVATO, { dosageInstruction });
  const at = (...event: string[]) => ({ timing: { event } });
  const gap = (order: MedicationRequest, standing: Standing[]): number | null => session([order], standing).facts[0]!.ketamineBenzoGapHours;

  it('measures against every session the order lists, in any order, in any dosage instruction', () => {
    const dose = given('2026-11-21T08:00:00Z');
    expect(gap(spravato(at('2026-11-21T13:30:00Z')), [dose])).toBe(5.5);
    expect(gap(spravato(at('2026-11-18T13:30:00Z', '2026-11-21T13:30:00Z')), [dose])).toBe(5.5);
    expect(gap(spravato(at('2026-11-21T13:30:00Z', '2026-11-18T13:30:00Z')), [dose])).toBe(5.5);
    expect(gap(spravato(at('2026-11-18T13:30:00Z'), at('2026-11-21T13:30:00Z')), [dose])).toBe(5.5);
  });

  it('reads a date without a time as the whole day, not its midnight', () => {
    // A dose reported for the day of the session: it may have been taken at any time that day.
    expect(gap(spravato(at('2026-11-21T18:00:00Z')), [taken('2026-11-21')])).toBe(0);
    // A session dated only, the next day: measured from the dose to the first moment of that day (16 h from 08:00,
    // 4 h from 20:00).
    expect(gap(spravato(at('2026-11-22')), [given('2026-11-21T08:00:00Z')])).toBe(16);
    expect(gap(spravato(at('2026-11-22')), [taken('2026-11-21T20:00:00Z')])).toBe(4);
  });

  it('finds the nearest dose among tens of thousands of listed times without comparing every pair', () => {
    // Every pair of 50,000 session times and 50,000 dose times took minutes and blocked the server (review).
    const hour = 3_600_000;
    const sessions = Array.from({ length: 50_000 }, (_, i) => new Date(Date.parse('2026-11-30T00:00:00Z') + i * hour).toISOString());
    const doses = Array.from({ length: 50_000 }, (_, i) => new Date(Date.parse('2026-11-29T21:00:00Z') - i * hour).toISOString());
    const lorazepam = draft('lorazepam', 'Lorazepam 1 MG Oral Tablet', { dispenseRequest: { numberOfRepeatsAllowed: 2 }, dosageInstruction: [{ timing: { event: doses } }] });
    const order = session([spravato(at(...sessions)), lorazepam]).facts.find((f) => f.order.ref === 'MedicationRequest/spravato')!;
    expect(order.ketamineBenzoGapHours).toBe(3);
  });
});

describe('smallestGapHours', () => {
  const hoursApart = (a: { start: number; end: number }, b: { start: number; end: number }): number => Math.max(0, a.start - b.end, b.start - a.end) / 3_600_000;
  it('is the fewest hours over every pair (checked against comparing every pair)', () => {
    const spanArb = fc.tuple(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 0, max: 48 })).map(([h, len]) => ({ start: h * 3_600_000, end: (h + len) * 3_600_000 }));
    fc.assert(
      fc.property(fc.array(spanArb, { maxLength: 30 }), fc.array(spanArb, { maxLength: 30 }), (a, b) => {
        const brute = a.length === 0 || b.length === 0 ? null : Math.min(...a.flatMap((x) => b.map((y) => hoursApart(x, y))));
        expect(smallestGapHours(a, b)).toBe(brute);
      }),
      { numRuns: 2_000 }
    );
  });
});
