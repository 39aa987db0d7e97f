// Brands of opioid and barbiturate products named in the published value sets got no class when sent alone
// (an order for "Xolox 10 mg/500 mg tablet" with active alprazolam gave no card; a home "Tencon" beside a new
// oxycodone gave none). They are now in the project's brand list, each with its value set named as source.
import { describe, expect, it } from 'vitest';
import { classifier, text } from './helpers.ts';

const of = (value: string) => classifier.classify(text(value));

describe('brands named in the published value sets', () => {
  it.each([
    ['Xolox 10 mg/500 mg tablet', ['opioid-analgesic'], 'oxycodone'],
    ['Dvorah tablet', ['opioid-analgesic'], 'dihydrocodeine'],
    ['Panlor', ['opioid-analgesic'], 'dihydrocodeine'],
    ['Talacen', ['opioid-analgesic'], 'pentazocine'],
    ['Tencon 50 mg/325 mg tablet', ['barbiturate'], 'butalbital'],
    ['Capacet capsule', ['barbiturate'], 'butalbital'],
    ['Zebutal', ['barbiturate'], 'butalbital'],
    ['Vtol oral solution', ['barbiturate'], 'butalbital'],
    ['Marten-Tab', ['barbiturate'], 'butalbital'],
    ['Phenohytro tablet', ['barbiturate'], 'phenobarbital'],
    ['Mytussin AC syrup', ['opioid-antitussive'], 'codeine'],
    ['Guiatuss AC syrup', ['opioid-antitussive'], 'codeine'],
    ['Brontex', ['opioid-antitussive'], 'codeine'],
    ['Hycofenix', ['opioid-antitussive'], 'hydrocodone'],
    ['P-V-Tussin tablet', ['opioid-antitussive'], 'hydrocodone'],
    ['Cheratussin', ['opioid-antitussive'], 'codeine'],
    ['Z Tuss AC', ['opioid-antitussive'], 'codeine'],
    ['Poly Tussin EX', ['opioid-antitussive'], 'dihydrocodeine'],
    ['Ascomp', ['barbiturate', 'opioid-analgesic'], 'codeine'],
  ] as const)('%s -> %j with %s', (value, classes, ingredient) => {
    expect(of(value).classes).toEqual(classes);
    expect(of(value).ingredients).toContain(ingredient);
  });

  it('the plain products of the same lines are not opioids', () => {
    expect(of('Mytussin DM').classes).toEqual([]);
    expect(of('Guiatuss 100 mg/5 mL').classes).toEqual([]);
  });
});
