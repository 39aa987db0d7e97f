/**
 * One response offers each new order once. Several cards can suggest the same order: the naloxone card of
 * each opioid draft, and the high-MME card beside it, each carried "order naloxone". A clinician who
 * accepted every card's suggestion got several naloxone orders. One card keeps the suggestion; the others
 * lose that suggestion only, and keep their text, links and other suggestions.
 *
 * The card that keeps it is the naloxone card (its rule has an override reason that records naloxone on hand)
 * when it offers the order, else the first card in the order shown. Cards are sorted by severity and priority,
 * so the high-MME card came first and kept "order naloxone" while the card saying "prescribe naloxone", with
 * its "patient already has naloxone" override, had no button: the clinician looked for the order on the card
 * that asked for it.
 */
import type { Action, Suggestion } from '../protocol/types.ts';
import type { BuiltCard } from './build-cards.ts';

/** What a create action would order: the resource type and its medication, ids and references aside. */
function createdOrder(action: Action): string | undefined {
  if (action.type !== 'create' || !action.resource) {
    return undefined;
  }
  const resource = action.resource as { resourceType: string; medicationCodeableConcept?: unknown; medicationReference?: unknown };
  return JSON.stringify([resource.resourceType, resource.medicationCodeableConcept ?? resource.medicationReference ?? null]);
}

/** The orders a suggestion would create, when it only creates (a delete or update is never a repeat). */
function createsOnly(suggestion: Suggestion): string[] | undefined {
  const actions = suggestion.actions ?? [];
  const orders = actions.map(createdOrder);
  return actions.length > 0 && orders.every((o) => o !== undefined) ? (orders as string[]) : undefined;
}

/**
 * @param cards - The cards to show, in order.
 * @returns The same cards in the same order, with a suggestion that only creates orders another card offers
 *   removed: the naloxone cards are looked at first (in the order shown), then the others.
 */
export function dropRepeatedSuggestions<T extends BuiltCard>(cards: readonly T[]): T[] {
  const offered = new Set<string>();
  const visit = (built: T): T => {
    const suggestions = built.card.suggestions;
    if (!suggestions) {
      return built;
    }
    const kept = suggestions.filter((s) => {
      const orders = createsOnly(s);
      if (!orders) {
        return true;
      }
      const repeat = orders.every((o) => offered.has(o));
      for (const o of orders) {
        offered.add(o);
      }
      return !repeat;
    });
    if (kept.length === suggestions.length) {
      return built;
    }
    const { suggestions: _dropped, selectionBehavior: _behaviour, ...rest } = built.card;
    return { ...built, card: kept.length > 0 ? { ...rest, suggestions: kept, selectionBehavior: built.card.selectionBehavior ?? 'at-most-one' } : rest };
  };
  const out = [...cards];
  const first = out.flatMap((b, i) => (b.recordsNaloxoneOnHand === true ? [i] : []));
  const rest = out.flatMap((b, i) => (b.recordsNaloxoneOnHand === true ? [] : [i]));
  for (const i of [...first, ...rest]) {
    out[i] = visit(out[i]!);
  }
  return out;
}
