/**
 * Validates a CDS Hooks 2.0 feedback body (`{ "feedback": [ ... ] }`, spec section "Feedback") and
 * returns typed items, or throws a 400 naming the first problem. Unknown fields are ignored. A batch is
 * taken whole or not at all: one malformed item refuses it, and nothing of it is stored.
 *
 * The items are what the EHR sent, for handle-feedback.ts to check: none of their text goes to the store
 * as sent (an override reason's display is checked, then dropped; its code is matched against the rule set).
 */
import { badRequestError } from '../shared/index.ts';

/** One feedback item as the EHR sent it (not yet checked against the issued cards and the rule set). */
export interface ParsedFeedbackItem {
  readonly cardUuid: string;
  readonly outcome: 'accepted' | 'overridden';
  /** RFC 3339, as sent by the EHR (a leap second read as the millisecond before it). */
  readonly outcomeTimestamp: string;
  readonly acceptedSuggestionIds: readonly string[];
  /** The coded reason's system and code as sent; its display is not kept. */
  readonly overrideReason?: { readonly system?: string; readonly code: string };
  readonly userComment?: string;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
const MAX_ITEMS = 500;
/**
 * Accepted suggestions per item. A card of ours carries a few suggestions and says `selectionBehavior:
 * "at-most-one"`; without a bound one 5 MB body carried 105,000 ids, each stored, and held the store (and
 * with it every caller's JWT replay check) for seconds.
 */
export const MAX_ACCEPTED_SUGGESTIONS = 20;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A non-blank string of at most `max` characters, else undefined. A string PostgreSQL text cannot hold
 * is refused with a 400 naming the field (`at`, always a path this parser builds, never a client's
 * key): a NUL character, or a lone UTF-16 surrogate (half of a character, which JSON's \u escapes can
 * carry). No legitimate identifier, code or comment contains either, and a clinician's feedback is
 * never stored altered.
 */
function text(value: unknown, max: number, at: string): string | undefined {
  if (typeof value !== 'string') {
    return undefined;
  }
  if (value.includes('\u0000') || !value.isWellFormed()) {
    throw badRequestError(`"${at}" contains a character that cannot be stored (a NUL, or half of a Unicode character).`, at);
  }
  return value.trim().length > 0 && value.length <= max ? value : undefined;
}

/** Seconds "60" (a leap second, RFC 3339 section 5.6), with any fraction, before the zone. */
const LEAP_SECOND = /:60(\.\d+)?(?=(Z|[+-]\d{2}:\d{2})$)/i;

/**
 * A leap second (23:59:60Z, valid RFC 3339) read as the last millisecond before it (23:59:59.999Z):
 * JavaScript dates, and so Date.parse, have no 60th second. Any other value is returned as is.
 */
function withoutLeapSecond(value: string): string {
  return value.replace(LEAP_SECOND, ':59.999');
}

/** A real date-time (no 30 February), in a sane range. */
function validTimestamp(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})T/.exec(value);
  const ms = Date.parse(value);
  if (!m || Number.isNaN(ms)) {
    return false;
  }
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  return year >= 1970 && year <= 2999 && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}

/**
 * @param body - Parsed JSON body.
 * @returns The feedback items.
 */
