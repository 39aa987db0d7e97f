/**
 * Clinical content of the shipped rules checked against /work/shared/research/clinical-evidence.md (the
 * rule catalogue and the sections it cites), through the HTTP endpoint with "now" fixed like the rule
 * test cases. Each block names the catalogue entry it follows.
 */
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Card } from '../../src/protocol/types.ts';
import { ORDER_SELECT, ORDER_SIGN, createTestApp, expectConformant, fixture } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

const NOW = new Date('2026-11-21T12:00:00Z');

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: () => NOW });
});

async function cards(name: string): Promise<Card[]> {
  const body = fixture(name);
  const res = await request(t.app).post(body.hook === 'order-select' ? ORDER_SELECT : ORDER_SIGN).send(body);
  expect(res.status).toBe(200);
  return expectConformant(res.body);
}

const ofRule = (all: readonly Card[], id: string): Card[] => all.filter((c) => c.source.topic?.code === id);

describe('OB-02: opioid plus benzodiazepine is critical with any one escalator', () => {
  it('age 65 alone: critical, and the card says the age is why', async () => {
    const [card, ...rest] = ofRule(await cards('rules/opioid-benzodiazepine/oxycodone-lorazepam-65th-birthday-no-other-risk.json'), 'opioid-benzodiazepine');
    expect(rest).toEqual([]);
    expect(card?.indicator).toBe('critical');
    expect(card?.summary).toMatch(/one or more other risk factors/);
    expect(card?.detail).toContain('- Age 65');
    expect(card?.detail).toContain('age 65 years or over');
  });

  it('COPD alone (aged 64): critical, and the card names the COPD', async () => {
    const all = await cards('rules/opioid-benzodiazepine-copd-older-adult/oxycodone-lorazepam-copd-age-64.json');
    const [card, ...rest] = ofRule(all, 'opioid-benzodiazepine');
    expect(rest).toEqual([]);
    expect(card?.indicator).toBe('critical');
    expect(card?.summary).toMatch(/one or more other risk factors/);
    expect(card?.detail).toContain('- COPD (recorded as');
    expect(ofRule(all, 'opioid-benzodiazepine-copd-older-adult')).toEqual([]);
  });

  it('aged 64 with no other risk factor: still a warning', async () => {
    const [card] = ofRule(await cards('rules/opioid-benzodiazepine/oxycodone-lorazepam-age-64-no-other-risk.json'), 'opioid-benzodiazepine');
    expect(card?.indicator).toBe('warning');
    expect(card?.detail).toContain('- None recorded beyond the combination itself');
  });

  it('65 or over with COPD: only the more specific COPD card, critical', async () => {
    const all = await cards('rules/opioid-benzodiazepine-copd-older-adult/oxycodone-lorazepam-copd-age-72.json');
    expect(ofRule(all, 'opioid-benzodiazepine')).toEqual([]);
    expect(ofRule(all, 'opioid-benzodiazepine-copd-older-adult').map((c) => c.indicator)).toEqual(['critical']);
  });
});

