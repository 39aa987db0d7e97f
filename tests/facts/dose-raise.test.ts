// The fact orderRaisesDailyDose (src/facts/order-facts.ts) decides whether a methadone order for pain gets the
// dose-increase card (methadone-dose-increase): methadone levels keep rising for days after each increase (CDC
// 2022). It compares the daily total of the ingredient if the order is signed with the total now: a renewal at a
// higher dose raises it, one at the same or a lower dose does not, an order taken as well as the current one (an
// as-needed add-on) does; a new start is not an increase (the new-start card covers it); and when the dose of the
// order or of the medication it renews cannot be read, the answer is unknown (null) and the check-incomplete card
// says so, rather than a silent "no increase".
import type { Condition, MedicationRequest, MedicationStatement } from '@medplum/fhirtypes';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRuleSet, readRuleSources } from '../../src/engine/index.ts';
import { checkDataGaps } from '../../src/protocol/check-gaps.ts';
import { ROOT } from '../support/test-app.ts';
import { engineFactsFor } from '../../src/facts/index.ts';
import type { Facts } from '../../src/facts/index.ts';
import { draftFacts, everyHours, medicationRequest, medicationStatement, patientRecord, plainTablets } from '../support/fhir-builders.ts';

const NOW = new Date('2026-11-21T12:00:00Z');
const METHADONE_5 = 'Methadone Hydrochloride 5 MG Oral Tablet';

interface Dose {
  readonly tablets: number;
  readonly everyHours: number;
  readonly asNeeded?: boolean;
}

function dosage(dose: Dose | undefined): Pick<MedicationRequest, 'dosageInstruction'> {
  if (dose === undefined) return {};
  return { dosageInstruction: [{ ...everyHours(dose.everyHours, plainTablets(dose.tablets)), ...(dose.asNeeded ? { asNeededBoolean: true } : {}) }] };
}

/** Methadone for chronic pain: a draft is of today, a standing order of 1 November. */
function request(id: string, status: MedicationRequest['status'], text: string, dose: Dose | undefined, extra: Partial<MedicationRequest> = {}): MedicationRequest {
  return medicationRequest(id, status, text, {
    authoredOn: status === 'draft' ? '2026-11-21' : '2026-11-01',
    reasonCode: [{ text: 'Chronic low back pain' }],
    ...dosage(dose),
    ...extra,
  });
}

function factsFor(draft: MedicationRequest, requests: readonly MedicationRequest[], statements: readonly MedicationStatement[] = []): Facts {
  return draftFacts(patientRecord([...requests, ...statements], { birthDate: '1965-01-01' }), draft, NOW);
}

function raises(draft: MedicationRequest, requests: readonly MedicationRequest[], statements: readonly MedicationStatement[] = []): boolean | null {
  const facts = factsFor(draft, requests, statements);
  return engineFactsFor(facts, facts.orders[0]!).orderRaisesDailyDose;
}

const active = (dose: Dose | undefined, text = METHADONE_5): MedicationRequest => request('active-methadone', 'active', text, dose);
const draft = (dose: Dose | undefined, text = METHADONE_5, extra: Partial<MedicationRequest> = {}): MedicationRequest => request('draft-methadone', 'draft', text, dose, extra);

