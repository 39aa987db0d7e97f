import type { TopLevelCondition } from 'json-rules-engine';
import type { EngineFacts } from '../facts/index.ts';
import type { Classifier, DrugClass } from '../terminology/index.ts';

export type Indicator = 'info' | 'warning' | 'critical';

export interface RuleEvidence {
  readonly label: string;
  readonly url: string;
}

export interface RuleOverrideReason {
  readonly code: string;
  readonly display: string;
  /** Choosing this reason snoozes the rule for this patient for this many days. */
  readonly snoozeDays?: number;
  /**
   * Choosing this reason records that the patient has rescue naloxone on hand: while the snooze it makes is
   * active (not lifted, not expired), no card offers the order-naloxone suggestion for that patient, and the
   * rule's own cards stay withheld even after a material change (having naloxone does not change with the drug
   * classes). Only with `snoozeDays` (the snooze is the record, and its period the time it holds).
   */
  readonly recordsNaloxoneOnHand?: boolean;
}

export type MaterialChange = 'drug-classes' | 'mme-band';

export interface RuleSuggestion {
  readonly kind: 'cancel-draft-order' | 'order-naloxone';
  readonly label: string;
  readonly isRecommended?: boolean;
  /** order-naloxone: the product, as a FHIR CodeableConcept. */
  readonly medication?: { readonly coding: readonly { readonly system: string; readonly code: string; readonly display: string }[]; readonly text: string };
  /** order-naloxone: dosageInstruction text. */
  readonly instructions?: string;
  readonly codeSource?: string;
}

export interface RuleCardTemplate {
  readonly summary: string;
  readonly detail: string;
  readonly overrideReasons?: readonly RuleOverrideReason[];
  readonly suggestions?: readonly RuleSuggestion[];
}

export interface RuleParameter {
  readonly value: number | string | boolean;
  readonly description: string;
  readonly unit?: string;
}

export interface RuleEscalation {
  readonly indicator: Indicator;
  readonly conditions: TopLevelCondition;
  readonly summary?: string;
}

/** A rule file from rules/<id>.json, as validated against rules/schema/rule.schema.json. */
export interface RuleDefinition {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
  readonly version: string;
  readonly status: 'active' | 'disabled';
  readonly indicator: Indicator;
  readonly priority?: number;
  readonly replaces?: readonly string[];
  readonly parameters?: Readonly<Record<string, RuleParameter>>;
  readonly conditions: TopLevelCondition;
  readonly escalations?: readonly RuleEscalation[];
  readonly interactingClasses?: { readonly a: readonly DrugClass[]; readonly b: readonly DrugClass[] };
  readonly card: RuleCardTemplate;
  /** What ends a snooze early: a new drug class, a higher MME band. */
  readonly snooze?: { readonly material: readonly MaterialChange[] };
  readonly evidence: readonly RuleEvidence[];
  /** Fixture cases this rule must pass (paths under fixtures/). */
  readonly tests?: readonly RuleTestCase[];
}

export interface RuleTestCase {
  readonly fixture: string;
  readonly expect: Indicator | 'silent';
  readonly note?: string;
}

/** An immutable, validated set of rules with the terminology it was loaded with. */
export interface RuleSet {
  /** Content hash of every rule and value set file: the same files give the same version. */
  readonly version: string;
  readonly loadedAt: string;
  readonly rules: readonly RuleDefinition[];
  /** json-rules-engine rules compiled from `rules` when the set loaded (parameters substituted). */
  readonly engineRules: readonly EngineRule[];
  /**
   * The facts the active engine rules read (their conditions and escalations), worked out when the set loads
   * (facts-read.ts `factsReadByActiveRules`): a fact gap is reported only when one of these is among its facts.
   * A set made from another with rules switched on or off must work it out again.
   */
  readonly factsRead: readonly (keyof EngineFacts)[];
  readonly classifier: Classifier;
}

/** One json-rules-engine rule: a rule's base conditions, or base plus one escalation. */
export interface EngineRule {
  readonly ruleId: string;
  readonly name: string;
  readonly priority: number;
  readonly conditions: TopLevelCondition;
  readonly indicator: Indicator;
  readonly summary?: string;
  readonly active: boolean;
}

/** A rule that fired for one draft order, at its highest matching indicator. */
export interface RuleHit {
  readonly ruleId: string;
  readonly indicator: Indicator;
  /** Set when an escalation with its own summary applied. */
  readonly summary?: string;
}

/** A rule that could not be evaluated: the clinician must be told the check is incomplete. */
export interface RuleFailure {
  readonly ruleId: string;
  readonly message: string;
}

export interface Evaluation {
  readonly hits: readonly RuleHit[];
  readonly failures: readonly RuleFailure[];
}
