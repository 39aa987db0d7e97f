/**
 * The one store behind the service: invocation audit, feedback, snoozes, analytics, JWT replay
 * state and rule change history. Two implementations share one PostgreSQL dialect: embedded PGlite
 * (default, persisted under the data directory) and a PostgreSQL server (DATABASE_URL).
 *
 * Nothing here ever holds tokens, names or other PHI: patients are identified only by a keyed hash.
 */

export type Indicator = 'info' | 'warning' | 'critical';

/** One card as given to the EHR, for the audit and for matching feedback to its rule. */
export interface AuditedCard {
  readonly uuid: string;
  readonly ruleId: string;
  readonly indicator: Indicator;
  /** "MedicationRequest/123" of the draft order the card concerns. */
  readonly orderRef?: string;
  readonly suggestionUuids: readonly string[];
  /** What the rule marks as material (e.g. "classes=benzodiazepine;mmeBand=50"): a snooze is lifted when it changes. */
  readonly materialState?: string;
}

/** A rule that fired but whose card was withheld by an active snooze. */
export interface SuppressedCard {
  readonly ruleId: string;
  readonly snoozeId: string;
  readonly orderRef?: string;
}

export interface InvocationRecord {
  readonly hookInstance: string;
  readonly serviceId: string;
  readonly hook: string;
  /** ISO 8601 time the call arrived. */
  readonly receivedAt: string;
  readonly latencyMs: number;
  readonly status: number;
  readonly ruleSetVersion: string;
  /** Keyed hash of the patient (see patient-key.ts), never the id itself. */
  readonly patientKey: string;
  /** Verified JWT issuer of the calling EHR, when auth is on. */
  readonly clientIss?: string;
  /** The `tenant` claim of that JWT, when it had one. */
  readonly clientTenant?: string;
  readonly cards: readonly AuditedCard[];
  readonly suppressed: readonly SuppressedCard[];
}

export interface FeedbackItemInput {
  /** The card's uuid as the EHR sent it; stored only when UUID-shaped (the service issues UUIDs), else as "not-a-uuid". */
  readonly cardUuid: string;
  readonly outcome: 'accepted' | 'overridden';
  /** RFC 3339 UTC, as sent by the EHR. */
  readonly outcomeTimestamp: string;
  /** Suggestion uuids as sent; only those the card offered are stored. */
  readonly acceptedSuggestionIds: readonly string[];
  /**
   * The override reason as the rule set has it, never the EHR's text (handle-feedback.ts): code and display
   * of one of the card's rule's overrideReasons, or code "other". A code that is not the shape of a rule's
   * reason code (a-z, 0-9 and -, at most 64 characters) is stored as "other"; nothing is stored for a card
   * this service did not issue.
   */
  readonly overrideReason?: { readonly system?: string; readonly code: string; readonly display?: string };
  /**
   * The clinician's comment as a keyed hash (64 hex digits: HMAC-SHA256 with the patient key secret, made
   * by handle-feedback.ts), never the comment: a plain hash of a short comment or a suspected name could be
   * confirmed by hashing guesses. Stored in `comment_sha256`, for idempotency and the comment count.
   */
  readonly commentKey?: string;
}

/** The client that sent feedback, from its verified JWT (both absent with CDS_AUTH=off). */
export interface FeedbackClient {
  readonly iss?: string;
  readonly tenant?: string;
}

export interface FeedbackResult {
  /** Items stored now. */
  readonly stored: number;
  /** Items identical to ones already stored (idempotent repeats). */
  readonly duplicates: number;
  /** Card uuids we never issued (stored and flagged, not failed). */
  readonly unknownCards: readonly string[];
}

/** What the audit knows about a card we issued. */
export interface IssuedCard {
  readonly uuid: string;
  readonly ruleId: string;
  readonly indicator: Indicator;
  readonly serviceId: string;
  readonly hookInstance: string;
  readonly patientKey: string;
  /** The issuer of the JWT of the call that got the card (absent with CDS_AUTH=off). */
  readonly clientIss?: string;
  /** Its `tenant` claim (absent when it had none, and for cards audited before migration 0006). */
  readonly clientTenant?: string;
  readonly orderRef?: string;
  readonly materialState?: string;
  readonly issuedAt: string;
}

export interface Snooze {
  readonly id: string;
  readonly ruleId: string;
  readonly patientKey: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  /** The override reason code that asked for the snooze. */
  readonly reasonCode: string;
  readonly cardUuid: string;
  /** Material state when snoozed; a different state on a later call means "the situation changed". */
  readonly materialState?: string;
  readonly liftedAt?: string;
  readonly liftedBy?: string;
}

export interface OverrideReasonCount {
  readonly code: string;
  readonly display?: string;
  readonly count: number;
}

export interface RuleStats {
  readonly ruleId: string;
  readonly fired: number;
  readonly suppressed: number;
  readonly accepted: number;
  readonly overridden: number;
  /** accepted / fired (0 when nothing fired). */
  readonly acceptedRate: number;
  readonly overriddenRate: number;
  readonly topOverrideReasons: readonly OverrideReasonCount[];
  readonly comments: number;
}

export type RuleChangeAction = 'create' | 'update' | 'delete' | 'enable' | 'disable' | 'rollback';

