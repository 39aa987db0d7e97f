/**
 * Builds the PatientRecord for one hook call: prefetch first, the EHR's FHIR server second,
 * 412 last (CDS Hooks 2.0 "Prefetch Template": the service checks prefetched data, fetches what is
 * missing, and answers 412 when required data cannot be obtained).
 *
 * Key states (see the requirements digest's decision table):
 * - a resource or Bundle: used (a paginated Bundle's `next` links are followed up to a cap);
 * - null: "no data", never re-queried;
 * - an OperationOutcome: an error for that key, fetched again from the server when possible;
 * - absent: fetched from `fhirServer` with the bearer token, all keys in parallel, inside one budget.
 *
 * A key whose policy has `recentOnly` (recent-only.ts) is read only until its pages, sorted newest-updated
 * first, reach past the records used; its `inProgressKey` (records still in progress, however old) is then
 * read too. When the key was read in full, its in-progress key is redundant: it is not fetched, and nothing
 * missing from it is a gap.
 */
import type { Bundle, Medication, Patient, Resource } from '@medplum/fhirtypes';
import { preconditionFailedError } from '../shared/index.ts';
import type { FhirCallOutcome } from '../shared/index.ts';
import type { CircuitBreakers } from './circuit-breaker.ts';
import { contentFingerprint } from './content-fingerprint.ts';
import { bundleReportsError, bundleResources, createFhirReader } from './fhir-reader.ts';
import type { EnoughRead, FetchLike, FhirReader, SearchResult } from './fhir-reader.ts';
import { expectedContent, keepExpected, matchesNotSent, searchResultProblem, unreadableEntries } from './key-content.ts';
import type { KeptContent } from './key-content.ts';
import { fillPrefetchTemplate } from './prefetch-template.ts';
import { indexAbsoluteReferences, indexBundleFullUrls, indexMedications, referenceKeys, unresolvedMedicationReferences } from './medication-index.ts';
import { asksNewestUpdatedFirst, restNotNeeded } from './recent-only.ts';
import type { DataGap, PatientRecord, PatientRecordRequest, PrefetchKeyPolicy } from './types.ts';

export interface LoadOptions {
  readonly budgetMs: number;
  readonly requestTimeoutMs: number;
  readonly maxPages: number;
  readonly allowedServers: readonly string[];
  /** Call only https FHIR servers (production). */
  readonly requireHttps?: boolean;
  /** Deepest JSON nesting of a FHIR server's answer; default that of request bodies (guarded-fetch.ts). */
  readonly maxJsonDepth?: number;
  readonly fetch?: FetchLike;
  readonly breakers?: CircuitBreakers;
  readonly onFhirCall?: (outcome: FhirCallOutcome, seconds: number) => void;
  /** The time of the check (for `recentOnly` keys); default now. */
  readonly now?: Date;
}

type Source = PatientRecord['sources'][string];

/**
 * Loads the patient record, or throws a 412 OperationOutcomeError when required data is unobtainable.
 * @param request - Prefetch, templates, policy and FHIR server details of this call.
 * @param options - Time budget, timeouts, page cap and allowed servers.
 * @returns The record, with a gap for every optional piece that could not be had.
 */
