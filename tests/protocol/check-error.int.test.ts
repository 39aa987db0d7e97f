/**
 * A safety check never fails silently, not even on a defect of the service: a throw while the record, facts,
 * rules or cards are worked out (anything but the 412 the spec asks for) answers 200 with the "check
 * incomplete" card, logged with the error and counted, instead of a 500 that most EHRs show as nothing at all.
 */
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { loadRuleSet } from '../../src/engine/index.ts';
import type { RuleSet } from '../../src/engine/index.ts';
import { testConfig } from '../../src/config/index.ts';
import { createStore } from '../../src/store/index.ts';
import { captureLog } from '../support/log-capture.ts';
import { ORDER_SIGN, createTestApp, expectConformant, fixture } from '../support/test-app.ts';
import { withThrowingClassifier } from '../support/throwing-classifier.ts';

/** The real rule set with a classifier whose every method throws (a defect met on this record). */
async function brokenRuleSet(): Promise<RuleSet> {
  const loaded = await loadRuleSet(testConfig().rulesDir);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  return withThrowingClassifier(loaded.value);
}

describe('a check stopped by an error of the service', () => {
  it('answers 200 with the "check incomplete" card, and logs the error with the request id', async () => {
    const { logger, lines } = captureLog();
    const t = await createTestApp({ ruleSet: await brokenRuleSet(), logger });
    const res = await request(t.app).post(ORDER_SIGN).send(fixture('order-sign/opioid-draft-with-active-benzodiazepine.json'));
    expect(res.status).toBe(200);
    const cards = expectConformant(res.body);
    expect(cards.map((c) => c.source.topic?.code)).toEqual(['check-incomplete']);
    expect(cards[0]!.detail).toContain('an error in the safety check service stopped the check');
    const logged = lines.find((l) => l.msg === 'the check stopped with an error; answered with a "check incomplete" card');
    expect(logged).toBeDefined();
    expect(JSON.stringify(logged)).toContain('classifier defect');
    expect(logged!.requestId).toEqual(expect.any(String));
  });

  it('audits the call like any other: the "check incomplete" card it gave is on record', async () => {
    const store = await createStore({ flushIntervalMs: 20 });
    try {
      const t = await createTestApp({ ruleSet: await brokenRuleSet(), store });
      const res = await request(t.app).post(ORDER_SIGN).send(fixture('order-sign/opioid-draft-with-active-benzodiazepine.json'));
      const card = expectConformant(res.body)[0]!;
      await vi.waitFor(async () => expect((await store.findIssuedCards([card.uuid!])).map((c) => c.ruleId)).toEqual(['check-incomplete']), { timeout: 5000 });
    } finally {
      await store.close();
    }
  });

  it('still answers a request it cannot read with a 400', async () => {
    const t = await createTestApp({ ruleSet: await brokenRuleSet() });
    const res = await request(t.app).post(ORDER_SIGN).send({ hook: 'order-sign' });
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });
});
