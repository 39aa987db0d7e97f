import type { TopLevelCondition } from 'json-rules-engine';
import type { Classifier, DrugClass } from '../terminology/index.ts';

export type Indicator = 'info' | 'warning' | 'critical';

export interface RuleEvidence {
  readonly label: string;
  readonly url: string;
}

export interface RuleOverrideReason {
  readonly code: string;
  readonly display: string;
}

export interface RuleSuggestion {
  readonly kind: 'cancel-draft-order';
  readonly label: string;
  readonly isRecommended?: boolean;
}

export interface RuleCardTemplate {
  readonly summary: string;
  readonly detail: string;
  readonly overrideReasons?: readonly RuleOverrideReason[];
  readonly suggestions?: readonly RuleSuggestion[];
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
  readonly conditions: TopLevelCondition;
  readonly interactingClasses?: { readonly a: readonly DrugClass[]; readonly b: readonly DrugClass[] };
  readonly card: RuleCardTemplate;
  readonly evidence: readonly RuleEvidence[];
}

/** An immutable, validated set of rules with the terminology it was loaded with. */
export interface RuleSet {
  /** Content hash of every rule and value set file: the same files give the same version. */
  readonly version: string;
  readonly loadedAt: string;
  readonly rules: readonly RuleDefinition[];
  readonly classifier: Classifier;
}

/** A rule that fired for one draft order. */
export interface RuleHit {
  readonly ruleId: string;
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
