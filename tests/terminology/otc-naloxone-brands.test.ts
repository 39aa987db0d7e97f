// OTC naloxone nasal sprays named by brand only (a patient-reported MedicationStatement "RiVive"): they must
// be recognised as rescue naloxone, or the patient who carries one gets the "offer naloxone" card. Sources of
// the names: src/terminology/data/brand-names.ts (FDA approvals).
import { describe, expect, it } from 'vitest';
import { classifier, text } from './helpers.ts';

describe('OTC naloxone brands', () => {
  it.each(['RiVive', 'RIVIVE 3 mg nasal spray', 'Rextovy', 'Rextovy 4 mg nasal spray'])('%s alone is rescue naloxone', (value) => {
    const result = classifier.classify(text(value));
    expect(result.classes).toEqual(['naloxone-rescue']);
    expect(result.ingredients).toEqual(['naloxone']);
  });
});
