/**
 * The medication classifier: gathers every code, display and text of a medication (the order's
 * CodeableConcept, and a Medication's code and ingredients), then applies the product rules.
 * Everything that can be compiled (code maps, name dictionary, local value sets) is compiled once
 * in `createClassifier`; results are memoised per distinct input.
 */
import { createHash } from 'node:crypto';
import type { CodeableConcept, Coding, Medication, ValueSet } from '@medplum/fhirtypes';
import { BoundedCache, MAX_CACHED_KEY_LENGTH } from './bounded-cache.ts';
import { createCodeMaps } from './code-maps.ts';
import { DRUG_CLASSES, type DrugClass } from './drug-class.ts';
import { codeKey, compileLocalValueSets } from './local-value-sets.ts';
import { createNameMatcher } from './name-patterns.ts';
import { classifyProduct, detectForms } from './product-rules.ts';
import { normaliseText } from './text-normalise.ts';
import { createUnreadNameFinder, type UnreadName } from './unread-names.ts';

export type MatchSource = 'code' | 'text' | 'local-value-set';

export interface DrugClassification {
  /** Sorted, unique. */
  readonly classes: readonly DrugClass[];
  /** Canonical lower-case ingredient names recognised (sorted), e.g. ['acetaminophen', 'oxycodone']. */
  readonly ingredients: readonly string[];
  readonly matchedBy: readonly MatchSource[];
  readonly isMethadone: boolean;
  /** Methadone form used only for OUD (dispersible tablets, Diskets, oral concentrate). */
  readonly methadoneOudForm: boolean;
  /** First coding display, else text, else the Medication's code display/text. */
  readonly display?: string;
  /**
   * Present (true) when a coding's code matched no RxNorm ingredient, ATC code or local value set: the medication
   * holds something this service cannot read by code (a product code, an NDC, an ingredient code not listed). A
   * medication sent as codes only whose one recognised code is a partner such as acetaminophen may hold an
   * unrecognised CNS drug (src/facts/derive-facts.ts factGaps reports it).
   */
  readonly unreadCode?: true;
  /**
   * Present when a word of the names is probably a CNS drug this service could not read: a misspelling, a truncated
   * pharmacy-label name or an abbreviated part of a combination (unread-names.ts). The facts layer reports it as
   * "check incomplete".
   */
  readonly unreadName?: UnreadName;
}

export interface Classifier {
  classify(concept: CodeableConcept | undefined, medication?: Medication): DrugClassification;
}

export interface ClassifierOptions {
  readonly localValueSets?: readonly ValueSet[];
  /** Memoisation bound (distinct inputs kept). Default 10,000. */
  readonly cacheSize?: number;
}

const MATCH_ORDER: readonly MatchSource[] = ['code', 'text', 'local-value-set'];
const CLASS_ORDER: ReadonlyMap<DrugClass, number> = new Map(DRUG_CLASSES.map((c, i) => [c, i]));

/** The concepts that describe one medication, in display-preference order. */
function conceptsOf(concept: CodeableConcept | undefined, medication: Medication | undefined): CodeableConcept[] {
  const concepts: CodeableConcept[] = [];
  if (concept !== undefined) concepts.push(concept);
  if (medication?.code !== undefined) concepts.push(medication.code);
  for (const ingredient of medication?.ingredient ?? []) {
    if (ingredient.itemCodeableConcept !== undefined) concepts.push(ingredient.itemCodeableConcept);
  }
  // The dose form, when the Medication gives it apart from its name ("Transdermal patch"): it decides what a
  // buprenorphine product is for (product-rules.ts); its words name no drug.
  if (medication?.form !== undefined) concepts.push(medication.form);
  return concepts;
}

/**
 * How much of one medication is read. The EHR chooses every field, and one bundled Medication may be named by
 * thousands of orders in one request (each classified on its own): without a bound, a 100 KB name referenced
 * 1,000 times cost 27 s of CPU per request. Real names are far shorter (the longest display in the published
 * value sets is about 250 characters), and a product has a handful of ingredients.
 */
/** Characters read of each display or text (as the condition classifier reads each text field). */
export const MAX_MEDICATION_TEXT_LENGTH = 1000;
/** Characters read of all displays and texts of one medication together. */
export const MAX_MEDICATION_TEXT_TOTAL = 8000;
/** Codings read of one medication, over all its concepts; concepts read (order, code, ingredients, form). */
export const MAX_MEDICATION_CODINGS = 64;
export const MAX_MEDICATION_CONCEPTS = 64;
/** A system or code longer than this is not one we could know (RxCUIs, ATC and local codes are short). */
export const MAX_CODE_LENGTH = 256;

const shortCode = (value: string | undefined): string | undefined =>
  value !== undefined && value.length <= MAX_CODE_LENGTH ? value : undefined;

/**
 * The concepts cut to what is read (see the bounds above), so that one classification, cached or not, costs
 * at most a fixed amount whatever the size of the medication.
 */
function bounded(concepts: readonly CodeableConcept[]): CodeableConcept[] {
  let textLeft = MAX_MEDICATION_TEXT_TOTAL;
  let codingsLeft = MAX_MEDICATION_CODINGS;
  const clip = (value: string | undefined): string | undefined => {
    if (value === undefined || textLeft <= 0) return undefined;
    const clipped = value.slice(0, Math.min(MAX_MEDICATION_TEXT_LENGTH, textLeft));
    textLeft -= clipped.length;
    return clipped;
  };
  const out: CodeableConcept[] = [];
  for (const cc of concepts.slice(0, MAX_MEDICATION_CONCEPTS)) {
    const coding: Coding[] = [];
    for (const c of cc.coding ?? []) {
      if (codingsLeft <= 0) break;
      codingsLeft--;
      const system = shortCode(c.system);
      const code = shortCode(c.code);
      const display = clip(c.display);
      coding.push({
        ...(system === undefined ? {} : { system }),
        ...(code === undefined ? {} : { code }),
        ...(display === undefined ? {} : { display }),
      });
    }
    const text = clip(cc.text);
    out.push({ ...(coding.length > 0 ? { coding } : {}), ...(text === undefined ? {} : { text }) });
  }
  return out;
}

