// @ts-check
/**
 * A plain-textarea JSON editor with a line-number gutter, error markers in the gutter and a tinted
 * band on each line that has a problem. The textarea stays a real textarea (native undo, selection,
 * screen readers, spell-check off); the gutter and bands are decoration kept in step with its
 * scrolling. Keys: Tab / Shift+Tab indent and outdent, Enter keeps the indentation, Escape then Tab
 * (or Shift+Tab, backwards) leaves the editor (so the keyboard is never trapped).
 */
import { h } from './dom.js';

const INDENT = '  ';

/**
 * @typedef {{ line: number, message: string, severity?: 'error' | 'warning' }} Marker
 */

/**
 * @typedef {object} Editor
 * @property {HTMLElement} element
 * @property {HTMLTextAreaElement} textarea
 * @property {() => string} getValue
 * @property {(text: string) => void} setValue
 * @property {(markers: Marker[]) => void} setMarkers
 * @property {(line: number) => void} revealLine
 * @property {() => void} focus
 */

/**
 * @param {{ id: string, label: string, describedBy?: string, onChange?: (text: string) => void }} options
 * @returns {Editor}
 */
export function createEditor(options) {
  const textarea = h('textarea', {
    id: options.id,
    class: 'code-input',
    spellcheck: false,
    autocapitalize: 'off',
    autocomplete: 'off',
    wrap: 'off',
    'aria-label': options.label,
    'aria-multiline': 'true',
    ...(options.describedBy ? { 'aria-describedby': options.describedBy } : {}),
  });
  textarea.setAttribute('autocorrect', 'off');
  textarea.setAttribute('translate', 'no');
  const gutterInner = h('div', { class: 'code-gutter-inner' });
  const gutter = h('div', { class: 'code-gutter', 'aria-hidden': 'true' }, gutterInner);
  const bandsInner = h('div', { class: 'code-bands-inner' });
  const bands = h('div', { class: 'code-bands', 'aria-hidden': 'true' }, bandsInner);
  const element = h('div', { class: 'code-editor' }, gutter, h('div', { class: 'code-body' }, bands, textarea));

  let lineCount = 0;
  /** @type {Marker[]} */
  let markers = [];
  let escapePressed = false;

  const lineHeight = () => parseFloat(getComputedStyle(textarea).lineHeight) || 20;

  const renderGutter = () => {
    const count = textarea.value.split('\n').length;
    if (count !== lineCount) {
      lineCount = count;
      const frag = document.createDocumentFragment();
      for (let i = 1; i <= count; i += 1) {
        frag.appendChild(h('div', { class: 'code-line-number', dataset: { line: String(i) } }, String(i)));
      }
      gutterInner.replaceChildren(frag);
    }
    renderMarkers();
  };

  const renderMarkers = () => {
    for (const el of gutterInner.querySelectorAll('.has-marker')) {
      el.classList.remove('has-marker', 'marker-error', 'marker-warning');
      el.removeAttribute('title');
    }
    bandsInner.replaceChildren();
    /** @type {Map<number, Marker[]>} */
    const byLine = new Map();
    for (const m of markers) {
      const line = Math.min(Math.max(1, m.line), Math.max(1, lineCount));
      byLine.set(line, [...(byLine.get(line) ?? []), m]);
    }
    const lh = lineHeight();
    const top = parseFloat(getComputedStyle(textarea).paddingTop) || 0;
    for (const [line, list] of byLine) {
      const severity = list.some((m) => m.severity !== 'warning') ? 'error' : 'warning';
      const number = gutterInner.children[line - 1];
      if (number) {
        number.classList.add('has-marker', `marker-${severity}`);
        number.setAttribute('title', list.map((m) => m.message).join('\n'));
      }
      const band = h('div', { class: `code-band band-${severity}`, dataset: { line: String(line) } });
      band.style.top = `${top + (line - 1) * lh}px`;
      band.style.height = `${lh}px`;
      bandsInner.appendChild(band);
    }
    textarea.setAttribute('aria-invalid', String(markers.some((m) => m.severity !== 'warning')));
  };

  const syncScroll = () => {
    gutterInner.style.transform = `translateY(${-textarea.scrollTop}px)`;
    bandsInner.style.transform = `translateY(${-textarea.scrollTop}px)`;
  };

  /**
   * Replaces the selection with text, keeping the browser's undo history where it can.
   * @param {string} text
   */
  const insert = (text) => {
    textarea.focus();
    // execCommand keeps native undo; it is deprecated but still the only way to do so in a textarea.
    const done = typeof document.execCommand === 'function' && document.execCommand('insertText', false, text);
    if (!done) {
      textarea.setRangeText(text, textarea.selectionStart, textarea.selectionEnd, 'end');
      textarea.dispatchEvent(new Event('input', { bubbles: true }));
    }
  };

  /** @param {boolean} outdent */
  const indentSelection = (outdent) => {
    const { value, selectionStart, selectionEnd } = textarea;
    const lineStart = value.lastIndexOf('\n', selectionStart - 1) + 1;
    if (!outdent && selectionStart === selectionEnd) {
      insert(INDENT);
      return;
    }
    const endBase = selectionEnd > selectionStart && value.charAt(selectionEnd - 1) === '\n' ? selectionEnd - 1 : selectionEnd;
    const nextBreak = value.indexOf('\n', endBase);
    const lineEnd = nextBreak === -1 ? value.length : nextBreak;
    const block = value.slice(lineStart, lineEnd);
    const lines = block.split('\n');
    const changed = lines.map((l) => (outdent ? l.replace(/^ {1,2}/, '') : INDENT + l)).join('\n');
    textarea.setSelectionRange(lineStart, lineEnd);
    insert(changed);
    textarea.setSelectionRange(lineStart, lineStart + changed.length);
  };

  textarea.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      escapePressed = true;
      return;
    }
    if (event.key === 'Shift' || event.key === 'Control' || event.key === 'Alt' || event.key === 'Meta') {
      return; // a modifier on its own (the Shift of Shift+Tab) keeps the Escape
    }
    if (event.key === 'Tab' && !event.ctrlKey && !event.altKey && !event.metaKey) {
      if (escapePressed || textarea.readOnly) {
        escapePressed = false;
        return; // let focus move on
      }
      event.preventDefault();
      indentSelection(event.shiftKey);
      return;
    }
    escapePressed = false;
    if (event.key === 'Enter' && !event.ctrlKey && !event.metaKey && !event.altKey && !event.shiftKey && !textarea.readOnly && !event.isComposing) {
      const { value, selectionStart } = textarea;
      const lineStart = value.lastIndexOf('\n', selectionStart - 1) + 1;
      const current = value.slice(lineStart, selectionStart);
      const indent = /^\s*/.exec(current)?.[0] ?? '';
      const opens = /[[{]\s*$/.test(current);
      event.preventDefault();
      insert(`\n${indent}${opens ? INDENT : ''}`);
    }
  });
  textarea.addEventListener('input', () => {
    renderGutter();
    syncScroll();
    options.onChange?.(textarea.value);
  });
  textarea.addEventListener('scroll', syncScroll);

  return {
    element,
    textarea,
    getValue: () => textarea.value,
    setValue(text) {
      textarea.value = text;
      textarea.scrollTop = 0;
      textarea.scrollLeft = 0;
      lineCount = 0;
      renderGutter();
      syncScroll();
    },
    setMarkers(next) {
      markers = next;
      renderMarkers();
    },
    revealLine(line) {
      const lines = textarea.value.split('\n');
      const target = Math.min(Math.max(1, line), lines.length);
      let offset = 0;
      for (let i = 0; i < target - 1; i += 1) {
        offset += (lines[i] ?? '').length + 1;
      }
      const indent = /^\s*/.exec(lines[target - 1] ?? '')?.[0].length ?? 0;
      textarea.focus();
      textarea.setSelectionRange(offset + indent, offset + (lines[target - 1] ?? '').length);
      textarea.scrollTop = Math.max(0, (target - 1) * lineHeight() - textarea.clientHeight / 3);
      textarea.scrollLeft = 0;
      syncScroll();
    },
    focus: () => textarea.focus(),
  };
}
