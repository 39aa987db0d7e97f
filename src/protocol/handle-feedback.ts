/**
 * POST /cds-services/{id}/feedback (CDS Hooks 2.0 "Feedback"): validates, stores durably before
 * answering, and turns snoozing override reasons into snoozes for that patient and rule.
 */
import type { RuleSet } from '../engine/index.ts';
import { OVERRIDE_REASON_SYSTEM } from '../cards/index.ts';
import type { FeedbackResult, Snooze, Store } from '../store/index.ts';
import { parseFeedback } from './parse-feedback.ts';
import type { ServiceDefinition } from './service-definitions.ts';
import type { CallingClient } from './types.ts';

export interface FeedbackDeps {
  readonly store: Store;
  readonly ruleSet: () => RuleSet;
  readonly now?: () => Date;
}

export interface FeedbackOutcome extends FeedbackResult {
  readonly snoozes: readonly Snooze[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * @param service - The service the feedback was posted to.
 * @param body - Parsed JSON body.
 * @param deps - Store, current rule set, clock.
 * @param client - The verified calling client; absent with CDS_AUTH=off.
 * @returns What was stored and which snoozes were created.
 * @throws OperationOutcomeError (400) for a malformed body.
 */
export async function handleFeedback(service: ServiceDefinition, body: unknown, deps: FeedbackDeps, client?: CallingClient): Promise<FeedbackOutcome> {
  const items = parseFeedback(body);
  const result = await deps.store.recordFeedback(service.id, items);
  const now = deps.now?.() ?? new Date();
  const withReason = items.filter((i) => i.outcome === 'overridden' && i.overrideReason?.code);
  if (withReason.length === 0) {
    return { ...result, snoozes: [] };
  }
  const cards = new Map((await deps.store.findIssuedCards(withReason.map((i) => i.cardUuid))).map((c) => [c.uuid, c]));
  const rules = new Map(deps.ruleSet().rules.map((r) => [r.id, r]));
  const snoozes: Snooze[] = [];
  for (const item of withReason) {
    const card = cards.get(item.cardUuid);
    const rule = card ? rules.get(card.ruleId) : undefined;
    const system = item.overrideReason?.system;
    const reason = rule?.card.overrideReasons?.find((r) => r.code === item.overrideReason?.code && (system === undefined || system === OVERRIDE_REASON_SYSTEM));
    // Only a card this service issued can be snoozed through its feedback endpoint (feedback posted to
    // another service's endpoint names a card that is not that service's), and only by the client it was
    // issued to: another EHR's override must never hide this one's warnings.
    if (!card || card.serviceId !== service.id || card.clientIss !== client?.iss || !reason?.snoozeDays) {
      continue;
    }
    // A card snoozes once. Feedback repeated for it (an EHR resending) must not renew a snooze an admin
    // lifted, or one that expired; a later override of a newer card snoozes again, with the new state.
    if ((await deps.store.listSnoozes({ cardUuid: card.uuid, limit: 1 })).length > 0) {
      continue;
    }
    snoozes.push(
      await deps.store.createSnooze({
        ruleId: card.ruleId,
        patientKey: card.patientKey,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + reason.snoozeDays * DAY_MS).toISOString(),
        reasonCode: reason.code,
        cardUuid: card.uuid,
        ...(card.materialState ? { materialState: card.materialState } : {}),
      })
    );
  }
  return { ...result, snoozes };
}
