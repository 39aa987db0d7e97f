/**
 * Identifiers we put on cards. They are URNs because the project has no published canonical web
 * address yet; an operator who publishes our CodeSystems can change them here in one place.
 */
export const SOURCE_LABEL = 'CNS depressant safety check';
/** source.topic.system; the code is the rule id (e.g. "opioid-benzodiazepine"). */
export const RULE_TOPIC_SYSTEM = 'urn:cns-cds:rule';
/** overrideReasons[].system; codes are defined per rule in rules/<id>.json. */
export const OVERRIDE_REASON_SYSTEM = 'urn:cns-cds:override-reason';
/** Topic code of the card that says a check could not be completed. */
export const INCOMPLETE_TOPIC_CODE = 'check-incomplete';
