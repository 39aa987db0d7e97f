// Feedback keeps none of the EHR's own text: an override reason is stored as the rule set has it (code and
// display of one of the card's rule's overrideReasons, else "other"), nothing for a card the service did
// not issue, and ids only when UUID-shaped. EHRs put clinicians' free text in a reason ("Jane Doe MRN
// 12345" was seen), and the analytics (GET /admin/api/analytics, store.ruleStats) showed it to viewers.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OVERRIDE_REASON_SYSTEM } from '../../src/cards/index.ts';
import type { ServiceStore } from '../../src/store/index.ts';
import { sqlOf } from '../store/helpers.ts';
import { ORDER_SIGN, issuedCard, openAppWithStore } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

const FEEDBACK = `${ORDER_SIGN}/feedback`;
const RULE = 'opioid-benzodiazepine';
const PHI = 'ZZPHI Jane Doe MRN 12345';

describe('feedback stores no text of the EHR', () => {
  let store: ServiceStore;
  let t: TestApp;
  beforeAll(async () => ({ store, t } = await openAppWithStore()));
  afterAll(() => store.close());

  const issueCard = (patientId: string) => issuedCard(t.app, patientId, RULE);

  const rows = async () => sqlOf(store).query<Record<string, unknown>>('SELECT * FROM feedback ORDER BY id');
  const stats = async () => (await store.ruleStats(new Date('2000-01-01'), new Date('2100-01-01'))).find((s) => s.ruleId === RULE)!;

  it("stores a rule's reason with the rule's display, any other code as 'other', and no reason, display, system or id as sent", async () => {
    const ruleReason = t.ruleSet.rules.find((r) => r.id === RULE)!.card.overrideReasons![0]!;
    const [a, b] = [await issueCard('fb-privacy-a'), await issueCard('fb-privacy-b')];
    const body = {
      feedback: [
        // A reason of the card's rule, with the clinician's text as its display.
        { card: a.uuid, outcome: 'overridden', outcomeTimestamp: '2026-11-21T12:00:00Z', overrideReason: { reason: { system: OVERRIDE_REASON_SYSTEM, code: ruleReason.code, display: `${PHI} display` } } },
        // Free text as code and system (drive7 in the review).
        { card: b.uuid, outcome: 'overridden', outcomeTimestamp: '2026-11-21T12:00:00Z', overrideReason: { reason: { system: `${PHI} system`, code: `${PHI} code`, display: `${PHI} display` } } },
        // A code of the rule, but under another system: not the rule's reason.
        { card: b.uuid, outcome: 'overridden', outcomeTimestamp: '2026-11-21T12:00:01Z', overrideReason: { reason: { system: 'urn:other-vendor', code: ruleReason.code } } },
        { card: a.uuid, outcome: 'accepted', outcomeTimestamp: '2026-11-21T12:00:02Z', acceptedSuggestions: [{ id: `${PHI} suggestion` }, { id: a.suggestions![0]!.uuid }] },
        // Cards this service never issued: a uuid, and free text.
        { card: crypto.randomUUID(), outcome: 'overridden', outcomeTimestamp: '2026-11-21T12:00:00Z', overrideReason: { reason: { system: OVERRIDE_REASON_SYSTEM, code: ruleReason.code, display: PHI } } },
        { card: `${PHI} card`, outcome: 'overridden', outcomeTimestamp: '2026-11-21T12:00:00Z', overrideReason: { reason: { code: `${PHI} code` } } },
      ],
    };
    expect((await request(t.app).post(FEEDBACK).send(body)).status).toBe(200);

    const stored = await rows();
    expect(stored).toHaveLength(6);
    expect(JSON.stringify(stored)).not.toMatch(/ZZPHI|Jane|12345|urn:other-vendor/);
    const reasonsOf = (card: string | undefined) => stored.filter((r) => r.card_uuid === card && r.outcome === 'overridden').map((r) => [r.reason_system, r.reason_code, r.reason_display]);
    expect(reasonsOf(a.uuid)).toEqual([[OVERRIDE_REASON_SYSTEM, ruleReason.code, ruleReason.display]]);
    expect(reasonsOf(b.uuid)).toEqual([
      [null, 'other', null],
      [null, 'other', null],
    ]);
    const unknown = stored.filter((r) => r.card_known === false);
    expect(unknown).toHaveLength(2);
    expect(unknown.map((r) => [r.reason_system, r.reason_code, r.reason_display])).toEqual([
      [null, null, null],
      [null, null, null],
    ]);
    expect(unknown.map((r) => r.card_uuid)).toContain('not-a-uuid');
    // Only the suggestion the card offered is kept.
    expect(stored.find((r) => r.outcome === 'accepted')!.accepted_suggestion_ids).toEqual([a.suggestions![0]!.uuid]);

    // The analytics: per code, with the rule's display; "other" has none.
    const rule = await stats();
    expect(JSON.stringify(rule)).not.toMatch(/ZZPHI|Jane|12345/);
    expect(rule.topOverrideReasons).toEqual([
      { code: ruleReason.code, display: ruleReason.display, count: 1 },
      { code: 'other', count: 1 },
    ]);

    // Sent again (an EHR retrying): every item is a duplicate, nothing more is stored or counted.
    expect((await request(t.app).post(FEEDBACK).send(body)).status).toBe(200);
    expect(await rows()).toHaveLength(6);
    expect((await stats()).topOverrideReasons).toEqual(rule.topOverrideReasons);
  });
});
