/**
 * Dosage instructions read at their fewest: the low end of a dose range ("1-2 tablets" is 1), `frequency`
 * rather than `frequencyMax` ("2-3 times a day" is 2) and the longer of `period`/`periodMax` ("every 6-8
 * hours" is every 8). The dose calculators read the other end (the most the patient may take, for a safety
 * threshold); this reading is for how long a supply may last, which is longest at the fewest doses a day.
 * Never throws: anything it cannot read is passed on unchanged, and the calculators read it as before.
 */
import type { Dosage } from '@medplum/fhirtypes';
import { arr, obj, positive } from './safe.ts';

/** The instructions as FHIR Dosage for the calculators, which read every field defensively (as they read the EHR's). */
export function atFewest(dosage: unknown): Dosage[] {
  return arr(dosage).map((d): Dosage => {
    const entry = obj(d);
    if (entry === undefined) return d as Dosage;
    const fewest: Record<string, unknown> = { ...entry };
    if (Array.isArray(entry.doseAndRate)) fewest.doseAndRate = entry.doseAndRate.map(lowDose);
    const timing = obj(entry.timing);
    const repeat = obj(timing?.repeat);
    if (timing !== undefined && repeat !== undefined) fewest.timing = { ...timing, repeat: leastOften(repeat) };
    return fewest as Dosage;
  });
}

/** A doseAndRate item with a dose range and no dose quantity, as its low end (in the high end's unit when the low end has none). */
function lowDose(item: unknown): unknown {
  const o = obj(item);
  const range = obj(o?.doseRange);
  if (o === undefined || range === undefined || o.doseQuantity !== undefined) return item;
  const low = obj(range.low);
  if (low === undefined || positive(low.value) === undefined) return item;
  const high = obj(range.high);
  const unitOfHigh = low.unit === undefined && low.code === undefined && high !== undefined ? { unit: high.unit, system: high.system, code: high.code } : {};
  const { doseRange: _range, ...rest } = o;
  return { ...rest, doseQuantity: { ...unitOfHigh, ...low } };
}

function leastOften(repeat: Record<string, unknown>): Record<string, unknown> {
  const { frequencyMax: _frequencyMax, periodMax: _periodMax, ...rest } = repeat;
  const period = positive(repeat.period);
  const periodMax = positive(repeat.periodMax);
  // frequency defaults to 1 (FHIR) when only frequencyMax is given: "up to 3 times a day" is once at the fewest.
  return periodMax !== undefined && (period === undefined || periodMax > period) ? { ...rest, period: periodMax } : rest;
}
