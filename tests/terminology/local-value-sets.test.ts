import type { ValueSet } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createClassifier, DRUG_CLASS_SYSTEM, USAGE_CONTEXT_TYPE_SYSTEM, validateLocalValueSet } from '../../src/terminology/index.ts';

const LOCAL_SYSTEM = 'http://hospital.example.org/fhir/CodeSystem/formulary';

function localValueSet(classCode: string, codes: readonly string[], extra: Partial<ValueSet> = {}): ValueSet {
  return {
    resourceType: 'ValueSet',
    url: 'http://hospital.example.org/fhir/ValueSet/local-benzodiazepines',
    status: 'active',
    useContext: [
      {
        code: { system: USAGE_CONTEXT_TYPE_SYSTEM, code: 'focus' },
        valueCodeableConcept: { coding: [{ system: DRUG_CLASS_SYSTEM, code: classCode }] },
      },
    ],
    compose: { include: [{ system: LOCAL_SYSTEM, concept: codes.map((code) => ({ code })) }] },
    ...extra,
  };
}

describe('local value sets', () => {
  it('adds a site code to a class', () => {
    const classifier = createClassifier({ localValueSets: [localValueSet('benzodiazepine', ['FORM-0042'])] });
    const result = classifier.classify({ coding: [{ system: LOCAL_SYSTEM, code: 'FORM-0042' }] });
    expect(result.classes).toEqual(['benzodiazepine']);
    expect(result.matchedBy).toEqual(['local-value-set']);
    expect(result.ingredients).toEqual([]);
  });

  it('reads expansion.contains as well', () => {
    const vs = localValueSet('gabapentinoid', ['G-1'], {
      expansion: { timestamp: '2025-01-01T00:00:00Z', contains: [{ system: LOCAL_SYSTEM, code: 'G-2' }] },
    });
    const classifier = createClassifier({ localValueSets: [vs] });
    expect(classifier.classify({ coding: [{ system: LOCAL_SYSTEM, code: 'G-2' }] }).classes).toEqual(['gabapentinoid']);
  });

  it('merges local classes with recognised text', () => {
    const classifier = createClassifier({ localValueSets: [localValueSet('muscle-relaxant', ['X-9'])] });
    const result = classifier.classify({ coding: [{ system: LOCAL_SYSTEM, code: 'X-9', display: 'oxycodone 5 mg' }] });
    expect(result.classes).toEqual(['muscle-relaxant', 'opioid-analgesic']);
    expect(result.matchedBy).toEqual(['text', 'local-value-set']);
  });

  it('does not match the same code in another system', () => {
    const classifier = createClassifier({ localValueSets: [localValueSet('benzodiazepine', ['FORM-0042'])] });
    expect(classifier.classify({ coding: [{ system: 'http://other.example.org', code: 'FORM-0042' }] }).classes).toEqual([]);
  });

  it('accepts a valid value set', () => {
    const checked = validateLocalValueSet(localValueSet('z-drug', ['Z1']));
    expect(checked.ok).toBe(true);
  });

  it('reports a missing class', () => {
    const vs = localValueSet('z-drug', ['Z1']);
    delete vs.useContext;
    const checked = validateLocalValueSet(vs);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.errors.join('\n')).toMatch(/missing drug class/);
  });

  it('reports an unknown class id and lists the valid ones', () => {
    const checked = validateLocalValueSet(localValueSet('benzo', ['B1']));
    expect(checked.ok).toBe(false);
    if (!checked.ok) {
      expect(checked.errors.join('\n')).toMatch(/unknown drug class "benzo"/);
      expect(checked.errors.join('\n')).toMatch(/benzodiazepine/);
    }
  });

  it('reports a value set with no codes', () => {
    const checked = validateLocalValueSet(localValueSet('ketamine', []));
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.errors.join('\n')).toMatch(/no codes/);
  });

  it('reports concepts without a system and concepts without a code', () => {
    const vs = localValueSet('ketamine', ['K1']);
    vs.compose = { include: [{ concept: [{ code: 'K1' }] }, { system: LOCAL_SYSTEM, concept: [{ code: '' }] }] };
    const checked = validateLocalValueSet(vs);
    expect(checked.ok).toBe(false);
    if (!checked.ok) {
      expect(checked.errors.join('\n')).toMatch(/without a system/);
      expect(checked.errors.join('\n')).toMatch(/missing code/);
    }
  });

  it('rejects things that are not ValueSets', () => {
    expect(validateLocalValueSet(null)).toEqual({ ok: false, errors: ['not a JSON object'] });
    const checked = validateLocalValueSet({ resourceType: 'CodeSystem' });
    expect(checked.ok).toBe(false);
  });

  it('refuses to build a classifier from an invalid value set', () => {
    expect(() => createClassifier({ localValueSets: [localValueSet('benzo', ['B1'])] })).toThrow(/unknown drug class/);
  });
});
