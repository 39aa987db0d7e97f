/**
 * The order-sign / order-select pipeline:
 * request -> patient record -> facts -> rules -> cards -> response.
 */
import { INCOMPLETE_TOPIC_CODE, buildIncompleteCard, buildOrderCards, dropMirroredCards, dropRepeatedSuggestions } from '../cards/index.ts';
import type { BuiltCard } from '../cards/index.ts';
import { dropNaloxoneOffers, offersNaloxone, reasonRecordsNaloxoneOnHand, recordsNaloxoneOnHand } from '../cards/naloxone-offers.ts';
import { evaluateOrder } from '../engine/index.ts';
import type { RuleFailure, RuleSet } from '../engine/index.ts';
import { deriveFacts, engineFactsFor, selectDraftOrders } from '../facts/index.ts';
import type { EngineFacts } from '../facts/index.ts';
import { loadPatientRecord } from '../patient/index.ts';
import type { CircuitBreakers, FetchLike, LoadOptions, PatientRecord } from '../patient/index.ts';
import { OperationOutcomeError } from '../shared/index.ts';
import type { Metrics } from '../shared/index.ts';
import { auditOrderRef } from './audit-order-ref.ts';
import { checkDataGaps } from './check-gaps.ts';
import type { AuditTextKey } from './audit-text-key.ts';
import { parseOrderHookRequest } from './parse-order-hook-request.ts';
import { recordRequestFor } from './record-request.ts';
import type { AuditedCard, Store, SuppressedCard } from '../store/index.ts';
import type { ServiceDefinition } from './service-definitions.ts';
import { isSnoozable, materiallyChanged, materialStateOf } from './snooze.ts';
import type { CallingClient, Card, CdsResponse, OrderHookRequest } from './types.ts';

export interface HookDeps {
  /** The current rule set; read once per request so a reload mid-request cannot mix sets. */
  readonly ruleSet: () => RuleSet;
  readonly fhir: Omit<LoadOptions, 'fetch' | 'breakers' | 'onFhirCall'>;
  readonly breakers?: CircuitBreakers;
  readonly metrics?: Metrics;
  readonly fetch?: FetchLike;
  readonly now?: () => Date;
  /** Feedback store: snoozes are honoured when present. */
  readonly store?: Store;
  /** Pseudonymous patient key (keyed hash) of a patient of a calling client; required with a store. */
  readonly patientKey?: (fhirServer: string | undefined, patientId: string, client?: CallingClient) => string;
  /** Longest wait for the store's snooze lookup, ms; after it every card is shown. Default 250. */
  readonly snoozeLookupTimeoutMs?: number;
}

/**
 * The lookup answers in about a millisecond (from memory, or one indexed query). A store that is stuck
 * (its thread replaced only after the watchdog's 30 s) or far behind must not hold the answer the
 * clinician is waiting for: past this, the call goes on as if the lookup had failed.
 */
const SNOOZE_LOOKUP_TIMEOUT_MS = 250;

export interface HookOutcome {
  readonly response: CdsResponse;
  readonly request: OrderHookRequest;
  readonly ruleSetVersion: string;
  /** Cards given, for the audit. */
  readonly audited: readonly AuditedCard[];
  /** Cards withheld by a snooze, for the audit. */
  readonly suppressed: readonly SuppressedCard[];
  readonly patientKey?: string;
  readonly sources: PatientRecord['sources'];
  /**
   * The error that stopped the whole check after the request was read (a defect of the service, never the
   * request's fault): the clinician got only the "incomplete" card, and the route logs and counts it.
   */
  readonly checkError?: Error;
  /** Rules that could not be evaluated (the clinician got an "incomplete" card). */
  readonly failedRules: readonly string[];
  /** Why, per rule (json-rules-engine's message), for the log. */
  readonly ruleFailures: readonly RuleFailure[];
}

