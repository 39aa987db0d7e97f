// Child process of store-pglite.test.ts: writes through the store, prints READY and what it wrote, then
// waits to be killed with SIGKILL (no close(), no flush on exit).
import { randomUUID } from 'node:crypto';
import { createStore } from '../../src/store/index.ts';

const dataDir = process.argv[2];
if (!dataDir) {
  throw new Error('usage: crash-child.ts <dataDir>');
}
const store = await createStore({ dataDir, logger: { info() {}, warn() {}, error: (o, m) => console.error(m, o) } });
const cardUuid = randomUUID();
const patientKey = `pk-${randomUUID()}`;
store.enqueueInvocation({
  hookInstance: randomUUID(),
  serviceId: 'svc',
  hook: 'order-sign',
  receivedAt: new Date().toISOString(),
  latencyMs: 5,
  status: 200,
  ruleSetVersion: 'v',
  patientKey,
  cards: [{ uuid: cardUuid, ruleId: 'r', indicator: 'warning', suggestionUuids: [] }],
  suppressed: [],
});
// recordFeedback flushes the queue first, then commits the feedback: both acknowledged below.
await store.recordFeedback('svc', [{ cardUuid, outcome: 'accepted', outcomeTimestamp: '2026-01-01T00:00:00Z', acceptedSuggestionIds: [] }]);
const snooze = (await store.createSnooze({ ruleId: 'r', patientKey, createdAt: new Date().toISOString(), expiresAt: '2999-01-01T00:00:00Z', reasonCode: 'x', cardUuid }))!;
await store.rememberJti('iss|crash-jti', Date.now() + 60_000);
const change = await store.appendRuleChange({ ruleId: 'r', action: 'create', content: { id: 'r' }, author: 'a', at: new Date().toISOString() });
console.log(`READY ${JSON.stringify({ cardUuid, patientKey, snoozeId: snooze.id, seq: change.seq })}`);
setInterval(() => {}, 1_000);
