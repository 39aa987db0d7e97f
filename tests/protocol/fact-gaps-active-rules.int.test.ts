/**
 * The "check incomplete" card lists what the facts could not establish only where a check that runs needs it: a
 * rule switched off in the console (status "disabled") leaves no line behind. What the record lacks, only for an
 * order a rule could fire for; a medication the service does not recognise or resolve (it may be any drug), always. The admin explain view and
 * the rule test runner list the same as the served card.
 */
import type { MedicationStatement } from '@medplum/fhirtypes';
import path from 'node:path';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { offlineFetch, withRuleActive } from '../../src/admin/run-rule-tests.ts';
import { testConfig } from '../../src/config/index.ts';
import { buildRuleSet, compileRules, readRuleSources } from '../../src/engine/index.ts';
import type { RuleDefinition, RuleSet, RuleSources } from '../../src/engine/index.ts';
import { explainRequest } from '../../src/engine/explain.ts';
import { factsReadByActiveRules, gapsForActiveRules } from '../../src/engine/facts-read.ts';
import { handleOrderHook, loadServiceDefinitions } from '../../src/protocol/index.ts';
import type { ServiceDefinition } from '../../src/protocol/index.ts';
import type { EngineFacts } from '../../src/facts/index.ts';
import { ORDER_SIGN, ROOT, createTestApp, expectConformant, fixture, prefetchResources } from '../support/test-app.ts';

const NOW = new Date('2026-11-21T12:00:00Z');
const METHADONE_LINE = 'whether this order raises the daily methadone dose';
const KETAMINE_LINE = /daily benzodiazepine dose of Lorazepam.*ketamine session for depression/;
const config = testConfig();

/** The shipped rules, with the given rules' status set to "disabled". */
function disabling(sources: RuleSources, ...ids: string[]): RuleSet {
  const rules = sources.rules.map((f) => (ids.includes(f.name.replace(/\.json$/, '')) ? { name: f.name, text: JSON.stringify({ ...JSON.parse(f.text), status: 'disabled' }) } : f));
  const built = buildRuleSet({ rules, valueSets: sources.valueSets }, NOW);
  if (!built.ok) {
    throw new Error(built.errors.join('\n'));
  }
  return built.value;
}

/** The shipped rules, with one parameter of one rule set to another value. */
function withParameter(sources: RuleSources, id: string, name: string, value: number): RuleSet {
  const rules = sources.rules.map((f) => {
    if (f.name !== `${id}.json`) return f;
    const rule = JSON.parse(f.text);
    rule.parameters[name].value = value;
    return { name: f.name, text: JSON.stringify(rule) };
  });
  const built = buildRuleSet({ rules, valueSets: sources.valueSets }, NOW);
  if (!built.ok) {
    throw new Error(built.errors.join('\n'));
  }
  return built.value;
}

/** The shipped methadone renewal whose active order gives no dose (the increase cannot be told). */
const methadoneRenewal = (): Record<string, any> => fixture('rules/methadone-for-pain/methadone-renewal-silent.json');

/** Spravato beside a reported lorazepam whose dose is not given (the ketamine daily-dose check is open). */
function ketamineWithDoselessLorazepam(): Record<string, any> {
  const body = fixture('rules/ketamine-benzodiazepine-timing/spravato-lorazepam-statement-36h-before-session.json');
  const statements = prefetchResources(body).filter((r): r is MedicationStatement => r.resourceType === 'MedicationStatement');
  expect(statements).toHaveLength(1);
  delete statements[0]!.dosage;
  return body;
}

