/**
 * Turns MedicationRequest / MedicationStatement / MedicationAdministration resources into
 * classified MedicationFacts, and decides which of them count as "active" at the time of the request.
 */
import type { MedicationAdministration, MedicationRequest, MedicationStatement, Resource } from '@medplum/fhirtypes';
import { resolveMedication } from '../patient/index.ts';
import type { PatientRecord } from '../patient/index.ts';
import type { Classifier, DrugClass } from '../terminology/index.ts';
import { sanitizeConcept, sanitizeMedication } from './sanitize.ts';
import type { MedicationFact, MedicationSourceKind } from './types.ts';

/** How long after an administration we still count the drug as on board. */
const ADMINISTRATION_LOOKBACK_MS = 24 * 60 * 60 * 1000;

const INACTIVE_INTENTS = new Set(['proposal', 'plan']);

/**
 * Classifies one medication-bearing resource.
 * @param resource - The resource.
 * @param kind - Where it came from.
 * @param record - For resolving medicationReference.
 * @param classifier - The terminology classifier of the current rule set.
 * @param fallbackRef - Reference to use when the resource has no id.
 * @returns The fact.
 */
export function toMedicationFact(
  resource: MedicationRequest | MedicationStatement | MedicationAdministration,
  kind: MedicationSourceKind,
  record: Pick<PatientRecord, 'medications'>,
  classifier: Classifier,
  fallbackRef: string
): MedicationFact {
  const medication = sanitizeMedication(resolveMedication(resource, record.medications));
  const concept = sanitizeConcept(resource.medicationCodeableConcept);
  const classification = classifier.classify(concept, medication);
  let classes: DrugClass[] = [...classification.classes];
  if (classification.isMethadone && classification.methadoneOudForm) {
    // Methadone in a form used only for opioid use disorder is OUD treatment, not a pain opioid.
    classes = classes.filter((c) => c !== 'opioid-analgesic');
    if (!classes.includes('oud-treatment')) {
      classes.push('oud-treatment');
    }
  }
  const id = typeof resource.id === 'string' && resource.id.length > 0 ? resource.id : undefined;
  return {
    ref: id ? `${resource.resourceType}/${id}` : fallbackRef,
    id,
    kind,
    display: classification.display ?? concept?.text ?? 'unnamed medication',
    classes: classes.sort(),
    date: dateOf(resource),
    status: typeof resource.status === 'string' ? resource.status : undefined,
  };
}

/** True when the resource shows the drug in use at `now`. */
export function isActiveAt(resource: Resource, now: Date): boolean {
  switch (resource.resourceType) {
    case 'MedicationRequest':
      return (
        resource.status === 'active' &&
        !INACTIVE_INTENTS.has(resource.intent) &&
        !endedBefore(resource.dispenseRequest?.validityPeriod?.end, now)
      );
    case 'MedicationStatement':
      return resource.status === 'active' && !endedBefore(resource.effectivePeriod?.end, now);
    case 'MedicationAdministration': {
      if (resource.status !== 'completed' && resource.status !== 'in-progress') {
        return false;
      }
      const when = Date.parse(resource.effectiveDateTime ?? resource.effectivePeriod?.end ?? resource.effectivePeriod?.start ?? '');
      return Number.isFinite(when) && when <= now.getTime() && now.getTime() - when <= ADMINISTRATION_LOOKBACK_MS;
    }
    default:
      return false;
  }
}

function endedBefore(end: string | undefined, now: Date): boolean {
  if (typeof end !== 'string') {
    return false;
  }
  const t = Date.parse(end);
  return Number.isFinite(t) && t < now.getTime();
}

function dateOf(resource: MedicationRequest | MedicationStatement | MedicationAdministration): string | undefined {
  const value =
    resource.resourceType === 'MedicationRequest'
      ? resource.authoredOn
      : resource.resourceType === 'MedicationStatement'
        ? (resource.effectiveDateTime ?? resource.effectivePeriod?.start ?? resource.dateAsserted)
        : (resource.effectiveDateTime ?? resource.effectivePeriod?.start);
  return typeof value === 'string' ? value : undefined;
}
