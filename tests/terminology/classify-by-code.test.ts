import { describe, expect, it } from 'vitest';
import { atc, classifier, rxnorm } from './helpers.ts';

describe('code-only recognition: RxNorm ingredient codes', () => {
  it.each([
    ['7804', 'oxycodone', ['opioid-analgesic']],
    ['2670', 'codeine', ['opioid-analgesic']],
    ['4337', 'fentanyl', ['opioid-analgesic']],
    ['6813', 'methadone', ['opioid-analgesic']],
    ['1819', 'buprenorphine', ['oud-treatment']],
    ['3322', 'diazepam', ['benzodiazepine']],
    ['6960', 'midazolam', ['benzodiazepine']],
    ['21241', 'clobazam', ['benzodiazepine']],
    ['19860', 'butalbital', ['barbiturate']],
    ['2101', 'carisoprodol', ['muscle-relaxant']],
    ['7242', 'naloxone', ['naloxone-rescue']],
    ['7243', 'naltrexone', ['opioid-antagonist']],
  ])('RxCUI %s (%s) -> %j', (code, ingredient, classes) => {
    const result = classifier.classify(rxnorm(code));
    expect(result.classes).toEqual(classes);
    expect(result.ingredients).toEqual([ingredient]);
    expect(result.matchedBy).toEqual(['code']);
  });

  it('knows partner ingredients without giving them a class', () => {
    const result = classifier.classify(rxnorm('161'));
    expect(result.ingredients).toEqual(['acetaminophen']);
    expect(result.classes).toEqual([]);
  });

  it('ignores an unknown RxCUI and a code from another system', () => {
    expect(classifier.classify(rxnorm('not-a-real-rxcui')).classes).toEqual([]);
    expect(classifier.classify({ coding: [{ system: 'http://hl7.org/fhir/sid/ndc', code: '7804' }] }).classes).toEqual([]);
  });

  it('accepts the RxNorm OID as system', () => {
    expect(classifier.classify({ coding: [{ system: 'urn:oid:2.16.840.1.113883.6.88', code: '7804' }] }).classes).toEqual([
      'opioid-analgesic',
    ]);
  });
});

describe('code-only recognition: ATC codes and groups', () => {
  it.each([
    ['N02AA05', ['opioid-analgesic']], // oxycodone, via N02A
    ['N02AJ17', ['opioid-analgesic']], // oxycodone and paracetamol
    ['N01AH01', ['opioid-analgesic']], // fentanyl (anaesthetic)
    ['R05DA04', ['opioid-antitussive']], // codeine as cough suppressant
    ['R05FA02', ['opioid-antitussive']], // opium derivatives and expectorants
    ['N07BC01', ['oud-treatment']], // buprenorphine for opioid dependence
    ['N07BC51', ['oud-treatment']], // buprenorphine, combinations
    ['N05BA12', ['benzodiazepine']], // alprazolam
    ['N05CD08', ['benzodiazepine']], // midazolam
    ['N03AE01', ['benzodiazepine']], // clonazepam
    ['N05CF02', ['z-drug']], // zolpidem
    ['N05CF04', ['z-drug']], // eszopiclone
    ['N05CA06', ['barbiturate']], // secobarbital
    ['N03AA02', ['barbiturate']], // phenobarbital
    ['N03AA03', ['barbiturate']], // primidone (decision: barbiturate)
    ['N02BF01', ['gabapentinoid']], // gabapentin
    ['N02BF02', ['gabapentinoid']], // pregabalin
    ['M03BX08', ['muscle-relaxant']], // cyclobenzaprine
    ['M03BX01', ['muscle-relaxant']], // baclofen
    ['M03BX07', ['benzodiazepine', 'muscle-relaxant']], // tetrazepam
    ['N01AX03', ['ketamine']],
    ['N06AX27', ['ketamine']], // esketamine
    ['V03AB15', ['naloxone-rescue']],
    ['N07BB04', ['opioid-antagonist']], // naltrexone
    ['N07BB05', ['opioid-antagonist']], // nalmefene
    ['A08AA62', ['opioid-antagonist']], // bupropion and naltrexone
  ])('ATC %s -> %j', (code, classes) => {
    const result = classifier.classify(atc(code));
    expect(result.classes).toEqual(classes);
    expect(result.matchedBy).toEqual(['code']);
  });

  it('is case- and whitespace-tolerant', () => {
    expect(classifier.classify(atc(' n05ba01 ')).classes).toEqual(['benzodiazepine']);
  });

  it.each([
    ['A07DA03', 'loperamide'],
    ['A07DA01', 'diphenoxylate'],
    ['R05DA09', 'dextromethorphan'],
    ['R05DB01', 'benzonatate'],
    ['A06AH01', 'methylnaltrexone'],
    ['M03CA01', undefined], // dantrolene: directly acting, not classed
    ['A08AA01', undefined], // phentermine
    ['N06BA03', undefined], // metamfetamine
  ])('ATC %s has no class', (code, ingredient) => {
    const result = classifier.classify(atc(code));
    expect(result.classes).toEqual([]);
    if (ingredient !== undefined) expect(result.ingredients).toEqual([ingredient]);
  });

  it('flags methadone sent as ATC N07BC02', () => {
    const result = classifier.classify(atc('N07BC02'));
    expect(result.classes).toEqual(['opioid-analgesic']);
    expect(result.isMethadone).toBe(true);
  });
});
