import type { ConditionGroup, DrugClass } from '../terminology/index.ts';
import type { BenzoDose, MmeSummary, OpioidMme } from './dose/index.ts';

export type MedicationSourceKind = 'draft-order' | 'medication-request' | 'medication-statement' | 'medication-administration' | 'medication-dispense';

/** One medication the patient has or is about to get, classified once. */
export interface MedicationFact {
  /** FHIR reference, e.g. "MedicationRequest/123" (or "MedicationRequest/#2" for a draft without id). */
  readonly ref: string;
  /** The resource id when it has one (suggestions that delete a draft need it). */
  readonly id?: string;
  readonly kind: MedicationSourceKind;
  /** Best human-readable name ("unnamed medication" when the EHR sent none). */
  readonly display: string;
  readonly classes: readonly DrugClass[];
  /** Canonical lower-case ingredient names the classifier recognised. */
  readonly ingredients: readonly string[];
  /**
   * The ingredients that make the drug what it is for these rules (CNS-active, naloxone, antagonists;
   * not acetaminophen or a cough partner): two medications sharing one are the same therapy.
   */
  readonly activeIngredients: readonly string[];
  /** authoredOn, effective start or administration time (ISO 8601), when known. */
  readonly date?: string;
  /**
   * When doses are (to be) taken: every timing.event of every dosage instruction of an order (an induction order
   * may list each session), administration time, statement effective time. Empty when none is given.
   */
  readonly doseTimes: readonly string[];
  readonly status?: string;
  /** Per opioid ingredient; empty when not an opioid. */
  readonly mme: readonly OpioidMme[];
  /** Per benzodiazepine or Z-drug ingredient; empty otherwise. */
  readonly benzoDoses: readonly BenzoDose[];
  /** For ketamine/esketamine: given for depression (esketamine, or the reason or the patient's diagnosis says so). */
  readonly forDepression: boolean;
  /**
   * Lower-case free text of a draft order (dosage text, notes, reason text), for hints such as
   * "pre-medication"; empty for the rest of the record (only the order under evaluation is read).
   */
  readonly hintText: string;
  /** Every dosage instruction is as needed (PRN); false when one is scheduled or none is given. */
  readonly asNeeded: boolean;
  /**
   * A draft order that supplies the drug for ongoing use: refills (`numberOfRepeatsAllowed` of 1 or more) or a
   * supply of 7 days or more (the expected supply duration, else the dispensed quantity at the daily dose). Such a benzodiazepine signed beside a ketamine session is maintenance
   * therapy, not the session's pre-medication. False for the rest of the record.
   */
  readonly ongoingSupply: boolean;
  /** The EHR sent a name (display or text, not blank), not only a code. */
  readonly named: boolean;
  /** A code of the medication matched nothing this service knows (the classifier's `unreadCode`). */
  readonly unreadCode?: boolean;
  /**
   * A word of its names that is probably a CNS drug this service could not read (a misspelling, a truncated
   * pharmacy-label name, an abbreviated part of a combination), and the ingredients it may be (the classifier's
   * `unreadName`): reported as "check incomplete".
   */
  readonly unreadName?: { readonly word: string; readonly mayBe: readonly string[] };
  /**
   * The names the EHR gave this product that can tell one product from another: every text and coding display
   * of the order's medication concept and of the Medication's code that carries a strength (a digit), as written;
   * compared in one spelling (product-name.ts: "Oxycodone HCl 5mg tab" = "oxycodone hydrochloride 5 MG Oral
   * Tablet"). An ingredient-level name ("oxycodone", RxNorm ingredient 7804's display) or a brand
   * without a strength names no single product and is left out. Two orders are the same product (a renewal,
   * counted once in the daily totals) only when they share one of these names, or (when one of them has none of
   * these names) name the same product-level Medication of the record ({@link sharedMedication}).
   */
  readonly productNames: readonly string[];
  /**
   * The record's Medication the order names by reference, when it is one product (an ingredient with a
   * strength): "Medication/<id>". Absent for a contained Medication, an ingredient-level one, or none.
   */
  readonly sharedMedication?: string;
  /**
   * Categorised for inpatient use only (an order on the ward, care-setting.ts): its supply does not go home
   * with the patient. Absent (false) when uncategorised.
   */
  readonly inpatientOnly?: boolean;
  /** For a draft order: the MedicationRequest it says it replaces (`priorPrescription`), as a reference. */
  readonly priorPrescription?: string;
  /**
   * For a MedicationStatement whose `basedOn` or `derivedFrom` names a MedicationRequest of the record that is in
   * use now and is the same therapy, or a MedicationAdministration whose `request` names one that the session does
   * not end: that request's reference. For a MedicationStatement whose `derivedFrom` or `partOf` names a
   * MedicationDispense in use of the same therapy (and no such request): that fill's reference
   * ("MedicationDispense/<id>"), counted as the fill. The statement records that order, and the administration (a patch in place,
   * a running PCA) carries it out; the order's dose is counted already (as the request, or as the draft that
   * re-signs or renews it): the statement or administration is left out of the daily totals (MME, benzodiazepine
   * dose) and kept for the rest (classes, interactions, days on therapy). A patch order stands for as many patches in
   * place as it orders (its mcg/hr), newest first: a further patch in place, linked to it or not, has no
   * recordsRequest and counts (derive-facts.ts). For a MedicationDispense: the order in use it fills (its
   * `authorizingPrescription`, the same therapy), or the request in use or draft that renews the order it fills
   * (`priorPrescription`, directly or through a chain), or, for an earlier fill of an order not in use whose newer fill is
   * in use too, that order (counted as the newer fill), or, for an earlier fill naming no order of a newer one of the
   * same product and daily dose in use too, that newer fill ("MedicationDispense/<id>") (dispense-facts.ts).
   */
  readonly recordsRequest?: string;
  /** For a MedicationDispense: the days' supply the pharmacy stated (`daysSupply`), when readable. */
  readonly supplyDays?: number;
}

