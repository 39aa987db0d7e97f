/**
 * A rule change is written to rules/ before it is recorded in the history. When recording fails for a
 * moment (a dropped database connection), the admin retries, so the history still names the author of
 * the change; when it keeps failing, the change stays applied and the failure is logged.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuleAdmin } from '../../src/admin/index.ts';
import { testConfig } from '../../src/config/index.ts';
import { createRuleSetHolder } from '../../src/engine/rule-set-holder.ts';
import { loadServiceDefinitions } from '../../src/protocol/index.ts';
import { createStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/index.ts';
import { ROOT, copyRules, shippedRule } from './helpers.ts';

const LONG_TERM = 'benzodiazepine-long-term';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/**
 * The admin over a real in-memory store whose history writes after the first `okWrites` fail `failures`
 * times, each failure answered after `failAfterMs`, and after the write committed when `commitBeforeFailing`.
 */
async function adminWithFlakyHistory(okWrites: number, failures: number, failAfterMs = 0, commitBeforeFailing = false) {
  const config = testConfig();
  const rulesDir = copyRules();
  const services = await loadServiceDefinitions(config.servicesDir);
  const held = await createRuleSetHolder({ rulesDir });
  if (!services.ok || !held.ok) throw new Error('setup');
  const real = await createStore();
  cleanups.push(() => real.close(), () => rmSync(rulesDir, { recursive: true, force: true }));
  let writes = 0;
  let failed = 0;
  const store = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'appendRuleChange') {
        return async (...args: Parameters<Store['appendRuleChange']>) => {
          writes += 1;
          if (writes > okWrites && failed < failures) {
            failed += 1;
            // The connection may drop after the INSERT committed: the caller still sees a failure.
            if (commitBeforeFailing) await target.appendRuleChange(...args);
            await new Promise((resolve) => setTimeout(resolve, failAfterMs));
            throw new Error('connection terminated unexpectedly');
          }
          return target.appendRuleChange(...args);
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const errors: string[] = [];
  const logger = { info() {}, warn() {}, error: (_obj: object, msg: string) => errors.push(msg) };
  const admin = createRuleAdmin({ holder: held.value, services: services.value, fixturesDir: path.join(ROOT, 'fixtures'), fhir: config.fhir, store, logger });
  return { admin, errors, attempts: () => writes, holder: held.value };
}

async function editDescription(admin: Awaited<ReturnType<typeof adminWithFlakyHistory>>['admin']): Promise<void> {
  const rule = shippedRule(LONG_TERM);
  rule.description = `${String(rule.description ?? '')} (edited)`;
  const { etag } = await admin.getRule(LONG_TERM);
  await admin.updateRule(LONG_TERM, rule, etag, 'eddie.editor');
}

describe('recording a rule change in the history', () => {
  it('retries a passing failure, so the history names the author of the change', async () => {
    // Write 1 is the baseline (the shipped file, recorded before the first change); write 2, the change, fails twice.
    const { admin, errors, attempts, holder } = await adminWithFlakyHistory(1, 2);
    await editDescription(admin);
    expect(attempts()).toBe(4);
    const history = await admin.history(LONG_TERM);
    expect(history.map((h) => [h.action, h.author])).toEqual([
      ['create', 'rules/ folder (content before the first change through the admin API)'],
      ['update', 'eddie.editor'],
    ]);
    // Recorded with the rule set the change produced, which is the one serving.
    expect(history[1]!.ruleSetVersion).toBe(holder.current().version);
    expect(history[0]!.ruleSetVersion).not.toBe(holder.current().version);
    expect(errors).toEqual([]);
  });

  it('records the change once when a failed attempt had in fact committed', async () => {
    const { admin, errors, attempts } = await adminWithFlakyHistory(1, 1, 0, true);
    await editDescription(admin);
    expect(attempts()).toBe(3);
    const history = await admin.history(LONG_TERM);
    expect(history.map((h) => [h.action, h.author])).toEqual([
      ['create', 'rules/ folder (content before the first change through the admin API)'],
      ['update', 'eddie.editor'],
    ]);
    expect(errors).toEqual([]);
  });

  it('does not retry a failure that took long (the rules lock is held meanwhile), and keeps the change', async () => {
    const { admin, errors, attempts } = await adminWithFlakyHistory(1, 1, 1_200);
    await editDescription(admin);
    expect(attempts()).toBe(2);
    expect((await admin.getRule(LONG_TERM)).text).toContain('(edited)');
    expect(errors).toEqual(['rule change applied but not recorded in the history']);
  });

  it('keeps the change applied and logs it when the history stays unwritable', async () => {
    const { admin, errors, attempts } = await adminWithFlakyHistory(1, 10);
    await editDescription(admin);
    expect(attempts()).toBe(4); // the baseline, then three attempts for the change
    expect((await admin.getRule(LONG_TERM)).text).toContain('(edited)');
    expect(errors).toEqual(['rule change applied but not recorded in the history']);
    expect((await admin.history(LONG_TERM)).map((h) => h.author)).toEqual(['rules/ folder (content before the first change through the admin API)']);
  });
});
