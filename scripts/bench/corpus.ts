/**
 * The benchmark corpus: real CDS Hooks requests from fixtures/, padded to the size EHRs send.
 *
 * Every valid request fixture (order-sign, order-select and the per-rule fixtures) is taken as it is, then:
 * - its prefetch Bundles get unrelated extra resources (MedicationRequests, MedicationStatements,
 *   MedicationAdministrations and Conditions built from fixture templates with new ids) so that each
 *   request carries 30 to 80 prefetched resources;
 * - its draft orders are padded with unrelated draft MedicationRequests to 1, 2 or 3 orders;
 * - `fhirServer` and `fhirAuthorization` are removed, so the load never leaves the machine (every key
 *   is prefetched; a request that would still need the server shows up as an "incomplete" card).
 *
 * The padding must not change what a request is about: every padded medication and condition is
 * checked with the project's own classifiers (no drug class, no condition group) before it is used.
 * A seeded generator makes the corpus the same on every run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { classifyConditionCode, createClassifier } from '../../src/terminology/index.ts';

export interface CorpusEntry {
  /** Fixture it was built from, plus the variant number. */
  readonly name: string;
  readonly path: string;
  /** Minified JSON body. */
  readonly body: string;
  readonly drafts: number;
  readonly prefetched: number;
  /** Filled in by the probe: how many cards the service answered with. */
  cards?: number;
}

type Json = Record<string, unknown>;

/** Small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Medicines no rule is about (checked with the classifier below). Text only, as many EHRs send. */
const UNRELATED_MEDICATIONS = [
  'Lisinopril 10 MG Oral Tablet',
  'Lisinopril 20 MG Oral Tablet',
  'Metformin Hydrochloride 500 MG Oral Tablet',
  'Metformin Hydrochloride 1000 MG Oral Tablet',
  'Atorvastatin 20 MG Oral Tablet',
  'Atorvastatin 40 MG Oral Tablet',
  'Amlodipine 5 MG Oral Tablet',
  'Omeprazole 20 MG Delayed Release Oral Capsule',
  'Levothyroxine Sodium 0.05 MG Oral Tablet',
  'Metoprolol Succinate 25 MG Extended Release Oral Tablet',
  'Hydrochlorothiazide 25 MG Oral Tablet',
  'Losartan Potassium 50 MG Oral Tablet',
  'Simvastatin 40 MG Oral Tablet',
  'Furosemide 20 MG Oral Tablet',
  'Aspirin 81 MG Delayed Release Oral Tablet',
  'Tamsulosin Hydrochloride 0.4 MG Oral Capsule',
  'Montelukast 10 MG Oral Tablet',
  'Pantoprazole 40 MG Delayed Release Oral Tablet',
  'Cholecalciferol 1000 UNT Oral Tablet',
  'Ibuprofen 400 MG Oral Tablet',
  'Naproxen 500 MG Oral Tablet',
  'Warfarin Sodium 5 MG Oral Tablet',
  'Apixaban 5 MG Oral Tablet',
  'Insulin Glargine 100 UNT/ML Injectable Solution',
  'Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler',
  'Fluticasone Propionate 0.05 MG/ACTUAT Nasal Spray',
  'Allopurinol 100 MG Oral Tablet',
  'Ferrous Sulfate 325 MG Oral Tablet',
  'Folic Acid 1 MG Oral Tablet',
  'Amoxicillin 500 MG Oral Capsule',
  'Cefazolin 1000 MG Injectable Solution',
  'Ondansetron 4 MG Oral Tablet',
];

/** Coded lisinopril (the one non-CNS RxNorm product code the fixtures use). */
const LISINOPRIL_CODED = {
  coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '314076', display: 'Lisinopril 10 MG Oral Tablet' }],
  text: 'Lisinopril 10 MG Oral Tablet',
};

