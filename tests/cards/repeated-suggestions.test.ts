// One response offers each new order once: with two opioid drafts beside a benzodiazepine, the naloxone card
// of each draft and the high-MME cards each carried "order naloxone", and a clinician accepting every card's
// suggestion got four naloxone orders.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { dropRepeatedSuggestions } from '../../src/cards/index.ts';
import type { BuiltCard } from '../../src/cards/index.ts';
import type { Card } from '../../src/protocol/index.ts';
import { ORDER_SIGN, createTestApp, expectConformant, fixture } from '../support/test-app.ts';

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
});
