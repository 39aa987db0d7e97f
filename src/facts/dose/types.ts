/** Public result types of the dose calculations. */

export interface DrugDose {
  /** Canonical lower-case ingredient, e.g. 'oxycodone'. */
  readonly ingredient: string;
  /** Daily amount in mg; for transdermal fentanyl the delivered mcg/hr instead (see `unit`). Null = unknown. */
  readonly mgPerDay: number | null;
  readonly unit: 'mg/day' | 'mcg/hr';
  /** Why a value is null (present when mgPerDay, or the derived value, is null). */
  readonly reason?: string;
}

export interface OpioidMme extends DrugDose {
  /** MME conversion factor; null when there is none (the MME is then unknown). */
  readonly factor: number | null;
  readonly factorSource?: 'cdc-2022' | 'cdc-2017-not-2022';
  /** Null = unknown, never 0 for an unknown dose. */
  readonly mmePerDay: number | null;
}

export interface MmeSummary {
  readonly perDrug: readonly (OpioidMme & { readonly ref: string; readonly display: string })[];
  /** Sum of known per-drug MME (a lower bound when some are unknown). */
  readonly totalKnown: number;
  /** Opioids whose MME could not be computed (buprenorphine is excluded, not unknown). */
  readonly unknownCount: number;
  /** unknownCount === 0. */
  readonly complete: boolean;
}

export interface BenzoDose extends DrugDose {
  /** Daily dose as mg of diazepam (Ashton equivalents); null when the dose or the equivalent is unknown. */
  readonly diazepamEqMgPerDay: number | null;
  readonly equivalenceSource: 'ashton';
}
