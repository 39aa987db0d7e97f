/**
 * Turns rule hits into CDS Hooks cards (CDS Hooks 2.0 "Card Attributes"): one card per problem per
 * draft order, each with a uuid (needed for feedback), a one-sentence summary, detail naming the
 * order and the interacting medications, the rule id as source.topic.code, coded override reasons,
 * valid FHIR suggestions and absolute evidence links.
 */
import { randomUUID } from 'node:crypto';
import type { MedicationRequest } from '@medplum/fhirtypes';
import { hasRescueNaloxone } from '../facts/index.ts';
import type { OrderFacts, PatientFacts } from '../facts/index.ts';
import type { RuleDefinition, RuleHit, RuleSuggestion } from '../engine/index.ts';
import { cardText } from '../engine/compile-rules.ts';
import type { Action, Card, Suggestion } from '../protocol/types.ts';
import { cardView, clipText, interactingMeds } from './card-view.ts';
import { OVERRIDE_REASON_SYSTEM, RULE_TOPIC_SYSTEM, SOURCE_LABEL } from './codes.ts';
import { renderTemplate } from './markdown.ts';
import { replacedRules } from './replaced-rules.ts';

/** A card plus what the audit needs to know about it. */
export interface BuiltCard {
  readonly card: Card;
  readonly ruleId: string;
  readonly orderRef?: string;
  /** References of the medications the card names as interacting. */
  readonly interactingRefs: readonly string[];
  /** The uuids of its suggestions that order naloxone (withheld later when naloxone is recorded on hand). */
  readonly naloxoneOffers?: readonly string[];
  /**
   * Its rule has an override reason that records naloxone on hand (naloxone-co-prescribe's "has-naloxone"): the
   * card about naloxone itself, which keeps an order suggestion that several cards of a response repeat.
   */
  readonly recordsNaloxoneOnHand?: true;
}

export interface CardContext {
  readonly patientId: string;
  readonly encounterId?: string;
  readonly userId?: string;
}

const RANK = { info: 1, warning: 2, critical: 3 } as const;

/**
 * @param rules - The rules of the snapshot that produced the hits.
 * @param order - The draft order's facts.
 * @param patient - Patient facts.
 * @param hits - Rules that fired for this order.
 * @param context - Who the card is for (suggested orders need the patient).
 * @returns Cards, after dropping cards replaced by a more specific rule that names all their interacting
 *   medicines (one card per problem).
 */
export function buildOrderCards(
  rules: readonly RuleDefinition[],
  order: OrderFacts,
  patient: PatientFacts,
  hits: readonly RuleHit[],
  context: CardContext
): BuiltCard[] {
  const byId = new Map(rules.map((r) => [r.id, r]));
  const fired = hits.map((hit) => ({ hit, rule: byId.get(hit.ruleId) })).filter((f): f is { hit: RuleHit; rule: RuleDefinition } => f.rule !== undefined);
  // One card per problem: a more specific rule's card stands for another's when it names all its medicines.
  const replaced = replacedRules(rules, fired.map((f) => f.rule.id), order);
  // Rescue naloxone already active or ordered in this session (the fact naloxone-co-prescribe checks): no card
  // offers to order another kit. Nor on an order for use on the ward only: the kit offered is a take-home nasal
  // spray (two devices, a refill), which goes with the order the patient takes home (naloxone-co-prescribe fires
  // on that discharge order), not with the ward's supply.
  const noNaloxoneOffer = hasRescueNaloxone(order) || order.order.inpatientOnly === true;
  return fired
    .filter((f) => !replaced.has(f.rule.id))
    .sort((a, b) => RANK[b.hit.indicator] - RANK[a.hit.indicator] || (b.rule.priority ?? 50) - (a.rule.priority ?? 50) || a.rule.id.localeCompare(b.rule.id))
    .map(({ hit, rule }) => {
      const { card, naloxoneOffers } = buildCard(rule, hit, order, patient, context, noNaloxoneOffer);
      return {
        card,
        ruleId: rule.id,
        orderRef: order.order.ref,
        interactingRefs: interactingMeds(rule, order).map((m) => m.ref),
        ...(naloxoneOffers.length > 0 ? { naloxoneOffers } : {}),
        ...((rule.card.overrideReasons ?? []).some((r) => r.recordsNaloxoneOnHand === true) ? { recordsNaloxoneOnHand: true as const } : {}),
      };
    });
}

/**
 * One card per problem: when two draft orders of the same session interact with each other (an
 * opioid and a benzodiazepine both being signed), the rule fires for each order; keep one card (the
 * more severe one), which already names the other order as interacting.
 */