export async function loadPatientRecord(request: PatientRecordRequest, options: LoadOptions): Promise<PatientRecord> {
  // The budget runs from here, but its timer is made only when a FHIR call is needed: most calls are
  // answered from prefetch, and a timer per call that fires seconds later is a cost under load.
  const started = performance.now();
  let budgetSignal: AbortSignal | undefined;
  const budget = (): AbortSignal => (budgetSignal ??= AbortSignal.timeout(Math.max(1, Math.round(options.budgetMs - (performance.now() - started)))));
  const serverProblem = checkServer(request.fhirServer, request.accessToken, options);
  const reader: FhirReader | undefined =
    request.fhirServer && !serverProblem
      ? createFhirReader({
          fhirServer: request.fhirServer,
          accessToken: request.accessToken,
          requestTimeoutMs: options.requestTimeoutMs,
          maxJsonDepth: options.maxJsonDepth,
          fetch: options.fetch,
          breakers: options.breakers,
          onCall: options.onFhirCall,
        })
      : undefined;
  const gaps: DataGap[] = [];
  const sources: Record<string, Source> = {};
  const byKey = new Map<string, Resource[]>();
  const now = (options.now ?? new Date()).getTime();
  // Keys whose result was cut where the records used end (recentOnly), and the in-progress keys that wait
  // for the key they complete: each in-progress key completes one key, and has no recentOnly of its own
  // (so none waits for a key that waits).
  const cutAtWindow = new Set<string>();
  const completes = new Map<string, string>();
  const readInFull = new Map<string, { readonly promise: Promise<boolean>; readonly resolve: (full: boolean) => void }>();
  for (const [key, policy] of Object.entries(request.policy)) {
    const other = policy.recentOnly?.inProgressKey;
    if (other !== undefined && other !== key && Object.hasOwn(request.prefetchTemplates, key) && Object.hasOwn(request.prefetchTemplates, other) && !request.policy[other]?.recentOnly && !completes.has(other)) {
      completes.set(other, key);
      let resolve: (full: boolean) => void = () => undefined;
      const promise = new Promise<boolean>((r) => {
        resolve = r;
      });
      readInFull.set(key, { promise, resolve });
    }
  }
  /** All of the key's result was read: nothing of it is missing, and it was not cut at a window. */
  const wholeResult = (key: string): boolean =>
    sources[key] === 'prefetch-null' || ((sources[key] === 'prefetch' || sources[key] === 'fhir-server') && !cutAtWindow.has(key) && !gaps.some((g) => g.key === key));

  /** Loads one key, then tells its in-progress key (if any) whether it was read in full, even if loading failed. */
  const settled = (key: string, load: () => Promise<void>): Promise<void> => load().finally(() => readInFull.get(key)?.resolve(wholeResult(key)));

  await Promise.all(
    Object.entries(request.prefetchTemplates).map(([key, template]) => settled(key, async () => {
      const policy: PrefetchKeyPolicy = request.policy[key] ?? { required: false, purpose: `the "${key}" data` };
      // An in-progress key whose key was read in full holds nothing more: what came is used, nothing is
      // fetched for it, and nothing missing from it is a gap.
      const completed = completes.get(key);
      const spare = completed !== undefined && (await readInFull.get(completed)!.promise);
      const keyReader = spare ? undefined : reader;
      const gap = (reason: string, required = policy.required, detail?: string): void => {
        if (!spare) {
          gaps.push({ key, purpose: policy.purpose, reason, required, ...(detail === undefined ? {} : { detail }) });
        }
      };
      const sent = Object.hasOwn(request.prefetch, key) ? request.prefetch[key] : undefined;
      if (sent === null) {
        sources[key] = 'prefetch-null';
        return;
      }
      const expected = expectedContent(template);
      const readId = expected?.kind === 'read' ? readIdOf(template, request) : undefined;
      /** Keeps what the template asked for, about this patient; answers why the data is unusable, if it is. */
      const use = (resources: readonly Resource[], checked?: KeptContent): string | undefined => {
        const kept = checked ?? keepExpected(expected, resources, request.patientId, readId);
        if (kept.problem) {
          return kept.problem;
        }
        if (kept.otherPatient > 0) {
          gap(`the EHR sent ${kept.otherPatient === 1 ? 'a record' : `${kept.otherPatient} records`} of another patient with this patient's, which were left out`, false);
        }
        byKey.set(key, kept.resources);
        return undefined;
      };
      /** Pages not read: the check goes on with those that were, and the clinician is told (not a 412). */
      const pageGaps = (result: SearchResult): void => {
        if (result.pageFailure) {
          gap(`only the first pages could be read: ${result.pageFailure}`, false);
        } else if (result.truncated) {
          gap(`there were more than ${options.maxPages} pages; only those were checked`, false);
        }
        entryGaps(result.unreadable, result.notSent);
      };
      /**
       * Entries that are not readable resources, and matches a result says it has but did not carry: the
       * check goes on with what could be read, and the clinician is told it is incomplete (they may be the
       * benzodiazepine or the opioid); never read as "nothing found".
       */
      const entryGaps = (unreadable: number, notSent: { total: number; sent: number } | undefined): void => {
        if (unreadable > 0) {
          gap(`${unreadable === 1 ? 'an entry' : `${unreadable} entries`} of the search result could not be read as FHIR records and ${unreadable === 1 ? 'was' : 'were'} left out`, false);
        }
        if (notSent) {
          gap(`the search result said it found ${notSent.total} but carried ${notSent.sent}, with no link to the rest`, false);
        }
      };
      const searchedType = expected?.kind === 'search' ? expected.resourceType : undefined;
      const recent = policy.recentOnly;
      // Records past the window are not needed (recent-only.ts): the pages are read until they are reached.
      const enough: EnoughRead | undefined =
        recent && searchedType !== undefined && asksNewestUpdatedFirst(template) ? (page, read) => restNotNeeded(page, read, searchedType, recent.hours, now) : undefined;
      // An OperationOutcome, or a Bundle whose search reports an error, is an error for the key (CDS
      // Hooks 2.0: services check prefetched data for OperationOutcomes), never "no data".
      const failed = sent !== undefined && (sent.resourceType === 'OperationOutcome' || (sent.resourceType === 'Bundle' && bundleReportsError(sent)));
      // Data that is not what the template asked for (a Patient for the medication search, a transaction
      // response) is an error for the key too: read as "no medications" it would hide every interaction.
      const shape = sent && !failed && expected?.kind === 'search' ? searchResultProblem(sent) : undefined;
      const first = sent && !failed && !shape ? keepExpected(expected, firstPage(sent), request.patientId, readId) : undefined;
      const mismatch = shape ?? first?.problem;
      if (sent && first && !mismatch) {
        sources[key] = 'prefetch';
        const sentSearch = sent.resourceType === 'Bundle' && searchedType !== undefined ? (sent as Bundle) : undefined;
        const hasNext = sent.resourceType === 'Bundle' && Array.isArray(sent.link) && sent.link.some((l) => l !== null && typeof l === 'object' && l.relation === 'next');
        const notSent = sentSearch && searchedType !== undefined ? matchesNotSent(sentSearch, searchedType) : undefined;
        // The page sent already reaches past the records used: the rest (a next page, or matches not sent)
        // is not needed, with or without a FHIR server.
        const sentEnough = sentSearch !== undefined && enough !== undefined && (hasNext || notSent !== undefined) && enough(sentSearch, firstPage(sentSearch));
        entryGaps(sentSearch ? unreadableEntries(sentSearch, searchedType) : 0, sentEnough ? undefined : notSent);
        if (!hasNext || sentEnough) {
          use([], first);
          if (sentEnough) {
            cutAtWindow.add(key);
          }
          return;
        }
        if (!keyReader) {
          use([], first);
          gap(`the EHR sent only the first page and ${serverProblem?.words ?? 'gave this service no way to look up the rest'}`, false, `the EHR sent only the first page and ${serverProblem?.detail ?? 'gave no FHIR server to fetch the rest from'}`);
          return;
        }
        const result = await keyReader.followPages(sent, budget(), options.maxPages, searchedType, enough);
        const problem = use(result.resources);
        if (problem) {
          use([], first);
          gap(`only the first page could be used: a later page was not what was asked for (${problem})`, false);
        } else {
          pageGaps(result);
          if (result.restNotNeeded) {
            cutAtWindow.add(key);
          }
        }
        return;
      }
      const why = mismatch ? `the EHR sent something other than what was asked for (${mismatch})` : sent ? 'the EHR reported an error instead of this data' : 'the EHR did not send this data';
      if (!keyReader) {
        sources[key] = spare ? 'not-needed' : 'missing';
        gap(`${why} and ${serverProblem?.words ?? 'gave this service no way to look it up'}`, policy.required, `${why} and ${serverProblem?.detail ?? 'gave no FHIR server to fetch it from'}`);
        return;
      }
      const url = fillPrefetchTemplate(template, request);
      if (!url) {
        sources[key] = 'missing';
        gap(`${why} and did not say enough about this visit for this service to look it up`, policy.required, `${why} and the context lacks a value needed to fetch it`);
        return;
      }
      try {
        // A read answered with another resource (type or id) fails as a call (counted so in the FHIR metrics);
        // the same check as for what the EHR sent gives the reason.
        const judgeRead = (answer: Resource): string | undefined => {
          const problem = keepExpected(expected, [answer], request.patientId, readId).problem;
          return problem === undefined ? undefined : `the FHIR server's answer was not what was asked for (${problem})`;
        };
        const result: SearchResult =
          expected?.kind === 'read' ? { resources: firstPage(await keyReader.read(url, budget(), judgeRead)), truncated: false, unreadable: 0 } : await keyReader.search(url, budget(), options.maxPages, enough);
        const problem = use(result.resources);
        if (problem) {
          sources[key] = 'missing';
          gap(`${why} and the FHIR server's answer was not what was asked for (${problem})`);
          return;
        }
        sources[key] = 'fhir-server';
        pageGaps(result);
        if (result.restNotNeeded) {
          cutAtWindow.add(key);
        }
      } catch (err) {
        sources[key] = 'missing';
        gap(`${why} and ${(err as Error).message}`);
      }
    }))
  );

  const sharedIds = new Set<string>();
  const resources = groupByType([...byKey.values()].flat(), sharedIds);
  const medicationConflicts = new Set<string>();
  const medications = indexMedications([...(resources.get('Medication') ?? []), ...bundleResources(request.draftOrders)], medicationConflicts);
  for (const key of sharedIds) {
    gaps.push({ key: 'records', purpose: `the records sent as ${key}`, reason: 'different records came with this one id; each was checked, so one order may be counted twice', required: false });
  }
  for (const key of medicationConflicts) {
    gaps.push({ key: 'medication', purpose: `the medication ${key}`, reason: 'two different Medication records came with this id, so a reference to it may have been read as the other drug', required: false });
  }
  indexBundleFullUrls(medications, request.draftOrders);
  for (const value of Object.values(request.prefetch)) {
    if (value?.resourceType === 'Bundle') {
      indexBundleFullUrls(medications, value);
    }
  }
  await resolveServerMedications(request.draftOrders, resources, medications, reader, request.fhirServer, budget, gaps);

  const required = gaps.filter((g) => g.required);
  if (required.length > 0) {
    throw preconditionFailedError(
      required.map((g) => `Required data unavailable: ${g.purpose} (prefetch key "${g.key}"): ${g.detail ?? g.reason}.`).join(' ')
    );
  }
  const patient = resources.get('Patient')?.find((p) => p.id === request.patientId) as Patient | undefined;
  return { patientId: request.patientId, patient, resources, medications, gaps, sources };
}

