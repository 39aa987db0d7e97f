/**
 * Source: Ashton Manual equivalents as tabulated in the ASAM 2025 Joint Clinical Practice Guideline on
 * Benzodiazepine Tapering, Table 7 (as shown on guidelinecentral.com), with the VA/DoD SUD CPG 2021
 * column of the same table for comparison; transcribed in shared/research/clinical-evidence.md
 * section 6 [V]. Zolpidem and zopiclone Ashton values are from the same table.
 *
 * Each value is the oral dose (mg) approximately equivalent to diazepam 10 mg. Where Ashton gives a range
 * (estazolam 1-2, flurazepam 15-30) the LOWER mg value is used: it gives the higher diazepam-equivalent,
 * the safe side for a threshold. Equivalents are for thresholds only, never to recommend a dose.
 *
 * Not listed, so unknown: midazolam (no Ashton value; WHO gives 2.5 mg ≈ diazepam 5 mg, another source),
 * zaleplon and eszopiclone (Ashton values unverified [U] in the evidence file), clobazam, remimazolam and
 * non-US benzodiazepines (not in the table).
 */
export interface BenzodiazepineEquivalent {
  /** Canonical lower-case ingredient name (as the terminology classifier returns it). */
  readonly ingredient: string;
  /** Ashton: mg equivalent to diazepam 10 mg (the column used). */
  readonly ashtonMg: number;
  /** The Ashton value as printed, when it is a range. */
  readonly ashtonPrinted?: string;
  /** VA/DoD SUD CPG 2021: mg equivalent to diazepam 10 mg (reference only, not used). */
  readonly vaDodMg?: number;
}

export const BENZODIAZEPINE_EQUIVALENTS: readonly BenzodiazepineEquivalent[] = Object.freeze([
  { ingredient: 'alprazolam', ashtonMg: 0.5, vaDodMg: 1 },
  { ingredient: 'chlordiazepoxide', ashtonMg: 25, vaDodMg: 25 },
  { ingredient: 'clonazepam', ashtonMg: 0.5, vaDodMg: 1 },
  { ingredient: 'clorazepate', ashtonMg: 15, vaDodMg: 15 },
  { ingredient: 'diazepam', ashtonMg: 10, vaDodMg: 10 },
  { ingredient: 'estazolam', ashtonMg: 1, ashtonPrinted: '1-2', vaDodMg: 1 },
  { ingredient: 'flurazepam', ashtonMg: 15, ashtonPrinted: '15-30', vaDodMg: 15 },
  { ingredient: 'lorazepam', ashtonMg: 1, vaDodMg: 2 },
  { ingredient: 'oxazepam', ashtonMg: 20, vaDodMg: 30 },
  { ingredient: 'quazepam', ashtonMg: 20, vaDodMg: 10 },
  { ingredient: 'temazepam', ashtonMg: 20, vaDodMg: 15 },
  { ingredient: 'triazolam', ashtonMg: 0.5, vaDodMg: 0.25 },
  { ingredient: 'zolpidem', ashtonMg: 20 },
  { ingredient: 'zopiclone', ashtonMg: 15 },
] satisfies BenzodiazepineEquivalent[]);

/** Diazepam reference dose the equivalents are expressed against. */
export const DIAZEPAM_REFERENCE_MG = 10;
