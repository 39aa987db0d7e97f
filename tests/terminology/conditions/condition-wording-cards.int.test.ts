/**
 * The condition wordings of review findings F4, F5 and F11, through the order-sign hook: the cards a prescriber
 * sees. Each case is a shipped rule-test fixture with only the Condition's code replaced by a text.
 * - F4: an uncertain or gone cancer must not silence the high-dose warning.
 * - F5: "h/o heroin OD" is a past overdose (naloxone card); "Cataract OD" is not.
 * - F11: "Hospice: no" must not silence the high-dose warning.
 */
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Card } from '../../../src/protocol/types.ts';
import { ORDER_SIGN, createTestApp, expectConformant, fixtureForPatient } from '../../support/test-app.ts';
import type { TestApp } from '../../support/test-app.ts';

const NOW = new Date('2026-11-21T12:00:00Z');

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: () => NOW });
});

let patients = 0;

/** Rule ids of the cards the fixture gets when its Condition's code is only `text`. */
async function topicsWithConditionText(fixtureName: string, text: string): Promise<string[]> {
  patients += 1;
  const body = fixtureForPatient(fixtureName, `condition-wording-${patients}`);
  let replaced = 0;
  for (const value of Object.values(body.prefetch as Record<string, any>)) {
    for (const entry of value?.entry ?? []) {
      if (entry.resource?.resourceType === 'Condition') {
        entry.resource.code = { text };
        replaced += 1;
      }
    }
  }
  expect(replaced).toBe(1);
  const res = await request(t.app).post(ORDER_SIGN).send(body);
  expect(res.status).toBe(200);
  return expectConformant(res.body).map((card: Card) => card.source.topic?.code ?? '');
}

const CANCER = 'rules/opioid-high-mme/oxycodone-90-mme-lung-cancer.json';
const HOSPICE = 'rules/opioid-high-mme/hydromorphone-hospice-text-only.json';
const OVERDOSE = 'rules/naloxone-co-prescribe/tramadol-past-opioid-overdose.json';

describe('F4: oxycodone 90 MME/day with an uncertain or gone cancer still gets the high-dose warning', () => {
  it('control: active pancreatic adenocarcinoma silences it', async () => {
    expect(await topicsWithConditionText(CANCER, 'Pancreatic adenocarcinoma')).not.toContain('opioid-high-mme');
  });

  it.each(['Pancreatic mass, likely malignant', 'Thyroid nodule, suspicious for malignancy', 'Breast cancer, no evidence of disease', 'Cancer pending biopsy'])(
    '%s',
    async (text) => {
      expect(await topicsWithConditionText(CANCER, text)).toContain('opioid-high-mme');
    },
  );
});

describe('F11: "Hospice: no" does not silence the high-dose warning', () => {
  it('control: "Hospice care" silences it', async () => {
    expect(await topicsWithConditionText(HOSPICE, 'Hospice care')).not.toContain('opioid-high-mme');
  });

  it('"Hospice: no" gets it', async () => {
    expect(await topicsWithConditionText(HOSPICE, 'Hospice: no')).toContain('opioid-high-mme');
  });
});

describe('F5: tramadol 40 MME/day and a past overdose written "OD"', () => {
  it('"h/o heroin OD" gets the naloxone card', async () => {
    expect(await topicsWithConditionText(OVERDOSE, 'h/o heroin OD')).toContain('naloxone-co-prescribe');
  });

  it('"Cataract OD" (right eye) does not', async () => {
    expect(await topicsWithConditionText(OVERDOSE, 'Cataract OD')).not.toContain('naloxone-co-prescribe');
  });
});