/**
 * Something the facts could not establish: the clinician is told the check is incomplete, when a check that
 * can run reads it (an active rule of the serving set reads one of `facts`: src/engine/facts-read.ts).
 */
export interface FactGap {
  readonly purpose: string;
  readonly reason: string;
  /**
   * The engine facts whose value the gap leaves open (the age: `patientAgeYears`; an opioid dose: `totalMme` and
   * `mmeUnknownCount`), or `'all'` when it may change any of them (a medication sent as a code the service does not
   * recognise may be any drug: every class, count and dose fact): always reported.
   */
  readonly facts: 'all' | readonly (keyof EngineFacts)[];
}

export interface ConditionFact {
  readonly group: ConditionGroup;
  /** Clinician words for the group, e.g. "COPD". */
  readonly label: string;
  /** What the EHR called it. */
  readonly display: string;
  readonly recordedDate?: string;
}

export interface PatientFacts {
  /** Age in whole years at the time of the request, or null when the birth date is unknown. */
  readonly ageYears: number | null;
  /** Conditions that count: active ones, plus history of overdose and substance use disorder. */
  readonly conditions: readonly ConditionFact[];
}

/**
 * Facts for evaluating one draft order: the order itself and everything it could interact with
 * (the patient's active medications and the other draft orders of the session).
 */
export interface OrderFacts {
  readonly order: MedicationFact;
  readonly concurrent: readonly MedicationFact[];
  /** Total MME/day if this order is signed: the order plus the other opioids (renewals counted once). */
  readonly mme: MmeSummary;
  /** Distinct CNS-active drugs among the order and the concurrent medications. */
  readonly cnsDrugs: readonly MedicationFact[];
  /**
   * No active medication shares an ingredient with the order, nor does an order of the record that the session
   * stops (stop the current order and sign a new one: a renewal, not a new start); a new start rather than a renewal.
   */
  readonly isNewTherapy: boolean;
  /** Days since the earliest active medication with the same ingredient (or an order the session stops) started; null for a new start. */
  readonly daysOnTherapy: number | null;
  /**
   * Signing the order raises the patient's daily dose of one of its opioid or benzodiazepine ingredients: it renews
   * standing medications of that ingredient at a higher daily amount than theirs, or is taken as well as them
   * (replaces none). False for a new start and for a renewal at the same or a lower dose; null when a daily amount
   * needed for the answer is unknown (see raiseDoseUnknown).
   */
  readonly raisesDailyDose: boolean | null;
  /** When raisesDailyDose is null: the medications (the order, or one it replaces) whose daily amount is unknown, and why. */
  readonly raiseDoseUnknown: readonly RaiseDoseUnknown[];
  /** Hours between a ketamine session and the nearest benzodiazepine dose involving this order (a ketamine order's pre-medication not counted); null when not applicable. */
  readonly ketamineBenzoGapHours: number | null;
  /** Known total daily benzodiazepine dose in mg diazepam-equivalent (order + active; a ketamine order's pre-medication not counted), or null when none is known. */
  readonly benzoDiazepamEqPerDay: number | null;
  /** Benzodiazepines among the order and the active medications whose daily dose is not in that total, and why. */
  readonly benzoDoseUnknown: readonly { readonly display: string; readonly reason: string }[];
  /** The order is a ketamine/esketamine for depression, or a benzodiazepine given close to such a session. */
  readonly forDepression: boolean;
  /**
   * A benzodiazepine is being ordered as pre-medication for a ketamine session: the order is that benzodiazepine,
   * or the ketamine it goes with when every benzodiazepine beside it is that pre-medication (a standing or
   * maintenance one keeps the ketamine order's safety and timing checks).
   */
  readonly isKetaminePremedication: boolean;
}