describe('orderRaisesDailyDose', () => {
  it('is true for a renewal of the same methadone tablet at a higher daily dose (15 to 30 mg/day)', () => {
    expect(raises(draft({ tablets: 2, everyHours: 8 }), [active({ tablets: 1, everyHours: 8 })])).toBe(true);
  });

  it('is true for another methadone product that replaces the active one (priorPrescription) at a higher daily dose', () => {
    const order = draft({ tablets: 1, everyHours: 8 }, 'Methadone Hydrochloride 10 MG Oral Tablet', { priorPrescription: { reference: 'MedicationRequest/active-methadone' } });
    expect(raises(order, [active({ tablets: 1, everyHours: 8 })])).toBe(true);
  });

  it('is true for methadone taken as well as the current one (an as-needed add-on beside a scheduled order)', () => {
    expect(raises(draft({ tablets: 1, everyHours: 12, asNeeded: true }), [active({ tablets: 1, everyHours: 8 })])).toBe(true);
  });

  it('is true when the patient reports a lower methadone dose than the one ordered', () => {
    const reported = medicationStatement('reported-methadone', 'active', METHADONE_5, { dosage: [everyHours(12, plainTablets(1))] });
    expect(raises(draft({ tablets: 1, everyHours: 8 }), [], [reported])).toBe(true);
  });

  it('is false for a renewal at the same or a lower daily dose', () => {
    expect(raises(draft({ tablets: 1, everyHours: 8 }), [active({ tablets: 1, everyHours: 8 })])).toBe(false);
    expect(raises(draft({ tablets: 1, everyHours: 8 }), [active({ tablets: 2, everyHours: 8 })])).toBe(false);
  });

  it('is false for a new start (no active methadone)', () => {
    expect(raises(draft({ tablets: 1, everyHours: 8 }), [])).toBe(false);
  });

  it('is unknown (null) when the dose of the order or of the methadone it renews cannot be read, and the check-incomplete list says so', () => {
    expect(raises(draft({ tablets: 2, everyHours: 8 }), [active(undefined)])).toBeNull();
    expect(raises(draft(undefined), [active({ tablets: 1, everyHours: 8 })])).toBeNull();
    const facts = factsFor(draft({ tablets: 2, everyHours: 8 }), [active(undefined)]);
    expect(facts.gaps.map((g) => g.purpose)).toContain(`whether this order raises the daily methadone dose (the daily dose of the current order, ${METHADONE_5}, ordered 2026-11-01)`);
  });

  // Found by the card text review (F5): the order and the current order share a name, so the line must say which
  // record lacks the dose; and the order's own unknown dose is said once, not twice.
  it('names the record whose dose is unknown: the current order with its date, not the name the order being signed shares', () => {
    const facts = factsFor(draft({ tablets: 2, everyHours: 8 }), [active(undefined)]);
    const lines = facts.gaps.filter((g) => g.purpose.startsWith('whether this order raises'));
    expect(lines).toHaveLength(1);
    expect(lines[0]!.purpose).toContain('the current order');
    expect(lines[0]!.purpose).toContain('ordered 2026-11-01');
    expect(lines[0]!.reason).toBe('no dosage instructions');
    // A reported medication is named as such.
    const reported = medicationStatement('reported-methadone', 'active', METHADONE_5, { effectivePeriod: { start: '2026-06-01' } });
    const fromList = factsFor(draft({ tablets: 2, everyHours: 8 }), [], [reported]).gaps.find((g) => g.purpose.startsWith('whether this order raises'));
    expect(fromList?.purpose).toContain('the medication the patient reports taking');
    expect(fromList?.purpose).toContain('since 2026-06-01');
  });

  it("gives one line when the order's own dose is unknown: its opioid-dose line, which also stands for the increase check", () => {
    const facts = factsFor(draft({ tablets: 2, everyHours: 8 }, METHADONE_5, { dosageInstruction: [{ text: 'as directed' }] }), [active({ tablets: 1, everyHours: 8 })]);
    expect(engineFactsFor(facts, facts.orders[0]!).orderRaisesDailyDose).toBeNull();
    const about = facts.gaps.filter((g) => g.purpose.includes(METHADONE_5) || g.purpose.startsWith('whether this order raises'));
    expect(about).toHaveLength(1);
    expect(about[0]!.purpose).toBe(`the daily opioid dose of ${METHADONE_5}`);
    // Listed while either the MME checks or the increase check is active.
    expect(about[0]!.facts).toEqual(['totalMme', 'mmeUnknownCount', 'orderRaisesDailyDose']);
  });

  // Found by a review of the day's changes.
  it('is true for a raise when the active order is also on the medication list (recorded from it, or mirroring it unlinked)', () => {
    const listed = (basedOn: boolean): MedicationStatement =>
      medicationStatement(`listed-methadone-${String(basedOn)}`, 'active', METHADONE_5, {
        ...(basedOn ? { basedOn: [{ reference: 'MedicationRequest/active-methadone' }] } : {}),
        dosage: [everyHours(8, plainTablets(1))],
      });
    for (const linked of [true, false]) {
      expect(raises(draft({ tablets: 2, everyHours: 8 }), [active({ tablets: 1, everyHours: 8 })], [listed(linked)])).toBe(true);
      expect(raises(draft({ tablets: 1, everyHours: 8 }), [active({ tablets: 1, everyHours: 8 })], [listed(linked)])).toBe(false);
    }
  });

  it('reads priorPrescription given as an absolute URL or with a version: a same-dose renewal is no raise', () => {
    for (const reference of ['https://ehr.example.org/fhir/MedicationRequest/active-methadone', 'MedicationRequest/active-methadone/_history/2']) {
      const order = draft({ tablets: 1, everyHours: 8 }, 'Methadone 5 mg tablet', { priorPrescription: { reference } });
      expect(raises(order, [active({ tablets: 1, everyHours: 8 })])).toBe(false);
    }
  });

  it('is unknown, not a raise, for an order of another name taken the same way at the same or a lower dose (a renewal or a taper written otherwise)', () => {
    expect(raises(draft({ tablets: 1, everyHours: 8 }, 'methadone 5 mg tablet'), [active({ tablets: 1, everyHours: 8 })])).toBeNull();
    expect(raises(draft({ tablets: 1, everyHours: 8 }), [active({ tablets: 1, everyHours: 8 }, 'Methadone Hydrochloride 10 MG Oral Tablet')])).toBeNull();
    // Higher than what the patient takes: a raise whether it renews it or is taken as well.
    expect(raises(draft({ tablets: 3, everyHours: 8 }, 'methadone 5 mg tablet'), [active({ tablets: 1, everyHours: 8 })])).toBe(true);
  });

  it('an unknown dose is listed on the card only where the dose-increase check applies (not under 18, nor in palliative care)', async () => {
    const sources = await readRuleSources(path.join(ROOT, 'rules'));
    const built = buildRuleSet(sources, NOW);
    if (!built.ok) throw new Error(built.errors.join('\n'));
    const ruleSet = built.value;
    const gapsFor = (birthDate: string, conditions: readonly string[]): string[] => {
      const condition = (code: string, i: number): Condition => ({
        resourceType: 'Condition',
        id: `c${i}`,
        subject: { reference: 'Patient/p' },
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
        code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code }] },
      });
      const record = patientRecord([active(undefined), ...conditions.map(condition)], { birthDate });
      const facts = draftFacts(record, draft({ tablets: 2, everyHours: 8 }), NOW);
      // The facts leave the increase open whoever the patient is; the rule's own scope decides whether it is a gap.
      expect(facts.gaps.map((g) => g.purpose).filter((p) => p.startsWith('whether this order raises'))).toHaveLength(1);
      const listed = checkDataGaps([], facts.gaps, ruleSet, facts.orders.map((o) => engineFactsFor(facts, o)));
      return listed.map((g) => g.purpose).filter((p) => p.startsWith('whether this order raises'));
    };
    expect(gapsFor('1965-01-01', [])).toHaveLength(1);
    expect(gapsFor('2014-01-01', [])).toEqual([]);
    expect(gapsFor('1965-01-01', ['Z51.5'])).toEqual([]);
  });

  it('is true for methadone for pain taken on top of methadone for opioid use disorder, whatever their products', () => {
    const oud = (text: string): MedicationRequest =>
      request('oud-methadone', 'active', text, { tablets: 6, everyHours: 24 }, { reasonCode: [{ text: 'Opioid use disorder' }] });
    for (const text of [METHADONE_5, 'Methadone Hydrochloride 10 MG Oral Tablet']) {
      const facts = factsFor(draft({ tablets: 1, everyHours: 8 }), [oud(text)]);
      expect(engineFactsFor(facts, facts.orders[0]!).orderRaisesDailyDose).toBe(true);
      expect(facts.gaps.filter((g) => g.purpose.startsWith('whether this order raises'))).toEqual([]);
    }
  });
});