describe('barbiturates are treated like benzodiazepines (clinical-evidence.md 2.1: phenobarbital carries the same opioid boxed warning)', () => {
  it('opioid with phenobarbital: the opioid-benzodiazepine card, naming the phenobarbital, and no second card for it', async () => {
    const all = await cards('rules/opioid-benzodiazepine/oxycodone-with-active-phenobarbital.json');
    const [card, ...rest] = ofRule(all, 'opioid-benzodiazepine');
    expect(rest).toEqual([]);
    expect(card?.indicator).toBe('warning');
    expect(card?.summary).toMatch(/benzodiazepine or barbiturate/);
    expect(card?.detail).toContain('- Phenobarbital 30 MG Oral Tablet (active prescription');
    expect(ofRule(all, 'opioid-cns-depressant')).toEqual([]);
  });

  it('with sleep apnea it escalates like a benzodiazepine', async () => {
    const [card] = ofRule(await cards('rules/opioid-benzodiazepine/norco-with-phenobarbital-sleep-apnea.json'), 'opioid-benzodiazepine');
    expect(card?.indicator).toBe('critical');
    expect(card?.summary).toMatch(/barbiturate/);
  });

  it('aged 65 or over with COPD: the COPD card, naming the phenobarbital', async () => {
    const all = await cards('rules/opioid-benzodiazepine-copd-older-adult/oxycodone-phenobarbital-copd-age-70.json');
    const [card, ...rest] = ofRule(all, 'opioid-benzodiazepine-copd-older-adult');
    expect(rest).toEqual([]);
    expect(card?.indicator).toBe('critical');
    expect(card?.detail).toContain('- Phenobarbital 30 MG Oral Tablet');
    expect(ofRule(all, 'opioid-benzodiazepine')).toEqual([]);
    expect(ofRule(all, 'opioid-cns-depressant')).toEqual([]);
  });
});

describe('KET-02: benzodiazepine timing around ketamine for depression is about efficacy (clinical-evidence.md 5.2)', () => {
  it('is an info card without the safety actions of the ketamine and CNS depressant card', async () => {
    const all = await cards('rules/ketamine-benzodiazepine-timing/ketamine-depression-reason-alprazolam-30-mg-diazepam-eq.json');
    const [card, ...rest] = ofRule(all, 'ketamine-benzodiazepine-timing');
    expect(rest).toEqual([]);
    expect(card?.indicator).toBe('info');
    expect(card?.detail).not.toMatch(/lower ketamine dose|vital signs|oxygen saturation/i);
    expect(card?.detail).toMatch(/never stop a long-term benzodiazepine abruptly/);
  });
});

describe('CDC 2022 scope (clinical-evidence.md 1, catalogue default exclusions): adults, not cancer, palliative, hospice or sickle cell', () => {
  it('under 18: no high-MME card, but naloxone is still offered', async () => {
    const all = await cards('rules/opioid-high-mme/oxycodone-90-mme-age-15.json');
    expect(ofRule(all, 'opioid-high-mme')).toEqual([]);
    expect(ofRule(all, 'naloxone-co-prescribe').map((c) => c.indicator)).toEqual(['warning']);
  });

  it('new methadone in palliative care: no methadone-for-pain card, but naloxone is still offered', async () => {
    const all = await cards('rules/methadone-for-pain/new-methadone-palliative-care-silent.json');
    expect(ofRule(all, 'methadone-for-pain')).toEqual([]);
    expect(ofRule(all, 'naloxone-co-prescribe').map((c) => c.indicator)).toEqual(['warning']);
  });

  it('an unknown age does not exclude', async () => {
    expect(ofRule(await cards('rules/opioid-high-mme/oxycodone-90-mme-no-birth-date.json'), 'opioid-high-mme').map((c) => c.indicator)).toEqual(['warning']);
  });
});

describe('card claims say what the cited source measured', () => {
  it('the older-adult COPD card: hospital admissions for breathing problems (Baillargeon 2019), not respiratory failure', async () => {
    const [card] = ofRule(await cards('rules/opioid-benzodiazepine-copd-older-adult/oxycodone-lorazepam-copd-age-72.json'), 'opioid-benzodiazepine-copd-older-adult');
    expect(card?.summary).toMatch(/hospital admissions for breathing problems/);
    expect(`${card?.summary} ${card?.detail}`).not.toMatch(/respiratory failure/i);
    expect(card?.links?.map((l) => l.url)).toContain('https://doi.org/10.1513/AnnalsATS.201901-024OC');
  });

  it('the opioid use disorder card: untreated OUD "can outweigh" the risk (FDA DSC 2017), not "usually more dangerous"', async () => {
    const [card] = ofRule(await cards('rules/moud-benzodiazepine/suboxone-draft-with-active-alprazolam.json'), 'moud-benzodiazepine');
    expect(card?.detail).toMatch(/can outweigh/);
    expect(card?.detail).not.toMatch(/usually more dangerous/);
  });
});