describe('fact gaps on the check-incomplete card follow the active rules', () => {
  let sources: RuleSources;
  let shipped: RuleSet;
  let services: ServiceDefinition[];
  beforeAll(async () => {
    sources = await readRuleSources(path.join(ROOT, 'rules'));
    shipped = disabling(sources);
    const defs = await loadServiceDefinitions(config.servicesDir);
    if (!defs.ok) {
      throw new Error(defs.errors.join('\n'));
    }
    services = defs.value;
  });

  async function incompleteDetail(ruleSet: RuleSet, body: Record<string, any>): Promise<string | undefined> {
    const t = await createTestApp({ ruleSet, now: () => NOW });
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    return expectConformant(res.body).find((c) => c.source.topic?.code === 'check-incomplete')?.detail;
  }

  it('a dose-less methadone renewal: the increase line with methadone-dose-increase active, none with it disabled', async () => {
    expect(await incompleteDetail(shipped, methadoneRenewal())).toContain(METHADONE_LINE);
    const off = disabling(sources, 'methadone-dose-increase');
    expect(await incompleteDetail(off, methadoneRenewal()) ?? '').not.toContain(METHADONE_LINE);
  });

  // The line used to follow a copy of the dose-increase rule's scope in derive-facts.ts (under 18; cancer,
  // palliative, hospice, sickle cell): an admin raising adultAge did not move it. Now the rule itself decides.
  it('a dose-less methadone renewal outside the dose-increase check (a minor, hospice care, under a raised adultAge): no increase line', async () => {
    const minor = methadoneRenewal();
    minor.prefetch.patient.birthDate = '2010-01-01';
    expect((await incompleteDetail(shipped, minor)) ?? '').not.toContain(METHADONE_LINE);
    const hospice = methadoneRenewal();
    hospice.prefetch.conditions.entry.push({
      resource: {
        resourceType: 'Condition',
        id: 'condition-hospice-gap',
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
        code: { text: 'Hospice care' },
        subject: { reference: 'Patient/mtd-pain-5' },
      },
    });
    expect((await incompleteDetail(shipped, hospice)) ?? '').not.toContain(METHADONE_LINE);
    // The patient is 60: with the check's adult age raised to 65 the check does not apply, nor its line.
    const raised = withParameter(sources, 'methadone-dose-increase', 'adultAge', 65);
    expect((await incompleteDetail(raised, methadoneRenewal())) ?? '').not.toContain(METHADONE_LINE);
    expect(await incompleteDetail(withParameter(sources, 'methadone-dose-increase', 'adultAge', 50), methadoneRenewal())).toContain(METHADONE_LINE);
  });

  it('a benzodiazepine dose beside a ketamine session: the dose line only while a rule reads benzoDiazepamEqPerDay', async () => {
    expect(await incompleteDetail(shipped, ketamineWithDoselessLorazepam())).toMatch(KETAMINE_LINE);
    // ketamine-benzodiazepine-timing is the only shipped rule reading the ketamine daily benzodiazepine dose.
    const readers = sources.rules.filter((f) => f.text.includes('"benzoDiazepamEqPerDay"')).map((f) => f.name);
    expect(readers).toEqual(['ketamine-benzodiazepine-timing.json']);
    const off = disabling(sources, 'ketamine-benzodiazepine-timing');
    expect(await incompleteDetail(off, ketamineWithDoselessLorazepam()) ?? '').not.toMatch(KETAMINE_LINE);
  });

  it('a medication sent as an unknown code stays listed whatever rule is off; what the record lacks, while a rule could fire', async () => {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    body.prefetch.medicationRequests.entry[0].resource.medicationCodeableConcept = { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '308048' }] };
    delete body.prefetch.conditions;
    const allOff = disabling(sources, ...sources.rules.map((f) => f.name.replace(/\.json$/, '')));
    expect(allOff.factsRead).toEqual([]);
    const detail = await incompleteDetail(allOff, body);
    expect(detail).toMatch(/RxNorm 308048.*code only/);
    expect(detail).not.toContain("Could not check the patient's conditions");
    expect(await incompleteDetail(shipped, body)).toContain("Could not check the patient's conditions");
  });

  /** The shipped oxycodone draft with neither pharmacy fills nor conditions sent, its draft renamed when given. */
  function withoutFillsOrConditions(draftText?: string): Record<string, any> {
    const body = fixture('order-sign/opioid-draft-no-benzodiazepine.json');
    delete body.prefetch.medicationDispenses;
    delete body.prefetch.conditions;
    if (draftText) {
      body.context.draftOrders.entry[0].resource.medicationCodeableConcept = { text: draftText };
    }
    return body;
  }
  const FILLS_LINE = 'medications dispensed by a pharmacy (fill history)';
  const CONDITIONS_LINE = "the patient's conditions";

  // An EHR that does not send the optional fills key (and has no FHIR server for it) got the check-incomplete
  // card on every order it signed, a lisinopril as much as an oxycodone: noise on a card clinicians learn to skip.
  it('what the record lacks is listed for an order a rule could fire for, not for an order no rule looks at', async () => {
    const oxycodone = await incompleteDetail(shipped, withoutFillsOrConditions());
    expect(oxycodone).toContain(FILLS_LINE);
    expect(oxycodone).toContain(CONDITIONS_LINE);
    const t = await createTestApp({ ruleSet: shipped, now: () => NOW });
    const res = await request(t.app).post(ORDER_SIGN).send(withoutFillsOrConditions('Lisinopril 10 MG Oral Tablet'));
    expect(res.status).toBe(200);
    expect(expectConformant(res.body)).toEqual([]);
    // With a lisinopril draft beside the oxycodone one (order-select of both), the oxycodone's check needs them.
    const both = withoutFillsOrConditions();
    const lisinopril = structuredClone(both.context.draftOrders.entry[0]);
    lisinopril.resource.id = 'draft-lisinopril';
    lisinopril.resource.medicationCodeableConcept = { text: 'Lisinopril 10 MG Oral Tablet' };
    both.context.draftOrders.entry.unshift(lisinopril);
    expect(await incompleteDetail(shipped, both)).toContain(FILLS_LINE);
  });

  it('a medication reference the service could not resolve is listed whatever the draft, as it may be the draft\'s own', async () => {
    const body = withoutFillsOrConditions();
    const draft = body.context.draftOrders.entry[0].resource;
    delete draft.medicationCodeableConcept;
    draft.medicationReference = { reference: 'Medication/not-sent-anywhere' };
    const detail = await incompleteDetail(shipped, body);
    expect(detail).toContain('Medication/not-sent-anywhere');
    expect(detail).toContain(FILLS_LINE);
  });

  it('the admin explain view lists the same fact and record gaps as the served card', async () => {
    const service = services.find((s) => s.hook === 'order-sign')!;
    const explain = (ruleSet: RuleSet, body = methadoneRenewal()) => explainRequest(service, body, { ruleSet, fhir: config.fhir, fetch: offlineFetch, now: NOW });
    expect((await explain(shipped)).gaps.map((g) => g.purpose).join('\n')).toContain(METHADONE_LINE);
    expect((await explain(disabling(sources, 'methadone-dose-increase'))).gaps.map((g) => g.purpose).join('\n')).not.toContain(METHADONE_LINE);
    expect((await explain(shipped, withoutFillsOrConditions())).gaps.map((g) => g.purpose)).toContain(FILLS_LINE);
    expect((await explain(shipped, withoutFillsOrConditions('Lisinopril 10 MG Oral Tablet'))).gaps).toEqual([]);
  });

  it('the rule test runner, testing a disabled rule as active, lists what that rule cannot establish', async () => {
    const off = disabling(sources, 'methadone-dose-increase');
    expect(off.factsRead).not.toContain('orderRaisesDailyDose');
    const on = withRuleActive(off, 'methadone-dose-increase');
    expect(on.factsRead).toContain('orderRaisesDailyDose');
    const service = services.find((s) => s.hook === 'order-sign')!;
    const outcome = await handleOrderHook(service, methadoneRenewal(), { ruleSet: () => on, fhir: config.fhir, fetch: offlineFetch, now: () => NOW });
    expect(outcome.response.cards.find((c) => c.source.topic?.code === 'check-incomplete')?.detail).toContain(METHADONE_LINE);
  });
});

