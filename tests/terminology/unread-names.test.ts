// A name the classifier cannot read but that is probably a CNS drug it knows (a misspelling, a truncated pharmacy
// label, an abbreviated part of a combination) is flagged as `unreadName`, so the facts layer reports the check as
// incomplete instead of treating the medication as a drug of no interest (review classify2, F7). An unrecognised
// name alone is not flagged: a "check incomplete" card on every lisinopril order would teach clinicians to ignore it.
import { describe, expect, it } from 'vitest';
import { createClassifier } from '../../src/terminology/index.ts';
import { editDistance } from '../../src/terminology/unread-names.ts';

const classifier = createClassifier();
const unread = (text: string): { word: string; mayBe: readonly string[] } | undefined => classifier.classify({ text }).unreadName;

describe('names probably of a CNS drug that are not read', () => {
  const cases: [string, string, string][] = [
    ['alprazolem 0.5 mg tab', 'alprazolem', 'alprazolam'],
    ['lorazapam 1 mg', 'lorazapam', 'lorazepam'],
    ['clonazapam 0.5 mg', 'clonazapam', 'clonazepam'],
    ['gabapentine 300 mg', 'gabapentine', 'gabapentin'],
    ['hydrocodon 5 mg', 'hydrocodon', 'hydrocodone'],
    ['cyclobenzaprene 10 mg', 'cyclobenzaprene', 'cyclobenzaprine'],
    ['Klonipin 1 mg', 'klonipin', 'clonazepam'],
    ['HYDROCOD/APAP 5-325', 'hydrocod', 'hydrocodone'],
    ['OXYCOD/APAP 5-325', 'oxycod', 'oxycodone'],
    ['BUTALB/APAP/CAFF 50-325-40', 'butalb', 'butalbital'],
    ['CHLORDIAZEPOX-AMITRIPTYLINE', 'chlordiazepox', 'chlordiazepoxide'],
    ['ACETAMINOPHEN-COD #3 TABLET', 'cod', 'codeine'],
    ['APAP/COD 300-30MG', 'cod', 'codeine'],
    ['PROMETHAZINE-COD 6.25-10/5', 'cod', 'codeine'],
    ['bup/nal 8/2 SL film', 'bup', 'buprenorphine'],
    ['ACETAMINOPHEN #3', '#3', 'codeine'],
    ['APAP No. 4', 'no.4', 'codeine'],
  ];
  for (const [text, word, mayBe] of cases) {
    it(`"${text}": "${word}" may be ${mayBe}`, () => {
      const found = unread(text);
      expect(found?.word).toBe(word);
      expect(found?.mayBe).toContain(mayBe);
    });
  }

  it('a recognised opioid beside an unread barbiturate keeps both facts: the class read, the barbiturate flagged', () => {
    const result = classifier.classify({ text: 'BUTALBIT-ASA-CAFF-CODEINE 30MG' });
    expect(result.classes).toContain('opioid-analgesic');
    expect(result.unreadName?.mayBe).toEqual(['butalbital']);
  });

  it('is part of the cached classification (the same result object for the same name)', () => {
    const first = classifier.classify({ text: 'HYDROCOD/APAP 7.5-325' });
    expect(classifier.classify({ text: 'HYDROCOD/APAP 7.5-325' })).toBe(first);
  });
});

