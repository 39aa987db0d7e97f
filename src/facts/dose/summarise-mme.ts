/** Total MME/day over several orders (CDC 2022: sum the MME of every opioid the patient takes). */
import { round } from './safe.ts';
import type { MmeSummary, OpioidMme } from './types.ts';

/**
 * Flatten per-order MME into one summary. `totalKnown` adds the known values only, so it is a lower
 * bound whenever `unknownCount` > 0 (`complete` is then false).
 */
export function summariseMme(items: readonly { ref: string; display: string; mme: readonly OpioidMme[] }[]): MmeSummary {
  const perDrug: (OpioidMme & { ref: string; display: string })[] = [];
  let total = 0;
  let unknownCount = 0;
  for (const item of Array.isArray(items) ? items : []) {
    for (const m of Array.isArray(item?.mme) ? item.mme : []) {
      perDrug.push({ ...m, ref: item.ref, display: item.display });
      if (typeof m.mmePerDay === 'number' && Number.isFinite(m.mmePerDay)) total += m.mmePerDay;
      else unknownCount += 1;
    }
  }
  return { perDrug, totalKnown: round(total, 2), unknownCount, complete: unknownCount === 0 };
}
