// One response offers each new order once: with two opioid drafts beside a benzodiazepine, the naloxone card
// of each draft and the high-MME cards each carried "order naloxone", and a clinician accepting every card's
// suggestion got four naloxone orders.
import path from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { dropRepeatedSuggestions } from '../../src/cards/index.ts';
import type { BuiltCard } from '../../src/cards/index.ts';
import { buildRuleSet, readRuleSources } from '../../src/engine/index.ts';
import type { Card } from '../../src/protocol/index.ts';
import { ORDER_SIGN, ROOT, createTestApp, expectConformant, fixture } from '../support/test-app.ts';

/** The date the rule-test fixtures are written for. */
const FIXTURE_NOW = new Date('2026-11-21T12:00:00Z');

/** The rule ids of the cards that carry an "order naloxone" create suggestion. */
function naloxoneOfferedOn(cards: readonly Card[]): string[] {
  return cards.filter((c) => (c.suggestions ?? []).some((s) => (s.actions ?? []).some((a) => a.type === 'create' && /naloxone/i.test(JSON.stringify(a.resource))))).map((c) => c.source.topic?.code ?? '');
}

function actionsOf(cards: readonly Card[]): string[] {
  return cards.flatMap((c) => (c.suggestions ?? []).flatMap((s) => (s.actions ?? []).map((a) => `${a.type}:${a.resourceId ?? (a.resource as any)?.medicationCodeableConcept?.text}`)));
}

