import { describe, expect, it } from 'vitest';
import { CNS_DEPRESSANT_CLASSES, DRUG_CLASSES, isDrugClass, OPIOID_FAMILY } from '../../src/terminology/index.ts';

describe('drug class list', () => {
  it('has the eleven classes, sorted and unique', () => {
    expect(DRUG_CLASSES).toHaveLength(11);
    expect([...DRUG_CLASSES].sort()).toEqual(DRUG_CLASSES);
    expect(new Set(DRUG_CLASSES).size).toBe(DRUG_CLASSES.length);
  });

  it('recognises class ids', () => {
    expect(isDrugClass('z-drug')).toBe(true);
    expect(isDrugClass('benzo')).toBe(false);
    expect(isDrugClass(undefined)).toBe(false);
  });

  it('keeps rescue naloxone and antagonists out of the depressant classes', () => {
    expect(CNS_DEPRESSANT_CLASSES).not.toContain('naloxone-rescue');
    expect(CNS_DEPRESSANT_CLASSES).not.toContain('opioid-antagonist');
    expect(OPIOID_FAMILY).toEqual(['opioid-analgesic', 'opioid-antitussive', 'oud-treatment']);
  });
});
