import { describe, expect, it } from 'vitest';
import { classesOfText, classifier, rxnorm, text } from './helpers.ts';

describe('names with invisible characters inside a word', () => {
  it.each([
    ['Alpra\u00ADzolam 0.5 MG Oral Tablet', ['benzodiazepine']],
    ['Alpra\u200Bzolam 0.5 MG Oral Tablet', ['benzodiazepine']],
    ['oxy\u2060codone 5 MG Oral Tablet', ['opioid-analgesic']],
    ['\uFEFFlorazepam 1 mg', ['benzodiazepine']],
  ])('reads %j as one word', (name, classes) => {
    expect(classesOfText(name)).toEqual(classes);
  });
});

describe('text-only recognition by generic name, salt and tall-man lettering', () => {
  it.each([
    ['oxyCODONE HCl 5 MG Oral Tablet', ['opioid-analgesic']],
    ['HYDROcodone bitartrate 10 MG / acetaminophen 325 MG Oral Tablet', ['opioid-analgesic']],
    ['morphine sulfate 15 MG Extended Release Oral Tablet', ['opioid-analgesic']],
    ['HYDROmorphone HCl 2 mg tablet', ['opioid-analgesic']],
    ['oxyMORphone 5 mg', ['opioid-analgesic']],
    ['fentaNYL 25 MCG/HR Transdermal System', ['opioid-analgesic']],
    ['traMADol 50 mg', ['opioid-analgesic']],
    ['tapentadol 50 MG Oral Tablet', ['opioid-analgesic']],
    ['meperidine hydrochloride 50 MG Oral Tablet', ['opioid-analgesic']],
    ['codeine sulfate 30 MG Oral Tablet', ['opioid-analgesic']],
    ['levorphanol tartrate 2 MG Oral Tablet', ['opioid-analgesic']],
    ['pentazocine 50 MG / naloxone 0.5 MG Oral Tablet', ['opioid-analgesic']],
    ['butorphanol tartrate 10 MG/ML Nasal Spray', ['opioid-analgesic']],
    ['nalbuphine hydrochloride 10 MG/ML Injectable Solution', ['opioid-analgesic']],
    ['acetaminophen 325 MG / caffeine 30 MG / dihydrocodeine bitartrate 16 MG Oral Tablet', ['opioid-analgesic']],
    ['belladonna alkaloids 16.2 MG / opium 60 MG Rectal Suppository', ['opioid-analgesic']],
    ['ALPRAZolam 0.5 MG Oral Tablet', ['benzodiazepine']],
    ['LORazepam 1 mg', ['benzodiazepine']],
    ['clonazePAM 0.5 MG Disintegrating Oral Tablet', ['benzodiazepine']],
    ['chlordiazepoxide hydrochloride 25 MG Oral Capsule', ['benzodiazepine']],
    ['amitriptyline hydrochloride 12.5 MG / chlordiazepoxide 5 MG Oral Tablet', ['benzodiazepine']],
    ['midazolam 5 MG/ML Injectable Solution', ['benzodiazepine']],
    ['remimazolam 20 MG Injection', ['benzodiazepine']],
    ['clobazam 10 MG Oral Tablet', ['benzodiazepine']],
    ['zolpidem tartrate 10 MG Oral Tablet', ['z-drug']],
    ['zaleplon 10 MG Oral Capsule', ['z-drug']],
    ['eszopiclone 3 MG Oral Tablet', ['z-drug']],
    ['zopiclone 7.5 mg tablet', ['z-drug']],
    ['PHENobarbital 32.4 MG Oral Tablet', ['barbiturate']],
    ['secobarbital sodium 100 MG Oral Capsule', ['barbiturate']],
    ['pentobarbital sodium 50 MG/ML Injectable Solution', ['barbiturate']],
    ['primidone 50 MG Oral Tablet', ['barbiturate']],
    ['gabapentin 300 MG Oral Capsule', ['gabapentinoid']],
    ['gabapentin enacarbil 600 MG Extended Release Oral Tablet', ['gabapentinoid']],
    ['pregabalin 75 MG Oral Capsule', ['gabapentinoid']],
    ['mirogabalin 5 mg', ['gabapentinoid']],
    ['carisoprodol 350 MG Oral Tablet', ['muscle-relaxant']],
    ['cyclobenzaprine hydrochloride 10 MG Oral Tablet', ['muscle-relaxant']],
    ['methocarbamol 750 MG Oral Tablet', ['muscle-relaxant']],
    ['metaxalone 800 MG Oral Tablet', ['muscle-relaxant']],
    ['baclofen 10 MG Oral Tablet', ['muscle-relaxant']],
    ['tiZANidine 4 MG Oral Tablet', ['muscle-relaxant']],
    ['chlorzoxazone 500 MG Oral Tablet', ['muscle-relaxant']],
    ['orphenadrine citrate 100 MG Extended Release Oral Tablet', ['muscle-relaxant']],
    ['ketamine hydrochloride 50 MG/ML Injectable Solution', ['ketamine']],
    ['esketamine 28 MG Nasal Spray', ['ketamine']],
    ['naloxone hydrochloride 4 MG/ACTUAT Nasal Spray', ['naloxone-rescue']],
    ['naloxone 0.4 mg/mL auto-injector', ['naloxone-rescue']],
    ['naltrexone 50 MG Oral Tablet', ['opioid-antagonist']],
    ['nalmefene 2.7 MG/ACTUAT Nasal Spray', ['opioid-antagonist']],
  ])('%s -> %j', (value, classes) => {
    const result = classifier.classify(text(value));
    expect(result.classes).toEqual(classes);
    expect(result.matchedBy).toEqual(['text']);
  });

  it('reads salts as the base ingredient', () => {
    expect(classifier.classify(text('hydrocodone bitartrate')).ingredients).toEqual(['hydrocodone']);
    expect(classifier.classify(text('clorazepate dipotassium 7.5 MG Oral Tablet')).ingredients).toEqual(['clorazepate']);
  });

  it('uses coding display when there is no text', () => {
    const result = classifier.classify(rxnorm('site-local-oxy5', 'oxyCODONE HCl 5 MG Oral Tablet'));
    expect(result.classes).toEqual(['opioid-analgesic']);
    expect(result.matchedBy).toEqual(['text']);
  });

  it('reads INN spellings', () => {
    expect(classesOfText('pethidine 50 mg')).toEqual(['opioid-analgesic']);
    expect(classesOfText('codeine/paracetamol 30/500')).toEqual(['opioid-analgesic']);
  });
});