/**
 * Why the EHR's FHIR server cannot be used for this call: in the clinician's words for the "check incomplete" card,
 * and in the integrator's (`detail`) for a 412 and its log line.
 */
interface ServerProblem {
  readonly words: string;
  readonly detail: string;
}

/** Why the EHR's FHIR server cannot be used for this call, or undefined when it can. */
function checkServer(fhirServer: string | undefined, accessToken: string | undefined, options: Pick<LoadOptions, 'allowedServers' | 'requireHttps'>): ServerProblem | undefined {
  if (!fhirServer) {
    return undefined;
  }
  if (!accessToken) {
    // CDS Hooks 2.0: the service may use fhirServer when the EHR also gives fhirAuthorization. Without
    // it, a call would go out unauthenticated to a host the client chose.
    return { words: 'did not give this service access to look it up', detail: 'gave no access token (fhirAuthorization) for its FHIR server' };
  }
  if (options.requireHttps && !fhirServer.startsWith('https://')) {
    return { words: 'its connection for looking it up is not secure, so this service did not use it', detail: 'its FHIR server is not https, and the access token is sent only over https' };
  }
  const allowed = options.allowedServers;
  if (allowed.length > 0 && !allowed.some((prefix) => serverAllowed(fhirServer, prefix))) {
    return { words: 'this service is not set up to look it up from this EHR', detail: 'its FHIR server is not on this service\'s allowlist' };
  }
  return undefined;
}

