/**
 * Naloxone the clinician recorded as on hand: an override reason with `recordsNaloxoneOnHand` (naloxone-co-prescribe's
 * "has-naloxone": bought over the counter, say) snoozes its rule for the patient, and while that snooze is active no
 * card offers the one-click naloxone order for the patient any more. Cards are built before the snooze lookup; each
 * built card names its naloxone offers (`BuiltCard.naloxoneOffers`, the uuids of the suggestions made from its
 * rule's `order-naloxone` suggestions), so they can be withheld afterwards.
 */
import type { RuleDefinition } from '../engine/index.ts';
import type { BuiltCard } from './build-cards.ts';

/** Whether a built card still shows one of its naloxone offers. */
function showsOffer(built: BuiltCard): boolean {
  const offers = built.naloxoneOffers ?? [];
  return offers.length > 0 && (built.card.suggestions ?? []).some((s) => s.uuid !== undefined && offers.includes(s.uuid));
}

/**
 * @param cards - Built cards.
 * @returns Whether any of the cards offers to order naloxone.
 */
export function offersNaloxone(cards: readonly BuiltCard[]): boolean {
  return cards.some(showsOffer);
}

/** Per rule set (its rules array): whether some rule has an override reason that records naloxone on hand. */
const recordingSets = new WeakMap<readonly RuleDefinition[], boolean>();

/** Whether some rule of the set has an override reason that records naloxone on hand (worked out once per set). */
export function recordsNaloxoneOnHand(rules: readonly RuleDefinition[]): boolean {
  let records = recordingSets.get(rules);
  if (records === undefined) {
    records = rules.some((r) => (r.card.overrideReasons ?? []).some((reason) => reason.recordsNaloxoneOnHand === true));
    recordingSets.set(rules, records);
  }
  return records;
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
 * @returns The same cards without their naloxone offers; a card left with no suggestion loses `selectionBehavior`
 *   too (CDS Hooks 2.0: it goes with suggestions), and keeps its text, links and override reasons.
 */
export function dropNaloxoneOffers<T extends BuiltCard>(cards: readonly T[]): T[] {
  return cards.map((built) => {
    if (!showsOffer(built)) {
      return built;
    }
    const offers = built.naloxoneOffers ?? [];
    const kept = (built.card.suggestions ?? []).filter((s) => s.uuid === undefined || !offers.includes(s.uuid));
    const { suggestions: _dropped, selectionBehavior: _behaviour, ...rest } = built.card;
    return { ...built, card: kept.length > 0 ? { ...rest, suggestions: kept, selectionBehavior: built.card.selectionBehavior ?? 'at-most-one' } : rest };
  });
}
