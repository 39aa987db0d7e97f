// A medication the service cannot read must never pass in silence: beside an opioid or a benzodiazepine it may be
// the other half of a dangerous combination, so the clinician is told that the check is incomplete (the fact gap
// of src/facts/derive-facts.ts factGaps, shown as the "check incomplete" card). These cases were each silent: no
// warning and no gap (review classify2).
import type { Medication, MedicationRequest, MedicationStatement } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { draftFacts, medicationRequest, medicationStatement, patientRecord } from '../support/fhir-builders.ts';

const NOW = new Date('2026-11-22T12:00:00Z');
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

type Concept = NonNullable<MedicationRequest['medicationCodeableConcept']>;

function draft(concept: Concept): MedicationRequest {
  return medicationRequest('draft-1', 'draft', concept);
}

/** An active order of the record, by concept or by a (contained) Medication. */
function active(concept: Concept | undefined, contained?: Medication[]): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id: 'rec-1',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/p' },
    ...(concept ? { medicationCodeableConcept: concept } : { medicationReference: { reference: `#${contained?.[0]?.id ?? 'm'}` }, contained }),
  };
}

function factsFor(order: MedicationRequest, requests: MedicationRequest[], statements: MedicationStatement[] = []): ReturnType<typeof draftFacts> {
  return draftFacts(patientRecord([...requests, ...statements], { birthDate: '1970-01-01' }), order, NOW);
}

const gapsFor = (order: MedicationRequest, requests: MedicationRequest[], statements: MedicationStatement[] = []): string[] =>
  factsFor(order, requests, statements).gaps.map((g) => `${g.purpose}: ${g.reason}`);

const OXYCODONE = draft({ text: 'oxycodone 5 mg oral tablet' });
const ALPRAZOLAM = draft({ text: 'alprazolam 0.5 mg oral tablet' });
/** RxNorm 308048, alprazolam 0.5 MG oral tablet: a product code the service does not know. */
const PRODUCT_CODE = { system: RXNORM, code: '308048' };

describe('a blank text beside an unknown code', () => {
  for (const blank of [' ', '\n', '\u00a0', ' \t ']) {
    it(`${JSON.stringify(blank)} is no name: the bare code is reported`, () => {
      const gaps = gapsFor(OXYCODONE, [active({ coding: [PRODUCT_CODE], text: blank })]);
      expect(gaps.some((g) => g.includes('RxNorm 308048') && g.includes('code only'))).toBe(true);
    });
  }

  it('a blank code text of a contained Medication is no name either', () => {
    const medication: Medication = { resourceType: 'Medication', id: 'm', code: { coding: [PRODUCT_CODE], text: ' ' } };
    const gaps = gapsFor(OXYCODONE, [active(undefined, [medication])]);
    expect(gaps.some((g) => g.includes('RxNorm 308048'))).toBe(true);
  });

  it('a blank display is no name: the card does not name the medication " "', () => {
    const facts = factsFor(ALPRAZOLAM, [active({ coding: [{ ...PRODUCT_CODE, display: '  ' }] })]);
    expect(facts.gaps.map((g) => g.purpose)).toContain('the medication with RxNorm 308048');
  });
});

describe('an ingredient that references another contained Medication (a compounded product, a PCA)', () => {
  /**
   * A named outer Medication whose one ingredient is `#ing1`, and `ing1`: a Medication coded as the drug (RxNorm
   * ingredients 6470 lorazepam and 3423 hydromorphone with their displays, as in the review's repro
   * /tmp/rev-classify2/repro/finding4_item_reference.py; lorazepam's code alone is not known, its display is read).
   */
  function mixture(outerName: string, inner: { code: string; display: string }, referenceDisplay?: string): Medication[] {
    return [
      {
        resourceType: 'Medication',
        id: 'mix',
        code: { text: outerName },
        ingredient: [
          {
            itemReference: { reference: '#ing1', ...(referenceDisplay ? { display: referenceDisplay } : {}) },
            strength: { numerator: { value: 1, unit: 'mg' }, denominator: { value: 1, unit: 'mL' } },
          },
        ],
      },
      { resourceType: 'Medication', id: 'ing1', code: { coding: [{ system: RXNORM, ...inner }] } },
    ];
  }
  const classesOf = (order: MedicationRequest, requests: MedicationRequest[], statements: MedicationStatement[] = []): string[] =>
    factsFor(order, requests, statements).orders[0]!.concurrent.flatMap((m) => [...m.classes]);

  it('an IV push syringe naming contained lorazepam is a benzodiazepine beside an opioid', () => {
    const classes = classesOf(OXYCODONE, [active(undefined, mixture('IV PUSH SYRINGE (compounded)', { code: '6470', display: 'lorazepam' }))]);
    expect(classes).toContain('benzodiazepine');
  });

  it('a reported PCA syringe naming contained hydromorphone is an opioid beside a benzodiazepine', () => {
    const pca: MedicationStatement = {
      resourceType: 'MedicationStatement',
      id: 'ms-1',
      status: 'active',
      subject: { reference: 'Patient/p' },
      medicationReference: { reference: '#mix' },
      contained: mixture('PCA syringe 30 mL', { code: '3423', display: 'HYDROmorphone' }),
    };
    expect(classesOf(ALPRAZOLAM, [], [pca])).toContain('opioid-analgesic');
  });

  it('the contained Medication of a record Medication resolves against that Medication', () => {
    const [outer, inner] = mixture('Compounded capsule', { code: '6470', display: 'lorazepam' });
    const recordMedication: Medication = { ...outer!, id: 'compound-1', contained: [inner!] };
    const order: MedicationRequest = { ...active({ text: 'x' }), medicationCodeableConcept: undefined, medicationReference: { reference: 'Medication/compound-1' } };
    const record = patientRecord([order], { birthDate: '1970-01-01', medications: new Map([['Medication/compound-1', recordMedication]]) });
    const facts = draftFacts(record, OXYCODONE, NOW);
    expect(facts.orders[0]!.concurrent.flatMap((m) => [...m.classes])).toContain('benzodiazepine');
  });

  it('a self reference or a reference cycle is harmless: no class, and the gap is reported', () => {
    const self: Medication = { resourceType: 'Medication', id: 'mix', ingredient: [{ itemReference: { reference: '#mix' } }] };
    const a: Medication = { resourceType: 'Medication', id: 'a', ingredient: [{ itemReference: { reference: '#b' } }] };
    const b: Medication = { resourceType: 'Medication', id: 'b', ingredient: [{ itemReference: { reference: '#a' } }] };
    expect(classesOf(OXYCODONE, [active(undefined, [self])])).toEqual([]);
    expect(gapsFor(OXYCODONE, [active(undefined, [a, b])]).some((g) => g.includes('code only'))).toBe(true);
  });
});

