/**
 * POST /cds-services/{id}/feedback (CDS Hooks 2.0 "Feedback"): validates, stores durably before
 * answering, and turns snoozing override reasons into snoozes for that patient and rule.
 *
 * An override reason is stored only as the rule set has it: the code (and display) of one of the issued
 * card's rule's overrideReasons, else the code "other"; nothing for a card this service did not issue.
 * EHRs put clinicians' free text in a reason's display or code ("Jane Doe MRN 12345" was seen), and the
 * analytics show stored reasons to every admin role. A comment is stored only as a keyed hash (below).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { RuleDefinition, RuleOverrideReason, RuleSet } from '../engine/index.ts';
import { OVERRIDE_REASON_SYSTEM } from '../cards/index.ts';
import type { FeedbackItemInput, FeedbackResult, IssuedCard, Snooze, Store } from '../store/index.ts';
import { parseFeedback, type ParsedFeedbackItem } from './parse-feedback.ts';
import type { ServiceDefinition } from './service-definitions.ts';
import type { CallingClient } from './types.ts';

export interface FeedbackDeps {
  readonly store: Store;
  readonly ruleSet: () => RuleSet;
  readonly now?: () => Date;
  /**
   * The patient keyer (HMAC-SHA256 with the patient key secret, store/patient-key.ts): comments are stored
   * as a key it makes ({@link feedbackCommentKey}). Absent: a random secret of this process is used.
   */
  readonly patientKey?: CommentKeyer;
}

/** The patient keyer's shape, as far as comment keys need it. */
export type CommentKeyer = (fhirServer: string | undefined, patientId: string) => string;

/**
 * Where comment keys are made in the keyer's input: no FHIR server has this base, so a comment key is
 * never any patient's key.
 */
const COMMENT_KEY_SCOPE = 'urn:cns-cds:feedback-comment';

/**
 * A comment's keyed hash: HMAC-SHA256 with the patient key secret over the card and the comment. Without the
 * secret a guessed comment (a patient's name) cannot be confirmed; with the card in it the same comment on
 * two cards gives two keys, so the feedback rows of different patients are not linked by their comments.
 * The same comment on the same card always gives the same key (idempotent repeats, the comment count).
 */
export function feedbackCommentKey(keyer: CommentKeyer, cardUuid: string, comment: string): string {
  return keyer(COMMENT_KEY_SCOPE, JSON.stringify([cardUuid, comment]));
}

let processKeyer: CommentKeyer | undefined;
/** A keyer with a random secret of this process (no patient keyer given: tests, a store without one). */
function ownKeyer(): CommentKeyer {
  if (!processKeyer) {
    const secret = randomBytes(32);
    processKeyer = (scope, text) => createHmac('sha256', secret).update(JSON.stringify([scope, text])).digest('hex');
  }
  return processKeyer;
}

