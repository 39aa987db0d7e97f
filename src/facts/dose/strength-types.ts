/** Amount of one ingredient per unit of product. */
export type StrengthBasis = 'unit' | 'actuation' | 'mL' | 'h';

/** `mg` of the ingredient per `perAmount` `per` (e.g. 5 mg per 1 unit, 2.5 mg per 5 mL, 0.025 mg per 1 h). */
export interface Strength {
  readonly mg: number;
  readonly perAmount: number;
  readonly per: StrengthBasis;
  readonly source: 'medication' | 'name';
}

export type StrengthResult = { readonly strength: Strength } | { readonly strength: undefined; readonly reason: string };
