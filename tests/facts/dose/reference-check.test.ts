import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSharedDir, formatMmeCheck, runMmeCheck } from '../../../scripts/check-mme.ts';

const sharedDir = defaultSharedDir();
const present = existsSync(path.join(sharedDir, 'mme'));
const title = present
  ? 'parses >= 99% of the reference opioid strengths and has no unexplained factor difference'
  : `SKIPPED: reference MME tables not found at ${sharedDir}/mme (../shared/terminology from the repo root)`;

if (!present) console.warn(title);

describe('dose module against the CDC IG MME tables', () => {
  it.skipIf(!present)(title, () => {
    const result = runMmeCheck(sharedDir);
    expect(result.drugs).toBeGreaterThan(1000);
    expect(result.matched / result.drugs, formatMmeCheck(result)).toBeGreaterThanOrEqual(0.99);
    expect(result.factors.filter((f) => f.verdict.startsWith('DIFFERENT')).map((f) => f.ingredient)).toEqual([]);
  });
});