describe('names that are not flagged', () => {
  const recognised = [
    'oxyCODONE (ROXICODONE) 5 MG immediate release tablet',
    'HYDROcodone-acetaminophen (NORCO) 5-325 mg per tablet',
    'BUTALBITAL-APAP-CAFFEINE TAB',
    'HYDROCODONE BIT-IBUPROFEN 7.5-200',
    'promethazine-codeine syrup',
    'buprenorphine-naloxone 8-2 mg SL tab',
    'Acetaminophen 300 MG / Codeine Phosphate 30 MG Oral Tablet [Tylenol with Codeine]',
    'naloxone 4 mg/0.1 mL nasal spray',
  ];
  const others = [
    'lisinopril 10 mg tablet', 'metformin 500 mg tablet', 'atorvastatin 20 mg', 'acetaminophen 500 mg tablet', 'Tylenol Extra Strength',
    'losartan-hydrochlorothiazide 50-12.5 mg', 'amlodipine-benazepril 5-20', 'sitagliptin-metformin 50-1000', 'amoxicillin-clavulanate 875-125 mg',
    'aspirin-dipyridamole ER 25-200 mg', 'ibuprofen-famotidine', 'naproxen-esomeprazole', 'fexofenadine-pseudoephedrine', 'loratadine-pseudoephedrine',
    'sumatriptan-naproxen', 'carbidopa-levodopa 25-100 mg', 'nizatidine 150 mg', 'ranitidine 150 mg', 'povidone-iodine 10% solution',
    'cocaine 4% topical solution', 'Chlor-Trimeton 4 mg', 'Claritin-D 12 hour', 'Mucinex DM', 'Tums Ultra', 'oxymetazoline nasal spray',
    'hydroxyzine HCl 25 mg', 'hydroxychloroquine 200 mg', 'enoxaparin 40 mg/0.4 mL pre-filled syringe', 'insulin glargine 100 units/mL pen',
    'EpiPen 2-Pak', 'Dex-Pak 13 day', 'Tri-Sprintec', 'Hydro-Q cream', 'Oxy-10 cream', 'cod liver oil capsule', 'buspirone 10 mg', 'trazodone 50 mg',
    'quetiapine 25 mg', 'clonidine 0.1 mg', 'propofol 10 mg/mL', 'Acetaminophen 500 mg #30',
  ];
  for (const text of [...recognised, ...others]) {
    it(`"${text}"`, () => {
      expect(unread(text)).toBeUndefined();
    });
  }
});

describe('a short or truncated word that is as much the start of a common ingredient of no class (review diff8, F7)', () => {
  // Each of these put the "check incomplete" card on every order of the patient who takes it, with no CNS drug in
  // sight: carbidopa/levodopa read as levorphanol or levomethadyl, phenazopyridine as phenazocine, bupropion/naltrexone
  // (Contrave) as buprenorphine, the penicillin skin test Pre-Pen as pregabalin.
  for (const text of ['CARB/LEVO 25-100', 'Carb-Levo', 'CARB/LEVO ER 50-200', 'CARBIDOPA/LEVO 25/100', 'PHENAZO 200MG TAB', 'Phenazo', 'Phenazo-Urin', 'BUP/NALTREX', 'BUPROP/NALTREX', 'Pre-Pen']) {
    it(`"${text}" is not flagged`, () => {
      expect(unread(text)).toBeUndefined();
    });
  }

  // The same ambiguous starts still flag when only the CNS reading makes a product the brands list.
  const kept: [string, string, string][] = [
    ['bup/nal 8/2 SL film', 'bup', 'buprenorphine'], // Suboxone (bupropion/naloxone is no product)
    ['OXY/APAP 5-325', 'oxy', 'oxycodone'], // Percocet (oxybutynin/acetaminophen is none)
    ['HYDROCO/APAP 5-325', 'hydroco', 'hydrocodone'], // Norco (hydrocortisone/acetaminophen is none)
  ];
  for (const [text, word, mayBe] of kept) {
    it(`"${text}": "${word}" still may be ${mayBe}`, () => {
      expect(unread(text)).toEqual({ word, mayBe: [mayBe] });
    });
  }
});

describe('editDistance', () => {
  it('counts edits, an adjacent transposition as one, and stops past the bound', () => {
    expect(editDistance('alprazolem', 'alprazolam', 2)).toBe(1);
    expect(editDistance('lroazepam', 'lorazepam', 2)).toBe(1);
    expect(editDistance('codeine', 'iodine', 1)).toBe(2);
    expect(editDistance('tizanidine', 'nizatidine', 1)).toBe(2);
  });
});
