/**
 * SNOMED CT concept ids recognised by code alone, each with the public file it was found in.
 *
 * Only concepts found, with the same meaning, in a named public source are listed; SNOMED CT
 * concepts not listed here are classified from their display text (most EHRs send one). The
 * CDC IG value sets in ../shared/terminology are check data and were NOT used as a source.
 * Never add a concept id without a source.
 */
import type { ConditionGroup } from '../condition-group.ts';

export interface SnomedSource {
  readonly id: string;
  readonly citation: string;
}

export const SNOMED_SOURCES: readonly SnomedSource[] = [
  {
    id: 'synthea-copd',
    citation: 'synthetichealth/synthea src/main/resources/modules/copd.json, commit 033fe019a65158f6eb3d636db0f91841c58420f3',
  },
  {
    id: 'synthea-sleep-apnea',
    citation: 'synthetichealth/synthea src/main/resources/modules/sleep_apnea.json, commit 070196165c0635357a1f96f0be8cfa081541f0d4',
  },
  {
    id: 'ch-ig-conditions',
    citation: 'ahdis/ch-ig input/fsh/ValueSets/MedicalConditions-inline.fsh, commit f8b537301e2caa590eda2209b08cf12cdb659295',
  },
  {
    id: 'shift-sud',
    citation:
      'SHIFT-Task-Force/demo-fhir-data input/fsh/valuesets/SUD.fsh (incl. codes of the Synthea opioid_addiction module), ' +
      'commit 29ef4ff15f7b5fa1702ccd7e8fbbac8b73209b99',
  },
  {
    id: 'shift-bh',
    citation: 'SHIFT-Task-Force/demo-fhir-data input/fsh/valuesets/BH.fsh, commit 9edf0d256399b166d35ff1a3db81dd98563a475d',
  },
  {
    id: 'synthea-veteran-mdd',
    citation: 'synthetichealth/synthea src/main/resources/modules/veteran_mdd.json, commit a9f8a213c437fa184d88e3e724d9c2b0c6f4ead5',
  },
  {
    id: 'canvas-intervention',
    citation:
      'canvas-medical/canvas-plugins canvas_sdk/value_set/v2026/intervention.py (eCQM value sets "Hospice Care Ambulatory" ' +
      '2.16.840.1.113883.3.526.3.1584 and "Palliative Care Intervention" 2.16.840.1.113883.3.464.1003.198.12.1135, ' +
      'eCQM Update 2025-05-08), commit 06c23e4fc781dc027f35cf5168d563f77694c830',
  },
  {
    id: 'canvas-condition',
    citation:
      'canvas-medical/canvas-plugins canvas_sdk/value_set/v2026/condition.py (eCQM value sets "Palliative Care Diagnosis" ' +
      '2.16.840.1.113883.3.464.1003.1167 and "Malignant Neoplasm of Colon", eCQM Update 2025-05-08), ' +
      'commit 043d487b1788c2ef269944ee5a418891846e0775',
  },
  {
    id: 'mcode-omop',
    citation: 'mcode/mcode-omop input/fsh/syn_condition.fsh (Synthea condition instances), commit 32942eccd33359b18e3a7233e94f382d5c9d4d74',
  },
  {
    id: 'cdc-cpg-terminal',
    citation:
      'HL7/cdc-opioid-cpg input/vocabulary/conditions-likely-terminal-for-opioid-prescribing.json, ' +
      'commit 1042c025bf8f6dde9f30fdf4f845b8ebaabddfbb',
  },
  {
    id: 'cdc-cpg-sickle-cell',
    citation: 'HL7/cdc-opioid-cpg input/vocabulary/sickle-cell-diseases.json, commit 3daefdc692bb8e50afebbe9681498a98767917b5',
  },
];

export interface SnomedConcept {
  readonly code: string;
  /** Display as given in the source. */
  readonly display: string;
  readonly groups: readonly ConditionGroup[];
  /** Id of an entry in SNOMED_SOURCES. */
  readonly source: string;
}

const OUD: readonly ConditionGroup[] = ['opioid-use-disorder', 'substance-use-disorder'];
const SUD: readonly ConditionGroup[] = ['substance-use-disorder'];