describe('MOUD-01: opioid use disorder treatment with a benzodiazepine or other CNS depressant (clinical-evidence.md 1.1 and 2.2: not withheld from patients taking "benzodiazepines or other drugs that depress the CNS")', () => {
  const otherDepressants = [
    'rules/moud-benzodiazepine/pregabalin-draft-with-methadose-for-oud.json',
    'rules/moud-benzodiazepine/phenobarbital-draft-with-methadose-for-oud.json',
    'rules/moud-benzodiazepine/zolpidem-draft-with-reported-suboxone.json',
    'rules/moud-benzodiazepine/carisoprodol-draft-with-suboxone-for-oud.json',
  ];
  for (const name of otherDepressants) {
    it(`${name}: the sedative is not silent beside the OUD treatment, and nothing suggests stopping that treatment`, async () => {
      const all = await cards(name);
      const [card, ...rest] = ofRule(all, 'moud-benzodiazepine');
      expect(rest).toEqual([]);
      expect(card?.indicator).toBe('info');
      expect(card?.detail).toMatch(/\*\*Interacting medication\(s\):\*\*\n\n- (Methadose|Suboxone)/);
      expect(card?.detail).toMatch(/continue or start buprenorphine or methadone/);
      for (const c of all) {
        expect(`${c.summary} ${c.detail}`).not.toMatch(/(stop|discontinue|withhold|cancel) (the )?(buprenorphine|methadone|suboxone|methadose)/i);
      }
    });
  }

  it('a benzodiazepine or barbiturate taper is advised only for those classes, never for the OUD treatment', async () => {
    const [card] = ofRule(await cards('rules/moud-benzodiazepine/pregabalin-draft-with-methadose-for-oud.json'), 'moud-benzodiazepine');
    expect(card?.detail).toContain('A benzodiazepine or barbiturate taken long-term is tapered gradually, never stopped abruptly.');
  });
});

describe('CGH-01: an opioid cough medicine with a sedative never hides another opioid, and each card\'s recommended action is what its text asks', () => {
  it('lorazepam draft for a 72-year-old with COPD on oxycodone 90 MME/day who reports a codeine cough syrup: the oxycodone is still named on the COPD interaction card', async () => {
    const all = await cards('rules/sedative-with-opioid-cough-medicine/lorazepam-draft-oxycodone-90-mme-reported-cheratussin-copd-72.json');
    const [copd, ...rest] = ofRule(all, 'opioid-benzodiazepine-copd-older-adult');
    expect(rest).toEqual([]);
    expect(copd?.indicator).toBe('critical');
    expect(copd?.detail).toMatch(/\*\*Interacting medication\(s\):\*\*\n\n- Oxycodone Hydrochloride 10 MG Oral Tablet/);
    expect(copd?.detail).toContain('- COPD (recorded as');
    // The cough syrup has its own card, which names only the cough syrup.
    const [cough] = ofRule(all, 'sedative-with-opioid-cough-medicine');
    expect(cough?.detail).toContain('- Cheratussin AC');
    expect(cough?.detail).not.toContain('Oxycodone');
  });

  it('the same request without a second opioid: one interaction card (the cough card stands in for the general ones)', async () => {
    const all = await cards('rules/opioid-cough-benzodiazepine/lorazepam-draft-with-reported-cheratussin-ac.json');
    const topics = all.map((c) => c.source.topic?.code);
    expect(topics).toContain('sedative-with-opioid-cough-medicine');
    for (const replaced of ['opioid-benzodiazepine', 'opioid-cns-depressant', 'opioid-benzodiazepine-copd-older-adult', 'opioid-cough-benzodiazepine']) {
      expect(topics).not.toContain(replaced);
    }
  });

  it('on a sedative draft, the card asks to stop the cough medicine the patient takes and does not recommend deleting the sedative', async () => {
    for (const name of [
      'rules/opioid-cough-benzodiazepine/lorazepam-draft-with-reported-cheratussin-ac.json',
      'rules/sedative-with-opioid-cough-medicine/zolpidem-draft-with-active-tussionex.json',
    ]) {
      const all = await cards(name);
      const [card] = ofRule(all, 'sedative-with-opioid-cough-medicine');
      expect(card?.detail, name).toMatch(/Stop the opioid cough medicine/);
      expect(card?.detail, name).not.toMatch(/Cancel the opioid cough medicine/);
      expect((card?.suggestions ?? []).filter((s) => s.isRecommended), name).toEqual([]);
    }
  });

  it('on an opioid cough medicine draft, the recommended cancel removes that cough medicine, as the text asks', async () => {
    const [card] = ofRule(await cards('rules/opioid-cough-benzodiazepine/tussionex-with-active-alprazolam.json'), 'opioid-cough-benzodiazepine');
    expect(card?.detail).toMatch(/Cancel the opioid cough medicine/);
    const recommended = (card?.suggestions ?? []).filter((s) => s.isRecommended);
    expect(recommended.flatMap((s) => s.actions ?? []).map((a) => a.resourceId)).toEqual(['MedicationRequest/draft-tussionex']);
  });
});

