/**
 * Public surface of the daily-dose calculations: opioid MME per CDC 2022 and benzodiazepine
 * diazepam-equivalents (Ashton). Other modules import only from here.
 */
export { benzodiazepineDose } from './benzodiazepine-dose.ts';
export { dosesPerDay } from './doses-per-day.ts';
export { opioidMme, runningAdministrationMme } from './opioid-mme.ts';
export { ingredientStrength, readProduct } from './strength.ts';
export type { Product } from './strength.ts';
export { strengthsFromName } from './strength-from-name.ts';
export type { Strength, StrengthBasis, StrengthResult } from './strength-types.ts';
export { summariseMme } from './summarise-mme.ts';
export type { BenzoDose, DrugDose, MmeSummary, OpioidMme } from './types.ts';
