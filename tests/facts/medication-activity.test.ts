// Which medication records count as in use now. The safe side is to check a drug: only statuses that
// say it is not in use leave it out; a running infusion counts however long ago it started; a date
// without a time lasts the whole day.
import type { MedicationAdministration, MedicationRequest, MedicationStatement } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { isActiveAt } from '../../src/facts/medication-facts.ts';

const NOW = new Date('2026-11-21T15:00:00Z');
const hoursAgo = (h: number): string => new Date(NOW.getTime() - h * 3_600_000).toISOString();
const drug = { medicationCodeableConcept: { text: 'Midazolam 1 MG/ML Injectable Solution' }, subject: { reference: 'Patient/p' } };

const administration = (status: string, period: { start?: string; end?: string } | undefined, dateTime?: string): MedicationAdministration =>
  ({ resourceType: 'MedicationAdministration', status, ...drug, ...(period ? { effectivePeriod: period } : {}), ...(dateTime ? { effectiveDateTime: dateTime } : {}) }) as MedicationAdministration;
const request = (status: string | undefined, end?: string): MedicationRequest =>
  ({ resourceType: 'MedicationRequest', intent: 'order', ...(status === undefined ? {} : { status }), ...drug, ...(end ? { dispenseRequest: { validityPeriod: { end } } } : {}) }) as MedicationRequest;
const statement = (status: string): MedicationStatement => ({ resourceType: 'MedicationStatement', status, ...drug }) as MedicationStatement;

