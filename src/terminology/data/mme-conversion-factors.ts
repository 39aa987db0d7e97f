/**
 * Source: CDC 2022 Clinical Practice Guideline for Prescribing Opioids for Pain (Dowell D, et al.),
 * MMWR Recomm Rep 2022;71(RR-3):1-95, Table: MME conversion factors
 * (https://www.cdc.gov/mmwr/volumes/71/rr/rr7103a1.htm), as transcribed in
 * shared/research/clinical-evidence.md section 1.3 [V]. The one value that is not from the 2022 table
 * (meperidine 0.1, CDC 2017 analytic file / Von Korff 2008) is marked `cdc-2017-not-2022`.
 *
 * `previous` is the CDC 2016/2017 clinical value from the same evidence table; it is kept only so the
 * reference check (scripts/check-mme.ts) can tell intended 2022-vs-2016 differences from errors.
 *
 * Ingredients without an entry (levorphanol, dihydrocodeine, pentazocine, butorphanol, nalbuphine,
 * opium, benzhydrocodone, propoxyphene, ...) have no CDC 2022 factor: their MME is unknown, never 0.
 */
export type MmeFactorSource = 'cdc-2022' | 'cdc-2017-not-2022';

export interface MmeConversionFactor {
  /** Canonical lower-case ingredient name (as the terminology classifier returns it). */
  readonly ingredient: string;
  /** MME per mg/day, or per mcg/hr for transdermal fentanyl. */
  readonly factor: number;
  readonly source: MmeFactorSource;
  /** The dose the factor applies to. */
  readonly per: 'mg/day' | 'mcg/hr';
  /** Only this form has a factor (fentanyl: transdermal only). */
  readonly onlyForm?: 'transdermal';
  /** CDC 2016/2017 clinical value from the evidence table (for the reference check only). */
  readonly previous?: number | 'tiered' | 'none';
  readonly note?: string;
}

export const MME_CONVERSION_FACTORS: readonly MmeConversionFactor[] = Object.freeze([
  { ingredient: 'codeine', factor: 0.15, source: 'cdc-2022', per: 'mg/day', previous: 0.15 },
  {
    ingredient: 'fentanyl',
    factor: 2.4,
    source: 'cdc-2022',
    per: 'mcg/hr',
    onlyForm: 'transdermal',
    previous: 2.4,
    note: 'Transdermal, per mcg/hr: 25 mcg/hr = 60 MME/day. Absorption is affected by heat.',
  },
  { ingredient: 'hydrocodone', factor: 1, source: 'cdc-2022', per: 'mg/day', previous: 1 },
  { ingredient: 'hydromorphone', factor: 5, source: 'cdc-2022', per: 'mg/day', previous: 4, note: 'Changed from 4 in 2022.' },
  {
    ingredient: 'methadone',
    factor: 4.7,
    source: 'cdc-2022',
    per: 'mg/day',
    previous: 'tiered',
    note: 'Single factor in 2022 (2016: tiered 4/8/10/12 by daily dose).',
  },
  { ingredient: 'morphine', factor: 1, source: 'cdc-2022', per: 'mg/day', previous: 1 },
  { ingredient: 'oxycodone', factor: 1.5, source: 'cdc-2022', per: 'mg/day', previous: 1.5 },
  { ingredient: 'oxymorphone', factor: 3, source: 'cdc-2022', per: 'mg/day', previous: 3 },
  { ingredient: 'tapentadol', factor: 0.4, source: 'cdc-2022', per: 'mg/day', previous: 0.4, note: 'mu-agonist plus NRI.' },
  { ingredient: 'tramadol', factor: 0.2, source: 'cdc-2022', per: 'mg/day', previous: 0.1, note: 'mu-agonist plus SNRI; 0.1 in the 2017 data file.' },
  {
    ingredient: 'meperidine',
    factor: 0.1,
    source: 'cdc-2017-not-2022',
    per: 'mg/day',
    previous: 0.1,
    note: 'Not a CDC 2022 value: CDC 2017 analytic file (Von Korff 2008).',
  },
] satisfies MmeConversionFactor[]);

/**
 * Opioids left out of MME on purpose (CDC 2022): "not included in the table because of their partial
 * µ-receptor agonist activity and resultant ceiling effects". Excluded is not unknown.
 */
export const MME_EXCLUDED_INGREDIENTS: readonly string[] = Object.freeze(['buprenorphine']);