const UNRELATED_CONDITIONS: readonly Json[] = [
  { text: 'Essential hypertension' },
  { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I10', display: 'Essential (primary) hypertension' }], text: 'Hypertension' },
  { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9', display: 'Type 2 diabetes mellitus without complications' }], text: 'Type 2 diabetes mellitus' },
  { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E78.5', display: 'Hyperlipidemia, unspecified' }], text: 'Hyperlipidemia' },
  { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'K21.9', display: 'Gastro-esophageal reflux disease without esophagitis' }], text: 'GERD' },
  { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E03.9', display: 'Hypothyroidism, unspecified' }], text: 'Hypothyroidism' },
  { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M17.11', display: 'Unilateral primary osteoarthritis, right knee' }], text: 'Osteoarthritis of right knee' },
  { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E55.9', display: 'Vitamin D deficiency, unspecified' }], text: 'Vitamin D deficiency' },
  { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'N40.0', display: 'Benign prostatic hyperplasia without lower urinary tract symptoms' }], text: 'Benign prostatic hyperplasia' },
  { text: 'Chronic right knee pain' },
  { text: 'Seasonal allergic rhinitis' },
  { text: 'Iron deficiency anemia' },
  { text: 'Atrial fibrillation' },
  { text: 'Gout' },
  { text: 'Closed fracture of right ankle' },
];

const SOURCE_DIRS = ['order-sign', 'order-select'];

/** Every valid request fixture: order-sign/, order-select/ and rules/<rule-id>/. */
export function fixtureFiles(fixturesDir: string): string[] {
  const files: string[] = [];
  for (const dir of SOURCE_DIRS) {
    for (const name of readdirSync(path.join(fixturesDir, dir)).sort()) {
      if (name.endsWith('.json')) files.push(path.join(fixturesDir, dir, name));
    }
  }
  const rulesDir = path.join(fixturesDir, 'rules');
  for (const rule of readdirSync(rulesDir).sort()) {
    for (const name of readdirSync(path.join(rulesDir, rule)).sort()) {
      if (name.endsWith('.json')) files.push(path.join(rulesDir, rule, name));
    }
  }
  return files;
}

const PREFETCH_KEYS = ['patient', 'medicationRequests', 'medicationStatements', 'medicationAdministrations', 'conditions'] as const;

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Checks once that the padding is unrelated to every rule; throws when a template would change results. */
export function checkPaddingIsUnrelated(): void {
  const classifier = createClassifier();
  for (const text of UNRELATED_MEDICATIONS) {
    const c = classifier.classify({ text });
    if (c.classes.length > 0) throw new Error(`bench padding medication "${text}" is classified ${c.classes.join(',')}`);
  }
  if (classifier.classify(LISINOPRIL_CODED).classes.length > 0) throw new Error('coded lisinopril is classified');
  for (const code of UNRELATED_CONDITIONS) {
    const groups = classifyConditionCode(code as never);
    if (groups.length > 0) throw new Error(`bench padding condition ${JSON.stringify(code)} is in group ${groups.join(',')}`);
  }
}

interface Templates {
  readonly medicationRequest: Json;
  readonly medicationStatement: Json;
  readonly medicationAdministration: Json;
  readonly condition: Json;
}

/** Picks one resource of each kind from the fixtures to copy (the first found of each type). */
function findTemplates(requests: readonly Json[]): Templates {
  const found: Partial<Record<string, Json>> = {};
  for (const request of requests) {
    const prefetch = (request.prefetch ?? {}) as Record<string, unknown>;
    for (const value of Object.values(prefetch)) {
      const bundle = value as { resourceType?: string; entry?: { resource?: Json }[] } | null;
      for (const entry of bundle?.resourceType === 'Bundle' ? (bundle.entry ?? []) : []) {
        const r = entry.resource;
        const type = r?.resourceType as string | undefined;
        if (r && type && !found[type] && (type !== 'MedicationRequest' || r.medicationCodeableConcept) && (type === 'Condition' || r.medicationCodeableConcept)) {
          found[type] = r;
        }
      }
    }
  }
  const need = ['MedicationRequest', 'MedicationStatement', 'MedicationAdministration', 'Condition'];
  for (const t of need) {
    if (!found[t]) throw new Error(`no ${t} in the fixtures to use as a padding template`);
  }
  return {
    medicationRequest: found.MedicationRequest!,
    medicationStatement: found.MedicationStatement!,
    medicationAdministration: found.MedicationAdministration!,
    condition: found.Condition!,
  };
}

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)]!;
}

