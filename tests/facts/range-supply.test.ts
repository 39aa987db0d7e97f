// An order whose fill window ended still counts while a supply filled on its last day may last. With a dose
// range ("1-2 tablets three times a day") or a frequency range ("every 6-8 hours") that is the low end: read at
// the high end (the most the patient may take), 90 tablets of alprazolam lasted 15 days instead of 30, and the
// benzodiazepine fell out of the opioid-benzodiazepine and naloxone checks of a new opioid.
import type { Dosage, MedicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { isActiveAt } from '../../src/facts/medication-facts.ts';
import { draftFacts, everyHours, medicationRequest, patientRecord, tablets } from '../support/fhir-builders.ts';

const NOW = new Date('2026-11-21T15:00:00Z');

/** An active order of `text` whose fill window ended on `end`, `quantity` tablets dispensed. */
function ended(id: string, text: string, dosage: Dosage, end: string, quantity: number): MedicationRequest {
  return medicationRequest(id, 'active', text, {
    authoredOn: '2026-09-01',
    dosageInstruction: [dosage],
    dispenseRequest: { validityPeriod: { start: '2026-09-01', end }, quantity: tablets(quantity) },
  });
}

const tid = { frequency: 3, period: 1, periodUnit: 'd' as const };
const oneToTwo: Dosage['doseAndRate'] = [{ doseRange: { low: tablets(1), high: tablets(2) } }];
const alprazolam = 'Alprazolam 0.5 MG Oral Tablet';

describe('an ended order with a dose or frequency range counts while its supply may last at the low end', () => {
  it('keeps 90 tablets of alprazolam 1-2 tablets TID for 30 days after the window ends, as 1 tablet TID', () => {
    const range: Dosage = { timing: { repeat: tid }, doseAndRate: oneToTwo };
    const single: Dosage = { timing: { repeat: tid }, doseAndRate: [{ doseQuantity: tablets(1) }] };
    // Window ended 20 days ago (end of 1 November): 90 tablets at 3 a day last until 2 December.
    expect(isActiveAt(ended('a', alprazolam, single, '2026-11-01', 90), NOW)).toBe(true);
    expect(isActiveAt(ended('a', alprazolam, range, '2026-11-01', 90), NOW)).toBe(true);
    // Ended 32 days ago: 30 days at the low end are over.
    expect(isActiveAt(ended('a', alprazolam, range, '2026-10-20', 90), NOW)).toBe(false);
  });

  it('keeps "1 tablet every 6-8 hours" for as long as 3 tablets a day last', () => {
    const q6to8: Dosage = { timing: { repeat: { frequency: 1, period: 6, periodMax: 8, periodUnit: 'h' } }, doseAndRate: [{ doseQuantity: tablets(1) }] };
    // Window ended 27 days ago: 90 tablets at every 8 hours last 30 days (3 days from now); at every 6 hours 22.5.
    expect(isActiveAt(ended('a', alprazolam, q6to8, '2026-10-25', 90), NOW)).toBe(true);
    const twoToThree: Dosage = { timing: { repeat: { frequency: 2, frequencyMax: 3, period: 1, periodUnit: 'd' } }, doseAndRate: [{ doseQuantity: tablets(1) }] };
    // 60 tablets "2-3 times a day", window ended 25 days ago: 30 days at twice a day, 20 at three times.
    expect(isActiveAt(ended('a', alprazolam, twoToThree, '2026-10-27', 60), NOW)).toBe(true);
  });

  it('reads an as-needed range once a day at its low end', () => {
    const prn: Dosage = { asNeededBoolean: true, timing: { repeat: { frequency: 1, period: 8, periodUnit: 'h' } }, doseAndRate: oneToTwo };
    // 30 tablets, window ended 20 days ago: 1 tablet a day lasts 30 days (2 a day: 15).
    expect(isActiveAt(ended('a', alprazolam, prn, '2026-11-01', 30), NOW)).toBe(true);
    expect(isActiveAt(ended('a', alprazolam, prn, '2026-10-20', 30), NOW)).toBe(false);
  });

  it('keeps the benzodiazepine beside a new opioid, and a ranged opioid in the MME total at its high end', () => {
    const record = patientRecord(
      [
        ended('alp', alprazolam, { timing: { repeat: tid }, doseAndRate: oneToTwo }, '2026-11-01', 90),
        // Oxycodone 5 mg 1-2 tablets every 6 hours, 120 tablets, window ended 20 days ago: 30 days at 4 a day.
        ended('oxy', 'Oxycodone Hydrochloride 5 MG Oral Tablet', { timing: { repeat: { frequency: 1, period: 6, periodUnit: 'h' } }, doseAndRate: oneToTwo }, '2026-11-01', 120),
      ],
      { birthDate: '1970-01-01' }
    );
    const draft = medicationRequest('new', 'draft', 'Hydrocodone Bitartrate 5 MG / Acetaminophen 325 MG Oral Tablet', { dosageInstruction: [everyHours(6, tablets(1))] });
    const [order] = draftFacts(record, draft, NOW).orders;
    expect(order?.concurrent.map((m) => m.ref).sort()).toEqual(['MedicationRequest/alp', 'MedicationRequest/oxy']);
    // The dose check still reads the high end: 2 tablets x 4 x 5 mg x 1.5 = 60, plus 20 for the hydrocodone.
    expect(order?.mme.totalKnown).toBe(80);
  });
});
