/**
 * One snooze per card: a unique index on `snoozes.card_uuid`. Never edit a migration once released: add a
 * new numbered one instead.
 *
 * Why: feedback checked "this card has no snooze yet" and then created one, as two statements. Two copies
 * of one override handled at once (an EHR resending after its timeout, two workers, two replicas) both
 * passed the check and made two snoozes; an admin lifting "the" snooze lifted one, and the other kept the
 * warning hidden for the rest of its period. With the index, `createSnooze` inserts with
 * `ON CONFLICT DO NOTHING` and a second snooze for a card is never made.
 *
 * Duplicates already stored are reduced to one per card before the index is built: a lifted one when
 * there is one (an admin asked for the card to show again: the active twin is what kept it hidden), else
 * the oldest (the period the clinician chose started then).
 *
 * During a rolling upgrade on PostgreSQL a replica of the previous release that loses the same race now
 * gets a unique violation on its INSERT (its feedback call fails and the EHR may resend) instead of
 * making the second snooze.
 */
import type { Migration } from './types.ts';

export const migration0007: Migration = {
  version: 7,
  name: 'one-snooze-per-card',
  sql: `
DELETE FROM snoozes s
USING (
  SELECT id, row_number() OVER (PARTITION BY card_uuid ORDER BY lifted_at IS NULL, created_at, id) AS n
  FROM snoozes
) ranked
WHERE s.id = ranked.id AND ranked.n > 1;
CREATE UNIQUE INDEX IF NOT EXISTS snoozes_card_uuid_key ON snoozes (card_uuid);
`,
};