export function parseFeedback(body: unknown): ParsedFeedbackItem[] {
  if (!isObject(body) || !Array.isArray(body.feedback)) {
    throw badRequestError('The body must be an object with a "feedback" array.', 'feedback');
  }
  if (body.feedback.length === 0 || body.feedback.length > MAX_ITEMS) {
    throw badRequestError(`"feedback" must hold between 1 and ${MAX_ITEMS} items.`, 'feedback');
  }
  return body.feedback.map((raw, i): ParsedFeedbackItem => {
    const at = `feedback[${i}]`;
    if (!isObject(raw)) {
      throw badRequestError(`"${at}" must be an object.`, at);
    }
    const card = text(raw.card, 128, `${at}.card`);
    if (!card) {
      throw badRequestError(`"${at}.card" is required: the uuid of the card.`, `${at}.card`);
    }
    if (raw.outcome !== 'accepted' && raw.outcome !== 'overridden') {
      throw badRequestError(`"${at}.outcome" must be "accepted" or "overridden".`, `${at}.outcome`);
    }
    const sentTimestamp = text(raw.outcomeTimestamp, 64, `${at}.outcomeTimestamp`);
    const outcomeTimestamp = sentTimestamp === undefined ? undefined : withoutLeapSecond(sentTimestamp);
    if (!outcomeTimestamp || !RFC3339.test(outcomeTimestamp) || !validTimestamp(outcomeTimestamp)) {
      throw badRequestError(`"${at}.outcomeTimestamp" is required and must be an RFC 3339 date-time.`, `${at}.outcomeTimestamp`);
    }
    const accepted: string[] = [];
    if (raw.acceptedSuggestions !== undefined) {
      if (!Array.isArray(raw.acceptedSuggestions)) {
        throw badRequestError(`"${at}.acceptedSuggestions" must be an array of { "id": ... }.`, `${at}.acceptedSuggestions`);
      }
      if (raw.acceptedSuggestions.length > MAX_ACCEPTED_SUGGESTIONS) {
        throw badRequestError(`"${at}.acceptedSuggestions" holds at most ${MAX_ACCEPTED_SUGGESTIONS} ids (a card offers a few suggestions).`, `${at}.acceptedSuggestions`);
      }
      for (const [j, s] of raw.acceptedSuggestions.entries()) {
        const id = isObject(s) ? text(s.id, 128, `${at}.acceptedSuggestions[${j}].id`) : undefined;
        if (!id) {
          throw badRequestError(`"${at}.acceptedSuggestions" entries need an "id".`, `${at}.acceptedSuggestions`);
        }
        accepted.push(id);
      }
    }
    if (raw.outcome === 'accepted' && accepted.length === 0) {
      // cds-fb-2: acceptedSuggestions is required for accepted outcomes.
      throw badRequestError(`"${at}.acceptedSuggestions" is required when the outcome is "accepted".`, `${at}.acceptedSuggestions`);
    }
    let overrideReason: ParsedFeedbackItem['overrideReason'];
    let userComment: string | undefined;
    if (raw.overrideReason !== undefined) {
      if (!isObject(raw.overrideReason)) {
        throw badRequestError(`"${at}.overrideReason" must be an object.`, `${at}.overrideReason`);
      }
      const reason = raw.overrideReason.reason;
      userComment = text(raw.overrideReason.userComment, 4000, `${at}.overrideReason.userComment`);
      if (reason !== undefined) {
        const code = isObject(reason) ? text(reason.code, 256, `${at}.overrideReason.reason.code`) : undefined;
        if (!isObject(reason) || !code) {
          throw badRequestError(`"${at}.overrideReason.reason" must be a Coding with a "code".`, `${at}.overrideReason.reason`);
        }
        const system = text(reason.system, 1024, `${at}.overrideReason.reason.system`);
        // Checked like every text (a character PostgreSQL cannot hold is a 400), never kept: a clinician's
        // free text may stand there, and the rule set has the display of each reason it offers.
        text(reason.display, 1024, `${at}.overrideReason.reason.display`);
        overrideReason = { code, ...(system ? { system } : {}) };
      }
      if (!overrideReason && !userComment) {
        // cds-fb-3: an overrideReason needs a reason or a comment.
        throw badRequestError(`"${at}.overrideReason" needs a "reason" or a "userComment".`, `${at}.overrideReason`);
      }
    }
    return {
      cardUuid: card,
      outcome: raw.outcome,
      outcomeTimestamp,
      acceptedSuggestionIds: accepted,
      ...(overrideReason ? { overrideReason } : {}),
      ...(userComment ? { userComment } : {}),
    };
  });
}
