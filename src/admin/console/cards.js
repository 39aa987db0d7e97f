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
purifier.addHook('afterSanitizeAttributes', (node) => {
  if (node instanceof HTMLAnchorElement) {
    const href = node.getAttribute('href') ?? '';
    if (!/^(https?:|mailto:)/i.test(href)) {
      node.removeAttribute('href');
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

/**
 * Markdown to sanitized HTML.
 * @param {string} md
 * @returns {string}
 */
export function renderMarkdown(md) {
  const html = /** @type {string} */ (markdown.parse(md, { async: false }));
  return purifier.sanitize(html, PURIFY_CONFIG);
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
  if (typeof card.detail === 'string' && card.detail.trim() !== '') {
    detail.innerHTML = renderMarkdown(card.detail);
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
    detail,
    suggestions,
    override,
    links
  );
}
