import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RULES_DOC, renderRulesDoc } from '../../scripts/rules-doc.ts';

describe('docs/rules.md', () => {
  it('is generated from the current rules (run node scripts/rules-doc.ts after changing a rule)', () => {
    expect(readFileSync(RULES_DOC, 'utf8')).toBe(renderRulesDoc());
  });
});
