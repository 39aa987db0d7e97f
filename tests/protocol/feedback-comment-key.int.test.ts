// A clinician's feedback comment is stored only as a keyed hash (HMAC-SHA256 with the patient key secret,
// scoped to the card): the plain sha256 kept before let a short comment, or a suspected patient name, be
// confirmed by hashing a guess. Repeats are still duplicates, and the comment count is unchanged.
import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedbackCommentKey } from '../../src/protocol/handle-feedback.ts';
import { createPatientKeyer } from '../../src/store/index.ts';
import type { ServiceStore } from '../../src/store/index.ts';
import { sqlOf } from '../store/helpers.ts';
import { ORDER_SIGN, TEST_PATIENT_KEY_SECRET, issuedCard, openAppWithStore } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

const FEEDBACK = `${ORDER_SIGN}/feedback`;
const RULE = 'opioid-benzodiazepine';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('feedback comments are stored as a keyed hash', () => {
  let store: ServiceStore;
  let t: TestApp;
  beforeAll(async () => ({ store, t } = await openAppWithStore()));
  afterAll(() => store.close());

  const issueCard = async (patientId: string): Promise<string> => (await issuedCard(t.app, patientId, RULE)).uuid!;

  const comment = (card: string, userComment: string, outcomeTimestamp = '2026-11-21T12:00:00Z') => ({
    feedback: [{ card, outcome: 'overridden', outcomeTimestamp, overrideReason: { userComment } }],
  });
  const stored = async (card: string) =>
    (await sqlOf(store).query<{ comment_sha256: string; natural_key: string }>('SELECT comment_sha256, natural_key FROM feedback WHERE card_uuid = $1 ORDER BY id', [card])).map((r) => r.comment_sha256);

  it('is not the plain sha256 of the comment, is the same for a repeat and differs between cards', async () => {
    const [a, b] = [await issueCard('fb-comment-a'), await issueCard('fb-comment-b')];
    expect((await request(t.app).post(FEEDBACK).send(comment(a, 'Jane Doe'))).status).toBe(200);
    const [hash] = await stored(a);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toBe(sha256('Jane Doe'));
    expect(hash).toBe(feedbackCommentKey(createPatientKeyer(TEST_PATIENT_KEY_SECRET), a, 'Jane Doe'));
    // Not confirmable from the natural key either (it hashes the stored values, the keyed hash among them).
    const keys = await sqlOf(store).query<{ natural_key: string }>('SELECT natural_key FROM feedback WHERE card_uuid = $1', [a]);
    expect(keys[0]!.natural_key).not.toBe(sha256(JSON.stringify([a, 'overridden', '2026-11-21T12:00:00.000Z', [], null, null, sha256('Jane Doe')])));

    // Sent again: a duplicate. Sent again later (an EHR retry with a new timestamp): stored, counted once.
    expect((await request(t.app).post(FEEDBACK).send(comment(a, 'Jane Doe'))).status).toBe(200);
    expect(await stored(a)).toEqual([hash]);
    expect((await request(t.app).post(FEEDBACK).send(comment(a, 'Jane Doe', '2026-11-21T12:05:00Z'))).status).toBe(200);
    expect(await stored(a)).toEqual([hash, hash]);
    // Another comment is other feedback; the same comment on another card does not link the two.
    expect((await request(t.app).post(FEEDBACK).send(comment(a, 'discussed with patient'))).status).toBe(200);
    expect((await request(t.app).post(FEEDBACK).send(comment(b, 'Jane Doe'))).status).toBe(200);
    expect(new Set(await stored(a)).size).toBe(2);
    expect(await stored(b)).not.toContain(hash);
    const stats = (await store.ruleStats(new Date('2000-01-01'), new Date('2100-01-01'))).find((s) => s.ruleId === RULE)!;
    expect(stats.comments).toBe(3);
  });

  it('the store refuses a comment that is not a keyed hash', async () => {
    await expect(
      store.recordFeedback('cns-depressant-order-sign', [
        { cardUuid: crypto.randomUUID(), outcome: 'overridden', outcomeTimestamp: '2026-11-21T12:00:00Z', acceptedSuggestionIds: [], commentKey: 'Jane Doe' },
      ])
    ).rejects.toMatchObject({ name: 'StoreInputError' });
  });
});
