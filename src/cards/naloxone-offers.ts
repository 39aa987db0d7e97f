/**
 * Naloxone the clinician recorded as on hand: an override reason with `recordsNaloxoneOnHand` (naloxone-co-prescribe's
 * "has-naloxone": bought over the counter, say) snoozes its rule for the patient, and while that snooze is active no
 * card offers the one-click naloxone order for the patient any more. Cards are built before the snooze lookup, so
 * the offers are found afterwards by the rule that made each card: its suggestions of kind `order-naloxone` (the same
 * offers build-cards.ts leaves out when rescue naloxone is active or ordered, or the order is for the ward only).
 */
import type { RuleDefinition, RuleSuggestion } from '../engine/index.ts';
import type { Suggestion } from '../protocol/types.ts';
import type { BuiltCard } from './build-cards.ts';

/** Whether a card suggestion is the one built from the rule's order-naloxone suggestion (its label, and a create of its medication). */
function isOfferOf(suggestion: Suggestion, offer: RuleSuggestion): boolean {
  return (
    suggestion.label === offer.label &&
    (suggestion.actions ?? []).some((a) => {
      const resource = a.resource as { resourceType?: unknown; medicationCodeableConcept?: { text?: unknown } } | undefined;
      return a.type === 'create' && resource?.resourceType === 'MedicationRequest' && resource.medicationCodeableConcept?.text === offer.medication?.text;
    })
  );
}

/** The naloxone orders a card of this rule may offer. */
function naloxoneOffersOf(rule: RuleDefinition | undefined): RuleSuggestion[] {
  return (rule?.card.suggestions ?? []).filter((s) => s.kind === 'order-naloxone');
}

/**
 * @param cards - Built cards.
 * @param rules - The rules of the snapshot that built them.
 * @returns Whether any of the cards offers to order naloxone.
 */
export function offersNaloxone(cards: readonly BuiltCard[], rules: readonly RuleDefinition[]): boolean {
  const byId = new Map(rules.map((r) => [r.id, r]));
  return cards.some((b) => naloxoneOffersOf(byId.get(b.ruleId)).some((offer) => (b.card.suggestions ?? []).some((s) => isOfferOf(s, offer))));
}

/** Whether some rule of the set has an override reason that records naloxone on hand. */
export function recordsNaloxoneOnHand(rules: readonly RuleDefinition[]): boolean {
  return rules.some((r) => (r.card.overrideReasons ?? []).some((reason) => reason.recordsNaloxoneOnHand === true));
}

/**
 * Whether one of a rule's override reasons, as the rule is now, records naloxone on hand.
 * @param rule - The rule the snooze is for (undefined when the set no longer has it: not recorded).
 * @param reasonCode - The code of the override reason that made the snooze.
 */
export function reasonRecordsNaloxoneOnHand(rule: RuleDefinition | undefined, reasonCode: string): boolean {
  return (rule?.card.overrideReasons ?? []).some((reason) => reason.code === reasonCode && reason.recordsNaloxoneOnHand === true && reason.snoozeDays !== undefined);
}

/**
 * @param cards - The cards to show.
 * @param rules - The rules of the snapshot that built them.
 * @returns The same cards without their order-naloxone suggestions; a card left with no suggestion loses
 *   `selectionBehavior` too (CDS Hooks 2.0: it goes with suggestions), and keeps its text, links and override reasons.
 */
export function dropNaloxoneOffers<T extends BuiltCard>(cards: readonly T[], rules: readonly RuleDefinition[]): T[] {
  const byId = new Map(rules.map((r) => [r.id, r]));
  return cards.map((built) => {
    const offers = naloxoneOffersOf(byId.get(built.ruleId));
    const suggestions = built.card.suggestions;
    if (offers.length === 0 || !suggestions) {
      return built;
    }
    const kept = suggestions.filter((s) => !offers.some((offer) => isOfferOf(s, offer)));
    if (kept.length === suggestions.length) {
      return built;
    }
    const { suggestions: _dropped, selectionBehavior: _behaviour, ...rest } = built.card;
    return { ...built, card: kept.length > 0 ? { ...rest, suggestions: kept, selectionBehavior: built.card.selectionBehavior ?? 'at-most-one' } : rest };
  });
}
