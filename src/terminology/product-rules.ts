/**
 * Turns the ingredients of ONE product (plus brand hints and dose-form words) into drug classes.
 * The class of an opioid depends on the product, not only on the molecule:
 * - codeine/hydrocodone/dihydrocodeine with a cough-and-cold partner, or in a cough product, is an
 *   opioid antitussive (FDA 2016: avoid opioid cough medicines with CNS depressants); with
 *   acetaminophen or alone it is an analgesic;
 * - buprenorphine is OUD treatment (sublingual, buprenorphine/naloxone, implant, extended-release
 *   injection) or an analgesic (patch, buccal film without naloxone, 0.3 mg/mL injection);
 * - naloxone is a rescue product only when no opioid agonist is in the same product
 *   (buprenorphine/naloxone is OUD treatment, pentazocine/naloxone an analgesic).
 */
import type { BrandHint } from './data/brand-names.ts';
import { INGREDIENT_NAMES, type IngredientRole } from './data/ingredient-names.ts';
import type { DrugClass } from './drug-class.ts';

/** Dose-form words found in the product text. */
export interface FormHints {
  readonly cough: boolean;
  readonly sublingual: boolean;
  readonly buccal: boolean;
  readonly transdermal: boolean;
  readonly topical: boolean;
  readonly implant: boolean;
  readonly extendedReleaseInjection: boolean;
  readonly injection: boolean;
  readonly methadoneDispersible: boolean;
  readonly concentrate: boolean;
  /** Hikma's Intensol line ("Methadone Hydrochloride Intensol"), labelled for pain as well as for OUD. */
  readonly intensol: boolean;
  readonly tenMgPerMl: boolean;
}

const NO_FORM: FormHints = Object.freeze({
  cough: false,
  sublingual: false,
  buccal: false,
  transdermal: false,
  topical: false,
  implant: false,
  extendedReleaseInjection: false,
  injection: false,
  methadoneDispersible: false,
  concentrate: false,
  intensol: false,
  tenMgPerMl: false,
});

// Compiled once at module load; `normalised` text is lower-case (see text-normalise.ts). Each runs in time
// linear in the text: the EHR chooses it, and `\w+tussin\b` (a word ending in "tussin") took quadratic time
// on a long word (48,000 letters: 1.4 s per name); `\Btussin\b` says the same without backtracking.
const COUGH = /\bcough|\bantitussive|\btuss|\Btussin\b/;
const SUBLINGUAL = /\bsub-?lingual|\bsl\b/;
// "bucc" is how order entry truncates "buccal" ("buprenorphine 150 mcg bucc film"); it has no other meaning.
const BUCCAL = /\bbucc(?:al)?\b/;
// EHR order names abbreviate: "TD" (transdermal), "PTWK"/"PT72" (patch weekly / every 72 hours), and a rate
// per hour ("10 MCG/HR", RxNorm's "0.01 MG/HR ... Transdermal System") is how patches are dosed.
const TRANSDERMAL = /\btransdermal|\bpatch(?:es)?\b|\btd\b|\bpt(?:wk|72|24)\b|\b(?:mcg|mg|ug) ?\/ ?(?:hr?|hour)\b/;
const TOPICAL = /\btopical\b/;
const IMPLANT = /\bimplant/;
// Long-acting buprenorphine for opioid use disorder (Sublocade, Brixadi/Buvidal) is injected under the skin
// from a prefilled syringe as an extended- or prolonged-release solution ("INJECTION, SOLUTION, EXTENDED
// RELEASE", "prolonged-release solution for injection"); the pain injection (Buprenex) is a plain solution
// given into a muscle or vein. Words tested apart (each pattern linear), then combined in detectForms.
// Orders shorten "extended-release" to ER or XR (the FDA proprietary-name modifiers, as in Hysingla ER, Nucynta
// ER, Xtampza ER), "ext-rel" or "ext. release", and name the dosing interval instead: the Brixadi label is
// "extended-release injection for subcutaneous use (weekly and monthly)", Sublocade's "monthly". A plain
// Buprenex injection is never ER nor weekly/monthly, so with an injection word each of these means the MOUD depot.
const ER_INJECTION = /\bpre-?filled syringe|\bdepot\b|\bsub-?cutaneous|\bsubq\b|\bsc inj/;
const ER_WORDS = /\b(?:extended|prolonged|modified)[- ]release\b|\b(?:er|xr)\b|\bext\.? ?-? ?rel(?:ease)?\b|\b(?:weekly|monthly)\b/;
const INJECTION = /\binject(?:ion|able)|\binj\b|\bcartridge\b|\bampoule?\b|\bvial\b/;
const DISPERSIBLE = /\bdispersible\b|\btablets? for (?:oral )?suspension\b/;
const CONCENTRATE = /\bconcentrate\b/;
const INTENSOL = /\bintensol\b/;
const TEN_MG_PER_ML = /(?:^|[^0-9.])10 ?mg ?\/ ?ml\b/;