describe('NX-01 / MME-01: naloxone is offered only when none is on file ("no naloxone-only product active"; override "Already has naloxone")', () => {
  const naloxoneOrders = (all: readonly Card[]) => all.flatMap((c) => (c.suggestions ?? []).filter((s) => (s.actions ?? []).some((a) => a.type === 'create')));
  const asksForNaloxone = /\b(offer|prescribe|consider|order) naloxone\b/i;

  it('oxycodone 90 MME/day with an active Narcan kit: the high-MME card neither recommends ordering naloxone nor says "offer naloxone"', async () => {
    const all = await cards('rules/naloxone-co-prescribe/oxycodone-90-mme-with-active-narcan.json');
    expect(ofRule(all, 'opioid-high-mme').map((c) => c.indicator)).toEqual(['warning']);
    expect(naloxoneOrders(all)).toEqual([]);
    for (const c of all) {
      expect(`${c.summary}\n${c.detail}`, c.source.topic?.code).not.toMatch(asksForNaloxone);
    }
  });

  it('Suboxone with alprazolam and an active Narcan kit: the opioid use disorder card does not offer a second kit', async () => {
    const all = await cards('rules/moud-benzodiazepine/suboxone-draft-alprazolam-active-narcan.json');
    expect(ofRule(all, 'moud-benzodiazepine').map((c) => c.indicator)).toEqual(['info']);
    expect(naloxoneOrders(all)).toEqual([]);
  });

  it('without naloxone on file the naloxone order is still offered, once', async () => {
    for (const name of ['rules/opioid-high-mme/oxycodone-10mg-every-4h-90-mme.json', 'rules/moud-benzodiazepine/suboxone-draft-with-active-alprazolam.json']) {
      const orders = naloxoneOrders(await cards(name));
      expect(orders.map((s) => s.isRecommended), name).toEqual([true]);
    }
  });
});