/** Same origin exactly, and the allowed path is a whole-segment prefix of the server's path. */
function serverAllowed(fhirServer: string, allowed: string): boolean {
  try {
    const server = new URL(fhirServer);
    const entry = new URL(allowed);
    if (server.origin !== entry.origin) {
      return false;
    }
    const base = entry.pathname.replace(/\/+$/, '');
    return base === '' || server.pathname === base || server.pathname.startsWith(`${base}/`);
  } catch {
    return false;
  }
}

/** A resource as a list of resources: a Bundle's entries, or the resource itself. */
function firstPage(value: Resource): Resource[] {
  return value.resourceType === 'Bundle' ? bundleResources(value) : [value];
}

/** The id a read template asks for ("Patient/{{context.patientId}}" gives the patient id), when it can be filled. */
function readIdOf(template: string, request: PatientRecordRequest): string | undefined {
  const filled = fillPrefetchTemplate(template, request);
  const id = filled?.split('/')[1];
  try {
    return id === undefined ? undefined : decodeURIComponent(id);
  } catch {
    return undefined;
  }
}

/**
 * Fingerprint of a record's content, leaving out `meta` and the narrative (`text`): two resources with one
 * type and id and one fingerprint are the same record.
 */
function recordFingerprint(resource: Resource): string {
  return contentFingerprint({ ...resource, meta: undefined, text: undefined });
}

/**
 * The resources by type, each record once: a resource that came again with the same type, id and content
 * (a page read twice, a record in two keys; `meta`, the narrative and the order of keys may differ) is kept
 * once. Different content under one id is kept each time and its key given to `sharedIds`: keeping only the
 * first dropped the second without a word (a lisinopril order sent with the id of the alprazolam order hid
 * the benzodiazepine). Every variant is kept, with no cap: dropping some could hide that benzodiazepine,
 * and each costs one fingerprint, so their number is bounded as other records' is (by the body and answer
 * size limits).
 */