/** A medication whose daily amount leaves open whether an order raises the daily dose ({@link OrderFacts.raiseDoseUnknown}). */
export interface RaiseDoseUnknown {
  /** The medication's reference (the order's own when its dose is the one unknown). */
  readonly ref: string;
  readonly display: string;
  /**
   * Which record it is, for the clinician: "this order, <name>", "the current order, <name>, ordered <date>", "the
   * current order being stopped in this session, ...", "the medication the patient reports taking, <name>, since
   * <date>". The order and the current order often share a name.
   */
  readonly record: string;
  readonly reason: string;
}

export interface Facts {
  readonly patient: PatientFacts;
  /** One entry per draft medication order under evaluation (the selections, for order-select). */
  readonly orders: readonly OrderFacts[];
  /** What could not be established (unknown age, unrecognised medication codes, incalculable opioid doses). */
  readonly gaps: readonly FactGap[];
}

/**
 * The named facts rules may read. Values are plain JSON so rule conditions stay simple and the
 * engine never does I/O. Adding a fact means adding it here, to FACT_NAMES and to docs/rules.md.
 */
export interface EngineFacts {
  /** Drug classes of the draft order under evaluation. */
  readonly orderClasses: readonly DrugClass[];
  /** Canonical lower-case ingredients of the draft order (e.g. "methadone", "oxycodone"). */
  readonly orderIngredients: readonly string[];
  /** Drug classes of the patient's active medications and the other draft orders. */
  readonly concurrentClasses: readonly DrugClass[];
  /** Patient age in years at the time of the request; null when unknown. */
  readonly patientAgeYears: number | null;
  /** Condition groups that count for this patient (see PatientFacts.conditions). */
  readonly conditions: readonly ConditionGroup[];
  /** Distinct CNS-active drugs (opioids, benzodiazepines, Z-drugs, barbiturates, gabapentinoids, muscle relaxants, ketamine) including the order. */
  readonly cnsActiveDrugCount: number;
  /** Known total MME/day including the order (a lower bound when mmeUnknownCount > 0). */
  readonly totalMme: number;
  /** Opioids whose MME could not be computed. */
  readonly mmeUnknownCount: number;
  /** An overdose-reversal agent (rescue naloxone, or a nalmefene product) is active or ordered in this session. */
  readonly hasRescueNaloxone: boolean;
  readonly orderIsNewTherapy: boolean;
  /** null for a new start. Numeric operators are false on null, so a null never fires a threshold. */
  readonly orderDaysOnTherapy: number | null;
  readonly orderForDepression: boolean;
  /** null when not applicable. */
  readonly ketamineBenzoGapHours: number | null;
  /** null when unknown. */
  readonly benzoDiazepamEqPerDay: number | null;
  readonly ketaminePremedicationInSession: boolean;
  /** The order is categorised for inpatient use only (its supply stays on the ward); false when uncategorised. */
  readonly orderInpatientOnly: boolean;
  /** The order raises a daily dose of an ingredient the patient already takes; null when unknown. */
  readonly orderRaisesDailyDose: boolean | null;
}

