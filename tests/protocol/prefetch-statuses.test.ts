// The prefetch templates (and so the FHIR-server fallback, which fills the same templates) must ask for every
// status the check counts as in use. They asked only for status=active while on-hold and unknown orders and
// intended, on-hold and unknown statements count (src/facts/medication-facts.ts isActiveAt): a conformant EHR never
// sent those records, and a home benzodiazepine held during an admission gave no warning and no "check incomplete"
// card (records review, finding 5).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { MedicationDispense, MedicationRequest, MedicationStatement } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { MAX_DISPENSE_SUPPLY_DAYS, dispenseInUseAt } from '../../src/facts/dispense-facts.ts';
import { isActiveAt } from '../../src/facts/medication-facts.ts';
import { asksNewestUpdatedFirst } from '../../src/patient/index.ts';
import { ROOT } from '../support/test-app.ts';

const NOW = new Date('2026-11-21T15:00:00Z');

/**
 * Every code of the FHIR R4 value sets the status elements are bound to (required bindings):
 * http://hl7.org/fhir/ValueSet/medicationrequest-status and http://hl7.org/fhir/ValueSet/medication-statement-status.
 */
const STATUSES = {
  MedicationRequest: ['active', 'on-hold', 'cancelled', 'completed', 'entered-in-error', 'stopped', 'draft', 'unknown'],
  MedicationStatement: ['active', 'completed', 'entered-in-error', 'intended', 'stopped', 'on-hold', 'unknown', 'not-taken'],
} as const;

const KEYS = { MedicationRequest: 'medicationRequests', MedicationStatement: 'medicationStatements' } as const;

function counted(type: keyof typeof STATUSES, status: string): boolean {
  const drug = { subject: { reference: 'Patient/p' }, medicationCodeableConcept: { text: 'Clonazepam 0.5 MG Oral Tablet' } };
  const resource =
    type === 'MedicationRequest'
      ? ({ resourceType: type, status, intent: 'order', ...drug } as MedicationRequest)
      : ({ resourceType: type, status, ...drug } as MedicationStatement);
  return isActiveAt(resource, NOW);
}

const definitions = readdirSync(path.join(ROOT, 'cds-hooks'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(path.join(ROOT, 'cds-hooks', f), 'utf8')) as { id: string; prefetch: Record<string, string> });

describe('the prefetch templates ask for every status the check counts, and only those', () => {
  it('covers both services', () => {
    expect(definitions.map((d) => d.id).sort()).toEqual(['cns-depressant-order-select', 'cns-depressant-order-sign']);
  });

  for (const definition of definitions) {
    for (const type of ['MedicationRequest', 'MedicationStatement'] as const) {
      it(`${definition.id}: ${KEYS[type]}`, () => {
        const template = definition.prefetch[KEYS[type]]!;
        expect(template.startsWith(`${type}?`)).toBe(true);
        const params = new URLSearchParams(template.split('?')[1]);
        // One status parameter, its values separated by commas (FHIR search: a comma is OR).
        expect(params.getAll('status')).toHaveLength(1);
        const asked = params.get('status')!.split(',').sort();
        expect(asked).toEqual(STATUSES[type].filter((status) => counted(type, status)).sort());
      });
    }
  }
});

/**
 * Every code of http://hl7.org/fhir/ValueSet/medicationdispense-status. A dispense is counted from its handover
 * (src/facts/dispense-facts.ts); a stopped one only when it was handed over before it stopped, so the template asks
 * for `stopped` too.
 */
const DISPENSE_STATUSES = ['preparation', 'in-progress', 'cancelled', 'on-hold', 'completed', 'entered-in-error', 'stopped', 'declined', 'unknown'];

describe('the dispense template asks for every status a fill counts in, newest-updated first, far enough back', () => {
  const handedOver = (status: string): boolean =>
    dispenseInUseAt(
      { resourceType: 'MedicationDispense', status: status as MedicationDispense['status'], subject: { reference: 'Patient/p' }, medicationCodeableConcept: { text: 'Clonazepam 0.5 MG Oral Tablet' }, whenHandedOver: '2026-11-20', daysSupply: { value: 30, unit: 'd' } },
      NOW
    );

  for (const definition of definitions) {
    it(`${definition.id}: medicationDispenses`, () => {
      const template = definition.prefetch['medicationDispenses']!;
      expect(template.startsWith('MedicationDispense?')).toBe(true);
      const params = new URLSearchParams(template.split('?')[1]);
      expect(params.getAll('status')).toHaveLength(1);
      expect(params.get('status')!.split(',').sort()).toEqual(DISPENSE_STATUSES.filter(handedOver).sort());
      expect(asksNewestUpdatedFirst(template)).toBe(true);
      // Read back as far as a fill can count (its handover day, a time zone's day on either side): a fill last updated
      // before the window was handed over before it, and its supply is over.
      const hours = (definition as unknown as { prefetchPolicy: Record<string, { recentOnly?: { hours: number } }> }).prefetchPolicy['medicationDispenses']?.recentOnly?.hours;
      expect(hours).toBeGreaterThanOrEqual((MAX_DISPENSE_SUPPLY_DAYS + 2) * 24);
    });
  }
});