function groupByType(resources: readonly Resource[], sharedIds: Set<string>): Map<string, Resource[]> {
  // The first record of each id; the fingerprints of an id's contents only once the id comes again (most
  // come once, and need none). A set per id, not a deep comparison with each earlier variant: that was
  // quadratic in the variants of one id.
  const first = new Map<string, Resource>();
  const seen = new Map<string, Set<string>>();
  const out = new Map<string, Resource[]>();
  for (const resource of resources) {
    // Only a text id makes a key (key-content.ts left out the others; this keeps an object id from throwing here).
    if (typeof resource.id === 'string' && resource.id !== '') {
      const key = `${resource.resourceType}/${resource.id}`;
      const earlier = first.get(key);
      if (earlier === undefined) {
        first.set(key, resource);
      } else {
        let prints = seen.get(key);
        if (prints === undefined) {
          prints = new Set([recordFingerprint(earlier)]);
          seen.set(key, prints);
        }
        const print = recordFingerprint(resource);
        if (prints.has(print)) {
          continue;
        }
        prints.add(print);
        sharedIds.add(key);
      }
    }
    const list = out.get(resource.resourceType) ?? [];
    list.push(resource);
    out.set(resource.resourceType, list);
  }
  return out;
}

/**
 * Most Medications read from the EHR's FHIR server for one call, and how many at once. A patient's record
 * rarely names more than a handful that were neither contained nor bundled; hundreds of parallel reads
 * would hit the EHR's rate limits (opening the circuit breaker for every other call) for one order.
 */
export const MAX_MEDICATION_READS = 20;
const MEDICATION_READ_CONCURRENCY = 4;

/** Reads referenced Medications that were neither contained nor bundled, a few at a time within the budget. */
async function resolveServerMedications(
  draftOrders: Bundle,
  resources: ReadonlyMap<string, readonly Resource[]>,
  medications: Map<string, Medication>,
  reader: FhirReader | undefined,
  fhirServer: string | undefined,
  budget: () => AbortSignal,
  gaps: DataGap[]
): Promise<void> {
  const users = [
    ...bundleResources(draftOrders),
    ...(resources.get('MedicationRequest') ?? []),
    ...(resources.get('MedicationStatement') ?? []),
    ...(resources.get('MedicationAdministration') ?? []),
    ...(resources.get('MedicationDispense') ?? []),
  ];
  const { toRead, elsewhere } = unresolvedMedicationReferences(users, medications, fhirServer);
  for (const ref of elsewhere) {
    gaps.push({ key: 'medication', purpose: `a medication on another FHIR server (${referenceKeys(ref)[1] ?? 'an absolute reference'})`, reason: 'it was neither contained nor bundled, and only the EHR\'s own FHIR server is read', required: false });
  }
  const readable: string[] = [];
  for (const ref of toRead) {
    if (!reader || !/^Medication\/[A-Za-z0-9\-.]{1,64}$/.test(ref)) {
      gaps.push({ key: 'medication', purpose: `the medication behind reference ${ref}`, reason: 'it was neither contained, nor bundled, nor fetchable from the FHIR server', required: false });
    } else {
      readable.push(ref);
    }
  }
  const skipped = readable.length - MAX_MEDICATION_READS;
  if (skipped > 0) {
    gaps.push({
      key: 'medication',
      purpose: `${skipped} more referenced medication${skipped === 1 ? '' : 's'}`,
      reason: `at most ${MAX_MEDICATION_READS} medications that were neither contained nor bundled are read from the FHIR server in one call`,
      required: false,
    });
  }
  const queue = readable.slice(0, MAX_MEDICATION_READS);
  const readOne = async (ref: string): Promise<void> => {
    const purpose = `the medication behind reference ${ref}`;
    try {
      // Anything but a Medication fails as a call (counted so in the FHIR metrics) and is a gap below.
      const resource = await reader!.read(ref, budget(), (answer) => (answer.resourceType === 'Medication' ? undefined : 'the FHIR server returned something else'));
      medications.set(ref, resource as Medication);
    } catch (err) {
      gaps.push({ key: 'medication', purpose, reason: (err as Error).message, required: false });
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(MEDICATION_READ_CONCURRENCY, queue.length) }, async () => {
      for (let ref = queue.shift(); ref !== undefined; ref = queue.shift()) {
        await readOne(ref);
      }
    })
  );
  indexAbsoluteReferences(users, medications, fhirServer);
}
