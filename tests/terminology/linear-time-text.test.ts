// The EHR chooses every text these functions read (names, units, code systems, references, its fhirServer),
// and a request may be 5 MB. Each pattern below took time quadratic in the length of a crafted text, so one
// call on about 1 MB of it ran for minutes (the old code times out here; quadratic on 1 MB is hours for the
// worst of them). No timing is asserted: vitest's 5-second timeout is the bound, and each case now takes
// milliseconds. Each case goes through the function that uses the pattern and expects its usual answer.
import type { Dosage, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { dosesPerDay, strengthsFromName } from '../../src/facts/dose/index.ts';
import { serverKey } from '../../src/patient/circuit-breaker.ts';
import { referenceKeys, unresolvedMedicationReferences } from '../../src/patient/medication-index.ts';
import { codeSystemOf } from '../../src/terminology/conditions/code-systems.ts';
import { detectForms } from '../../src/terminology/product-rules.ts';
import { normaliseText } from '../../src/terminology/text-normalise.ts';
import { classesOfText } from './helpers.ts';

const MB = 1_000_000;

/** Twice a day, one dose of 1 in the given Quantity code (unit: tablet). */
const twiceDaily = (code: string): Dosage => ({
  timing: { repeat: { frequency: 2, period: 1, periodUnit: 'd' } },
  doseAndRate: [{ doseQuantity: { value: 1, code, unit: 'tablet' } }],
});

describe('text the EHR chooses is read in time linear in its length', () => {
  it('product-rules COUGH (was \\w+tussin\\b): a name with a word of 1,000,000 letters is a cough product, as the short name is', () => {
    expect(classesOfText('codeine robitussin')).toEqual(['opioid-antitussive']);
    // Ending in "tussin", the old pattern matched at the word's first letter; the slow case was a long word
    // that does not end in it (tried from each of its letters to its end), before the word that does.
    // The classifier now reads only the first 1,000 characters of a name (classify-medication.ts), so the
    // pattern is run here on the whole text itself.
    expect(detectForms(normaliseText(`codeine ${'a'.repeat(MB)}tussin`)).cough).toBe(true);
    expect(detectForms(normaliseText(`codeine ${'a'.repeat(MB)} robitussin`)).cough).toBe(true);
  });

  it('dose units (was /^(.+?)\\s*\\/\\s*(\\d*\\.?\\d*)\\s*([a-z]+)$/): a unit code of "mg", 1,000,000 spaces and "!" is not read, and the unit text is', () => {
    expect(dosesPerDay([twiceDaily(`mg${' '.repeat(MB)}!`)])).toEqual({ perDay: 2, unit: 'tablet' });
  });

  it('dose units: a unit code of "mg/", 1,000,000 digits and "!" is not read, and the unit text is', () => {
    expect(dosesPerDay([twiceDaily(`mg/${'1'.repeat(MB)}!`)])).toEqual({ perDay: 2, unit: 'tablet' });
  });

  it('strength from a name (was "(NUM)?\\s*(PER_UNIT)"): "Oxycodone 5 MG Oral Tablet 1 / " then 500,000 "[]" and "x" still gives oxycodone 5 mg', () => {
    const strengths = strengthsFromName(`Oxycodone 5 MG Oral Tablet 1 / ${'[]'.repeat(MB / 2)}x`);
    expect(strengths.get('oxycodone')).toEqual({ mg: 5, perAmount: 1, per: 'unit', source: 'name' });
  });

  it('strength from a name (was /[qx]\\s*$/ on all the text before each strength): "q 1/2 " 170,000 times after "Oxycodone 5 MG" still gives oxycodone 5 mg', () => {
    const strengths = strengthsFromName(`Oxycodone 5 MG Oral Tablet ${'q 1/2 '.repeat(MB / 6)}`);
    expect(strengths.get('oxycodone')).toEqual({ mg: 5, perAmount: 1, per: 'unit', source: 'name' });
  });

  it('medication references (was fhirServer.replace(/\\/+$/, "")): 20,000 absolute references with a 2,044-character fhirServer of 2,020 "/"s', () => {
    const fhirServer = `https://ehr.example/${'/'.repeat(2020)}fhir`;
    const users = Array.from({ length: 20_000 }, (_, i) => ({ resourceType: 'MedicationRequest', medicationReference: { reference: `https://other.example/fhir/Medication/${i}` } }) as Resource);
    const { toRead, elsewhere } = unresolvedMedicationReferences(users, new Map(), fhirServer);
    expect(toRead).toEqual([]);
    expect(elsewhere).toHaveLength(20_000);
    expect(referenceKeys('https://ehr.example/fhir/Medication/1', `https://ehr.example/fhir${'/'.repeat(MB)}`)).toEqual(['https://ehr.example/fhir/Medication/1', 'Medication/1']);
    expect(referenceKeys('https://ehr.example/fhir/Medication/1', `https://ehr.example/${'/'.repeat(MB)}fhir`)).toEqual(['https://ehr.example/fhir/Medication/1']);
  });

  it('circuit-breaker server key (was pathname.replace(/\\/+$/, "")): server URLs with 1,000,000 "/"s in the path, inside it or at its end', () => {
    expect(serverKey(`https://EHR.example/${'/'.repeat(MB)}fhir/`)).toBe(`https://ehr.example/${'/'.repeat(MB)}fhir`);
    expect(serverKey(`https://EHR.example/fhir${'/'.repeat(MB)}`)).toBe('https://ehr.example/fhir');
    expect(serverKey(`not a url${'/'.repeat(MB)}x/`)).toBe(`not a url${'/'.repeat(MB)}x`);
  });

  it('condition code systems (was system.replace(/\\/+$/, "")): 1,000,000 "/"s then "x" is no system; SNOMED CT\'s URI followed by them is SNOMED CT', () => {
    // classifyConditionCode reads at most 1,000 characters of a system, but does so for every coding.
    expect(codeSystemOf(`http://snomed.info/sct${'/'.repeat(MB)}`)).toBe('snomed');
    expect(codeSystemOf(`${'/'.repeat(MB)}x`)).toBeUndefined();
  });
});
