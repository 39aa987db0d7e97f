/**
 * Every rule's own test cases (the "tests" list in rules/<id>.json) run through the HTTP endpoint:
 * each fixture must make the rule fire at the stated indicator, or keep it silent. Time is fixed so
 * ages and dose windows in fixtures do not drift.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RuleDefinition } from '../../src/engine/index.ts';
import { ROOT, createTestApp, expectConformant, fixture } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

const RULE_TEST_NOW = new Date('2026-11-21T12:00:00Z');

const rules: RuleDefinition[] = readdirSync(path.join(ROOT, 'rules'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(path.join(ROOT, 'rules', f), 'utf8')) as RuleDefinition);

const servicePath = (hook: string): string => (hook === 'order-select' ? '/cds-services/cns-depressant-order-select' : '/cds-services/cns-depressant-order-sign');

/** The list lines under a card's "**Interacting medication(s):**" heading. */
function interactingLines(detail: string): string[] {
  const [, after = ''] = detail.split('**Interacting medication(s):**\n\n');
  return after.split('\n\n')[0]!.split('\n').filter((line) => line.startsWith('- '));
}

describe('rule test cases through the HTTP endpoint', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: () => RULE_TEST_NOW });
  });

  for (const rule of rules) {
    describe(rule.id, () => {
      const cases = rule.tests ?? [];
      it('has at least 3 cases that fire and 3 that must stay silent', () => {
        expect(cases.filter((c) => c.expect !== 'silent').length).toBeGreaterThanOrEqual(3);
        expect(cases.filter((c) => c.expect === 'silent').length).toBeGreaterThanOrEqual(3);
      });
      for (const testCase of cases) {
        it(`${testCase.expect === 'silent' ? 'stays silent' : `fires ${testCase.expect}`} for ${testCase.fixture}`, async () => {
          const body = fixture(testCase.fixture);
          const res = await request(t.app).post(servicePath(body.hook)).send(body);
          expect(res.status).toBe(200);
          const cards = expectConformant(res.body).filter((c) => c.source.topic?.code === rule.id);
          if (testCase.expect === 'silent') {
            expect(cards).toEqual([]);
          } else {
            expect(cards.map((c) => c.indicator)).toEqual([testCase.expect]);
          }
        });
      }
    });
  }

  it('never returns two cards for the same problem on the same order', async () => {
    const fixtures = new Set(rules.flatMap((r) => (r.tests ?? []).map((c) => c.fixture)));
    for (const name of fixtures) {
      const body = fixture(name);
      const res = await request(t.app).post(servicePath(body.hook)).send(body);
      const keys = expectConformant(res.body).map((c) => `${c.source.topic?.code}|${c.detail?.split('\n')[0]}`);
      expect(new Set(keys).size, name).toBe(keys.length);
      const topics = new Set(expectConformant(res.body).map((c) => c.source.topic?.code));
      for (const rule of rules) {
        if (topics.has(rule.id)) {
          for (const replaced of rule.replaces ?? []) {
            // A replacing rule's card stands in for the replaced one on the same order, unless the replaced card
            // names an interacting medicine the replacing card does not (then hiding it would hide that pair).
            const onRule = (id: string) => res.body.cards.filter((c: any) => c.source.topic?.code === id);
            for (const shown of onRule(replaced)) {
              const order = shown.detail.split('\n')[0];
              for (const replacing of onRule(rule.id).filter((c: any) => c.detail.split('\n')[0] === order)) {
                const uncovered = interactingLines(shown.detail).filter((line) => !replacing.detail.includes(line));
                expect(uncovered, `${name}: ${replaced} shown beside ${rule.id} though ${rule.id} names all its medicines`).not.toEqual([]);
              }
            }
          }
        }
      }
    }
  });
});

describe('directory listing', () => {
  it('every fixture under fixtures/rules is used by some rule', () => {
    const used = new Set(rules.flatMap((r) => (r.tests ?? []).map((c) => c.fixture)));
    const dir = path.join(ROOT, 'fixtures', 'rules');
    const all = readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.json'))
      .map((f) => `rules/${f.split(path.sep).join('/')}`);
    expect(all.filter((f) => !used.has(f))).toEqual([]);
  });
});
