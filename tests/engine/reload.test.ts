/**
 * Hot reload of rules/: the holder swaps only a whole valid set, keeps serving the previous one and
 * exposes `lastError` otherwise; the watcher (fs.watch + poll) picks changes up without a restart;
 * requests in flight finish on the set they started with.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config/index.ts';
import { createRuleSetHolder } from '../../src/engine/rule-set-holder.ts';
import type { RuleSetHolder } from '../../src/engine/rule-set-holder.ts';
import { watchRules } from '../../src/engine/watch-rules.ts';
import type { RuleWatcher } from '../../src/engine/watch-rules.ts';
import { loadServiceDefinitions } from '../../src/protocol/index.ts';
import { createApp } from '../../src/server/index.ts';
import { createLogger } from '../../src/shared/index.ts';
import { copyRules } from '../admin/helpers.ts';
import { ORDER_SIGN, ROOT, fixture } from '../support/test-app.ts';

const RULE = 'opioid-benzodiazepine';
const FIXTURE = 'order-sign/opioid-draft-with-active-benzodiazepine.json';
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) {
    await cleanups.pop()?.();
  }
});

async function holderOn(dir: string): Promise<RuleSetHolder> {
  const result = await createRuleSetHolder({ rulesDir: dir });
  if (!result.ok) {
    throw new Error(result.errors.join('\n'));
  }
  return result.value;
}

function tempRules(): string {
  const dir = copyRules();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function ruleJson(dir: string): Record<string, any> {
  return JSON.parse(readFileSync(path.join(dir, `${RULE}.json`), 'utf8')) as Record<string, any>;
}

function writeRule(dir: string, rule: unknown): void {
  writeFileSync(path.join(dir, `${RULE}.json`), `${JSON.stringify(rule, null, 2)}\n`);
}

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, deadlineMs: number, what: string): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return { value, ms: Date.now() - started };
    }
    if (Date.now() - started > deadlineMs) {
      throw new Error(`${what}: not within ${deadlineMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function startApp(holder: RuleSetHolder, fetchImpl?: typeof fetch): Promise<string> {
  const config = testConfig();
  const services = await loadServiceDefinitions(config.servicesDir);
  if (!services.ok) {
    throw new Error(services.errors.join('\n'));
  }
  const app = createApp({
    config,
    logger: createLogger('silent'),
    services: services.value,
    auth: { mode: 'off' },
    ruleSet: holder.current,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function post(base: string, body: unknown): Promise<{ status: number; version: string | null; cards: any[] }> {
  const res = await fetch(`${base}${ORDER_SIGN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as { cards?: any[] };
  return { status: res.status, version: res.headers.get('x-rule-set-version'), cards: json.cards ?? [] };
}

/** What matters in a card for "unchanged": everything except its random uuids. */
function shape(cards: readonly any[]): string {
  return JSON.stringify(cards).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'uuid');
}

describe('rule set holder', () => {
  it('keeps serving the previous set when the folder becomes invalid, and exposes lastError', async () => {
    const dir = tempRules();
    const holder = await holderOn(dir);
    const before = holder.current();
    writeFileSync(path.join(dir, `${RULE}.json`), '{ "id": "opioid-benzodiazepine", "title": ');
    const result = await holder.reload();
    expect(result.ok).toBe(false);
    expect(holder.current()).toBe(before);
    const status = holder.status();
    expect(status.ruleSetVersion).toBe(before.version);
    expect(status.lastReloadError?.errors).toEqual([expect.stringMatching(/^opioid-benzodiazepine\.json: not valid JSON/)]);
    expect(Number.isNaN(Date.parse(status.lastReloadError?.at ?? ''))).toBe(false);
  });

  it('refuses a set where only a cross-file check fails (a replaces target removed)', async () => {
    const dir = tempRules();
    const holder = await holderOn(dir);
    const before = holder.current().version;
    rmSync(path.join(dir, `${RULE}.json`));
    const result = await holder.reload();
    expect(result.ok).toBe(false);
    expect(holder.lastError()?.errors).toContain('opioid-cough-benzodiazepine.json: /replaces: no rule with id "opioid-benzodiazepine"');
    expect(holder.current().version).toBe(before);
  });

  it('swaps to a valid changed set and clears lastError; an unchanged folder keeps the same snapshot', async () => {
    const dir = tempRules();
    const holder = await holderOn(dir);
    const first = holder.current();
    expect(await holder.reload()).toEqual({ ok: true, changed: false, ruleSet: first });
    writeFileSync(path.join(dir, `${RULE}.json`), 'not json');
    await holder.reload();
    expect(holder.lastError()).toBeDefined();
    const rule = JSON.parse(readFileSync(path.join(ROOT, 'rules', `${RULE}.json`), 'utf8')) as Record<string, any>;
    rule.version = '9.9.9';
    writeRule(dir, rule);
    const result = await holder.reload();
    expect(result).toMatchObject({ ok: true, changed: true });
    expect(holder.current().version).not.toBe(first.version);
    expect(holder.current().rules.find((r) => r.id === RULE)?.version).toBe('9.9.9');
    expect(holder.lastError()).toBeUndefined();
    expect(holder.status().lastReloadError).toBeUndefined();
  });

  it('serialises reloads: calls made while one runs share the next load, which sees the latest files', async () => {
    const dir = tempRules();
    const holder = await holderOn(dir);
    const rule = ruleJson(dir);
    const a = holder.reload();
    rule.version = '2.0.0';
    writeRule(dir, rule);
    const b = holder.reload();
    const c = holder.reload();
    expect(c).toBe(b);
    await Promise.all([a, b, c]);
    expect(holder.current().rules.find((r) => r.id === RULE)?.version).toBe('2.0.0');
  });
});

