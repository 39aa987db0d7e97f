/**
 * Feedback keeps no text of the EHR's own: override reasons written before this migration are cleaned.
 * Never edit a migration once released: add a new numbered one instead.
 *
 * Why: the feedback endpoint stored an override reason's display (up to 1024 characters), code and
 * system as the EHR sent them, and the analytics (GET /admin/api/analytics, open to the viewer role)
 * returned them. EHRs put clinicians' free text there ("Jane Doe MRN 12345" was seen). The service now
 * stores a reason only as the rule set has it (handle-feedback.ts); here the rows already written are
 * brought as close to that as SQL can without the rule set:
 *
 * - every `reason_display` is cleared (they were all the EHR's text);
 * - feedback on a card the service did not issue keeps no reason;
 * - a reason whose system is not ours (urn:cns-cds:override-reason) or whose code is not the shape of a
 *   rule's reason code (a-z, 0-9 and -, at most 64 characters) becomes the code "other";
 * - a card uuid or accepted suggestion id that is not UUID-shaped becomes "not-a-uuid";
 * - a row changed by the above gets the natural key "legacy:<id>", since its old one was the sha256 of the
 *   values as sent and would confirm a guess of them. Such feedback sent again is stored once more.
 *
 * A slug-shaped code that is no rule's reason ("jane-doe") cannot be told apart here and is kept.
 * Replicas of the previous release write reasons as sent until they are replaced (a rolling upgrade on
 * PostgreSQL): finish the upgrade promptly.
 */
import type { Migration } from './types.ts';

const UUID = `'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'`;
const OUR_REASON = `(reason_system IS NULL OR reason_system = 'urn:cns-cds:override-reason') AND reason_code ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(reason_code) <= 64`;

export const migration0004: Migration = {
  version: 4,
  name: 'feedback-reasons-from-rules',
  sql: `
WITH cleaned AS (
  SELECT id,
    CASE WHEN card_uuid ~ ${UUID} THEN card_uuid ELSE 'not-a-uuid' END AS card_uuid,
    ARRAY(
      SELECT CASE WHEN s ~ ${UUID} THEN s ELSE 'not-a-uuid' END
      FROM unnest(accepted_suggestion_ids) WITH ORDINALITY AS a(s, n) ORDER BY n
    ) AS accepted_suggestion_ids,
    CASE WHEN card_known AND reason_code IS NOT NULL AND ${OUR_REASON} THEN reason_system END AS reason_system,
    CASE
      WHEN NOT card_known OR reason_code IS NULL THEN NULL
      WHEN ${OUR_REASON} THEN reason_code
      ELSE 'other'
    END AS reason_code
  FROM feedback
)
UPDATE feedback f SET
  natural_key = CASE
    WHEN c.card_uuid IS DISTINCT FROM f.card_uuid OR c.accepted_suggestion_ids IS DISTINCT FROM f.accepted_suggestion_ids
      OR c.reason_system IS DISTINCT FROM f.reason_system OR c.reason_code IS DISTINCT FROM f.reason_code
    THEN 'legacy:' || f.id::text
    ELSE f.natural_key
  END,
  card_uuid = c.card_uuid,
  accepted_suggestion_ids = c.accepted_suggestion_ids,
  reason_system = c.reason_system,
  reason_code = c.reason_code,
  reason_display = NULL
FROM cleaned c
WHERE c.id = f.id
  AND (f.reason_display IS NOT NULL OR c.card_uuid IS DISTINCT FROM f.card_uuid OR c.accepted_suggestion_ids IS DISTINCT FROM f.accepted_suggestion_ids
    OR c.reason_system IS DISTINCT FROM f.reason_system OR c.reason_code IS DISTINCT FROM f.reason_code);
`,
};
