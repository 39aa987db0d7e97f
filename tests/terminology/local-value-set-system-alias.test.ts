// A site that imports the CDC value set (RxNorm written as its FHIR URI) got nothing for the same product code
// sent by a CDA-derived feed with the RxNorm OID, although the built-in codes accept both spellings: a
// benzodiazepine order coded only so was silent.
import type { ValueSet } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createClassifier, DRUG_CLASS_SYSTEM, RXNORM_SYSTEM, USAGE_CONTEXT_TYPE_SYSTEM } from '../../src/terminology/index.ts';

const RXNORM_OID = 'urn:oid:2.16.840.1.113883.6.88';
const ATC_OID = 'urn:oid:2.16.840.1.113883.6.73';

function valueSet(system: string, code: string): ValueSet {
  return {
    resourceType: 'ValueSet',
    url: 'http://hospital.example.org/fhir/ValueSet/imported-benzodiazepines',
    status: 'active',
    useContext: [{ code: { system: USAGE_CONTEXT_TYPE_SYSTEM, code: 'focus' }, valueCodeableConcept: { coding: [{ system: DRUG_CLASS_SYSTEM, code: 'benzodiazepine' }] } }],
    compose: { include: [{ system, concept: [{ code }] }] },
  };
}

describe('local value sets: RxNorm and ATC by URI or by OID', () => {
  // 197901: lorazepam 1 MG Oral Tablet, as listed in the CDC benzodiazepine value set a site would import.
  it('a value set written with the RxNorm URI matches a coding sent with the RxNorm OID', () => {
    const classifier = createClassifier({ localValueSets: [valueSet(RXNORM_SYSTEM, '197901')] });
    expect(classifier.classify({ coding: [{ system: RXNORM_OID, code: '197901' }] }).classes).toEqual(['benzodiazepine']);
    expect(classifier.classify({ coding: [{ system: RXNORM_SYSTEM, code: '197901' }] }).classes).toEqual(['benzodiazepine']);
  });

  it('a value set written with the RxNorm OID matches a coding sent with the RxNorm URI', () => {
    const classifier = createClassifier({ localValueSets: [valueSet(RXNORM_OID, '197901')] });
    expect(classifier.classify({ coding: [{ system: RXNORM_SYSTEM, code: '197901' }] }).classes).toEqual(['benzodiazepine']);
  });

  it('a value set written with the ATC OID matches a coding sent with the ATC URI', () => {
    const classifier = createClassifier({ localValueSets: [valueSet(ATC_OID, 'LOCAL-ATC-1')] });
    expect(classifier.classify({ coding: [{ system: 'http://www.whocc.no/atc', code: 'LOCAL-ATC-1' }] }).classes).toEqual(['benzodiazepine']);
  });

  it('another system is still matched exactly', () => {
    const classifier = createClassifier({ localValueSets: [valueSet('http://hospital.example.org/formulary', 'F-1')] });
    expect(classifier.classify({ coding: [{ system: 'http://hospital.example.org/formulary', code: 'F-1' }] }).classes).toEqual(['benzodiazepine']);
    expect(classifier.classify({ coding: [{ system: RXNORM_OID, code: 'F-1' }] }).classes).toEqual([]);
  });
});
