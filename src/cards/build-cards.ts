/**
 * Turns rule hits into CDS Hooks cards (CDS Hooks 2.0 "Card Attributes"): one card per problem per
 * draft order, each with a uuid (needed for feedback), a one-sentence summary, detail naming the
 * order and the interacting medications, the rule id as source.topic.code, coded override reasons,
 * and absolute evidence links.
 */
import { randomUUID } from 'node:crypto';
import type { MedicationFact, OrderFacts, PatientFacts } from '../facts/index.ts';
import type { RuleDefinition, RuleHit } from '../engine/index.ts';
import type { Action, Card, Suggestion } from '../protocol/types.ts';
import { OVERRIDE_REASON_SYSTEM, RULE_TOPIC_SYSTEM, SOURCE_LABEL } from './codes.ts';
import { escapeMarkdown, renderTemplate } from './markdown.ts';

/** A card plus what the audit needs to know about it. */
export interface BuiltCard {
  readonly card: Card;
  readonly ruleId: string;
  readonly orderRef?: string;
}

/**
 * @param rules - The rules of the snapshot that produced the hits.
 * @param order - The draft order's facts.
 * @param patient - Patient facts.
 * @param hits - Rules that fired for this order.
 * @returns Cards, after dropping cards replaced by a more specific rule.
 */
export function buildOrderCards(rules: readonly RuleDefinition[], order: OrderFacts, patient: PatientFacts, hits: readonly RuleHit[]): BuiltCard[] {
  const byId = new Map(rules.map((r) => [r.id, r]));
  const fired = [...new Set(hits.map((h) => h.ruleId))].map((id) => byId.get(id)).filter((r): r is RuleDefinition => r !== undefined);
  const replaced = new Set(fired.flatMap((r) => r.replaces ?? []));
  return fired
    .filter((r) => !replaced.has(r.id))
    .sort((a, b) => severity(b.indicator) - severity(a.indicator) || a.id.localeCompare(b.id))
    .map((rule) => ({ card: buildCard(rule, order, patient), ruleId: rule.id, orderRef: order.order.ref }));
}

function buildCard(rule: RuleDefinition, order: OrderFacts, patient: PatientFacts): Card {
  const view = {
    order: escapeMarkdown(order.order.display),
    interacting: interactingList(rule, order),
    patientAge: patient.ageYears === null ? 'unknown age' : `${patient.ageYears} years`,
  };
  const detail = [`**Draft order:** ${escapeMarkdown(order.order.display)}`, renderTemplate(rule.card.detail, view)].join('\n\n');
  const suggestions = buildSuggestions(rule, order.order);
  const overrideReasons = (rule.card.overrideReasons ?? []).map((r) => ({ system: OVERRIDE_REASON_SYSTEM, code: r.code, display: r.display }));
  const [primary] = rule.evidence;
  return {
    uuid: randomUUID(),
    summary: rule.card.summary,
    detail,
    indicator: rule.indicator,
    source: {
      label: SOURCE_LABEL,
      ...(primary ? { url: primary.url } : {}),
      topic: { system: RULE_TOPIC_SYSTEM, code: rule.id, display: rule.title },
    },
    ...(suggestions.length > 0 ? { suggestions, selectionBehavior: 'at-most-one' as const } : {}),
    ...(overrideReasons.length > 0 ? { overrideReasons } : {}),
    links: rule.evidence.map((e) => ({ label: e.label, url: e.url, type: 'absolute' as const })),
  };
}

function buildSuggestions(rule: RuleDefinition, order: MedicationFact): Suggestion[] {
  const out: Suggestion[] = [];
  for (const s of rule.card.suggestions ?? []) {
    if (s.kind === 'cancel-draft-order') {
      // A delete needs the draft's id; drafts without one cannot be targeted, so no suggestion.
      if (!order.id) {
        continue;
      }
      const action: Action = { type: 'delete', description: `Remove the unsigned order for ${order.display}.`, resourceId: `MedicationRequest/${order.id}` };
      out.push({ label: s.label, uuid: randomUUID(), ...(s.isRecommended ? { isRecommended: true } : {}), actions: [action] });
    }
  }
  return out;
}

/** Markdown bullet list of the medications this order interacts with, with their dates and source. */
function interactingList(rule: RuleDefinition, order: OrderFacts): string {
  const groups = rule.interactingClasses;
  const inA = groups ? order.order.classes.some((c) => groups.a.includes(c)) : false;
  const inB = groups ? order.order.classes.some((c) => groups.b.includes(c)) : false;
  const wanted = new Set(groups ? [...(inA ? groups.b : []), ...(inB ? groups.a : [])] : []);
  const meds = order.concurrent.filter((m) => m.classes.some((c) => wanted.has(c)));
  if (meds.length === 0) {
    return '- (no interacting medication recorded)';
  }
  return meds.map((m) => `- ${escapeMarkdown(m.display)} (${describeSource(m)})`).join('\n');
}

function describeSource(m: MedicationFact): string {
  const date = m.date ? escapeMarkdown(m.date.slice(0, 10)) : undefined;
  switch (m.kind) {
    case 'draft-order':
      return 'another unsigned order in this session';
    case 'medication-request':
      return date ? `active prescription, ordered ${date}` : 'active prescription';
    case 'medication-statement':
      return date ? `patient reports taking it, since ${date}` : 'patient reports taking it';
    case 'medication-administration':
      return date ? `given ${date}` : 'recently given';
  }
}

function severity(indicator: string): number {
  return indicator === 'critical' ? 3 : indicator === 'warning' ? 2 : 1;
}
