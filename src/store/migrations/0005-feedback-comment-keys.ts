/**
 * Feedback comment hashes written before this migration are replaced by random values. Never edit a
 * migration once released: add a new numbered one instead.
 *
 * Why: `comment_sha256` held the plain sha256 of the clinician's comment, so a short comment, or a
 * suspected patient name, could be confirmed by hashing a guess; the natural key hashed it again with the
 * row's other values, which confirms the same guess. The service now stores a keyed hash (HMAC-SHA256 with
 * the patient key secret, handle-feedback.ts). The secret is not in the database, so the old hashes cannot
 * be converted: each distinct (card, hash) gets a random 64-hex value instead, so a comment resent for the
 * same card still counts once in `ruleStats` and nothing links a comment to its text or to another card's.
 * Rows with a comment get the natural key "legacy:<id>" (as migration 0004 gives the rows it changes);
 * such feedback sent again is stored once more.
 */
import type { Migration } from './types.ts';

export const migration0005: Migration = {
  version: 5,
  name: 'feedback-comment-keys',
  sql: `
UPDATE feedback f SET
  comment_sha256 = m.replacement,
  natural_key = 'legacy:' || f.id::text
FROM (
  SELECT card_uuid, comment_sha256 AS old,
    replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', '') AS replacement
  FROM feedback
  WHERE comment_sha256 IS NOT NULL
  GROUP BY card_uuid, comment_sha256
) m
WHERE f.card_uuid = m.card_uuid AND f.comment_sha256 = m.old;
`,
};