describe('facts read by the active rules', () => {
  const rule = (id: string, status: 'active' | 'disabled', escalationFact: string): RuleDefinition =>
    ({
      id,
      title: id,
      version: '1.0.0',
      status,
      indicator: 'info',
      conditions: { all: [{ fact: 'orderClasses', operator: 'contains', value: 'opioid-analgesic' }] },
      escalations: [{ indicator: 'warning', conditions: { any: [{ not: { fact: escalationFact, operator: 'lessThan', value: 1 } }] } }],
      card: { summary: 's', detail: 'd' },
      evidence: [],
    }) as unknown as RuleDefinition;

  it('reads base conditions and escalations (through any, not) of active rules only', () => {
    expect(factsReadByActiveRules(compileRules([rule('a', 'active', 'totalMme'), rule('b', 'disabled', 'patientAgeYears')]))).toEqual(['orderClasses', 'totalMme']);
  });

  it('a condition it cannot read as a plain fact counts as reading every fact (the gap is kept)', () => {
    const odd = { ...rule('a', 'active', 'totalMme'), conditions: { all: [{ condition: 'shared' }] } } as unknown as RuleDefinition;
    expect(factsReadByActiveRules(compileRules([odd]))).toContain('benzoDiazepamEqPerDay');
  });

  it('keeps a gap naming a fact that is read, and one that may change any fact', () => {
    const gaps = [
      { purpose: 'age', reason: 'r', facts: ['patientAgeYears'] as const },
      { purpose: 'dose', reason: 'r', facts: ['totalMme', 'mmeUnknownCount'] as const },
      { purpose: 'code', reason: 'r', facts: 'all' as const },
    ];
    const rules = compileRules([rule('a', 'active', 'mmeUnknownCount')]);
    const opioidOrder = { orderClasses: ['opioid-analgesic'] } as unknown as EngineFacts;
    expect(gapsForActiveRules(gaps, rules, factsReadByActiveRules(rules), [opioidOrder]).map((g) => g.purpose)).toEqual(['dose', 'code']);
    expect(gapsForActiveRules(gaps, [], [], [opioidOrder]).map((g) => g.purpose)).toEqual(['code']);
  });

  it('drops a gap whose readers the other facts of every order rule out, keeps it while one of them could fire', () => {
    const gaps = [{ purpose: 'dose', reason: 'r', facts: ['totalMme', 'mmeUnknownCount'] as const }];
    const rules = compileRules([rule('a', 'active', 'mmeUnknownCount')]);
    const read = factsReadByActiveRules(rules);
    const benzodiazepineOrder = { orderClasses: ['benzodiazepine'] } as unknown as EngineFacts;
    const opioidOrder = { orderClasses: ['opioid-analgesic'] } as unknown as EngineFacts;
    expect(gapsForActiveRules(gaps, rules, read, [benzodiazepineOrder])).toEqual([]);
    expect(gapsForActiveRules(gaps, rules, read, [benzodiazepineOrder, opioidOrder]).map((g) => g.purpose)).toEqual(['dose']);
  });
});