export const SNOMED_CONCEPTS: readonly SnomedConcept[] = [
  // COPD
  { code: '13645005', display: 'Chronic obstructive pulmonary disease', groups: ['copd'], source: 'ch-ig-conditions' },
  { code: '87433001', display: 'Pulmonary emphysema (disorder)', groups: ['copd'], source: 'synthea-copd' },
  { code: '185086009', display: 'Chronic obstructive bronchitis (disorder)', groups: ['copd'], source: 'synthea-copd' },
  // Sleep apnea
  { code: '73430006', display: 'Sleep apnea (disorder)', groups: ['sleep-apnea'], source: 'synthea-sleep-apnea' },
  { code: '78275009', display: 'Obstructive sleep apnea syndrome (disorder)', groups: ['sleep-apnea'], source: 'synthea-sleep-apnea' },
  // Opioid and other substance use
  { code: '5602001', display: 'Opioid abuse', groups: OUD, source: 'shift-sud' },
  { code: '145121000119106', display: 'Intravenous nondependent opioid abuse', groups: OUD, source: 'shift-sud' },
  { code: '6525002', display: 'Dependent drug abuse (disorder)', groups: SUD, source: 'shift-sud' },
  { code: '724713006', display: 'Harmful use of ketamine', groups: SUD, source: 'shift-sud' },
  // Overdose: the generic concept, listed by the source among its opioid codes
  { code: '1149222004', display: 'Overdose (disorder)', groups: ['overdose-history'], source: 'shift-sud' },
  // Depression
  { code: '35489007', display: 'Depression', groups: ['depression'], source: 'ch-ig-conditions' },
  { code: '310496002', display: 'Major depressive disorder, recurrent, moderate', groups: ['depression'], source: 'shift-bh' },
  { code: '370143000', display: 'Major depression disorder', groups: ['depression'], source: 'synthea-veteran-mdd' },
  { code: '36923009', display: 'Major depression, single episode', groups: ['depression'], source: 'synthea-veteran-mdd' },
  // Cancer
  { code: '363346000', display: 'Malignant neoplastic disease', groups: ['cancer'], source: 'ch-ig-conditions' },
  { code: '254837009', display: 'Malignant neoplasm of breast (disorder)', groups: ['cancer'], source: 'mcode-omop' },
  { code: '93761005', display: 'Primary malignant neoplasm of colon (disorder)', groups: ['cancer'], source: 'canvas-condition' },
  { code: '94260004', display: 'Metastatic malignant neoplasm to colon (disorder)', groups: ['cancer'], source: 'canvas-condition' },
  { code: '307593001', display: 'Carcinomatosis', groups: ['cancer'], source: 'cdc-cpg-terminal' },
  { code: '285645000', display: 'Disseminated malignancy of unknown primary', groups: ['cancer'], source: 'cdc-cpg-terminal' },
  { code: '372142002', display: 'Carcinoma of pancreas', groups: ['cancer'], source: 'cdc-cpg-terminal' },
  // Palliative care
  { code: '103735009', display: 'Palliative care (regime/therapy)', groups: ['palliative-care'], source: 'canvas-intervention' },
  { code: '105402000', display: 'Visit of patient by chaplain during palliative care (regime/therapy)', groups: ['palliative-care'], source: 'canvas-intervention' },
  { code: '1841000124106', display: 'Palliative care medication review (procedure)', groups: ['palliative-care'], source: 'canvas-intervention' },
  { code: '395669003', display: 'Specialist palliative care treatment (regime/therapy)', groups: ['palliative-care'], source: 'canvas-intervention' },
  { code: '395670002', display: 'Specialist palliative care treatment - inpatient (regime/therapy)', groups: ['palliative-care'], source: 'canvas-intervention' },
  { code: '395694002', display: 'Specialist palliative care treatment - daycare (regime/therapy)', groups: ['palliative-care'], source: 'canvas-intervention' },
  { code: '395695001', display: 'Specialist palliative care treatment - outpatient (regime/therapy)', groups: ['palliative-care'], source: 'canvas-intervention' },
  { code: '433181000124107', display: 'Documentation of palliative care medication action plan (procedure)', groups: ['palliative-care'], source: 'canvas-intervention' },
  { code: '443761007', display: 'Anticipatory palliative care (regime/therapy)', groups: ['palliative-care'], source: 'canvas-intervention' },
  { code: '305686008', display: 'Seen by palliative care physician (finding)', groups: ['palliative-care'], source: 'canvas-condition' },
  { code: '305824005', display: 'Seen by palliative care medicine service (finding)', groups: ['palliative-care'], source: 'canvas-condition' },
  { code: '441874000', display: 'Seen by palliative care service (finding)', groups: ['palliative-care'], source: 'canvas-condition' },
  // Hospice
  { code: '385763009', display: 'Hospice care (regime/therapy)', groups: ['hospice'], source: 'canvas-intervention' },
  { code: '170935008', display: 'Full care by hospice (finding)', groups: ['hospice'], source: 'canvas-intervention' },
  { code: '170936009', display: 'Shared care - hospice and general practitioner (finding)', groups: ['hospice'], source: 'canvas-intervention' },
  // Sickle cell disease (sickle cell trait is not listed in the source expansion and is not included)
  { code: '417357006', display: 'Sickling disorder due to hemoglobin S (disorder)', groups: ['sickle-cell'], source: 'cdc-cpg-sickle-cell' },
  { code: '23269001', display: 'Double heterozygous sickling disorder', groups: ['sickle-cell'], source: 'cdc-cpg-sickle-cell' },
  { code: '25472008', display: 'Sickle cell-hemoglobin D disease', groups: ['sickle-cell'], source: 'cdc-cpg-sickle-cell' },
  { code: '35434009', display: 'Sickle cell-hemoglobin C disease', groups: ['sickle-cell'], source: 'cdc-cpg-sickle-cell' },
  { code: '47024008', display: 'Sickle cell-hemoglobin E disease', groups: ['sickle-cell'], source: 'cdc-cpg-sickle-cell' },
  { code: '127040003', display: 'Sickle cell anemia', groups: ['sickle-cell'], source: 'cdc-cpg-sickle-cell' },
  { code: '127041004', display: 'Sickle cell-beta-thalassemia', groups: ['sickle-cell'], source: 'cdc-cpg-sickle-cell' },
  { code: '127042006', display: 'Sickle cell beta plus thalassaemia', groups: ['sickle-cell'], source: 'cdc-cpg-sickle-cell' },
  { code: '127043001', display: 'Sickle cell-beta^0^-thalassemia', groups: ['sickle-cell'], source: 'cdc-cpg-sickle-cell' },
  { code: '234391009', display: 'Sickle cell anemia with high hemoglobin F', groups: ['sickle-cell'], source: 'cdc-cpg-sickle-cell' },
  { code: '416484003', display: 'Sickle cell-hemoglobin E disease with crisis (disorder)', groups: ['sickle-cell'], source: 'cdc-cpg-sickle-cell' },
  { code: '416826005', display: 'Sickle cell-thalassemia disease with crisis (disorder)', groups: ['sickle-cell'], source: 'cdc-cpg-sickle-cell' },
  { code: '417048006', display: 'Sickle cell-thalassemia disease without crisis (disorder)', groups: ['sickle-cell'], source: 'cdc-cpg-sickle-cell' },
  { code: '417279003', display: 'Hemoglobin S sickling disorder with crisis (disorder)', groups: ['sickle-cell'], source: 'cdc-cpg-sickle-cell' },
  { code: '417425009', display: 'Hemoglobin SS disease with crisis (disorder)', groups: ['sickle-cell'], source: 'cdc-cpg-sickle-cell' },
  { code: '417517009', display: 'Sickle cell-hemoglobin C disease with crisis (disorder)', groups: ['sickle-cell'], source: 'cdc-cpg-sickle-cell' },
  { code: '417748003', display: 'Sickle cell-hemoglobin D disease with crisis (disorder)', groups: ['sickle-cell'], source: 'cdc-cpg-sickle-cell' },
  { code: '440206000', display: 'Hemoglobin SS disease with vasoocclusive crisis (disorder)', groups: ['sickle-cell'], source: 'cdc-cpg-sickle-cell' },
  { code: '444108000', display: 'Acute sickle cell splenic sequestration crisis (disorder)', groups: ['sickle-cell'], source: 'cdc-cpg-sickle-cell' },
  { code: '441482006', display: 'History of sickle cell anaemia', groups: ['sickle-cell'], source: 'cdc-cpg-sickle-cell' },
];
