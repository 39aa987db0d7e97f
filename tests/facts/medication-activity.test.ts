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

  it('reads an end date without a time as the end of that day', () => {
    const supplied = (end: string): MedicationRequest => ({ ...request('active'), dispenseRequest: { validityPeriod: { end }, expectedSupplyDuration: { value: 1, code: 'd' } } }) as MedicationRequest;
    expect(isActiveAt(supplied('2026-11-20'), NOW)).toBe(true); // ends at the end of 21 November
    expect(isActiveAt(supplied('2026-11-19'), NOW)).toBe(false);
    expect(isActiveAt(supplied('2026-11'), NOW)).toBe(true);
  });

  it("counts a home medication the patient reports (intent plan), and not a proposal", () => {
    const reported = { ...request('active'), intent: 'plan', reportedBoolean: true } as MedicationRequest;
    expect(isActiveAt(reported, NOW)).toBe(true);
    expect(isActiveAt({ ...request('active'), intent: 'proposal' } as MedicationRequest, NOW)).toBe(false);
  });
});