/** What each fact means, for rule authors (docs/rules.md and the admin console show this). */
export const FACT_CATALOGUE: Readonly<Record<keyof EngineFacts, string>> = {
  orderClasses: 'Drug classes of the draft order under evaluation (e.g. opioid-analgesic, benzodiazepine).',
  orderIngredients: 'Lower-case ingredients of the draft order the classifier recognised (e.g. methadone, oxycodone).',
  concurrentClasses: "Drug classes of the patient's medications in use (orders and patient-reported ones not stopped, completed or cancelled; given in the last 24 h or running now; dispensed by a pharmacy while the supply may last) and of the session's other draft orders.",
  patientAgeYears: 'Age in whole years at the time of the request; null when the birth date is unknown.',
  conditions: 'Condition groups that count: active COPD, sleep apnea, alcohol use disorder, cancer, palliative care, hospice, sickle cell, depression; and any recorded opioid or other substance use disorder or overdose.',
  cnsActiveDrugCount: 'Distinct CNS-active drugs (opioids, benzodiazepines, Z-drugs, barbiturates, gabapentinoids, muscle relaxants, ketamine) including the order.',
  totalMme: 'Known total MME/day including the order (CDC 2022 factors); a lower bound when mmeUnknownCount > 0.',
  mmeUnknownCount: 'Opioids whose daily MME could not be computed (buprenorphine is excluded, not unknown).',
  hasRescueNaloxone: 'An overdose-reversal agent is active or ordered in this session: rescue naloxone, or a nalmefene product that is not oral (buprenorphine/naloxone, naltrexone, oral nalmefene and doses already given do not count, nor an order for inpatient use only beside an order that is not for inpatient use only).',
  orderIsNewTherapy:
    'No active medication shares an active ingredient with the order (a new start, not a renewal). An active order the session stops (sent among the drafts as stopped) counts as active here: stopping the current order and signing a new one of the same drug is not a new start.',
  orderDaysOnTherapy: 'Days since the earliest active medication with the same ingredient started (an active order the session stops included); null for a new start.',
  orderForDepression: 'The order is ketamine/esketamine for depression, or a benzodiazepine while such a ketamine is active.',
  ketamineBenzoGapHours: 'Hours between the nearest ketamine session (any the order lists) and the nearest benzodiazepine dose involving the order (on a ketamine order, not counting its pre-medication; a date without a time is the whole day); null when not applicable.',
  benzoDiazepamEqPerDay: 'Known total daily benzodiazepine dose in mg diazepam-equivalent (Ashton; on a ketamine order, not counting its pre-medication); null when unknown.',
  ketaminePremedicationInSession: 'A benzodiazepine is ordered as pre-medication for a ketamine session (ordered together without refills or a week of supply, or marked as such). On a ketamine order: only when every benzodiazepine beside it is that pre-medication.',
  orderInpatientOnly:
    "The order is categorised for inpatient use only (MedicationRequest.category inpatient, and not also outpatient, community or discharge): its supply stays on the ward and does not go home with the patient. False for an uncategorised order, so a rule that skips inpatient-only orders still fires when the EHR does not say.",
  orderRaisesDailyDose:
    "Signing the order raises the patient's daily dose of an opioid or benzodiazepine ingredient the patient already takes (an active order or a reported medication, not a dose given): it renews them at a higher daily amount (mg/day, or mcg/hr for a fentanyl patch; as needed counted at its maximum) than the ones it replaces, or it replaces none of them and is taken as well (an as-needed add-on beside a scheduled order, or any order higher than each of them). An active order the session stops (sent among the drafts as stopped) is one the order replaces: stopping 15 mg/day and signing 30 mg/day raises the dose. False for a new start (see orderIsNewTherapy) and for a renewal at the same or a lower dose (a medication-list entry mirroring an order is not added to it). Null when a daily amount needed for the answer is unknown (the order's, or that of a medication it replaces), or when an order taken the same way as one the patient takes, at the same or a lower dose, is not recognised as its renewal (it may be taken as well), or when it renews current orders whose priorPrescriptions name each other (a cycle: one therapy written twice, or orders taken together) and is above one of them but not above their sum: then both `equal true` and `equal false` are false, while `notEqual` is true.",
};

export const FACT_NAMES: readonly (keyof EngineFacts)[] = Object.keys(FACT_CATALOGUE) as (keyof EngineFacts)[];

/** What a fact holds, which decides the operators a rule may use on it (engine/validate-rule.ts). */
export type FactKind = 'list' | 'number' | 'boolean';

/** The kind of every fact (a number fact may be null: numeric operators are then false). */
export const FACT_KINDS: Readonly<Record<keyof EngineFacts, FactKind>> = {
  orderClasses: 'list',
  orderIngredients: 'list',
  concurrentClasses: 'list',
  patientAgeYears: 'number',
  conditions: 'list',
  cnsActiveDrugCount: 'number',
  totalMme: 'number',
  mmeUnknownCount: 'number',
  hasRescueNaloxone: 'boolean',
  orderIsNewTherapy: 'boolean',
  orderDaysOnTherapy: 'number',
  orderForDepression: 'boolean',
  ketamineBenzoGapHours: 'number',
  benzoDiazepamEqPerDay: 'number',
  ketaminePremedicationInSession: 'boolean',
  orderInpatientOnly: 'boolean',
  orderRaisesDailyDose: 'boolean',
};
