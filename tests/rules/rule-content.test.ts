import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { substituteTextParameters } from '../../src/engine/compile-rules.ts';
import type { RuleDefinition } from '../../src/engine/index.ts';
import { isSingleSentence } from '../../src/protocol/validate-response.ts';
import { ROOT } from '../support/test-app.ts';

const rules: RuleDefinition[] = readdirSync(path.join(ROOT, 'rules'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(path.join(ROOT, 'rules', f), 'utf8')) as RuleDefinition);

/** Rules whose cards warn of overdose: their detail must teach the signs and when to give naloxone. */
const OVERDOSE_RULES = [
  'opioid-benzodiazepine',
  'opioid-benzodiazepine-copd-older-adult',
  'opioid-cns-depressant',
  'opioid-cough-benzodiazepine',
  'moud-benzodiazepine',
  'naloxone-co-prescribe',
  'opioid-high-mme',
  'methadone-for-pain',
  'methadone-dose-increase',
];

describe('rule card content', () => {
  it('ships the canonical rule ids other checks rely on', () => {
    expect(rules.map((r) => r.id)).toEqual(
      expect.arrayContaining([
        'opioid-benzodiazepine',
        'moud-benzodiazepine',
        'opioid-benzodiazepine-copd-older-adult',
        'opioid-cns-depressant',
        'naloxone-co-prescribe',
        'opioid-cough-benzodiazepine',
        'ketamine-cns-depressant',
        'ketamine-benzodiazepine-timing',
        'opioid-high-mme',
        'benzodiazepine-older-adult',
        'cns-depressants-older-adult',
        'benzodiazepine-long-term',
        'methadone-for-pain',
        'methadone-dose-increase',
      ])
    );
  });

  for (const rule of rules) {
    it(`${rule.id}: every summary is one sentence under 140 characters, as it reads (parameters' values in place)`, () => {
      const written = [rule.card.summary, ...(rule.escalations ?? []).flatMap((e) => (e.summary ? [e.summary] : []))];
      for (const summary of written.map((s) => substituteTextParameters(s, rule))) {
        expect(summary.length).toBeLessThan(140);
        expect(isSingleSentence(summary), summary).toBe(true);
      }
    });
  }

  for (const id of OVERDOSE_RULES) {
    it(`${id}: the detail teaches the overdose signs and naloxone`, () => {
      const rule = rules.find((r) => r.id === id)!;
      expect(rule.card.detail).toContain('{{overdoseSigns}}');
    });
  }

  it('never tells a clinician to withhold opioid use disorder treatment', () => {
    const moud = rules.find((r) => r.id === 'moud-benzodiazepine')!;
    expect(moud.card.suggestions?.some((s) => s.kind === 'cancel-draft-order') ?? false).toBe(false);
    expect(moud.card.summary).toMatch(/do not withhold/i);
  });

  it('benzodiazepine-long-term: the headline names the days parameter the rule fires at, not a fixed "four weeks"', () => {
    const rule = rules.find((r) => r.id === 'benzodiazepine-long-term')!;
    expect(substituteTextParameters(rule.card.summary, rule)).toContain('beyond 28 days');
    const changed: RuleDefinition = { ...rule, parameters: { ...rule.parameters, days: { ...rule.parameters!['days']!, value: 60 } } };
    const summary = substituteTextParameters(changed.card.summary, changed);
    expect(summary).toContain('beyond 60 days');
    expect(summary).not.toMatch(/week/);
  });

  it('never advises stopping a long-term benzodiazepine abruptly without saying to taper', () => {
    for (const rule of rules.filter((r) => /benzodiazepine/.test(r.id) && /taper/i.test(r.card.detail))) {
      expect(rule.card.detail, rule.id).toMatch(/never stop|not stop|abrupt/i);
    }
  });
});

describe('shipped rule files', () => {
  it('are written as the admin API writes them, so saving a rule unchanged (or rolling back to it) changes no byte', async () => {
    const { canonicalText } = await import('../../src/admin/rule-files.ts');
    for (const name of readdirSync(path.join(ROOT, 'rules')).filter((f) => f.endsWith('.json'))) {
      const text = readFileSync(path.join(ROOT, 'rules', name), 'utf8');
      expect(text, name).toBe(canonicalText(JSON.parse(text)));
    }
  });
});