/** Cache key covering exactly the fields the classifier reads. */
function cacheKey(concepts: readonly CodeableConcept[]): string {
  let key = '';
  for (const cc of concepts) {
    for (const coding of cc.coding ?? []) key += `${coding.system ?? ''}\u0001${coding.code ?? ''}\u0001${coding.display ?? ''}\u0002`;
    key += `${cc.text ?? ''}\u0003`;
  }
  return key;
}

function pickDisplay(concept: CodeableConcept | undefined, medication: Medication | undefined): string | undefined {
  const candidates = [
    concept?.coding?.find((c) => nonEmpty(c.display))?.display,
    concept?.text,
    medication?.code?.coding?.find((c) => nonEmpty(c.display))?.display,
    medication?.code?.text,
  ];
  return candidates.find(nonEmpty)?.slice(0, MAX_MEDICATION_TEXT_LENGTH);
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value.trim().length > 0;
}

/** Create a classifier; compiles names, codes and admin value sets once (throws on an invalid value set). */
export function createClassifier(options: ClassifierOptions = {}): Classifier {
  const codes = createCodeMaps();
  const names = createNameMatcher();
  const unreadNames = createUnreadNameFinder((word) => names.isName(word));
  const local = compileLocalValueSets(options.localValueSets ?? []);
  const cache = new BoundedCache<DrugClassification>(options.cacheSize ?? 10_000);

  const compute = (concepts: readonly CodeableConcept[], display: string | undefined): DrugClassification => {
    const codeIngredients = new Set<string>();
    const directClasses = new Set<DrugClass>();
    const localClasses = new Set<DrugClass>();
    const infoIngredients = new Set<string>();
    let codeMatched = false;
    let unreadCode = false;
    let atcMethadone = false;
    const texts: string[] = [];

    for (const cc of concepts) {
      for (const coding of cc.coding ?? []) {
        const ingredient = codes.rxnormIngredient(coding.system, coding.code);
        if (ingredient !== undefined) {
          codeIngredients.add(ingredient);
          codeMatched = true;
        }
        const atc = codes.atc(coding.system, coding.code);
        if (atc !== undefined) {
          codeMatched = true;
          for (const c of atc.classes) directClasses.add(c);
          // ATC ingredients are informative only: the ATC group, not the product rules, decides
          // the class (R05DA04 codeine is a cough suppressant even without a partner).
          for (const i of atc.ingredients) infoIngredients.add(i);
          if (atc.methadone) atcMethadone = true;
        }
        let localHit = false;
        if (coding.system !== undefined && coding.code !== undefined) {
          for (const c of local.get(codeKey(coding.system, coding.code.trim())) ?? []) {
            localClasses.add(c);
            localHit = true;
          }
        }
        if (coding.code !== undefined && coding.code.trim() !== '' && ingredient === undefined && atc === undefined && !localHit) unreadCode = true;
        if (nonEmpty(coding.display)) texts.push(coding.display);
      }
      if (nonEmpty(cc.text)) texts.push(cc.text);
    }

    const normalised = normaliseText(texts.join(' ; '));
    const fromText = names.match(normalised);
    const ingredients = new Set<string>([...codeIngredients, ...fromText.ingredients]);
    const product = classifyProduct({
      ingredients,
      hints: fromText.hints,
      forms: detectForms(normalised),
    });

    const classes = new Set<DrugClass>([...product.classes, ...directClasses, ...localClasses]);
    const unreadName = unreadNames.find(normalised, fromText.unmatched, new Set([...ingredients, ...infoIngredients]));
    const matched = new Set<MatchSource>();
    if (codeMatched) matched.add('code');
    if (fromText.ingredients.size > 0) matched.add('text');
    if (localClasses.size > 0) matched.add('local-value-set');

    const result: DrugClassification = {
      classes: Object.freeze([...classes].sort((a, b) => (CLASS_ORDER.get(a) ?? 0) - (CLASS_ORDER.get(b) ?? 0))),
      ingredients: Object.freeze([...new Set([...ingredients, ...infoIngredients])].sort()),
      matchedBy: Object.freeze(MATCH_ORDER.filter((m) => matched.has(m))),
      isMethadone: product.isMethadone || atcMethadone,
      methadoneOudForm: product.methadoneOudForm,
      ...(display === undefined ? {} : { display }),
      ...(unreadCode ? { unreadCode: true as const } : {}),
      ...(unreadName === undefined ? {} : { unreadName: Object.freeze({ word: unreadName.word, mayBe: Object.freeze([...unreadName.mayBe]) }) }),
    };
    return Object.freeze(result);
  };

  return {
    classify(concept, medication) {
      const concepts = bounded(conceptsOf(concept, medication));
      const display = pickDisplay(concept, medication);
      const full = `${cacheKey(concepts)}\u0004${display ?? ''}`;
      // A key too long to keep is kept as its SHA-256 digest (collision-resistant, so one EHR's text cannot be
      // made to stand for another medication): the same long name named by many orders is classified once.
      const key = full.length <= MAX_CACHED_KEY_LENGTH ? full : `\u0005${createHash('sha256').update(full).digest('base64')}`;
      const cached = cache.get(key);
      if (cached !== undefined) return cached;
      const result = compute(concepts, display);
      cache.set(key, result);
      return result;
    },
  };
}
