// A ketamine or esketamine session for depression beside a benzodiazepine: the timing rule also warns on a
// high daily benzodiazepine dose. When that dose cannot be calculated the check is incomplete, and the
// clinician must be told (src/facts/derive-facts.ts, factGaps) rather than the rule staying silent. Only
// there: an unknown benzodiazepine dose beside an opioid changes no check and would only add noise.
import type { MedicationRequest, MedicationStatement } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { draftFacts, medicationRequest, medicationStatement, patientRecord, plainTablets, timesADay } from '../support/fhir-builders.ts';

const NOW = new Date('2026-11-22T12:00:00Z');

function draft(text: string, extra: Partial<MedicationRequest> = {}): MedicationRequest {
  return medicationRequest('draft-1', 'draft', text, extra);
}

/** A benzodiazepine the patient reports taking, with no dose, or with one. */
function reported(text: string, dosage?: MedicationStatement['dosage']): MedicationStatement {
  return medicationStatement('ms-1', 'active', text, dosage ? { dosage } : {});
}

function gapsFor(order: MedicationRequest, others: MedicationStatement[]): string[] {
  const facts = draftFacts(patientRecord(others, { birthDate: '1980-01-01' }), order, NOW);
  return facts.gaps.map((g) => `${g.purpose}: ${g.reason}`);
}

const SPRAVATO = 'esketamine 28 MG nasal spray (Spravato)';
const LORAZEPAM = 'Lorazepam 1 MG Oral Tablet';
const ONE_TWICE_A_DAY: MedicationStatement['dosage'] = [timesADay(2, plainTablets(1))];
const benzoGaps = (gaps: string[]): string[] => gaps.filter((g) => g.startsWith('the daily benzodiazepine dose'));

describe('an unknown benzodiazepine dose beside a ketamine session for depression', () => {
  it('is reported: the daily-dose warning cannot be ruled out', () => {
    const gaps = benzoGaps(gapsFor(draft(SPRAVATO), [reported(LORAZEPAM)]));
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toContain('Lorazepam 1 MG Oral Tablet');
    expect(gaps[0]).toContain('ketamine session for depression');
  });

  it('is reported when the benzodiazepine is the order and the session is the standing therapy', () => {
    const session: MedicationStatement = { ...reported(SPRAVATO), id: 'ms-2' };
    expect(benzoGaps(gapsFor(draft(LORAZEPAM), [session]))).toHaveLength(1);
  });

  it('is not reported when the dose can be calculated', () => {
    expect(benzoGaps(gapsFor(draft(SPRAVATO), [reported(LORAZEPAM, ONE_TWICE_A_DAY)]))).toEqual([]);
  });

  it('is not reported beside an opioid (no check reads the benzodiazepine dose there)', () => {
    expect(benzoGaps(gapsFor(draft('oxycodone hydrochloride 5 MG Oral Tablet'), [reported(LORAZEPAM)]))).toEqual([]);
  });

  it('is not reported for a benzodiazepine ordered as the session\'s pre-medication', () => {
    const premedication = draft(LORAZEPAM, { note: [{ text: 'pre-medication before the ketamine session' }] });
    expect(benzoGaps(gapsFor(premedication, [{ ...reported(SPRAVATO), id: 'ms-2' }]))).toEqual([]);
  });
});