function isoDay(rand: () => number, fromYear: number, toYear: number): string {
  const year = fromYear + Math.floor(rand() * (toYear - fromYear + 1));
  const month = 1 + Math.floor(rand() * 12);
  const day = 1 + Math.floor(rand() * 28);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function medicationConcept(rand: () => number): Json {
  return rand() < 0.25 ? clone(LISINOPRIL_CODED) : { text: pick(rand, UNRELATED_MEDICATIONS) };
}

function paddingResource(kind: 'MedicationRequest' | 'MedicationStatement' | 'MedicationAdministration' | 'Condition', t: Templates, patientRef: string, id: string, rand: () => number): Json {
  switch (kind) {
    case 'MedicationRequest': {
      const r = clone(t.medicationRequest);
      r.id = id;
      r.subject = { reference: patientRef };
      r.medicationCodeableConcept = medicationConcept(rand);
      delete r.medicationReference;
      // Real medication lists mix current and past orders.
      const roll = rand();
      r.status = roll < 0.6 ? 'active' : roll < 0.8 ? 'completed' : 'stopped';
      r.authoredOn = isoDay(rand, 2023, 2026);
      delete r.dispenseRequest;
      return r;
    }
    case 'MedicationStatement': {
      const r = clone(t.medicationStatement);
      r.id = id;
      r.subject = { reference: patientRef };
      r.medicationCodeableConcept = medicationConcept(rand);
      delete r.medicationReference;
      r.status = rand() < 0.7 ? 'active' : 'completed';
      return r;
    }
    case 'MedicationAdministration': {
      const r = clone(t.medicationAdministration);
      r.id = id;
      r.subject = { reference: patientRef };
      r.medicationCodeableConcept = medicationConcept(rand);
      delete r.medicationReference;
      return r;
    }
    case 'Condition': {
      const r = clone(t.condition);
      r.id = id;
      r.subject = { reference: patientRef };
      r.code = clone(pick(rand, UNRELATED_CONDITIONS));
      r.recordedDate = isoDay(rand, 2015, 2026);
      return r;
    }
  }
}

function bundleOf(prefetch: Record<string, unknown>, key: string): { entry?: Json[] } | undefined {
  const value = prefetch[key] as { resourceType?: string; entry?: Json[] } | null | undefined;
  return value && value.resourceType === 'Bundle' ? value : undefined;
}

function countPrefetched(prefetch: Record<string, unknown>): number {
  let n = 0;
  for (const value of Object.values(prefetch)) {
    const v = value as { resourceType?: string; entry?: unknown[] } | null;
    if (v?.resourceType === 'Bundle') n += v.entry?.length ?? 0;
    else if (v) n += 1;
  }
  return n;
}

/**
 * Builds padded variants of every usable fixture.
 * @param fixturesDir - fixtures/.
 * @param variants - Padded copies per fixture (different sizes and draft counts).
 * @param seed - PRNG seed.
 */
export function buildCandidates(fixturesDir: string, variants = 2, seed = 20261121): CorpusEntry[] {
  checkPaddingIsUnrelated();
  const rand = prng(seed);
  const loaded = fixtureFiles(fixturesDir).map((file) => ({ file, json: JSON.parse(readFileSync(file, 'utf8')) as Json }));
  const templates = findTemplates(loaded.map((l) => l.json));
  const out: CorpusEntry[] = [];
  for (const { file, json } of loaded) {
    const prefetch = json.prefetch as Record<string, unknown> | undefined;
    const context = json.context as Json | undefined;
    // Only requests that carry every prefetch key: the load must never fall back to a FHIR server.
    if (!prefetch || !context || PREFETCH_KEYS.some((k) => !(k in prefetch))) continue;
    const hook = json.hook as string;
    const servicePath = hook === 'order-select' ? '/cds-services/cns-depressant-order-select' : '/cds-services/cns-depressant-order-sign';
    for (let v = 0; v < variants; v++) {
      const request = clone(json);
      delete request.fhirServer;
      delete request.fhirAuthorization;
      request.hookInstance = `${(json.hookInstance as string).slice(0, 24)}${String(100_000_000_000 + out.length * 7 + v).slice(-12)}`;
      const ctx = request.context as Json;
      const patientRef = `Patient/${ctx.patientId as string}`;
      const pf = request.prefetch as Record<string, unknown>;
      // Draft orders: 1 (50 %), 2 (30 %) or 3 (20 %) MedicationRequests.
      const draftBundle = ctx.draftOrders as { entry?: Json[] };
      draftBundle.entry ??= [];
      const medDrafts = () => draftBundle.entry!.filter((e) => (e.resource as Json | undefined)?.resourceType === 'MedicationRequest').length;
      // A fixture whose draft orders hold no MedicationRequest (another kind of order) is left out: every
      // request of the corpus carries 1 to 3 medication drafts.
      if (medDrafts() === 0) break;
      const roll = rand();
      const wantDrafts = roll < 0.5 ? 1 : roll < 0.8 ? 2 : 3;
      let d = 0;
      while (medDrafts() < wantDrafts && medDrafts() > 0) {
        const draft = paddingResource('MedicationRequest', templates, patientRef, `bench-draft-${v}-${d++}`, rand);
        draft.status = 'draft';
        draft.authoredOn = '2026-11-21';
        draftBundle.entry.push({ resource: draft });
      }
      // Prefetch: 30 to 80 resources in all.
      const target = 30 + Math.floor(rand() * 51);
      let n = countPrefetched(pf);
      let i = 0;
      const kinds: { key: string; kind: 'MedicationRequest' | 'MedicationStatement' | 'MedicationAdministration' | 'Condition'; weight: number }[] = [
        { key: 'medicationRequests', kind: 'MedicationRequest', weight: 0.55 },
        { key: 'medicationStatements', kind: 'MedicationStatement', weight: 0.15 },
        { key: 'medicationAdministrations', kind: 'MedicationAdministration', weight: 0.1 },
        { key: 'conditions', kind: 'Condition', weight: 0.2 },
      ];
      const usable = kinds.filter((k) => bundleOf(pf, k.key));
      if (usable.length > 0) {
        const total = usable.reduce((s, k) => s + k.weight, 0);
        while (n < target) {
          let r = rand() * total;
          const k = usable.find((u) => (r -= u.weight) <= 0) ?? usable[usable.length - 1]!;
          const bundle = bundleOf(pf, k.key)!;
          bundle.entry ??= [];
          const resource = paddingResource(k.kind, templates, patientRef, `bench-${k.kind.toLowerCase()}-${i++}`, rand);
          bundle.entry.push({ fullUrl: `urn:uuid:bench-${v}-${i}`, resource });
          (bundle as Json).total = bundle.entry.length;
          n++;
        }
      }
      // A fixture whose prefetch has no bundle to pad (every key sent as null: "could not prefetch") cannot
      // reach 30 resources and is left out, like one without a medication draft.
      if (countPrefetched(pf) < 30) break;
      out.push({
        name: `${path.relative(fixturesDir, file)}#${v}`,
        path: servicePath,
        body: JSON.stringify(request),
        drafts: medDrafts(),
        prefetched: countPrefetched(pf),
      });
    }
  }
  return out;
}

/**
 * Chooses the corpus from probed candidates: `size` requests of which about `cardShare` produce cards,
 * spread over fixtures (round-robin through the candidates in their order).
 */
export function selectCorpus(candidates: readonly CorpusEntry[], size: number, cardShare = 1 / 3): CorpusEntry[] {
  const withCards = candidates.filter((c) => (c.cards ?? 0) > 0);
  const silent = candidates.filter((c) => (c.cards ?? 0) === 0);
  const wantCards = Math.min(withCards.length, Math.round(size * cardShare));
  const wantSilent = Math.min(silent.length, size - wantCards);
  const spread = <T>(list: readonly T[], k: number): T[] => {
    const out: T[] = [];
    for (let i = 0; i < k; i++) out.push(list[Math.floor((i * list.length) / k)]!);
    return out;
  };
  const chosen = [...spread(withCards, wantCards), ...spread(silent, wantSilent)];
  // Interleave deterministically so cards are spread through the cycle.
  const rand = prng(7);
  for (let i = chosen.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [chosen[i], chosen[j]] = [chosen[j]!, chosen[i]!];
  }
  return chosen;
}