describe('an opioid for a patient with alcohol use disorder and no sedating medicine: no card claims a second medicine, and no two cards disagree', () => {
  it('tramadol for a 72-year-old with COPD and alcohol dependence', async () => {
    const all = await cards('rules/opioid-cns-depressant/tramadol-alcohol-use-disorder-copd-72.json');
    const [card, ...rest] = ofRule(all, 'opioid-cns-depressant');
    expect(rest).toEqual([]);
    expect(card?.indicator).toBe('critical');
    expect(card?.summary).toMatch(/alcohol/);
    expect(card?.summary).not.toMatch(/an opioid with another sedating medicine/);
    expect(card?.detail).not.toMatch(/both medicines|^- Start gabapentinoids/m);
    // The new-start card would say "no other opioid or sedating medicine active" beside it.
    expect(ofRule(all, 'opioid-new-start-copd-older-adult')).toEqual([]);
  });

  it('with a gabapentinoid the advice on starting it low is still there', async () => {
    const [card] = ofRule(await cards('rules/naloxone-co-prescribe/morphine-er-with-gabapentin.json'), 'opioid-cns-depressant');
    expect(card?.detail).toContain('If a gabapentinoid is involved, start it at a low dose and adjust for kidney function.');
  });
});

describe('CNS-03 with opioid use disorder treatment (clinical-evidence.md 2.2: never suggest discontinuing buprenorphine or methadone)', () => {
  it('Suboxone ordered for a 70-year-old on lorazepam and gabapentin: no "deprescribe one" card on the Suboxone, only the card that says not to withhold it', async () => {
    const all = await cards('rules/cns-depressants-older-adult/suboxone-draft-lorazepam-gabapentin-age-70.json');
    expect(ofRule(all, 'cns-depressants-older-adult')).toEqual([]);
    expect(ofRule(all, 'moud-benzodiazepine').map((c) => c.indicator)).toEqual(['info']);
    for (const c of all) {
      expect(`${c.summary}\n${c.detail}`, c.source.topic?.code).not.toMatch(/deprescribe/i);
    }
  });

  it('lorazepam ordered for a 77-year-old on Suboxone and baclofen: the count card lists the Suboxone and says it is not the one to stop', async () => {
    const [card] = ofRule(await cards('rules/cns-depressants-older-adult/lorazepam-with-suboxone-and-baclofen-age-77.json'), 'cns-depressants-older-adult');
    expect(card?.indicator).toBe('warning');
    expect(card?.detail).toMatch(/- Suboxone/);
    expect(card?.detail).toContain('Buprenorphine or methadone for opioid use disorder counts here but is not the one to stop');
  });
});

describe('NX-01 is about patients going home with opioids (CDC 2022 recommendation 8): an order for use on the ward only gets no take-home kit, and the interaction warnings stay on', () => {
  const naloxoneOrders = (all: readonly Card[]) => all.flatMap((c) => (c.suggestions ?? []).filter((s) => (s.actions ?? []).some((a) => a.type === 'create')));

  it('oxycodone for the ward with lorazepam on the ward and no naloxone: no naloxone card, but the opioid-benzodiazepine warning', async () => {
    const all = await cards('rules/naloxone-co-prescribe/inpatient-oxycodone-with-ward-lorazepam-no-naloxone.json');
    expect(ofRule(all, 'naloxone-co-prescribe')).toEqual([]);
    expect(ofRule(all, 'opioid-benzodiazepine').map((c) => c.indicator)).toEqual(['warning']);
    expect(naloxoneOrders(all)).toEqual([]);
  });

  it('oxycodone 90 MME/day for the ward with sleep apnea: the high-MME card, without offering a take-home naloxone kit', async () => {
    const all = await cards('rules/naloxone-co-prescribe/inpatient-oxycodone-90-mme-sleep-apnea.json');
    expect(ofRule(all, 'naloxone-co-prescribe')).toEqual([]);
    expect(ofRule(all, 'opioid-high-mme').map((c) => c.indicator)).toEqual(['warning']);
    expect(naloxoneOrders(all)).toEqual([]);
  });

  it('an order that goes home (discharge beside inpatient, outpatient) still gets the naloxone card and its recommended order', async () => {
    for (const name of ['rules/naloxone-co-prescribe/inpatient-and-discharge-category-oxycodone-past-overdose.json', 'rules/naloxone-co-prescribe/outpatient-category-oxycodone-with-lorazepam.json']) {
      const all = await cards(name);
      expect(ofRule(all, 'naloxone-co-prescribe').map((c) => c.indicator), name).toEqual(['warning']);
      expect(naloxoneOrders(all).map((s) => s.isRecommended), name).toEqual([true]);
    }
  });
});