describe('a medication sent as codes only, with a recognised partner ingredient beside an unrecognised code', () => {
  // RxNorm codes as in the review's repro (/tmp/rev-classify2/repro/finding2_partner_code_only.py): 856792 the
  // amitriptyline/chlordiazepoxide tablet (product code, not known here), 704 amitriptyline and 161 acetaminophen
  // (ingredient codes the service knows, src/terminology/data/rxnorm-ingredients.ts), 2356 chlordiazepoxide (not known).
  const code = (c: string): { system: string; code: string } => ({ system: RXNORM, code: c });
  const limbitrol = (ingredientCodes: string[]): Medication[] => [
    { resourceType: 'Medication', id: 'm', code: { coding: [code('856792')] }, ingredient: ingredientCodes.map((c) => ({ itemCodeableConcept: { coding: [code(c)] } })) },
  ];
  const codeOnlyGaps = (gaps: string[]): string[] => gaps.filter((g) => g.includes('codes only') || g.includes('code only'));

  it('amitriptyline (704) + chlordiazepoxide (2356) beside an opioid: reported', () => {
    const gaps = codeOnlyGaps(gapsFor(OXYCODONE, [active(undefined, limbitrol(['704', '2356']))]));
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toContain('amitriptyline');
  });

  it('one concept [product 856792, 704, 2356] beside an opioid: reported', () => {
    expect(codeOnlyGaps(gapsFor(OXYCODONE, [active({ coding: [code('856792'), code('704'), code('2356')] })]))).toHaveLength(1);
  });

  it('a product code not known here (308048) beside acetaminophen (161), beside an opioid: reported', () => {
    expect(codeOnlyGaps(gapsFor(OXYCODONE, [active({ coding: [code('308048'), code('161')] })]))).toHaveLength(1);
  });

  it('acetaminophen by its ingredient code alone is acetaminophen: not reported', () => {
    expect(codeOnlyGaps(gapsFor(OXYCODONE, [active({ coding: [code('161')] })]))).toEqual([]);
  });

  it('a named medication is read by its name: not reported as code only', () => {
    expect(codeOnlyGaps(gapsFor(OXYCODONE, [active({ coding: [code('308048'), code('161')], text: 'acetaminophen 500 mg tablet' })]))).toEqual([]);
  });
});

describe('a named product whose name the service cannot read (F7)', () => {
  const unreadGaps = (gaps: string[]): string[] => gaps.filter((g) => g.includes('cannot read'));

  it('a misspelt benzodiazepine with its RxNorm product code, beside an opioid: reported, naming what it may be', () => {
    const gaps = unreadGaps(gapsFor(OXYCODONE, [active({ coding: [{ ...PRODUCT_CODE, display: 'alprazolem 0.5 mg tab' }] })]));
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toContain('"alprazolem", perhaps alprazolam');
  });

  it('the draft itself written as its pharmacy label, beside a benzodiazepine: reported', () => {
    const gaps = unreadGaps(gapsFor(draft({ text: 'ACETAMINOPHEN-COD #3 TABLET' }), [active({ text: 'alprazolam 0.5 mg oral tablet' })]));
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toContain('perhaps codeine');
  });

  for (const label of ['HYDROCOD/APAP 5-325', 'OXYCOD/APAP 5-325', 'PROMETHAZINE-COD 6.25-10/5', 'APAP #3']) {
    it(`a reported ${label} beside a benzodiazepine: reported`, () => {
      const statement = medicationStatement('ms-1', 'active', label);
      expect(unreadGaps(gapsFor(ALPRAZOLAM, [], [statement]))).toHaveLength(1);
    });
  }

  for (const label of ['BUTALB/APAP/CAFF 50-325-40', 'BUTALBIT-ASA-CAFF-CODEINE 30MG']) {
    it(`${label} beside an opioid: reported (the barbiturate is not read)`, () => {
      const gaps = unreadGaps(gapsFor(OXYCODONE, [active({ text: label })]));
      expect(gaps).toHaveLength(1);
      expect(gaps[0]).toContain('butalbital');
    });
  }

  for (const name of ['lisinopril 10 mg tablet', 'metformin 500 mg tablet', 'acetaminophen 500 mg tablet', 'amlodipine-benazepril 5-20 mg', 'aspirin-dipyridamole ER 25-200 mg', 'nizatidine 150 mg', 'povidone-iodine 10% solution', 'Chlor-Trimeton 4 mg']) {
    it(`${name}: silent (an unrecognised name alone is not reported)`, () => {
      expect(gapsFor(OXYCODONE, [active({ text: name })]).filter((g) => g.includes(name))).toEqual([]);
    });
  }
});