/**
 * The answer "required data unavailable" (412, or another outcome the check ended with after the request
 * was read), carrying what the audit needs: the clinician saw no card and no "check incomplete" card, so
 * the audit is the only record that the check was not done for this call. The route audits it with the
 * status it was answered with, then answers the OperationOutcome as before.
 */
export class UncheckedCallError extends OperationOutcomeError {
  readonly hookOutcome: HookOutcome;
  constructor(error: OperationOutcomeError, hookOutcome: HookOutcome) {
    super(error.outcome, { cause: error });
    this.name = 'UncheckedCallError';
    this.hookOutcome = hookOutcome;
  }
}

/** The patient key of a parsed call, when there is a store to write it to. */
function patientKeyOf(request: OrderHookRequest, deps: HookDeps, client: CallingClient | undefined): string | undefined {
  return deps.store && deps.patientKey ? deps.patientKey(request.fhirServer, request.context.patientId, client) : undefined;
}

/** A call answered without a card (nothing to check, or an OperationOutcome), for the audit. */
function cardlessOutcome(request: OrderHookRequest, ruleSet: RuleSet, patientKey: string | undefined): HookOutcome {
  return { response: { cards: [] }, request, ruleSetVersion: ruleSet.version, audited: [], suppressed: [], ...(patientKey ? { patientKey } : {}), sources: {}, failedRules: [], ruleFailures: [] };
}

/**
 * Answers one hook call.
 * @param service - The service the call was posted to.
 * @param body - The parsed JSON body (validated here).
 * @param deps - Rule set, FHIR fallback settings, clock.
 * @param client - The verified calling client (its snoozes are its own); absent with CDS_AUTH=off.
 * @returns The CDS Hooks response plus what the audit needs.
 * @throws OperationOutcomeError: 400 for a malformed request; UncheckedCallError (an OperationOutcomeError
 *   with the audit's record) for a 412 when required data is unobtainable.
 */
export async function handleOrderHook(service: ServiceDefinition, body: unknown, deps: HookDeps, client?: CallingClient): Promise<HookOutcome> {
  // Non-UUID hook instances and non-FHIR order ids are audited as keys made with the patient keyer.
  const key: AuditTextKey | undefined = deps.patientKey;
  const request = parseOrderHookRequest(body, service, key);
  const ruleSet = deps.ruleSet();
  const now = deps.now?.() ?? new Date();
  const drafts = selectDraftOrders(request.context.draftOrders, request.context.selections);
  if (!drafts.some((d) => d.evaluate)) {
    // Nothing to check (e.g. only lab or nutrition orders): no need to touch the record. Still audited
    // (every answered call is), with its patient key and no cards.
    return cardlessOutcome(request, ruleSet, patientKeyOf(request, deps, client));
  }
  try {
    return await checkOrders(service, request, drafts, ruleSet, now, deps, client, key);
  } catch (error) {
    // A 412 (required data unobtainable) is the answer the spec asks for. Any other throw here is a defect
    // of the service, met on this patient's record: a 500 would leave most EHRs showing nothing, as if the
    // order were safe, so the clinician is told the check could not be done.
    const patientKey = patientKeyOf(request, deps, client);
    if (error instanceof OperationOutcomeError) throw new UncheckedCallError(error, cardlessOutcome(request, ruleSet, patientKey));
    return checkFailed(request, ruleSet, patientKey, error instanceof Error ? error : new Error(String(error)));
  }
}

/** The outcome of a check stopped by an error of the service: one "check incomplete" card, audited. */
function checkFailed(request: OrderHookRequest, ruleSet: RuleSet, patientKey: string | undefined, checkError: Error): HookOutcome {
  const gap = { key: 'service', purpose: 'this order against the medication list and conditions', reason: 'an error in the safety check service stopped the check (it has been logged for the service team)', required: false };
  const incomplete = buildIncompleteCard([gap], [])!;
  return {
    response: { cards: [incomplete] },
    request,
    ruleSetVersion: ruleSet.version,
    audited: [{ uuid: incomplete.uuid ?? '', ruleId: INCOMPLETE_TOPIC_CODE, indicator: incomplete.indicator, suggestionUuids: [] }],
    suppressed: [],
    ...(patientKey ? { patientKey } : {}),
    sources: {},
    checkError,
    failedRules: [],
    ruleFailures: [],
  };
}

