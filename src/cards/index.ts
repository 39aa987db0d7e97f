export { buildOrderCards, dropMirroredCards } from './build-cards.ts';
export type { BuiltCard, CardContext } from './build-cards.ts';
export { MAX_LISTED, OVERDOSE_SIGNS } from './card-view.ts';
export { buildIncompleteCard } from './incomplete-card.ts';
export { dropRepeatedSuggestions } from './repeated-suggestions.ts';
export { INCOMPLETE_TOPIC_CODE, OVERRIDE_REASON_SYSTEM, RULE_TOPIC_SYSTEM, SOURCE_LABEL } from './codes.ts';
export { escapeMarkdown, renderTemplate } from './markdown.ts';