describe('MME-02: methadone caution for "new or increased methadone for pain" (CDC 2022: levels keep rising for days after each dose change)', () => {
  const incomplete = (all: readonly Card[]) => all.filter((c) => c.source.topic?.code === 'check-incomplete');

  it('a renewal raising methadone from 15 to 30 mg/day: the dose-increase card (not the new-start card), naming the new daily dose', async () => {
    const all = await cards('rules/methadone-dose-increase/methadone-renewal-5mg-to-10mg-every-8h.json');
    const [card, ...rest] = ofRule(all, 'methadone-dose-increase');
    expect(rest).toEqual([]);
    expect(card?.indicator).toBe('warning');
    expect(card?.detail).toContain('30 mg/day methadone');
    expect(card?.detail).toMatch(/several days between changes/);
    expect(ofRule(all, 'methadone-for-pain')).toEqual([]);
  });

  it('a renewal at the same or a lower dose: no methadone card and nothing reported as unchecked', async () => {
    for (const name of ['rules/methadone-dose-increase/methadone-renewal-same-dose-silent.json', 'rules/methadone-dose-increase/methadone-renewal-lower-dose-silent.json']) {
      const all = await cards(name);
      expect(ofRule(all, 'methadone-dose-increase'), name).toEqual([]);
      expect(ofRule(all, 'methadone-for-pain'), name).toEqual([]);
      expect(incomplete(all), name).toEqual([]);
    }
  });

  it('a renewal whose active methadone order gives no dose: the check-incomplete card says the increase could not be checked', async () => {
    const all = await cards('rules/methadone-for-pain/methadone-renewal-silent.json');
    expect(ofRule(all, 'methadone-dose-increase')).toEqual([]);
    const [card] = incomplete(all);
    expect(card?.detail).toContain('whether this order raises the daily methadone dose');
  });

  it('a new start gets the new-start card only', async () => {
    const all = await cards('rules/methadone-for-pain/new-methadone-5mg-tablet-text-only.json');
    expect(ofRule(all, 'methadone-for-pain').map((c) => c.indicator)).toEqual(['warning']);
    expect(ofRule(all, 'methadone-dose-increase')).toEqual([]);
  });
});

describe('NX-01 with a sedative draft (clinical-evidence.md 1.2: CDC 2022 recommendation 8 offers naloxone; concurrent benzodiazepines raise the risk): a card that asks for naloxone offers the order', () => {
  const naloxoneOrders = (all: readonly Card[]) =>
    all.flatMap((c) => (c.suggestions ?? []).filter((s) => (s.actions ?? []).some((a) => a.type === 'create')).map((s) => ({ rule: c.source.topic?.code, s })));

  for (const [name, rule] of [
    ['rules/opioid-benzodiazepine/lorazepam-draft-with-active-hydrocodone-no-naloxone.json', 'opioid-benzodiazepine'],
    ['rules/opioid-benzodiazepine-copd-older-adult/alprazolam-draft-hydrocodone-copd-65th-birthday.json', 'opioid-benzodiazepine-copd-older-adult'],
    ['rules/opioid-cns-depressant/lyrica-draft-with-active-norco.json', 'opioid-cns-depressant'],
  ] as const) {
    it(`${name}: the ${rule} card says to prescribe naloxone and offers it, once, for this patient`, async () => {
      const body = fixture(name);
      const all = await cards(name);
      // The order is not an opioid: the naloxone card does not fire, so this card is the only one that can offer it.
      expect(ofRule(all, 'naloxone-co-prescribe')).toEqual([]);
      const [card] = ofRule(all, rule);
      expect(card?.detail).toMatch(/make sure the patient has naloxone \((prescribe|offer) it if none is on file\)/);
      const offers = naloxoneOrders(all);
      expect(offers.map((o) => o.rule)).toEqual([rule]);
      const [action] = offers[0]?.s.actions ?? [];
      const resource = action?.resource as { resourceType: string; subject: { reference: string }; medicationCodeableConcept: { coding: { code: string }[] } };
      expect(resource.resourceType).toBe('MedicationRequest');
      expect(resource.subject.reference).toBe(`Patient/${body.context.patientId}`);
      expect(resource.medicationCodeableConcept.coding.map((c) => c.code)).toEqual(['1725059']);
    });
  }

  it('an opioid draft beside a benzodiazepine, no naloxone on file: the offer is made once in the response, not once per card', async () => {
    const all = await cards('rules/opioid-benzodiazepine/percocet-brand-with-active-xanax.json');
    expect(ofRule(all, 'opioid-benzodiazepine').map((c) => c.indicator)).toEqual(['warning']);
    expect(ofRule(all, 'naloxone-co-prescribe').map((c) => c.indicator)).toEqual(['warning']);
    expect(naloxoneOrders(all)).toHaveLength(1);
  });
});