describe('text-only recognition by US brand name', () => {
  it.each([
    ['Percocet 5/325', ['opioid-analgesic'], ['acetaminophen', 'oxycodone']],
    ['OxyContin 20 mg', ['opioid-analgesic'], ['oxycodone']],
    ['Norco 10-325', ['opioid-analgesic'], ['acetaminophen', 'hydrocodone']],
    ['MS Contin 30 mg', ['opioid-analgesic'], ['morphine']],
    ['Dilaudid 2 mg', ['opioid-analgesic'], ['hydromorphone']],
    ['Duragesic 50 mcg/hr', ['opioid-analgesic'], ['fentanyl']],
    ['Nucynta ER 100 mg', ['opioid-analgesic'], ['tapentadol']],
    ['Ultram', ['opioid-analgesic'], ['tramadol']],
    ['Talwin NX', ['opioid-analgesic'], ['naloxone', 'pentazocine']],
    ['[Xanax] alprazolam 0.5 MG Oral Tablet', ['benzodiazepine'], ['alprazolam']],
    ['Klonopin', ['benzodiazepine'], ['clonazepam']],
    ['Ativan 1 mg', ['benzodiazepine'], ['lorazepam']],
    ['Limbitrol DS', ['benzodiazepine'], ['amitriptyline', 'chlordiazepoxide']],
    ['Onfi 10 mg', ['benzodiazepine'], ['clobazam']],
    ['Ambien CR 12.5 mg', ['z-drug'], ['zolpidem']],
    ['Lunesta', ['z-drug'], ['eszopiclone']],
    ['Sonata 10 mg', ['z-drug'], ['zaleplon']],
    ['Fioricet', ['barbiturate'], ['acetaminophen', 'butalbital', 'caffeine']],
    ['Neurontin 300 mg', ['gabapentinoid'], ['gabapentin']],
    ['Lyrica', ['gabapentinoid'], ['pregabalin']],
    ['Horizant', ['gabapentinoid'], ['gabapentin enacarbil']],
    ['Soma 350 mg', ['muscle-relaxant'], ['carisoprodol']],
    ['Flexeril', ['muscle-relaxant'], ['cyclobenzaprine']],
    ['Skelaxin', ['muscle-relaxant'], ['metaxalone']],
    ['Zanaflex', ['muscle-relaxant'], ['tizanidine']],
    ['Ketalar', ['ketamine'], ['ketamine']],
    ['Spravato 56 mg dose kit', ['ketamine'], ['esketamine']],
    ['Narcan 4 mg nasal spray', ['naloxone-rescue'], ['naloxone']],
    ['Kloxxado 8 mg', ['naloxone-rescue'], ['naloxone']],
    ['Zimhi 5 mg/0.5 mL', ['naloxone-rescue'], ['naloxone']],
    ['Vivitrol 380 mg', ['opioid-antagonist'], ['naltrexone']],
    ['Opvee', ['opioid-antagonist'], ['nalmefene']],
    ['Contrave 8/90', ['opioid-antagonist'], ['bupropion', 'naltrexone']],
  ])('%s -> %j', (value, classes, ingredients) => {
    const result = classifier.classify(text(value));
    expect(result.classes).toEqual(classes);
    expect(result.ingredients).toEqual(ingredients);
  });
});

describe('combination products', () => {
  it.each([
    'oxycodone/acetaminophen 5/325',
    'oxycodone and acetaminophen',
    'oxycodone-acetaminophen 10-325 mg tablet',
    'acetaminophen 325 MG / oxyCODONE hydrochloride 5 MG Oral Tablet',
  ])('%s is an opioid analgesic with both ingredients', (value) => {
    const result = classifier.classify(text(value));
    expect(result.classes).toEqual(['opioid-analgesic']);
    expect(result.ingredients).toEqual(['acetaminophen', 'oxycodone']);
  });

  it('butalbital/APAP/caffeine/codeine is both an opioid analgesic and a barbiturate', () => {
    const result = classifier.classify(text('butalbital/APAP/caffeine/codeine 50/300/40/30 mg capsule'));
    expect(result.classes).toEqual(['barbiturate', 'opioid-analgesic']);
    expect(result.ingredients).toEqual(['acetaminophen', 'butalbital', 'caffeine', 'codeine']);
    expect(classesOfText('Fioricet with Codeine')).toEqual(['barbiturate', 'opioid-analgesic']);
  });

  it('carisoprodol/aspirin/codeine is an opioid analgesic and a muscle relaxant', () => {
    expect(classesOfText('aspirin 325 MG / carisoprodol 200 MG / codeine phosphate 16 MG Oral Tablet')).toEqual([
      'muscle-relaxant',
      'opioid-analgesic',
    ]);
  });

  it('counts dihydrocodeine once, not also as codeine', () => {
    expect(classifier.classify(text('dihydrocodeine 30 mg')).ingredients).toEqual(['dihydrocodeine']);
  });
});