describe('a new order is suggested once per response', () => {
  it('two opioid drafts beside a benzodiazepine: naloxone offered once, each draft still offered for removal', async () => {
    const t = await createTestApp();
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const second = structuredClone(body.context.draftOrders.entry[0]);
    second.resource.id = 'second-opioid';
    body.context.draftOrders.entry.push(second);
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    const cards = expectConformant(res.body);
    const actions = actionsOf(cards);
    expect(actions.filter((a) => a.startsWith('create:') && /naloxone/i.test(a))).toHaveLength(1);
    expect(actions.filter((a) => a.startsWith('delete:')).sort()).toEqual(['delete:MedicationRequest/draft-oxycodone-acetaminophen', 'delete:MedicationRequest/second-opioid']);
    // The cards themselves all stay, and a card left without suggestions has no selectionBehavior.
    expect(cards.filter((c) => c.source.topic?.code === 'naloxone-co-prescribe')).toHaveLength(2);
    for (const card of cards) {
      expect(card.selectionBehavior !== undefined).toBe((card.suggestions ?? []).length > 0);
    }
  });

  it('keeps the first card shown with the suggestion, and a suggestion that also removes a draft is never a repeat', () => {
    const naloxone = { type: 'create' as const, description: 'Order naloxone.', resource: { resourceType: 'MedicationRequest', status: 'draft', intent: 'order', subject: { reference: 'Patient/p' }, medicationCodeableConcept: { text: 'Naloxone' } } as any };
    const other = { ...naloxone, resource: { ...naloxone.resource, medicationCodeableConcept: { text: 'Something else' } } };
    const remove = { type: 'delete' as const, description: 'Remove.', resourceId: 'MedicationRequest/d1' };
    const card = (id: string, suggestions: Card['suggestions']): BuiltCard => ({ ruleId: id, interactingRefs: [], card: { summary: id, indicator: 'warning', source: { label: 'x' }, suggestions, selectionBehavior: 'at-most-one' } });
    const first = card('first', [{ label: 'a', actions: [naloxone] }]);
    const out = dropRepeatedSuggestions([
      first,
      card('second', [{ label: 'b', actions: [naloxone] }, { label: 'c', actions: [other] }]),
      card('third', [{ label: 'd', actions: [naloxone, remove] }]),
      card('fourth', [{ label: 'e', actions: [naloxone] }]),
    ]);
    expect(out.map((b) => (b.card.suggestions ?? []).map((s) => s.label))).toEqual([['a'], ['c'], ['d'], []]);
    expect(out[3]!.card.selectionBehavior).toBeUndefined();
    expect(out[0]).toBe(first); // a card with nothing repeated is passed on as it was
  });

  it('the button stays on the naloxone card, not on the high-MME card sorted before it', async () => {
    const t = await createTestApp({ now: () => FIXTURE_NOW });
    const res = await request(t.app).post(ORDER_SIGN).send(fixture('rules/methadone-dose-increase/prn-methadone-added-to-scheduled-methadone.json'));
    const cards = expectConformant(res.body);
    const codes = cards.map((c) => c.source.topic?.code);
    expect(codes.indexOf('opioid-high-mme')).toBeLessThan(codes.indexOf('naloxone-co-prescribe'));
    expect(naloxoneOfferedOn(cards)).toEqual(['naloxone-co-prescribe']);
    expect(cards.find((c) => c.source.topic?.code === 'opioid-high-mme')!.selectionBehavior).toBeUndefined();
  });

  it('another rule offering naloxone too (opioid-benzodiazepine, critical, shown first) leaves the button on the naloxone card', async () => {
    const sources = await readRuleSources(path.join(ROOT, 'rules'));
    const naloxoneRule = JSON.parse(sources.rules.find((r) => r.name === 'naloxone-co-prescribe.json')!.text);
    const offer = naloxoneRule.card.suggestions.find((s: { kind: string }) => s.kind === 'order-naloxone');
    const rules = sources.rules.map((r) => {
      if (r.name !== 'opioid-benzodiazepine.json') return r;
      const rule = JSON.parse(r.text);
      // The shipped rule offers naloxone itself (1.5.0); added only to a copy that does not.
      const has = (rule.card.suggestions ?? []).some((s: { kind: string }) => s.kind === 'order-naloxone');
      rule.card.suggestions = has ? rule.card.suggestions : [...(rule.card.suggestions ?? []), offer];
      return { ...r, text: JSON.stringify(rule) };
    });
    const built = buildRuleSet({ ...sources, rules }, FIXTURE_NOW);
    if (!built.ok) throw new Error(built.errors.join('\n'));
    const t = await createTestApp({ ruleSet: built.value, now: () => FIXTURE_NOW });
    const res = await request(t.app).post(ORDER_SIGN).send(fixture('order-sign/opioid-draft-with-active-benzodiazepine.json'));
    const cards = expectConformant(res.body);
    expect(cards.map((c) => c.source.topic?.code).slice(0, 1)).toEqual(['opioid-benzodiazepine']);
    expect(naloxoneOfferedOn(cards)).toEqual(['naloxone-co-prescribe']);
  });

  it('a card whose rule records naloxone on hand is served first; without one, the first card keeps the suggestion', () => {
    const naloxone = { type: 'create' as const, description: 'Order naloxone.', resource: { resourceType: 'MedicationRequest', status: 'draft', intent: 'order', subject: { reference: 'Patient/p' }, medicationCodeableConcept: { text: 'Naloxone' } } as any };
    const card = (id: string, flag: boolean): BuiltCard => ({
      ruleId: id,
      interactingRefs: [],
      ...(flag ? { recordsNaloxoneOnHand: true as const } : {}),
      card: { summary: id, indicator: 'warning', source: { label: 'x' }, suggestions: [{ label: id, actions: [naloxone] }], selectionBehavior: 'at-most-one' },
    });
    const labels = (cards: readonly BuiltCard[]): string[][] => dropRepeatedSuggestions(cards).map((b) => (b.card.suggestions ?? []).map((s) => s.label));
    expect(labels([card('high-mme', false), card('naloxone', true), card('naloxone-2', true)])).toEqual([[], ['naloxone'], []]);
    expect(labels([card('high-mme', false), card('other', false)])).toEqual([['high-mme'], []]);
    // The naloxone card without its offer (withheld: naloxone recorded on hand, or an order for the ward only).
    const withheld: BuiltCard = { ruleId: 'naloxone', interactingRefs: [], recordsNaloxoneOnHand: true, card: { summary: 'n', indicator: 'warning', source: { label: 'x' } } };
    expect(labels([card('high-mme', false), withheld])).toEqual([['high-mme'], []]);
  });
});
