/**
 * Steady-state CPU per stage of the hook pipeline, in one process, without HTTP or the store:
 * JSON.parse, request parsing, patient record, facts, rules (json-rules-engine), cards, JSON.stringify.
 * Complements profile.ts (sampling) with exact per-stage timings on the bench corpus.
 *
 *   node scripts/bench/stages.ts [--rounds 30]
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildOrderCards } from '../../src/cards/index.ts';
import { createRuleSetHolder } from '../../src/engine/rule-set-holder.ts';
import { evaluateOrder } from '../../src/engine/index.ts';
import { deriveFacts, engineFactsFor, selectDraftOrders } from '../../src/facts/index.ts';
import { loadPatientRecord } from '../../src/patient/index.ts';
import { handleOrderHook, loadServiceDefinitions, parseOrderHookRequest } from '../../src/protocol/index.ts';
import { recordRequestFor } from '../../src/protocol/record-request.ts';
import { buildCandidates } from './corpus.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '30' } } });
const rounds = Number(args.rounds);

const silent = { info() {}, warn() {}, error() {}, debug() {} };
const holder = await createRuleSetHolder({ rulesDir: path.join(ROOT, 'rules'), logger: silent as never });
if (!holder.ok) throw new Error(holder.errors.join('\n'));
const services = await loadServiceDefinitions(path.join(ROOT, 'cds-hooks'));
if (!services.ok) throw new Error('services');
const byPath = new Map(services.value.map((s) => [`/cds-services/${s.id}`, s]));
const corpus = buildCandidates(path.join(ROOT, 'fixtures')).slice(0, 90);
// No fhirServer in the corpus (prefetch only): these settings are never used for a call.
const fhir = { budgetMs: 2500, requestTimeoutMs: 1500, maxPages: 5, allowedServers: [] as string[] };

const totals: Record<string, number> = {};
const add = (k: string, t0: number): number => {
  const t = performance.now();
  totals[k] = (totals[k] ?? 0) + (t - t0);
  return t;
};
let n = 0;
for (let r = 0; r < rounds; r++) {
  if (r === 5) { for (const k of Object.keys(totals)) totals[k] = 0; n = 0; } // warm-up rounds not counted
  for (const entry of corpus) {
    const service = byPath.get(entry.path)!;
    let t = performance.now();
    const body = JSON.parse(entry.body) as unknown;
    t = add('1 JSON.parse', t);
    const request = parseOrderHookRequest(body, service);
    t = add('2 parse request', t);
    const ruleSet = holder.value.current();
    const drafts = selectDraftOrders(request.context.draftOrders, request.context.selections);
    const record = await loadPatientRecord(recordRequestFor(service, request), { ...fhir });
    t = add('3 patient record', t);
    const facts = deriveFacts(record, drafts, ruleSet.classifier, new Date());
    t = add('4 facts', t);
    for (const order of facts.orders) {
      t = performance.now();
      const ev = await evaluateOrder(ruleSet, engineFactsFor(facts, order));
      t = add('5 rules', t);
      buildOrderCards(ruleSet.rules, order, facts.patient, ev.hits, { patientId: request.context.patientId });
      t = add('6 cards', t);
    }
    t = performance.now();
    const outcome = await handleOrderHook(service, JSON.parse(entry.body), { ruleSet: holder.value.current, fhir });
    t = add('8 whole pipeline (incl. its own JSON.parse)', t);
    JSON.stringify(outcome.response);
    add('7 JSON.stringify response', t);
    n++;
  }
}
console.log(`${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} cores, Node ${process.version}; ${n} requests timed`);
for (const [k, v] of Object.entries(totals).sort()) console.log(`${k.padEnd(48)} ${(v / n * 1000).toFixed(1).padStart(7)} µs/request`);