describe('OB-02: the critical headline is true for every patient it fires for; the detail says which risk factors this patient has', () => {
  const HEADLINE = 'High overdose risk: opioid plus benzodiazepine or barbiturate with one or more other risk factors (see details); avoid if possible.';
  const cases: [string, string[]][] = [
    // 58 years old, 90 MME/day, nothing else: the old headline read "with risk factors such as older age, COPD or sleep apnea".
    ['rules/opioid-benzodiazepine/oxycodone-90-mme-with-reported-lorazepam.json', ['- Opioid dose 90 MME/day']],
    ['rules/moud-benzodiazepine/methadone-pain-with-temazepam.json', ['- Opioid dose 70.5 MME/day']],
    ['rules/opioid-benzodiazepine/tramadol-with-alprazolam-and-cyclobenzaprine.json', ['- 3 CNS-active medicines together']],
    ['rules/opioid-benzodiazepine/norco-with-klonopin-sleep-apnea.json', ['Sleep apnea (recorded as']],
    ['rules/opioid-benzodiazepine/oxycodone-alprazolam-opioid-use-disorder-in-remission.json', ['Opioid use disorder (recorded as']],
    ['rules/opioid-benzodiazepine/oxycodone-with-diazepam-alcohol-use-disorder.json', ['Alcohol use disorder (recorded as']],
    ['rules/opioid-benzodiazepine-copd-older-adult/oxycodone-lorazepam-copd-age-64.json', ['- COPD (recorded as']],
    ['rules/opioid-benzodiazepine/oxycodone-lorazepam-65th-birthday-no-other-risk.json', ['- Age 65']],
    ['rules/opioid-benzodiazepine/oxycodone-90-mme-lorazepam-past-overdose-age-69.json', ['- Age 69', 'overdose (recorded as "Accidental opioid overdose")', '- Opioid dose 90 MME/day']],
  ];
  for (const [name, lines] of cases) {
    it(`${name}: critical, a headline naming no risk factor, and the detail naming this patient's`, async () => {
      const [card, ...rest] = ofRule(await cards(name), 'opioid-benzodiazepine');
      expect(rest).toEqual([]);
      expect(card?.indicator).toBe('critical');
      expect(card?.summary).toBe(HEADLINE);
      const listed = (card?.detail ?? '').split('**Other risk factors recorded for this patient:**')[1]?.split('Any one of the following')[0] ?? '';
      for (const line of lines) {
        expect(listed, name).toContain(line);
      }
    });
  }
});