/** Detect the dose-form words that change a product's class. */
export function detectForms(normalised: string): FormHints {
  if (normalised.length === 0) return NO_FORM;
  return {
    cough: COUGH.test(normalised),
    sublingual: SUBLINGUAL.test(normalised),
    buccal: BUCCAL.test(normalised),
    transdermal: TRANSDERMAL.test(normalised),
    topical: TOPICAL.test(normalised),
    implant: IMPLANT.test(normalised),
    extendedReleaseInjection: ER_INJECTION.test(normalised) || (ER_WORDS.test(normalised) && INJECTION.test(normalised)),
    injection: INJECTION.test(normalised),
    methadoneDispersible: DISPERSIBLE.test(normalised),
    concentrate: CONCENTRATE.test(normalised),
    intensol: INTENSOL.test(normalised),
    tenMgPerMl: TEN_MG_PER_ML.test(normalised),
  };
}

export interface ProductEvidence {
  readonly ingredients: ReadonlySet<string>;
  readonly hints: ReadonlySet<BrandHint>;
  readonly forms: FormHints;
}

export interface ProductClasses {
  readonly classes: Set<DrugClass>;
  readonly isMethadone: boolean;
  readonly methadoneOudForm: boolean;
}

const ROLE_BY_NAME: ReadonlyMap<string, IngredientRole> = new Map(
  INGREDIENT_NAMES.map((ingredient) => [ingredient.name, ingredient.role]),
);

const DIRECT_ROLE_CLASS: Partial<Record<IngredientRole, DrugClass>> = {
  benzodiazepine: 'benzodiazepine',
  'z-drug': 'z-drug',
  barbiturate: 'barbiturate',
  gabapentinoid: 'gabapentinoid',
  'muscle-relaxant': 'muscle-relaxant',
  ketamine: 'ketamine',
  'oud-opioid': 'oud-treatment',
};

/** Opioids that are marketed in cough-and-cold products. */
const ANTITUSSIVE_OPIOIDS: ReadonlySet<string> = new Set(['codeine', 'hydrocodone', 'dihydrocodeine']);
/** Opioids used only as cough suppressants (ATC R05DA). */
const COUGH_ONLY_OPIOIDS: ReadonlySet<string> = new Set(['pholcodine', 'ethylmorphine', 'normethadone', 'thebacon']);

/** Role of a canonical ingredient name (undefined for names not in the catalogue). */
export function roleOf(ingredient: string): IngredientRole | undefined {
  return ROLE_BY_NAME.get(ingredient);
}

/** Apply the product rules to one product's evidence. */
export function classifyProduct(evidence: ProductEvidence): ProductClasses {
  const classes = new Set<DrugClass>();
  const { ingredients, hints, forms } = evidence;
  let hasAgonist = false;
  let hasCoughPartner = false;
  for (const ingredient of ingredients) {
    const role = ROLE_BY_NAME.get(ingredient);
    if (role === 'opioid' || role === 'oud-opioid') hasAgonist = true;
    if (role === 'cough-partner') hasCoughPartner = true;
    const direct = role === undefined ? undefined : DIRECT_ROLE_CLASS[role];
    if (direct !== undefined) classes.add(direct);
  }

  const coughProduct = hints.has('antitussive') || forms.cough || hasCoughPartner;
  for (const ingredient of ingredients) {
    if (ROLE_BY_NAME.get(ingredient) !== 'opioid') continue;
    if (ingredient === 'buprenorphine') {
      classes.add(buprenorphineClass(ingredients, hints, forms));
    } else if (COUGH_ONLY_OPIOIDS.has(ingredient) || (ANTITUSSIVE_OPIOIDS.has(ingredient) && coughProduct)) {
      classes.add('opioid-antitussive');
    } else {
      classes.add('opioid-analgesic');
    }
  }

  if (!hasAgonist) {
    if (ingredients.has('naloxone')) classes.add('naloxone-rescue');
    for (const ingredient of ingredients) {
      if (ROLE_BY_NAME.get(ingredient) === 'antagonist') classes.add('opioid-antagonist');
    }
  }

  const isMethadone = ingredients.has('methadone');
  // A methadone concentrate is OUD-only (Methadose, the generic oral concentrates dispensed by opioid treatment
  // programmes), except Hikma's Methadone Hydrochloride Intensol oral concentrate, whose label (DailyMed setid
  // d0e6a966-179a-45e0-8444-4c1b8523f8d2) indicates it for pain severe enough to need around-the-clock opioid
  // treatment as well as for OUD: read as methadone tablets are (the order's reason decides, in the facts).
  const methadoneOudForm =
    isMethadone &&
    (hints.has('methadone-oud-form') ||
      forms.methadoneDispersible ||
      (forms.concentrate && !forms.intensol) ||
      (hints.has('methadose') && forms.tenMgPerMl));
  return { classes, isMethadone, methadoneOudForm };
}

/**
 * Buprenorphine: brand first, then naloxone, then dose form. With no form at all the default is
 * OUD treatment, because most outpatient buprenorphine is sublingual MOUD and a pain rule
 * ("reduce or stop the opioid") must not fire on MOUD (FDA DSC 2017).
 */
function buprenorphineClass(ingredients: ReadonlySet<string>, hints: ReadonlySet<BrandHint>, forms: FormHints): DrugClass {
  if (hints.has('oud')) return 'oud-treatment';
  if (hints.has('pain')) return 'opioid-analgesic';
  if (ingredients.has('naloxone')) return 'oud-treatment';
  if (forms.sublingual || forms.implant || forms.extendedReleaseInjection) return 'oud-treatment';
  if (forms.transdermal || forms.buccal || forms.topical || forms.injection) return 'opioid-analgesic';
  return 'oud-treatment';
}