export interface RuleChange {
  /** Monotonic sequence across all rules; replicas poll for changes after the last seq they applied. */
  readonly seq: number;
  readonly ruleId: string;
  readonly action: RuleChangeAction;
  /** The full rule JSON after the change; null after a delete. */
  readonly content: unknown;
  readonly author: string;
  readonly at: string;
  /** The rule set version that the change produced (on the replica that made it). */
  readonly ruleSetVersion?: string;
  /**
   * Other rules' test cases the change made fail and its author acknowledged (a disable or delete made with
   * `acknowledgeFailingTests`), as "<rule file>/tests/<index>"; absent when none.
   */
  readonly acknowledgedFailingTests?: readonly string[];
}

/**
 * A change to record: `changeId` (a UUID the writer picks once) makes retries of the same change idempotent.
 * `basedOnSeq` makes the append a compare-and-append: the seq of the rule's latest change the writer's change
 * was based on (0: the rule had none); the change is recorded only if that is still the rule's latest.
 */
export type NewRuleChange = Omit<RuleChange, 'seq'> & { readonly changeId?: string; readonly basedOnSeq?: number };

/** One file of a stored rule set: a rule file (`rules/<name>`) or a local value set (`rules/value-sets/<name>`), as read. */
export interface StoredRuleFile {
  readonly name: string;
  readonly text: string;
}

/**
 * The last rule set the service loaded from its rules folder (its version and its files, as a cluster worker
 * reports it to the primary): what a start whose folder does not load serves instead (src/engine/last-good-rules.ts).
 */
export interface StoredRuleSet {
  readonly version: string;
  readonly sources: { readonly rules: readonly StoredRuleFile[]; readonly valueSets: readonly StoredRuleFile[] };
  /** When it was stored (ISO 8601); set by the store, ignored on save. */
  readonly savedAt?: string;
}

export interface Store {
  readonly kind: 'pglite' | 'postgres';
  /** Applies versioned migrations (idempotent). Called at start-up. */
  migrate(): Promise<void>;
  /** Cheap readiness check. */
  ping(): Promise<boolean>;

  /** Queues an invocation for a batched write; never blocks the caller. */
  enqueueInvocation(record: InvocationRecord): void;
  /** Writes everything queued. Called on shutdown and before feedback is matched. */
  flush(): Promise<void>;
  findIssuedCards(uuids: readonly string[]): Promise<IssuedCard[]>;

  /**
   * Stores feedback durably before resolving; repeats are idempotent; unknown cards are stored and flagged.
   * A card is known when this service issued it and, with `client` given, issued it to that client (the same
   * issuer and tenant, or both absent: CDS_AUTH=off): another client's feedback on it counts in no rule's
   * numbers. Accepted suggestion ids are kept only when the card offered them (none for an unknown card).
   */
  recordFeedback(serviceId: string, items: readonly FeedbackItemInput[], client?: FeedbackClient): Promise<FeedbackResult>;

  /**
   * Makes the card's snooze; undefined when the card already has one (active, lifted or expired): a card
   * snoozes once, however many copies of its override arrive at once.
   */
  createSnooze(snooze: Omit<Snooze, 'id' | 'liftedAt' | 'liftedBy'>): Promise<Snooze | undefined>;
  /** Unlifted, unexpired snoozes for a patient at a time (hot path: indexed, fast). */
  activeSnoozes(patientKey: string, at: Date): Promise<Snooze[]>;
  /** Snoozes, newest first; `cardUuid` gives the snooze made from that card, whether active, lifted or expired. */
  listSnoozes(filter: { readonly ruleId?: string; readonly cardUuid?: string; readonly activeAt?: Date; readonly limit?: number }): Promise<Snooze[]>;
  /** Lifts an active snooze (not lifted, not expired at `at`); false when there is none with that id. */
  liftSnooze(id: string, by: string, at: Date): Promise<boolean>;

  ruleStats(from: Date, to: Date): Promise<RuleStats[]>;
  /** Deletes audit rows (invocations, cards, suppressions, feedback) older than the cutoff and snoozes that ended before it; returns rows deleted. */
  purgeAuditOlderThan(cutoff: Date): Promise<number>;

  /** JWT replay state shared by replicas: true the first time a key is seen before it expires. */
  rememberJti(key: string, expiresAtMs: number): Promise<boolean>;

  /**
   * Records a change. Appending again with the same `changeId` returns the first record and adds none
   * (a retry after a failure whose INSERT did commit). With `basedOnSeq`, rejects with an error named
   * `RuleChangeConflictError` (and records nothing) when the rule's latest seq is not `basedOnSeq`: the check
   * and the INSERT run in one transaction under the lock that orders sequence numbers.
   */
  appendRuleChange(change: NewRuleChange): Promise<RuleChange>;
  ruleHistory(ruleId: string): Promise<RuleChange[]>;
  ruleChangesSince(seq: number): Promise<RuleChange[]>;

  /**
   * Keeps `rules` as the last good rule set (one row, replaced): true when written, false when that version is
   * the one already kept (nothing written). Rejects with StoreInputError, writing nothing, a set that is not
   * files and a version, or whose files take more than MAX_LAST_GOOD_RULES_BYTES.
   */
  saveLastGoodRules(rules: StoredRuleSet): Promise<boolean>;
  /** The last good rule set kept (with `savedAt`), or undefined when none was; rejects when the row cannot be read. */
  lastGoodRules(): Promise<StoredRuleSet | undefined>;

  close(): Promise<void>;
}
