/** Markdown helpers for card detail. EHR-supplied text is escaped so it cannot inject links or HTML. */

/** Characters that start inline markup (emphasis, code, links, HTML, tables, strikethrough). */
const SPECIAL = /[\\`*_[\]<>|~]/g;

/** What GFM turns into a link: "://", "www." (anywhere: also after "_"), "@". */
const AUTOLINK = /:\/\/|www\.|@/gi;

/** The match with its last or first character escaped, its case kept. */
function escapeAutolink(match: string): string {
  return match === '@' ? '\\@' : match === '://' ? '\\://' : `${match.slice(0, 3)}\\.`;
}

/**
 * Escapes a plain string for use inside GitHub-flavoured Markdown. Besides markup, GFM turns bare URLs
 * ("https://…", "www.…") and e-mail addresses into links: an escaped ":", "." or "@" (CommonMark escapes
 * any ASCII punctuation) keeps them text, so a drug name an EHR sent cannot put a link on a card.
 */
export function escapeMarkdown(text: string): string {
  return escapeLeadingBlock(text.replace(/[\r\n]+/g, ' ').replace(SPECIAL, (c) => `\\${c}`).replace(AUTOLINK, escapeAutolink));
}

/**
 * A heading or list marker at the start of a text: "# " to "###### ", "- ", "+ ", "1. ", "1) " (followed by a space
 * or the end, as CommonMark needs: "0.5 mg" and "#3" are left as they are).
 */
const LEADING_BLOCK = /^( {0,3})(?:(#{1,6}|[+-])|(\d{1,9})([.)]))(?=[ \t]|$)/;

/**
 * Escapes a block marker at the start of a text. EHR texts go into card lines, some at a line's start or after a
 * list marker ("- {{name}}"): a drug named "# Oxycodone" made a heading inside the list, "1. x" a nested list.
 */
function escapeLeadingBlock(text: string): string {
  const m = LEADING_BLOCK.exec(text);
  if (!m) {
    return text;
  }
  const [all, space = '', mark, digits, delimiter] = m;
  return `${space}${mark === undefined ? `${digits}\\${delimiter}` : `\\${mark}`}${text.slice(all.length)}`;
}

/**
 * Replaces {{name}} placeholders with values; unknown names are left as they are
 * (rule validation refuses unknown placeholders before a rule can load).
 *
 * Plain text replacement: no Markdown is parsed when a card is made, so deeply nested Markdown cannot
 * overflow the stack here (marked's lexer did at 3,000 levels of "> " while a rule was validated). A
 * rule's own nesting is capped by validation before it can load (at most 8 levels, 10,000 characters:
 * engine/validate-rule.ts), and each EHR text put in is cut to 200 characters on one line (card-view.ts),
 * so it can add no more than that line's worth of list markers for the EHR's renderer.
 */
export function renderTemplate(template: string, view: Readonly<Record<string, string>>): string {
  // `{{\s*([^}]*?)\s*}}` read the same names in cubic time on "{{" and many spaces with no "}}" (8,000 spaces:
  // 81 s); the name is trimmed here instead.
  return template.replace(PLACEHOLDER, (all, name: string) => view[name.trim()] ?? all);
}

/** A `{{name}}` placeholder, spaces around the name allowed; linear in the text. */
const PLACEHOLDER = /\{\{([^}]*)\}\}/g;