describe('hot reload while serving', () => {
  it('a broken file mid-way through a burst of requests: zero failed requests, unchanged cards; the fix takes effect within 2 s', async () => {
    const dir = tempRules();
    const holder = await holderOn(dir);
    const watcher: RuleWatcher = watchRules(holder);
    cleanups.push(() => watcher.close());
    const base = await startApp(holder);
    const body = fixture(FIXTURE);
    const baseline = await post(base, body);
    expect(baseline.status).toBe(200);
    expect(baseline.cards.map((c) => c.source.topic.code)).toContain(RULE);
    const original = ruleJson(dir);

    // A burst: 8 clients posting back to back while the file is broken and stays broken.
    let stop = false;
    const results: { status: number; version: string | null; cards: any[] }[] = [];
    const clients = Array.from({ length: 8 }, async () => {
      while (!stop) {
        results.push(await post(base, body).catch(() => ({ status: 0, version: null, cards: [] })));
      }
    });
    await new Promise((r) => setTimeout(r, 150));
    writeFileSync(path.join(dir, `${RULE}.json`), JSON.stringify(original).slice(0, 200)); // a truncated save
    await until(() => holder.lastError(), 2000, 'the broken file is noticed');
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(clients);

    expect(results.length).toBeGreaterThan(20);
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(new Set(results.map((r) => r.version))).toEqual(new Set([baseline.version]));
    expect(new Set(results.map((r) => shape(r.cards)))).toEqual(new Set([shape(baseline.cards)]));
    expect(holder.status().lastReloadError?.errors[0]).toMatch(/^opioid-benzodiazepine\.json: not valid JSON/);

    // The informaticist fixes the file (and changes the summary): it takes effect without a restart.
    const fixed = structuredClone(original);
    fixed.card.summary = 'Opioid plus benzodiazepine: fixed summary after a hot reload, effective without a restart.';
    writeRule(dir, fixed);
    const { value } = await until(
      async () => {
        const res = await post(base, body);
        return res.cards.some((c) => c.summary === fixed.card.summary) ? res : undefined;
      },
      2000,
      'the fixed rule answers'
    );
    expect(value.status).toBe(200);
    expect(value.version).toBe(holder.current().version);
    expect(value.version).not.toBe(baseline.version);
    expect(holder.lastError()).toBeUndefined();
  });

  it('polling alone (fs.watch off) picks up changes, including a new value-sets folder', async () => {
    const dir = tempRules();
    const holder = await holderOn(dir);
    const watcher = watchRules(holder, { useFsWatch: false, pollMs: 100 });
    cleanups.push(() => watcher.close());
    const rule = ruleJson(dir);
    rule.version = '3.0.0';
    writeRule(dir, rule);
    await until(() => (holder.current().rules.find((r) => r.id === RULE)?.version === '3.0.0' ? true : undefined), 2000, 'poll reload');
    mkdirSync(path.join(dir, 'value-sets'));
    writeFileSync(path.join(dir, 'value-sets', 'local.json'), '{ "resourceType": "ValueSet" ');
    const { value } = await until(() => holder.lastError(), 2000, 'invalid value set noticed');
    expect(value.errors[0]).toMatch(/^value-sets\/local\.json: not valid JSON/);
  });

  it('a request in flight finishes on the rule set it started with', async () => {
    const dir = tempRules();
    const holder = await holderOn(dir);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let fetched = 0;
    const slowFhir = (async () => {
      fetched++;
      await gate;
      return new Response(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', total: 0 }), { status: 200, headers: { 'content-type': 'application/fhir+json' } });
    }) as unknown as typeof fetch;
    const base = await startApp(holder, slowFhir);
    const body = fixture(FIXTURE);
    delete body.prefetch.conditions; // fetched from the (slow) FHIR server
    body.fhirAuthorization = { access_token: 'opaque', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'cds' };
    const oldVersion = holder.current().version;
    const inFlight = post(base, body);
    await until(() => (fetched > 0 ? true : undefined), 2000, 'the request reached the FHIR server');
    const rule = ruleJson(dir);
    rule.card.summary = 'A new summary that the in-flight request must not see, since it started earlier.';
    writeRule(dir, rule);
    expect((await holder.reload()).ok).toBe(true);
    expect(holder.current().version).not.toBe(oldVersion);
    release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.version).toBe(oldVersion);
    expect(res.cards.map((c) => c.summary)).not.toContain(rule.card.summary);
  });
});
