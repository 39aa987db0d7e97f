// @ts-check
/**
 * Renders CDS Hooks 2.0 cards the way an EHR would show them: indicator colour and label, summary,
 * source (label, link, topic), Markdown detail (GitHub-flavoured, sanitized by DOMPurify), suggestion
 * buttons (the recommended one marked), override reasons as a drop-down, and links. It is a preview:
 * pressing a button shows what the EHR would do instead of doing it.
 */
import { h } from './dom.js';
import { Marked } from './vendor/marked.js';
import DOMPurify from './vendor/purify.js';

const markdown = new Marked({ gfm: true, breaks: false, async: false });

const purifier = DOMPurify(window);
/** Link targets the hook below removed during the current sanitize call (DOMPurify.removed lists only those it removed itself). */
/** @type {string[]} */
let removedHrefs = [];
purifier.addHook('afterSanitizeAttributes', (node) => {
  if (node instanceof HTMLAnchorElement) {
    const href = node.getAttribute('href') ?? '';
    if (!/^(https?:|mailto:)/i.test(href)) {
      node.removeAttribute('href');
      removedHrefs.push(href);
    } else {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer');
    }
  }
});

const PURIFY_CONFIG = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ['style', 'img', 'video', 'audio', 'picture', 'source', 'form', 'input', 'button', 'select', 'textarea', 'iframe', 'object', 'embed'],
  FORBID_ATTR: ['style', 'class', 'id'],
};

/** Attributes marked itself writes that the preview drops for looks only (code block language). */
const COSMETIC_ATTRIBUTES = new Set(['class', 'id']);

/**
 * Markdown to sanitized HTML, and what sanitizing left out: an EHR that renders raw HTML would show
 * it (or fetch it: an <img> loads without a click), so the preview must say so, not hide it.
 * @param {string} md
 * @returns {{ html: string, removed: string[] }}
 */
export function sanitizeMarkdown(md) {
  const html = /** @type {string} */ (markdown.parse(md, { async: false }));
  removedHrefs = [];
  const clean = purifier.sanitize(html, PURIFY_CONFIG);
  /** @type {string[]} */
  const removed = [];
  for (const item of /** @type {any[]} */ (purifier.removed)) {
    if (item.element) {
      const element = /** @type {Node} */ (item.element);
      removed.push(element.nodeType === Node.ELEMENT_NODE ? `<${element.nodeName.toLowerCase()}>` : element.nodeType === Node.COMMENT_NODE ? 'an HTML comment' : 'HTML');
    } else if (item.attribute?.name === 'href') {
      removedHrefs.push(String(item.attribute.value ?? ''));
    } else if (item.attribute && !COSMETIC_ATTRIBUTES.has(item.attribute.name)) {
      removed.push(`${item.attribute.name}="…" on <${String(item.from?.nodeName ?? '').toLowerCase()}>`);
    }
  }
  for (const href of removedHrefs) {
    removed.push(`a link to ${JSON.stringify(href.length > 60 ? `${href.slice(0, 60)}…` : href)}`);
  }
  removedHrefs = [];
  return { html: clean, removed: [...new Set(removed)] };
}

/**
 * Markdown to sanitized HTML.
 * @param {string} md
 * @returns {string}
 */
export function renderMarkdown(md) {
  return sanitizeMarkdown(md).html;
}

/** @type {Record<string, string>} */
const INDICATOR_LABEL = { info: 'Info', warning: 'Warning', critical: 'Critical', 'hard-stop': 'Hard stop' };
/** @type {Record<string, string>} */
const INDICATOR_ICON = { info: 'i', warning: '!', critical: '!!', 'hard-stop': '■' };

/** @param {unknown} url @returns {url is string} */
const isWebUrl = (url) => typeof url === 'string' && /^https?:\/\//i.test(url);

/**
 * @param {any} card - A CDS Hooks card.
 * @param {{ highlight?: boolean, onAction?: (message: string) => void }} [options]
 * @returns {HTMLElement}
 */
