/**
 * Rule changes get an id chosen by the writer, unique when present. Never edit a migration once
 * released: add a new numbered one instead.
 *
 * Why: the admin API writes a rule file, then records the change in `rule_changes`, and retries that
 * record when it fails quickly (a dropped connection). A failure reported after the INSERT committed
 * made the retry record the change a second time. With the id, a retry of the same change finds the
 * row already there (ON CONFLICT) and returns it (SqlStore.appendRuleChange).
 *
 * Rows written before this migration, or by replicas of the previous release during a rolling
 * upgrade, have no id (NULL); a unique index allows any number of NULLs.
 */
import type { Migration } from './types.ts';

export const migration0003: Migration = {
  version: 3,
  name: 'rule-change-ids',
  sql: `
ALTER TABLE rule_changes ADD COLUMN IF NOT EXISTS change_id uuid;
CREATE UNIQUE INDEX IF NOT EXISTS rule_changes_change_id_idx ON rule_changes (change_id);
`,
};
