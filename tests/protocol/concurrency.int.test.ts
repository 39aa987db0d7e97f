import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_SIGN, createTestApp, expectConformant, fixture } from '../support/test-app.ts';

/** Re-keys a fixture to a new patient and new resource ids so every request is distinguishable. */
function forPatient(name: string, n: number): { body: Record<string, any>; draftIds: string[] } {
  let text = JSON.stringify(fixture(`order-sign/${name}`));
  const original = JSON.parse(text).context.patientId as string;
  text = text.split(`Patient/${original}`).join(`Patient/p${n}`).split(`"${original}"`).join(`"p${n}"`);
  const body = JSON.parse(text);
  body.hookInstance = crypto.randomUUID();
  const draftIds: string[] = [];
  for (const entry of body.context.draftOrders.entry) {
    if (entry.resource.resourceType === 'MedicationRequest') {
      entry.resource.id = `draft-${n}-${entry.resource.id}`;
      draftIds.push(entry.resource.id);
    }
  }
  return { body, draftIds };
}

describe('concurrent requests each get exactly their own cards', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const t = await createTestApp();
    server = t.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('interleaves 200 requests for different patients without losing or mixing cards', async () => {
    const scenarios = ['opioid-draft-with-active-benzodiazepine.json', 'opioid-draft-no-benzodiazepine.json', 'benzodiazepine-draft-with-active-opioid.json'];
    const jobs = Array.from({ length: 200 }, (_, n) => {
      const name = scenarios[n % scenarios.length]!;
      return { n, name, fires: !name.includes('no-benzodiazepine'), ...forPatient(name, n) };
    });
    // The cards each scenario gets when asked alone, one request at a time.
    const expected = new Map<string, string[]>();
    for (const name of scenarios) {
      const res = await fetch(`${base}${ORDER_SIGN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(forPatient(name, 9999).body) });
      expected.set(name, expectConformant(await res.json()).map((c) => c.source.topic?.code ?? '?'));
    }
    expect(expected.get('opioid-draft-with-active-benzodiazepine.json')).toContain('opioid-benzodiazepine');
    const results = await Promise.all(
      jobs.map(async (job) => {
        const res = await fetch(`${base}${ORDER_SIGN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(job.body) });
        return { job, status: res.status, body: await res.json() };
      })
    );
    for (const { job, status, body } of results) {
      expect(status).toBe(200);
      const cards = expectConformant(body);
      if (!job.fires) {
        expect(cards).toEqual([]);
        continue;
      }
      expect(cards.map((c) => c.source.topic?.code)).toEqual(expected.get(job.name));
      const card = cards.find((c) => c.source.topic?.code === 'opioid-benzodiazepine')!;
      const target = card.suggestions?.[0]?.actions?.[0]?.resourceId;
      expect(job.draftIds.map((id) => `MedicationRequest/${id}`)).toContain(target);
    }
  });
});