describe('CGH-01 in an older adult with COPD: the opioid cough cards stand in for the COPD card, so they name the COPD and the age', () => {
  for (const [name, rule] of [
    ['rules/opioid-cough-benzodiazepine/tussionex-with-active-alprazolam-copd-age-72.json', 'opioid-cough-benzodiazepine'],
    ['rules/sedative-with-opioid-cough-medicine/lorazepam-draft-reported-cheratussin-copd-age-70.json', 'sedative-with-opioid-cough-medicine'],
  ] as const) {
    it(`${name}: the ${rule} card lists the age and the COPD among this patient's risk factors`, async () => {
      const all = await cards(name);
      expect(ofRule(all, 'opioid-benzodiazepine-copd-older-adult')).toEqual([]);
      const [card, ...rest] = ofRule(all, rule);
      expect(rest).toEqual([]);
      expect(card?.indicator).toBe('critical');
      expect(card?.detail).toMatch(/\*\*Other risk factors recorded for this patient:\*\*\n\n- Age 7[02]\n- COPD \(recorded as "Chronic obstructive pulmonary disease, unspecified"\)/);
    });
  }

  it('without any: the cough card says none is recorded beyond the combination', async () => {
    const [card] = ofRule(await cards('rules/opioid-cough-benzodiazepine/tussionex-with-active-alprazolam.json'), 'opioid-cough-benzodiazepine');
    expect(card?.detail).toContain('**Other risk factors recorded for this patient:**\n\n- None recorded beyond the combination itself');
  });
});

describe('card texts stay true for every patient the rule fires for', () => {
  it('an opioid cough medicine for a patient with alcohol use disorder and no sedating medicine: the headline does not say the patient takes one', async () => {
    const [card] = ofRule(await cards('rules/opioid-cough-benzodiazepine/contained-hydrocodone-chlorpheniramine-codes-alcohol-use-disorder.json'), 'opioid-cough-benzodiazepine');
    expect(card?.indicator).toBe('critical');
    expect(card?.summary).toMatch(/alcohol use disorder/);
    expect(card?.summary).not.toMatch(/patients taking/);
  });

  it('ketamine timing card fired by the daily dose alone (session about 70 hours away): the headline does not say "near", and the esketamine is not listed as a benzodiazepine', async () => {
    const [card] = ofRule(await cards('rules/ketamine-benzodiazepine-timing/clonazepam-draft-with-active-spravato.json'), 'ketamine-benzodiazepine-timing');
    expect(card?.detail).toContain('about 70 hours apart');
    expect(card?.summary).toMatch(/or at a higher daily dose/);
    expect(card?.summary).not.toMatch(/\bnear\b/);
    expect(card?.detail).toMatch(/\*\*Interacting medication\(s\):\*\*\n\n- Spravato/);
    expect(card?.detail).not.toContain('**Benzodiazepine(s):**');
  });

  it('ketamine timing card on a ketamine draft: the benzodiazepine is listed as the interacting medication', async () => {
    const [card] = ofRule(await cards('rules/ketamine-benzodiazepine-timing/ketamine-depression-reason-alprazolam-30-mg-diazepam-eq.json'), 'ketamine-benzodiazepine-timing');
    expect(card?.detail).toMatch(/\*\*Interacting medication\(s\):\*\*\n\n- Alprazolam 0\.5 MG Oral Tablet/);
  });

  it('an older adult with COPD starting oxycodone while on esketamine: the new-start card does not say no sedating medicine is active, and the ketamine card names the esketamine', async () => {
    const all = await cards('rules/opioid-new-start-copd-older-adult/oxycodone-new-copd-age-72-with-active-spravato.json');
    const [card] = ofRule(all, 'opioid-new-start-copd-older-adult');
    expect(card?.indicator).toBe('info');
    expect(card?.detail).not.toMatch(/no other opioid or sedating medicine/);
    expect(card?.detail).toContain('no benzodiazepine, barbiturate, Z-drug, gabapentinoid or muscle relaxant');
    expect(ofRule(all, 'ketamine-cns-depressant')[0]?.detail).toContain('- Spravato');
  });
});