/** Record, facts, rules, cards and snoozes for the drafts of a parsed request. */
async function checkOrders(
  service: ServiceDefinition,
  request: OrderHookRequest,
  drafts: ReturnType<typeof selectDraftOrders>,
  ruleSet: RuleSet,
  now: Date,
  deps: HookDeps,
  client: CallingClient | undefined,
  key: AuditTextKey | undefined
): Promise<HookOutcome> {
  const record = await loadPatientRecord(
    recordRequestFor(service, request),
    { ...deps.fhir, fetch: deps.fetch, breakers: deps.breakers, onFhirCall: deps.metrics?.observeFhirCall, now }
  );
  const facts = deriveFacts(record, drafts, ruleSet.classifier, now);
  const built: (BuiltCard & { materialState: string })[] = [];
  const failures: (RuleFailure & { title: string })[] = [];
  const checked: EngineFacts[] = [];
  for (const order of facts.orders) {
    const engineFacts = engineFactsFor(facts, order);
    checked.push(engineFacts);
    const evaluation = await evaluateOrder(ruleSet, engineFacts);
    const conditionGroups = facts.patient.conditions.map((c) => c.group);
    const context = { patientId: request.context.patientId, encounterId: request.context.encounterId, userId: request.context.userId };
    built.push(
      ...buildOrderCards(ruleSet.rules, order, facts.patient, evaluation.hits, context).map((b) => ({
        ...b,
        materialState: materialStateOf(order, conditionGroups, b.card.indicator),
      }))
    );
    for (const failure of evaluation.failures) {
      failures.push({ ...failure, title: ruleSet.rules.find((r) => r.id === failure.ruleId)?.title ?? failure.ruleId });
    }
  }
  const patientKey = patientKeyOf(request, deps, client);
  const snoozed = await applySnoozes(dropMirroredCards(built), ruleSet, deps.store, patientKey, now, deps.snoozeLookupTimeoutMs ?? SNOOZE_LOOKUP_TIMEOUT_MS, deps.metrics?.countSnoozeLookupFailure);
  // Naloxone the clinician recorded as on hand (an active snooze of a reason with recordsNaloxoneOnHand): its
  // rule's cards are withheld above, and no other card offers to order more. After the snoozes: a repeated suggestion
  // is kept on a card actually shown (the naloxone card first, else the first: repeated-suggestions.ts).
  const shown = dropRepeatedSuggestions(snoozed.naloxoneOnHand ? dropNaloxoneOffers(snoozed.shown) : snoozed.shown);
  const suppressed = snoozed.suppressed.map((s) => (s.orderRef ? { ...s, orderRef: auditOrderRef(s.orderRef, key) } : s));
  const cards: Card[] = shown.map((b) => b.card);
  // What the record lacks and what the facts could not establish, where it could change the check (check-gaps.ts).
  const incomplete = buildIncompleteCard(checkDataGaps(record.gaps, facts.gaps, ruleSet, checked), failures);
  if (incomplete) {
    cards.push(incomplete);
  }
  const audited: AuditedCard[] = [
    ...shown.map((b) => ({
      uuid: b.card.uuid ?? '',
      ruleId: b.ruleId,
      indicator: b.card.indicator,
      ...(b.orderRef ? { orderRef: auditOrderRef(b.orderRef, key) } : {}),
      suggestionUuids: (b.card.suggestions ?? []).flatMap((s) => (s.uuid ? [s.uuid] : [])),
      materialState: b.materialState,
    })),
    ...(incomplete?.uuid ? [{ uuid: incomplete.uuid, ruleId: INCOMPLETE_TOPIC_CODE, indicator: incomplete.indicator, suggestionUuids: [] }] : []),
  ];
  return {
    response: { cards },
    request,
    ruleSetVersion: ruleSet.version,
    audited,
    suppressed,
    ...(patientKey ? { patientKey } : {}),
    sources: record.sources,
    failedRules: [...new Set(failures.map((f) => f.ruleId))],
    ruleFailures: failures.map((f) => ({ ruleId: f.ruleId, message: f.message })),
  };
}