export function dropMirroredCards<T extends BuiltCard>(cards: readonly T[]): T[] {
  const kept: T[] = [];
  for (const card of cards) {
    const mirror = kept.findIndex(
      (k) => k.ruleId === card.ruleId && k.orderRef !== undefined && card.orderRef !== undefined && card.interactingRefs.includes(k.orderRef) && k.interactingRefs.includes(card.orderRef)
    );
    if (mirror < 0) {
      kept.push(card);
    } else if (RANK[card.card.indicator] > RANK[kept[mirror]!.card.indicator]) {
      kept[mirror] = card; // keep the more severe of the two views of the same problem
    }
  }
  return kept;
}

function buildCard(rule: RuleDefinition, hit: RuleHit, order: OrderFacts, patient: PatientFacts, context: CardContext, noNaloxoneOffer: boolean): { card: Card; naloxoneOffers: string[] } {
  const view = cardView(rule, order, patient);
  // The rule's texts with its parameters' values in place (done when the rule set was compiled); an
  // escalation's summary comes with the hit, filled the same way.
  const text = cardText(rule);
  const detail = [`**Draft order:** ${view.order ?? ''}`, renderTemplate(text.detail, view)].join('\n\n');
  const built = (rule.card.suggestions ?? []).filter((s) => !(s.kind === 'order-naloxone' && noNaloxoneOffer)).map((s) => ({ kind: s.kind, made: buildSuggestion(s, order, context) }));
  const suggestions = built.flatMap((b) => b.made);
  const naloxoneOffers = built.filter((b) => b.kind === 'order-naloxone').flatMap((b) => b.made.flatMap((m) => (m.uuid ? [m.uuid] : [])));
  const overrideReasons = (rule.card.overrideReasons ?? []).map((r) => ({ system: OVERRIDE_REASON_SYSTEM, code: r.code, display: r.display }));
  const [primary] = rule.evidence;
  const card: Card = {
    uuid: randomUUID(),
    summary: hit.summary ?? text.summary,
    detail,
    indicator: hit.indicator,
    source: {
      label: SOURCE_LABEL,
      ...(primary ? { url: primary.url } : {}),
      topic: { system: RULE_TOPIC_SYSTEM, code: rule.id, display: rule.title },
    },
    ...(suggestions.length > 0 ? { suggestions, selectionBehavior: 'at-most-one' as const } : {}),
    ...(overrideReasons.length > 0 ? { overrideReasons } : {}),
    links: rule.evidence.map((e) => ({ label: e.label, url: e.url, type: 'absolute' as const })),
  };
  return { card, naloxoneOffers };
}

function buildSuggestion(s: RuleSuggestion, order: OrderFacts, context: CardContext): Suggestion[] {
  const recommended = s.isRecommended ? { isRecommended: true } : {};
  if (s.kind === 'cancel-draft-order') {
    // A delete needs the draft's id; drafts without one cannot be targeted, and an order that is not a
    // draft (re-sign of an active order) is not "unsigned", so no suggestion.
    if (!order.order.id || (order.order.status !== undefined && order.order.status !== 'draft')) {
      return [];
    }
    const action: Action = { type: 'delete', description: `Remove the unsigned order for ${clipText(order.order.display)}.`, resourceId: `MedicationRequest/${order.order.id}` };
    return [{ label: s.label, uuid: randomUUID(), ...recommended, actions: [action] }];
  }
  if (s.kind === 'order-naloxone' && s.medication && s.instructions) {
    const resource: MedicationRequest = {
      resourceType: 'MedicationRequest',
      status: 'draft',
      intent: 'order',
      subject: { reference: `Patient/${context.patientId}` },
      ...(context.encounterId ? { encounter: { reference: `Encounter/${context.encounterId}` } } : {}),
      ...(context.userId && /^(Practitioner|PractitionerRole)\/[^/]+$/.test(context.userId) ? { requester: { reference: context.userId } } : {}),
      medicationCodeableConcept: { coding: s.medication.coding.map((c) => ({ ...c })), text: s.medication.text },
      dosageInstruction: [{ text: s.instructions, asNeededBoolean: true }],
      dispenseRequest: { numberOfRepeatsAllowed: 1, quantity: { value: 2, unit: 'nasal spray device' } },
    };
    return [{ label: s.label, uuid: randomUUID(), ...recommended, actions: [{ type: 'create', description: `Order ${s.medication.text} for the patient.`, resource }] }];
  }
  return [];
}
