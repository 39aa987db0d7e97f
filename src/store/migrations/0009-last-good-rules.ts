/**
 * The last good rule set: the files of the last rule set the service loaded from its rules folder, so that
 * a restart while a rule file is broken (an edit half saved, a typo, a bad deploy) serves it instead of
 * refusing to start. Never edit a migration once released: add a new numbered one instead.
 *
 * One row, keyed by the constant 1. `sources` is the JSON of the files as read
 * (`{"rules":[{"name","text"}],"valueSets":[...]}`), kept as text: the texts come back byte for byte, so the
 * set built from them has the same version (a hash of the files). Written by SqlStore.saveLastGoodRules, at
 * most a few MB (MAX_LAST_GOOD_RULES_BYTES); read by lastGoodRules at a start whose folder does not load.
 */
import type { Migration } from './types.ts';

export const migration0009: Migration = {
  version: 9,
  name: 'last-good-rules',
  sql: `
CREATE TABLE IF NOT EXISTS last_good_rules (
  id        smallint PRIMARY KEY CHECK (id = 1),
  version   text NOT NULL,
  sources   text NOT NULL,
  saved_at  timestamptz NOT NULL
);
`,
};
