/**
 * Property-based hostile input for the admin API: mutated rules and requests from the shipped files,
 * sent by an authenticated editor. Whatever is sent: never a 5xx, every refusal an OperationOutcome,
 * a refused save leaves the rule's file as it was, and whatever a save accepts still loads from rules/
 * (an editor cannot write a rule set the service would refuse at its next start).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULE_TEST_NOW } from '../../src/admin/index.ts';
import { createRuleSetHolder } from '../../src/engine/rule-set-holder.ts';
import { validateCdsResponse } from '../../src/protocol/validate-response.ts';
import { mutate, mutationArb, retextArb, type Json } from '../support/json-mutation.ts';
import { fixture, fixtureNames } from '../support/test-app.ts';
import { ROOT, bearer, createAdminTestApp } from './helpers.ts';
import type { AdminTestApp } from './helpers.ts';

/** Fixed by default so CI is repeatable; set FC_SEED to explore other cases. */
const SEED = Number(process.env.FC_SEED ?? 20261122);
const API = '/admin/api';

const ruleIds = readdirSync(path.join(ROOT, 'rules'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length));
const shipped = new Map(ruleIds.map((id) => [id, JSON.parse(readFileSync(path.join(ROOT, 'rules', `${id}.json`), 'utf8')) as Json]));
const requests = fixtureNames('order-sign').map((n) => fixture<Json>(`order-sign/${n}`));
/** Per rule, a request of its own fixtures that makes its card (so a dry-run of the mutated rule renders card text). */
const ruleRequest = new Map(
  ruleIds.map((id) => {
    const own = existsSync(path.join(ROOT, 'fixtures', 'rules', id)) ? fixtureNames(`rules/${id}`).map((n) => fixture<Json>(`rules/${id}/${n}`)) : [];
    return [id, own.find((r) => (r as { hook?: string }).hook === 'order-sign') ?? requests[0]!];
  })
);

describe('admin API, hostile input (property-based)', () => {
  let t: AdminTestApp;
  beforeAll(async () => {
    t = await createAdminTestApp({ now: () => RULE_TEST_NOW });
  });
  afterAll(async () => {
    await t.close();
  });

  function expectAnswered(res: request.Response): void {
    expect(res.status).toBeLessThan(500);
    if (res.status >= 400) {
      expect(res.body.resourceType).toBe('OperationOutcome');
    }
  }

  it('validates, tests and dry-runs mutated rules without a 5xx (300 cases)', async () => {
    const answered = new Map<string, number>();
    let withCards = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ruleIds), fc.array(fc.oneof(mutationArb, retextArb), { minLength: 1, maxLength: 3 }), fc.constantFrom('validate', 'test', 'dry-run'), async (id, mutations, endpoint) => {
        const rule = mutate(shipped.get(id)!, mutations);
        const body = endpoint === 'dry-run' ? { rule, request: ruleRequest.get(id)!, at: RULE_TEST_NOW.toISOString() } : { rule };
        const res = await request(t.app).post(`${API}/${endpoint}`).set('Authorization', bearer(t.viewer)).send(body as object);
        expectAnswered(res);
        answered.set(`${endpoint} ${res.status}`, (answered.get(`${endpoint} ${res.status}`) ?? 0) + 1);
        if (endpoint === 'dry-run' && res.status === 200) {
          // A rule the checks accept gives cards an EHR accepts, whatever text an editor wrote into it.
          expect(validateCdsResponse({ cards: res.body.cards })).toEqual([]);
          if (res.body.cards.length > 0) withCards++;
        }
        if (endpoint === 'validate') {
          expect(res.status).toBe(200);
          expect(res.body.ok).toBe(res.body.errors.length === 0);
        }
      }),
      { numRuns: 300, seed: SEED }
    );
    // The cases reached the rule checks and the evaluation, not only the body's shape (bounds loose enough
    // for other FC_SEED values: seed 22 gave 9 successful dry-runs).
    expect(answered.get('test 200')).toBeGreaterThan(0);
    expect(answered.get('dry-run 200')).toBeGreaterThan(5);
    expect(withCards).toBeGreaterThan(5);
  });

  it('dry-runs and explains mutated CDS Hooks requests without a 5xx (200 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: requests.length - 1 }), fc.array(mutationArb, { minLength: 1, maxLength: 3 }), fc.constantFrom('dry-run', 'explain'), async (i, mutations, endpoint) => {
        const body = { request: mutate(requests[i]!, mutations), at: RULE_TEST_NOW.toISOString() };
        expectAnswered(await request(t.app).post(`${API}/${endpoint}`).set('Authorization', bearer(t.viewer)).send(body));
      }),
      { numRuns: 200, seed: SEED }
    );
  });

  it('saves mutated rules only when they load: a refusal leaves the file, and rules/ still loads after every save (150 cases)', async () => {
    let saved = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ruleIds), fc.array(mutationArb, { minLength: 1, maxLength: 2 }), async (id, mutations) => {
        const file = path.join(t.rulesDir, `${id}.json`);
        const current = await request(t.app).get(`${API}/rules/${id}`).set('Authorization', bearer(t.viewer));
        expect(current.status).toBe(200);
        const before = readFileSync(file, 'utf8');
        // Sent as JSON text: a mutation can turn the whole rule into a bare value (true, 3, "x"), which the
        // HTTP client would not send as JSON.
        const res = await request(t.app)
          .put(`${API}/rules/${id}`)
          .set('Authorization', bearer(t.editor))
          .set('If-Match', String(current.headers.etag))
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(mutate(shipped.get(id)!, mutations)));
        expectAnswered(res);
        if (res.status === 200) {
          saved++;
          const reloaded = await createRuleSetHolder({ rulesDir: t.rulesDir });
          expect(reloaded.ok ? [] : reloaded.errors).toEqual([]);
        } else {
          expect(readFileSync(file, 'utf8')).toBe(before);
        }
      }),
      { numRuns: 150, seed: SEED }
    );
    // Some mutations are harmless (a changed title, a reordered list): the accepting branch was exercised.
    expect(saved).toBeGreaterThan(0);
  });
});
