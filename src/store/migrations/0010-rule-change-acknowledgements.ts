/**
 * A rule change records the other rules' test cases its author acknowledged failing. Never edit a migration once
 * released: add a new numbered one instead.
 *
 * Why: disabling or deleting a rule can make other rules' test cases fail (a rule it replaced fires again, a rule
 * falls silent); the admin API refuses it unless the editor acknowledges those failures. The acknowledgement was
 * only logged, so the history showed a plain "disabled" where an editor had knowingly broken other rules' checks.
 * The column holds the failing cases as "<rule file>/tests/<index>" texts (a JSON array); NULL when none were
 * acknowledged, and for rows written before this migration or by replicas of the previous release.
 */
import type { Migration } from './types.ts';

export const migration0010: Migration = {
  version: 10,
  name: 'rule-change-acknowledgements',
  sql: `
ALTER TABLE rule_changes ADD COLUMN IF NOT EXISTS acknowledged_failing_tests jsonb;
`,
};