export function renderCard(card, options = {}) {
  const indicator = typeof card.indicator === 'string' && card.indicator in INDICATOR_LABEL ? card.indicator : 'info';
  const summaryId = `card-summary-${card.uuid ?? Math.random().toString(36).slice(2)}`;
  const source = card.source ?? {};
  const detail = h('div', { class: 'cds-card-detail markdown-body' });
  /** @type {HTMLElement | null} */
  let stripped = null;
  if (typeof card.detail === 'string' && card.detail.trim() !== '') {
    const { html, removed } = sanitizeMarkdown(card.detail);
    detail.innerHTML = html;
    if (removed.length > 0) {
      stripped = h(
        'p',
        { class: 'cds-card-stripped', role: 'note' },
        h('strong', {}, 'Not shown in this preview: '),
        `${removed.join(', ')}. The detail holds raw HTML, an image or an unsafe link: an EHR that renders HTML may still show or load it. Remove it from the rule.`
      );
    }
  }

  /** @type {HTMLElement | null} */
  let suggestions = null;
  if (Array.isArray(card.suggestions) && card.suggestions.length > 0) {
    const outcome = h('div', { class: 'cds-suggestion-outcome', hidden: true });
    suggestions = h(
      'div',
      { class: 'cds-card-suggestions', role: 'group', 'aria-label': 'Suggestions' },
      card.suggestions.map((/** @type {any} */ s) =>
        h(
          'button',
          {
            type: 'button',
            class: `cds-suggestion${s.isRecommended ? ' is-recommended' : ''}`,
            onclick: () => {
              const actions = Array.isArray(s.actions) ? s.actions : [];
              const text = actions.length === 0 ? 'This suggestion has no actions.' : actions.map((/** @type {any} */ a) => `${a.type}: ${a.description ?? a.resource?.resourceType ?? a.resourceId ?? ''}`).join('; ');
              outcome.hidden = false;
              outcome.textContent = `Preview only, nothing was ordered. The EHR would: ${text}`;
              options.onAction?.(`Suggestion "${s.label}" would ${text}`);
            },
          },
          s.isRecommended ? h('span', { class: 'recommended-badge' }, '★ Recommended') : null,
          h('span', { class: 'cds-suggestion-label' }, String(s.label ?? ''))
        )
      ),
      outcome
    );
  }

  /** @type {HTMLElement | null} */
  let override = null;
  if (Array.isArray(card.overrideReasons) && card.overrideReasons.length > 0) {
    const selectId = `${summaryId}-override`;
    const select = h(
      'select',
      { id: selectId, class: 'cds-override-select' },
      h('option', { value: '' }, 'Choose a reason…'),
      card.overrideReasons.map((/** @type {any} */ r) => h('option', { value: String(r.code ?? '') }, String(r.display ?? r.code ?? '')))
    );
    const dismiss = h('button', { type: 'button', class: 'button-secondary cds-dismiss', disabled: true }, 'Dismiss');
    select.addEventListener('change', () => {
      dismiss.disabled = select.value === '';
    });
    dismiss.addEventListener('click', () => {
      options.onAction?.(`Preview only: the EHR would send feedback "overridden" with reason "${select.selectedOptions[0]?.textContent ?? ''}".`);
    });
    override = h('div', { class: 'cds-card-override' }, h('label', { for: selectId }, 'Override reason'), select, dismiss);
  }

  /** @type {HTMLElement | null} */
  let links = null;
  const webLinks = (Array.isArray(card.links) ? card.links : []).filter((/** @type {any} */ l) => isWebUrl(l.url));
  if (webLinks.length > 0) {
    links = h(
      'ul',
      { class: 'cds-card-links', 'aria-label': 'Links' },
      webLinks.map((/** @type {any} */ l) =>
        h('li', {}, h('a', { href: l.url, target: '_blank', rel: 'noopener noreferrer' }, String(l.label ?? l.url)), l.type === 'smart' ? h('span', { class: 'muted' }, ' (SMART app)') : null)
      )
    );
  }

  const sourceLabel = String(source.label ?? 'Unknown source');
  return h(
    'article',
    {
      class: `cds-card indicator-${indicator}${options.highlight ? ' is-highlighted' : ''}`,
      'aria-labelledby': summaryId,
      dataset: { indicator, topic: String(source.topic?.code ?? '') },
    },
    h(
      'header',
      { class: 'cds-card-header' },
      h('span', { class: 'cds-indicator', 'aria-label': `${INDICATOR_LABEL[indicator]} card` }, h('span', { class: 'cds-indicator-icon', 'aria-hidden': 'true' }, INDICATOR_ICON[indicator] ?? ''), INDICATOR_LABEL[indicator]),
      h('h4', { class: 'cds-card-summary', id: summaryId }, String(card.summary ?? ''))
    ),
    h(
      'p',
      { class: 'cds-card-source' },
      'Source: ',
      isWebUrl(source.url) ? h('a', { href: source.url, target: '_blank', rel: 'noopener noreferrer' }, sourceLabel) : h('span', {}, sourceLabel),
      source.topic?.display ? h('span', { class: 'muted' }, ` · ${source.topic.display}`) : null,
      options.highlight ? h('span', { class: 'this-rule-badge' }, 'this rule') : null
    ),
    stripped,
    detail,
    suggestions,
    override,
    links
  );
}