export interface FeedbackOutcome extends FeedbackResult {
  readonly snoozes: readonly Snooze[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** The stored code of a coded reason that is not one of the card's rule's overrideReasons. */
export const OTHER_REASON_CODE = 'other';

/**
 * When a snooze begins: the override's time as the client sent it, kept between the card's issue and now.
 *
 * @param outcomeTimestamp - The feedback item's outcomeTimestamp (RFC 3339, checked by the parser).
 * @param issuedAt - When the card was issued.
 * @param now - When the feedback arrived.
 * @returns Milliseconds since the epoch.
 */
export function snoozeStart(outcomeTimestamp: string, issuedAt: string, now: Date): number {
  const at = Date.parse(outcomeTimestamp);
  const issued = Date.parse(issuedAt);
  const latest = now.getTime();
  const earliest = Number.isFinite(issued) ? Math.min(issued, latest) : latest;
  return Number.isFinite(at) ? Math.min(latest, Math.max(earliest, at)) : latest;
}

/** The card's rule's reason the item names (its code, and our system or none), if any. */
function ruleReason(item: ParsedFeedbackItem, rule: RuleDefinition | undefined): RuleOverrideReason | undefined {
  const sent = item.overrideReason;
  if (!sent || (sent.system !== undefined && sent.system !== OVERRIDE_REASON_SYSTEM)) {
    return undefined;
  }
  return rule?.card.overrideReasons?.find((r) => r.code === sent.code);
}

/** The item as stored: the reason from the rule set ("other" when the rule has no such reason), none for a card not issued here. */
function toStored(item: ParsedFeedbackItem, card: IssuedCard | undefined, rule: RuleDefinition | undefined, keyer: CommentKeyer): FeedbackItemInput {
  const { overrideReason: sent, userComment, ...fields } = item;
  const rest = userComment === undefined ? fields : { ...fields, commentKey: feedbackCommentKey(keyer, item.cardUuid, userComment) };
  if (!sent || !card) {
    return rest;
  }
  const reason = ruleReason(item, rule);
  return {
    ...rest,
    overrideReason: reason ? { ...(sent.system === undefined ? {} : { system: OVERRIDE_REASON_SYSTEM }), code: reason.code, display: reason.display } : { code: OTHER_REASON_CODE },
  };
}

/**
 * Whether the card was issued to this client: the same verified issuer and the same tenant claim (or
 * both without one). With CDS_AUTH=off neither side has a client. A card audited before its call's
 * tenant was stored (migration 0006) matches only a client without a tenant.
 */
function issuedTo(card: IssuedCard, client: CallingClient | undefined): boolean {
  return card.clientIss === client?.iss && card.clientTenant === client?.tenant;
}

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
  const withReason = items.filter((i) => i.overrideReason);
  // Only cards this service issued (feedback posted to another service's endpoint names a card that is
  // not that service's, and the store flags it unknown).
  const issued = withReason.length === 0 ? [] : await deps.store.findIssuedCards(withReason.map((i) => i.cardUuid));
  const cards = new Map(issued.filter((c) => c.serviceId === service.id).map((c) => [c.uuid, c]));
  const rules = new Map(deps.ruleSet().rules.map((r) => [r.id, r]));
  const ruleOf = (card: IssuedCard | undefined): RuleDefinition | undefined => (card ? rules.get(card.ruleId) : undefined);
  const keyer = deps.patientKey ?? ownKeyer();
  const result = await deps.store.recordFeedback(
    service.id,
    items.map((item) => toStored(item, cards.get(item.cardUuid), ruleOf(cards.get(item.cardUuid)), keyer)),
    // Counted for the card only when it was issued to this client (the store checks, for every item).
    client ? { iss: client.iss, ...(client.tenant === undefined ? {} : { tenant: client.tenant }) } : {}
  );
  const now = deps.now?.() ?? new Date();
  const snoozes: Snooze[] = [];
  for (const item of withReason) {
    if (item.outcome !== 'overridden') {
      continue;
    }
    const card = cards.get(item.cardUuid);
    const reason = ruleReason(item, ruleOf(card));
    // Only a card this service issued can be snoozed through its feedback endpoint, and only by the client
    // it was issued to (issuer and tenant): another EHR's, or another tenant's, override must never hide
    // this one's warnings.
    if (!card || !issuedTo(card, client) || !reason?.snoozeDays) {
      continue;
    }
    // A card snoozes once (the store makes no second snooze for a card, even for copies of one override
    // handled at the same moment). Feedback repeated for it (an EHR resending) must not renew a snooze an
    // admin lifted, or one that expired; a later override of a newer card snoozes again, with the new state.
    // The period runs from the override itself (an EHR may send its feedback hours later, in a batch),
    // never from before the card was issued nor from a time still to come (a client's clock).
    const start = snoozeStart(item.outcomeTimestamp, card.issuedAt, now);
    const expiresAt = start + reason.snoozeDays * DAY_MS;
    if (expiresAt <= now.getTime()) {
      continue; // the period had ended before the feedback came
    }
    const snooze = await deps.store.createSnooze({
      ruleId: card.ruleId,
      patientKey: card.patientKey,
      createdAt: new Date(start).toISOString(),
      expiresAt: new Date(expiresAt).toISOString(),
      reasonCode: reason.code,
      cardUuid: card.uuid,
      ...(card.materialState ? { materialState: card.materialState } : {}),
    });
    if (snooze) snoozes.push(snooze);
  }
  return { ...result, snoozes };
}