/**
 * Withholds cards whose rule the clinician snoozed for this patient, unless the situation changed
 * materially since, and tells whether an active snooze records rescue naloxone on hand (its override reason
 * has recordsNaloxoneOnHand). Such a snooze withholds its rule's cards whatever changed since: the naloxone
 * was recorded for the patient, not for a situation, and the rule would not fire with rescue naloxone on the
 * record (its card says none is on file). Reads the store only when a snoozable rule fired, or a card offers
 * naloxone and some reason of the set can record it on hand. When the lookup fails or times out, every card is
 * shown and nothing is recorded on hand (the naloxone offers stay).
 */
async function applySnoozes<T extends BuiltCard & { materialState: string }>(
  built: readonly T[],
  ruleSet: RuleSet,
  store: Store | undefined,
  patientKey: string | undefined,
  now: Date,
  timeoutMs: number,
  onLookupFailure?: () => void
): Promise<{ shown: T[]; suppressed: SuppressedCard[]; naloxoneOnHand: boolean }> {
  const rules = new Map(ruleSet.rules.map((r) => [r.id, r]));
  const snoozable = built.some((b) => rules.get(b.ruleId) && isSnoozable(rules.get(b.ruleId)!));
  if (!store || !patientKey || !(snoozable || (recordsNaloxoneOnHand(ruleSet.rules) && offersNaloxone(built)))) {
    return { shown: [...built], suppressed: [], naloxoneOnHand: false };
  }
  let snoozes: Awaited<ReturnType<Store['activeSnoozes']>>;
  let timer: NodeJS.Timeout | undefined;
  try {
    snoozes = await Promise.race([
      store.activeSnoozes(patientKey, now),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no snooze lookup answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch {
    // A snooze only spares alert fatigue; it is never a reason to withhold a safety card. Store down:
    // show them all, and count it so operators see that snoozes are not being honoured.
    onLookupFailure?.();
    return { shown: [...built], suppressed: [], naloxoneOnHand: false };
  } finally {
    clearTimeout(timer);
  }
  // Active snoozes whose reason records rescue naloxone on hand (the rule's reason as it is now).
  const onHand = snoozes.filter((s) => reasonRecordsNaloxoneOnHand(rules.get(s.ruleId), s.reasonCode));
  const shown: T[] = [];
  const suppressed: SuppressedCard[] = [];
  for (const b of built) {
    const rule = rules.get(b.ruleId);
    // Any of the rule's active snoozes whose state still holds (newest first): after a material change
    // the clinician may snooze the card again, and that newer snooze must apply although the older one
    // no longer does. Failing that, the newest of the rule's snoozes that recorded naloxone on hand, whatever
    // changed since: a new drug class or MME band does not take away the patient's naloxone, and the card
    // ("no naloxone on file: prescribe naloxone") would contradict the record.
    const ofRule = snoozes.filter((s) => s.ruleId === b.ruleId).reverse();
    const snooze = rule
      ? (ofRule.find((s) => !materiallyChanged(rule, b.materialState, s.materialState)) ?? ofRule.find((s) => onHand.includes(s)))
      : undefined;
    if (rule && snooze) {
      suppressed.push({ ruleId: b.ruleId, snoozeId: snooze.id, ...(b.orderRef ? { orderRef: b.orderRef } : {}) });
    } else {
      shown.push(b);
    }
  }
  // Any active snooze counts, whatever the state now: the naloxone was recorded for the patient, not for a situation.
  return { shown, suppressed, naloxoneOnHand: onHand.length > 0 };
}

