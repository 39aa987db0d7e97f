/**
 * A medicine counted once is listed once, and the MME lines say which record each one is. The reviewer saw an
 * oxycodone counted once listed three times (its order, the patient's report of it, its pharmacy fill), and two
 * lines "Methadone Hydrochloride 5 MG Oral Tablet: 47" and "...: 70.5 MME/day" with no sign of which was the order.
 */
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Card } from '../../src/protocol/types.ts';
import { ORDER_SIGN, createTestApp, expectConformant, fixture } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: () => new Date('2026-11-21T12:00:00Z') });
});

async function cardOf(body: Record<string, any>, ruleId: string): Promise<Card> {
  const res = await request(t.app).post(ORDER_SIGN).send(body);
  const card = expectConformant(res.body).find((c) => c.source.topic?.code === ruleId);
  expect(card, ruleId).toBeDefined();
  return card!;
}

/** The opioid draft beside active alprazolam, plus the patient's report of that alprazolam (from its fill) and its fill. */
function alprazolamOrderedReportedFilled(): Record<string, any> {
  const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
  body.hookInstance = crypto.randomUUID();
  const subject = { reference: `Patient/${body.context.patientId}` };
  const medication = { text: 'Alprazolam 0.5 MG Oral Tablet' };
  const dosage = [{ text: 'Take 1 tablet by mouth 3 times daily', timing: { repeat: { frequency: 3, period: 1, periodUnit: 'd' } }, doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }] }];
  body.prefetch.medicationDispenses = {
    resourceType: 'Bundle',
    type: 'searchset',
    entry: [
      {
        resource: {
          resourceType: 'MedicationDispense',
          id: 'alprazolam-fill',
          status: 'completed',
          subject,
          medicationCodeableConcept: medication,
          authorizingPrescription: [{ reference: 'MedicationRequest/active-alprazolam' }],
          quantity: { value: 90, unit: 'tablet' },
          daysSupply: { value: 30, unit: 'day', system: 'http://unitsofmeasure.org', code: 'd' },
          whenHandedOver: '2026-11-10',
          dosageInstruction: dosage,
        },
      },
    ],
  };
  body.prefetch.medicationStatements = {
    resourceType: 'Bundle',
    type: 'searchset',
    entry: [
      {
        resource: {
          resourceType: 'MedicationStatement',
          id: 'alprazolam-reported',
          status: 'active',
          subject,
          medicationCodeableConcept: medication,
          effectivePeriod: { start: '2026-11-11' },
          derivedFrom: [{ reference: 'MedicationDispense/alprazolam-fill' }],
          dosage,
        },
      },
    ],
  };
  return body;
}

describe('a medicine counted once is listed once', () => {
  it('its order, the report of it and its fill are one line, headed by the order', async () => {
    const card = await cardOf(alprazolamOrderedReportedFilled(), 'opioid-benzodiazepine');
    const lines = (card.detail ?? '').split('\n').filter((l) => l.startsWith('- Alprazolam'));
    expect(lines).toEqual(["- Alprazolam 0.5 MG Oral Tablet (active prescription, ordered 2026-10-28; also patient reports taking it, since 2026-11-11; dispensed 2026-11-10, 30 days' supply)"]);
  });
});

describe('the MME lines', () => {
  it('name the draft "this order" and the other record by its source', async () => {
    const card = await cardOf(fixture('rules/methadone-dose-increase/prn-methadone-added-to-scheduled-methadone.json'), 'opioid-high-mme');
    const lines = (card.detail ?? '').split('\n').filter((l) => l.startsWith('- Methadone'));
    expect(lines).toEqual([
      '- Methadone Hydrochloride 5 MG Oral Tablet (this order): 47 MME/day (10 mg/day methadone × 4.7)',
      '- Methadone Hydrochloride 5 MG Oral Tablet (active prescription, ordered 2026-10-20): 70.5 MME/day (15 mg/day methadone × 4.7)',
    ]);
  });
});
