/**
 * When the rest of a search result is not needed: a key whose policy has `recentOnly` (the medication
 * administrations) uses only records of the last `hours`, plus those still in progress however old (a running
 * infusion or PCA: src/facts/medication-facts.ts `isActiveAt`). Its template asks for the newest-updated first
 * (`_sort=-_lastUpdated`), 50 a page. A patient with a long stay has many pages; reading them all (or calling
 * the list incomplete when they cannot be read) gave a "check incomplete" card on nearly every inpatient order.
 *
 * The rest of the result is not needed once the pages read so far:
 * - come from a search whose `self` link says the sort asked for was applied (FHIR R4 search: the server
 *   returns the parameters it actually used; a server that ignores `_sort` leaves it out);
 * - give every record of the searched type a `meta.lastUpdated` instant, in newest-first order across all
 *   pages read (an answer not sorted as asked is never taken for the whole list);
 * - end with a record last updated more than `hours` plus `CLOCK_MARGIN_MS` ago.
 * Every later record then changed last before that, and a record is written at or after the moments it
 * records as past: an administration not in progress (completed, stopped, paused) whose record last changed
 * before the window was last given before it too, and is not used. Records still in progress are searched by
 * the key `inProgressKey`, which the loader then reads (a running infusion on a later page is never silently
 * missed). A key without one (the dispenses) holds records used only from a moment at or before their last change
 * (a fill's handover or preparation: src/facts/dispense-facts.ts), so none still in use is past the window.
 *
 * Sorting on the administration's own time (`effective-time`) would not do: for an `effectivePeriod` the
 * server may sort on its start (FHIR R5 search: servers have discretion for complex elements), and an
 * infusion that ran for days and ended an hour ago would sit behind the window's records.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';

/** The sort a `recentOnly` key's template must ask for, and its result's `self` link must show. */
export const NEWEST_UPDATED_FIRST = '-_lastUpdated';

/**
 * How much older than the window the last record read must be: allows for the clocks of the EHR's systems
 * and this service differing (a record stamped a little before the moment it records).
 */
export const CLOCK_MARGIN_MS = 60 * 60 * 1000;

/** A FHIR instant: a time to the second at least, with a zone. A date alone is no instant (it is a whole day). */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** True when a template asks for the newest-updated first (its first sort key is `-_lastUpdated`). */
export function asksNewestUpdatedFirst(template: string): boolean {
  const query = template.split('?')[1];
  return query !== undefined && firstSortKey(new URLSearchParams(query)) === NEWEST_UPDATED_FIRST;
}

/**
 * True when the records read so far show that the rest of the result holds nothing used (see above).
 * @param first - The first page of the result (its `self` link says which sort the server applied).
 * @param resources - The resources of the pages read so far, in their order.
 * @param searchedType - The type searched for (included resources, such as Medications, are not sorted).
 * @param hours - The window: records whose last change is older are not used (unless in progress).
 * @param now - The time of the check, ms.
 */
export function restNotNeeded(first: Bundle, resources: readonly Resource[], searchedType: string, hours: number, now: number): boolean {
  if (!sortApplied(first)) {
    return false;
  }
  let previous = Number.POSITIVE_INFINITY;
  let matches = 0;
  for (const resource of resources) {
    if (resource.resourceType !== searchedType) {
      continue;
    }
    const updated = lastUpdatedOf(resource);
    if (!(updated <= previous)) {
      // No time (NaN), or newer than the one before: not sorted as asked, so nothing is known of the rest.
      return false;
    }
    previous = updated;
    matches += 1;
  }
  return matches > 0 && previous < now - hours * 60 * 60 * 1000 - CLOCK_MARGIN_MS;
}

/** True when the result's `self` link shows the server sorted it newest-updated first. */
function sortApplied(first: Bundle): boolean {
  const links: unknown = first.link;
  const self = Array.isArray(links) ? links.find((l) => l !== null && typeof l === 'object' && l.relation === 'self')?.url : undefined;
  if (typeof self !== 'string') {
    return false;
  }
  try {
    return firstSortKey(new URL(self, 'http://self.invalid/').searchParams) === NEWEST_UPDATED_FIRST;
  } catch {
    return false;
  }
}

/** The first sort key of a search's parameters, `-` for descending (`_sort=-x`, or DSTU2's `_sort:desc=x`). */
function firstSortKey(params: URLSearchParams): string | undefined {
  const sort = params.get('_sort');
  if (sort !== null) {
    return sort.split(',')[0]?.trim();
  }
  const desc = params.get('_sort:desc');
  return desc === null ? undefined : `-${desc.split(',')[0]?.trim()}`;
}

/** A resource's `meta.lastUpdated` in ms, NaN when absent or not an instant. */
function lastUpdatedOf(resource: Resource): number {
  const meta: unknown = resource.meta;
  const value = meta !== null && typeof meta === 'object' ? (meta as { lastUpdated?: unknown }).lastUpdated : undefined;
  return typeof value === 'string' && INSTANT.test(value) ? Date.parse(value) : Number.NaN;
}