describe('isActiveAt', () => {
  it('counts a running infusion (in-progress) however long ago it started, and a planned end later today', () => {
    expect(isActiveAt(administration('in-progress', { start: hoursAgo(26) }), NOW)).toBe(true);
    expect(isActiveAt(administration('in-progress', { start: hoursAgo(1), end: new Date(NOW.getTime() + 5 * 3_600_000).toISOString() }), NOW)).toBe(true);
    expect(isActiveAt(administration('in-progress', { start: new Date(NOW.getTime() + 3_600_000).toISOString() }), NOW)).toBe(false);
  });

  it('counts a given dose for 24 hours after its last moment', () => {
    expect(isActiveAt(administration('completed', undefined, hoursAgo(23)), NOW)).toBe(true);
    expect(isActiveAt(administration('completed', undefined, hoursAgo(25)), NOW)).toBe(false);
    expect(isActiveAt(administration('completed', { start: hoursAgo(40), end: hoursAgo(2) }), NOW)).toBe(true);
    expect(isActiveAt(administration('in-progress', { start: hoursAgo(40), end: hoursAgo(30) }), NOW)).toBe(false);
  });

  it('counts an administration stopped, paused (on-hold) or of unknown status like a completed one: it was or may have been given', () => {
    // A midazolam drip stopped at extubation an hour ago, then an opioid is signed.
    expect(isActiveAt(administration('stopped', { start: hoursAgo(6), end: hoursAgo(1) }), NOW)).toBe(true);
    expect(isActiveAt(administration('stopped', { start: hoursAgo(40), end: hoursAgo(26) }), NOW)).toBe(false);
    expect(isActiveAt(administration('unknown', undefined, hoursAgo(2)), NOW)).toBe(true);
    expect(isActiveAt(administration('on-hold', undefined, hoursAgo(3)), NOW)).toBe(true);
    expect(isActiveAt({ ...administration('completed', undefined, hoursAgo(2)), status: undefined } as unknown as MedicationAdministration, NOW)).toBe(true);
    // Nothing was given: not done, or recorded in error.
    expect(isActiveAt(administration('not-done', undefined, hoursAgo(2)), NOW)).toBe(false);
    expect(isActiveAt(administration('entered-in-error', { start: hoursAgo(6), end: hoursAgo(1) }), NOW)).toBe(false);
  });

  it('reads a dose given on a date without a time as given at any moment of that day', () => {
    // NOW is 15:00 on 21 November: a dose given on the 20th may have been given minutes before midnight, 15 h ago.
    expect(isActiveAt(administration('completed', undefined, '2026-11-20'), NOW)).toBe(true);
    expect(isActiveAt(administration('completed', undefined, '2026-11-21'), NOW)).toBe(true);
    expect(isActiveAt(administration('completed', undefined, '2026-11-19'), NOW)).toBe(false); // over 39 h ago
    expect(isActiveAt(administration('completed', undefined, '2026-11-22'), NOW)).toBe(false); // not given yet
    expect(isActiveAt(administration('completed', { start: '2026-11-20' }), NOW)).toBe(true);
  });

  it('reads a paused or halted infusion whose period has no end as given until its record last changed', () => {
    // Started 30 h ago, paused an hour ago (the pause is the record's last change): the drug was running until then.
    const paused = (status: string, changedHoursAgo: number): MedicationAdministration =>
      ({ ...administration(status, { start: hoursAgo(30) }), meta: { lastUpdated: hoursAgo(changedHoursAgo) } }) as MedicationAdministration;
    expect(isActiveAt(paused('on-hold', 1), NOW)).toBe(true);
    expect(isActiveAt(paused('stopped', 1), NOW)).toBe(true);
    // Paused 26 h ago and not resumed: 24 h after its last moment, like a completed dose.
    expect(isActiveAt(paused('on-hold', 26), NOW)).toBe(false);
    // No last change to read: its start is the last moment known.
    expect(isActiveAt(administration('on-hold', { start: hoursAgo(30) }), NOW)).toBe(false);
    expect(isActiveAt(administration('on-hold', { start: hoursAgo(3) }), NOW)).toBe(true);
  });

  it('leaves out only statuses that say the drug is not in use', () => {
    for (const status of ['active', 'on-hold', 'unknown', 'Active', undefined]) {
      expect(isActiveAt(request(status), NOW), String(status)).toBe(true);
    }
    for (const status of ['cancelled', 'completed', 'stopped', 'entered-in-error', 'draft']) {
      expect(isActiveAt(request(status), NOW), status).toBe(false);
    }
    expect(isActiveAt(statement('intended'), NOW)).toBe(true);
    expect(isActiveAt(statement('not-taken'), NOW)).toBe(false);
  });

  it("counts an order whose fill window ended for as long as a supply filled on its last day may last: the expected supply duration, else 90 days", () => {
    // validityPeriod is when the prescription may be filled, not when the drug is taken.
    expect(isActiveAt(request('active', '2026-11-20'), NOW)).toBe(true);
    expect(isActiveAt(request('active', '2026-08-22'), NOW)).toBe(false); // 90 days after the end of that day
    expect(isActiveAt(request('active', '2026-08-24'), NOW)).toBe(true);
    const supplied = (end: string, duration: Record<string, unknown>): MedicationRequest =>
      ({ ...request('active'), dispenseRequest: { validityPeriod: { end }, expectedSupplyDuration: duration } }) as MedicationRequest;
    expect(isActiveAt(supplied('2026-10-25', { value: 30, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' }), NOW)).toBe(true);
    expect(isActiveAt(supplied('2026-10-20', { value: 30, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' }), NOW)).toBe(false);
    expect(isActiveAt(supplied('2026-11-10', { value: 2, unit: 'weeks' }), NOW)).toBe(true);
    expect(isActiveAt(supplied('2026-11-01', { value: 2, code: 'wk' }), NOW)).toBe(false);
    // An unreadable duration is the 90 days.
    expect(isActiveAt(supplied('2026-10-20', { value: 'thirty', code: 'd' }), NOW)).toBe(true);
    expect(isActiveAt(supplied('2026-10-20', { value: 30, code: 'fortnight' }), NOW)).toBe(true);
  });

  it('reads the quantity of an as-needed order at no more than one dose a day (not at its PRN maximum)', () => {
    const prn = (end: string, tablets: number, timing: Record<string, unknown>): MedicationRequest =>
      ({
        ...request('active'),
        medicationCodeableConcept: { text: 'Alprazolam 0.5 MG Oral Tablet' },
        dosageInstruction: [{ asNeededBoolean: true, timing: { repeat: timing }, doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet', system: 'http://unitsofmeasure.org', code: '{tbl}' } }] }],
        dispenseRequest: { validityPeriod: { end }, quantity: { value: tablets, unit: 'tablet', system: 'http://unitsofmeasure.org', code: '{tbl}' } },
      }) as MedicationRequest;
    const q8h = { frequency: 1, period: 8, periodUnit: 'h' };
    // 30 tablets, 1 every 8 hours as needed, fill window ended 12 days ago: at most 3 a day they would be gone
    // (10 days), but a patient taking them as needed may well hold most of them: still in use.
    expect(isActiveAt(prn('2026-11-09', 30, q8h), NOW)).toBe(true);
    expect(isActiveAt(prn('2026-10-20', 30, q8h), NOW)).toBe(false); // over 30 days after that day: used up
    // 14 tablets at bedtime as needed, window ended 81 days ago: long used up (a new order is a restart).
    expect(isActiveAt(prn('2026-09-01', 14, { when: ['HS'] }), NOW)).toBe(false);
    // A scheduled order is still read at its daily dose: 30 tablets three times a day last 10 days.
    const scheduled = prn('2026-11-09', 30, q8h);
    const dose = scheduled.dosageInstruction?.[0];
    expect(isActiveAt({ ...scheduled, dosageInstruction: [{ ...dose, asNeededBoolean: false }] }, NOW)).toBe(false);
  });

  it('reads an end date without a time as the end of that day', () => {
    const supplied = (end: string): MedicationRequest => ({ ...request('active'), dispenseRequest: { validityPeriod: { end }, expectedSupplyDuration: { value: 1, code: 'd' } } }) as MedicationRequest;
    expect(isActiveAt(supplied('2026-11-20'), NOW)).toBe(true); // ends at the end of 21 November
    expect(isActiveAt(supplied('2026-11-19'), NOW)).toBe(false);
    expect(isActiveAt(supplied('2026-11'), NOW)).toBe(true);
  });

  it('does not count an order that says not to give the drug (doNotPerform, a modifier element)', () => {
    expect(isActiveAt({ ...request('active'), doNotPerform: true } as MedicationRequest, NOW)).toBe(false);
    expect(isActiveAt({ ...request('active'), doNotPerform: false } as MedicationRequest, NOW)).toBe(true);
  });

  it("counts a home medication the patient reports (intent plan), and not a proposal", () => {
    const reported = { ...request('active'), intent: 'plan', reportedBoolean: true } as MedicationRequest;
    expect(isActiveAt(reported, NOW)).toBe(true);
    expect(isActiveAt({ ...request('active'), intent: 'proposal' } as MedicationRequest, NOW)).toBe(false);
  });
});
