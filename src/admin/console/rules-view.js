// @ts-check
/**
 * The rules view: the filterable rule list (a keyboard-driven listbox) and the workspace for one
 * rule: JSON editor with live validation (local syntax check, then POST /validate, debounced),
 * problems mapped to lines, save (Ctrl/Cmd+S; PUT with If-Match, 412 shown as a conflict with a way
 * to reload), create, enable/disable, delete, and the Preview / Tests / History panels.
 */
import { ApiError, api, problemsOf, rulePath } from './api.js';
import { debounce, formatTime, h, replace } from './dom.js';
import { createEditor } from './editor.js';
import { JsonSyntaxError, lineOfPointer, parseWithPointers } from './json-source-map.js';
import { announce, confirmDialog, formDialog, indicatorBadge, statusBadge } from './ui.js';
import { createPreviewPanel } from './preview-panel.js';
import { createTestsPanel } from './tests-panel.js';
import { createHistoryPanel } from './history-panel.js';

/**
 * @typedef {import('./app.js').Context} Context
 * @typedef {{ id: string, title: string, status: string, indicator: string, version: string, etag?: string, loaded?: boolean, error?: string }} RuleSummary
 * @typedef {{ id: string, isNew: boolean, etag: string | null, savedText: string, title: string, status: string, version: string, indicator: string }} OpenRule
 * @typedef {{ message: string, pointer?: string, line?: number, column?: number, severity: 'error' | 'warning' }} Problem
 * @typedef {{ ok: true, value: any, pointers: Map<string, import('./json-source-map.js').PointerLocation> } | { ok: false, error: JsonSyntaxError }} Draft
 */

/**
 * What each panel gets from the workspace.
 * @typedef {object} PanelHost
 * @property {() => Draft} draft
 * @property {() => OpenRule | null} rule
 * @property {() => boolean} isDirty
 * @property {(rule: any, text: string | null, etag: string | null) => Promise<void>} replaceRule - After a rollback.
 * @property {() => Promise<void>} refreshRules
 */

const RULE_ID_PATTERN = '[a-z0-9]+(-[a-z0-9]+)*';

/**
 * @param {Context} ctx
 */
export function createRulesView(ctx) {
  /** @type {RuleSummary[]} */
  let rules = [];
  let rulesError = '';
  let filterText = '';
  let activeIndex = 0;
  /** @type {OpenRule | null} */
  let current = null;
  /** @type {'preview' | 'tests' | 'history'} */
  let tab = 'preview';
  /** @type {Draft | null} */
  let draft = null;
  /** @type {Problem[]} */
  let liveProblems = [];
  /** @type {Problem[]} */
  let saveProblems = [];
  /** @type {'idle' | 'checking' | 'valid' | 'invalid' | 'syntax' | 'unavailable'} */
  let validity = 'idle';
  let validationNote = '';
  let validateSeq = 0;
  /** @type {AbortController | null} */
  let validateAbort = null;
  let saving = false;
  let conflict = false;
  let loadSeq = 0;

  // ---- list -------------------------------------------------------------------------------------
  const filterInput = h('input', {
    id: 'rule-filter',
    type: 'search',
    placeholder: 'Filter by name, id, status…',
    autocomplete: 'off',
    spellcheck: false,
    'aria-controls': 'rule-list',
    'aria-describedby': 'rule-list-help',
  });
  const list = h('ul', { id: 'rule-list', class: 'rule-list', role: 'listbox', tabindex: 0, 'aria-label': 'Rules', 'aria-describedby': 'rule-list-help' });
  const listCount = h('p', { class: 'list-count muted', id: 'rule-list-count', 'aria-live': 'polite' });
  /** Rules deleted through the console or the API (GET deleted-rules, from the history): each opens read-only, to restore. */
  const deletedBox = h('details', { class: 'deleted-rules', id: 'deleted-rules', hidden: true });
  const newButton = h('button', { type: 'button', class: 'button-secondary button-small', id: 'new-rule-button' }, '+ New rule');
  const sidebar = h(
    'aside',
    { class: 'sidebar', 'aria-label': 'Rule list' },
    h('div', { class: 'sidebar-head' }, h('div', { class: 'sidebar-title-row' }, h('h2', { class: 'sidebar-title' }, 'Rules'), newButton), h('label', { for: 'rule-filter', class: 'visually-hidden' }, 'Filter rules'), filterInput),
    h('p', { id: 'rule-list-help', class: 'visually-hidden' }, 'Use the up and down arrow keys to move through the rules and Enter to open one. Press slash to come back to the filter.'),
    list,
    listCount,
    deletedBox
  );

  /** @returns {RuleSummary[]} */
  const filtered = () => {
    const terms = filterText.toLowerCase().split(/\s+/).filter(Boolean);
    return rules.filter((r) => {
      const hay = `${r.id} ${r.title} ${r.status} ${r.indicator} ${r.version}`.toLowerCase();
      return terms.every((t) => hay.includes(t));
    });
  };

  const renderList = () => {
    const items = filtered();
    activeIndex = Math.min(Math.max(0, activeIndex), Math.max(0, items.length - 1));
    if (rulesError) {
      replace(list, h('li', { class: 'list-empty', role: 'presentation' }, rulesError));
    } else if (items.length === 0) {
      replace(list, h('li', { class: 'list-empty', role: 'presentation' }, rules.length === 0 ? 'Loading rules…' : `No rule matches "${filterText}".`));
    } else {
      replace(
        list,
        items.map((r, i) =>
          h(
            'li',
            {
              id: `rule-option-${r.id}`,
              role: 'option',
              class: `rule-item${i === activeIndex ? ' is-active' : ''}${current?.id === r.id && !current.isNew ? ' is-open' : ''}`,
              'aria-selected': String(current?.id === r.id && !current.isNew),
              dataset: { ruleId: r.id },
              onclick: () => {
                activeIndex = i;
                open(r.id);
              },
            },
            h('span', { class: 'rule-item-title' }, r.title || r.id),
            h('span', { class: 'rule-item-meta' }, h('code', {}, r.id)),
            h(
              'span',
              { class: 'rule-item-badges' },
              r.loaded === false ? h('span', { class: 'badge badge-error', title: r.error ?? 'This file does not load' }, 'Not loaded') : null,
              r.status ? statusBadge(r.status) : null,
              r.indicator ? indicatorBadge(r.indicator) : null,
              r.version ? h('span', { class: 'rule-version' }, `v${r.version}`) : null
            ),
            r.loaded === false && r.error ? h('span', { class: 'rule-item-error' }, r.error) : null
          )
        )
      );
    }
    const active = items[activeIndex];
    if (active) {
      list.setAttribute('aria-activedescendant', `rule-option-${active.id}`);
    } else {
      list.removeAttribute('aria-activedescendant');
    }
    listCount.textContent = rules.length === 0 ? '' : filterText ? `${items.length} of ${rules.length} rules` : `${rules.length} rules`;
  };

  /** @param {number} delta */
  const moveActive = (delta) => {
    const items = filtered();
    if (items.length === 0) {
      return;
    }
    activeIndex = Math.min(Math.max(0, activeIndex + delta), items.length - 1);
    renderList();
    document.getElementById(`rule-option-${items[activeIndex]?.id}`)?.scrollIntoView({ block: 'nearest' });
  };

  const openActive = () => {
    const item = filtered()[activeIndex];
    if (item) {
      open(item.id);
    }
  };

  list.addEventListener('keydown', (event) => {
    const keys = /** @type {Record<string, () => void>} */ ({
      ArrowDown: () => moveActive(1),
      ArrowUp: () => moveActive(-1),
      Home: () => moveActive(-Infinity),
      End: () => moveActive(Infinity),
      PageDown: () => moveActive(8),
      PageUp: () => moveActive(-8),
      Enter: openActive,
      ' ': openActive,
    });
    const action = keys[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });
  filterInput.addEventListener('input', () => {
    filterText = filterInput.value;
    activeIndex = 0;
    renderList();
  });
  filterInput.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      list.focus();
      moveActive(0);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      openActive();
    } else if (event.key === 'Escape' && filterInput.value) {
      event.preventDefault();
      filterInput.value = '';
      filterText = '';
      renderList();
    }
  });
  newButton.addEventListener('click', () => createNewRule());

  /** The "Deleted rules" list under the rule list (hidden when there are none or there is no store). */
  const loadDeleted = async () => {
    /** @type {{ id: string, title?: string, deletedBy?: string, deletedAt?: string }[]} */
    let deleted = [];
    try {
      const res = await api('GET', 'deleted-rules');
      deleted = Array.isArray(res.data?.rules) ? res.data.rules : [];
    } catch {
      deleted = []; // no store (503), or an older service: nothing to list
    }
    deletedBox.hidden = deleted.length === 0;
    replace(
      deletedBox,
      h('summary', {}, `Deleted rules (${deleted.length})`),
      h(
        'ul',
        { class: 'deleted-rule-list', 'aria-label': 'Deleted rules' },
        deleted.map((r) =>
          h(
            'li',
            {},
            h('a', { href: `#/rules/${encodeURIComponent(r.id)}`, class: 'deleted-rule-link', dataset: { ruleId: r.id } }, r.title || r.id),
            ' ',
            h('code', {}, r.id),
            r.deletedAt ? h('span', { class: 'muted small' }, ` deleted ${formatTime(r.deletedAt)}${r.deletedBy ? ` by ${r.deletedBy}` : ''}`) : null
          )
        )
      )
    );
  };

  const loadRules = async () => {
    void loadDeleted();
    try {
      const res = await api('GET', 'rules');
      rules = (Array.isArray(res.data?.rules) ? res.data.rules : []).slice().sort((/** @type {RuleSummary} */ a, /** @type {RuleSummary} */ b) => a.id.localeCompare(b.id));
      rulesError = rules.length === 0 ? 'No rules yet. Create one with "New rule".' : '';
    } catch (err) {
      rulesError = ctx.describeError(err);
    }
    renderList();
  };

  // ---- workspace --------------------------------------------------------------------------------
  const editor = createEditor({
    id: 'rule-editor',
    label: 'Rule JSON',
    describedBy: 'editor-status editor-help',
    onChange: () => {
      saveProblems = [];
      conflict = false;
      parseDraft();
      renderChrome();
      scheduleValidate();
    },
  });
  const workspace = h('section', { class: 'workspace', 'aria-label': 'Rule workspace' });
  const heading = h('div', { class: 'rule-heading' });
  const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Rule actions' });
  const notes = h('div', { class: 'workspace-notes' });
  const editorStatus = h('div', { id: 'editor-status', class: 'editor-status', role: 'status' });
  const problemsBox = h('div', { id: 'problems', class: 'problems' });
  const editorHelp = h(
    'p',
    { id: 'editor-help', class: 'hint' },
    h('kbd', {}, 'Tab'),
    ' indents · ',
    h('kbd', {}, 'Esc'),
    ' then ',
    h('kbd', {}, 'Tab'),
    ' (or ',
    h('kbd', {}, 'Shift'),
    '+',
    h('kbd', {}, 'Tab'),
    ') leaves the editor · ',
    h('kbd', {}, 'Ctrl'),
    '+',
    h('kbd', {}, 'S'),
    ' saves'
  );

  /** @type {PanelHost} */
  const host = {
    draft: () => draft ?? parseDraft(),
    rule: () => current,
    isDirty: () => isDirty(),
    replaceRule: async (_rule, text, etag) => {
      if (!current) {
        return;
      }
      await reloadCurrent(text, etag);
    },
    refreshRules: async () => {
      await Promise.all([loadRules(), ctx.refreshStatus()]);
    },
  };
  /** @type {OpenRule | null} The deleted rule shown read-only (its history, to restore a version). */
  let deletedRule = null;
  /** @type {PanelHost} */
  const deletedHost = {
    draft: () => host.draft(),
    rule: () => deletedRule,
    isDirty: () => false,
    replaceRule: async () => {
      // Restored: open it as any rule.
      const id = deletedRule?.id;
      deletedRule = null;
      if (id) {
        await load(id);
      }
    },
    refreshRules: () => host.refreshRules(),
  };
  const deletedHistory = createHistoryPanel(ctx, deletedHost);
  const panels = {
    preview: createPreviewPanel(ctx, host),
    tests: createTestsPanel(ctx, host),
    history: createHistoryPanel(ctx, host),
  };
  /** @type {Record<string, string>} */
  const tabLabels = { preview: 'Preview', tests: 'Tests', history: 'History' };
  const tabOrder = /** @type {const} */ (['preview', 'tests', 'history']);
  const tabButtons = tabOrder.map((name) =>
    h(
      'button',
      {
        type: 'button',
        role: 'tab',
        id: `tab-${name}`,
        'aria-controls': `panel-${name}`,
        class: 'tab',
        onclick: () => selectTab(name, false),
      },
      tabLabels[name]
    )
  );
  const tablist = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Rule tools' }, tabButtons);
  tablist.addEventListener('keydown', (event) => {
    const index = tabOrder.indexOf(tab);
    /** @type {Record<string, number>} */
    const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabOrder.length - 1 };
    const next = moves[event.key];
    if (next !== undefined) {
      event.preventDefault();
      selectTab(tabOrder[(next + tabOrder.length) % tabOrder.length] ?? 'preview', true);
    }
  });
  const panelHosts = tabOrder.map((name) => h('div', { role: 'tabpanel', id: `panel-${name}`, 'aria-labelledby': `tab-${name}`, class: 'tab-panel', tabindex: 0 }, panels[name].el));
  const inspector = h('div', { class: 'inspector' }, tablist, panelHosts);

  /**
   * @param {'preview' | 'tests' | 'history'} name
   * @param {boolean} focus
   */
  function selectTab(name, focus) {
    tab = name;
    tabOrder.forEach((n, i) => {
      const selected = n === name;
      const button = tabButtons[i];
      const panel = panelHosts[i];
      if (button && panel) {
        button.setAttribute('aria-selected', String(selected));
        button.tabIndex = selected ? 0 : -1;
        panel.hidden = !selected;
      }
    });
    if (focus) {
      tabButtons[tabOrder.indexOf(name)]?.focus();
    }
    panels[name].activate();
  }

  const isDirty = () => current !== null && (current.isNew || editor.getValue() !== current.savedText);

  /** @returns {Draft} */
  function parseDraft() {
    try {
      const parsed = parseWithPointers(editor.getValue());
      draft = { ok: true, value: parsed.value, pointers: parsed.pointers };
      liveProblems = liveProblems.filter((p) => !(p.severity === 'error' && p.pointer === undefined && p.line !== undefined && validity === 'syntax'));
      const dupes = parsed.duplicateKeys.map((d) => ({ message: `duplicate property "${d.pointer.split('/').pop()}": only the last one counts`, pointer: d.pointer, line: d.position.line, severity: /** @type {const} */ ('warning') }));
      if (validity === 'syntax') {
        liveProblems = [];
        validity = 'checking';
      }
      liveProblems = [...liveProblems.filter((p) => !p.message.startsWith('duplicate property')), ...dupes];
    } catch (err) {
      if (!(err instanceof JsonSyntaxError)) {
        throw err;
      }
      draft = { ok: false, error: err };
      validity = 'syntax';
      validateAbort?.abort();
      liveProblems = [{ message: `JSON syntax: ${err.reason}`, line: err.position.line, column: err.position.column, severity: 'error' }];
    }
    renderProblems();
    return draft;
  }

  const scheduleValidate = debounce(() => void validateNow(), 400);

  async function validateNow() {
    const d = draft ?? parseDraft();
    if (!d.ok) {
      return;
    }
    validateAbort?.abort();
    const abort = new AbortController();
    validateAbort = abort;
    const seq = ++validateSeq;
    validity = 'checking';
    renderValidity();
    try {
      const res = await api('POST', 'validate', { body: { rule: d.value }, signal: abort.signal });
      if (seq !== validateSeq) {
        return;
      }
      const problems = problemsOf(res.data);
      const warnings = liveProblems.filter((p) => p.severity === 'warning');
      liveProblems = [...problems.map((p) => locate(p, d, 'error')), ...warnings];
      validity = res.data?.ok === false || problems.length > 0 ? 'invalid' : 'valid';
      validationNote = '';
    } catch (err) {
      if (seq !== validateSeq || (err instanceof DOMException && err.name === 'AbortError')) {
        return;
      }
      if (err instanceof ApiError && err.status === 400) {
        liveProblems = err.problems.map((p) => locate(p, d, 'error'));
        validity = 'invalid';
      } else {
        validity = 'unavailable';
        validationNote = ctx.describeError(err);
      }
    }
    renderProblems();
  }

  /**
   * Puts a problem on its line: its JSON pointer is looked up in the parsed draft. A problem in
   * another file (a value set, another rule of the set) is listed without a line.
   * @param {{ message: string, pointer?: string, file?: string }} p
   * @param {Draft} d
   * @param {'error' | 'warning'} severity
   * @returns {Problem}
   */
  function locate(p, d, severity) {
    const draftFile = d.ok && typeof d.value?.id === 'string' ? `${d.value.id}.json` : `${current?.id ?? ''}.json`;
    if (p.file && p.file !== draftFile) {
      return { message: `${p.file}${p.pointer ? ` ${p.pointer}` : ''}: ${p.message}`, severity };
    }
    if (p.pointer === undefined || !d.ok) {
      return { message: p.message, severity, ...(p.pointer !== undefined ? { pointer: p.pointer } : {}) };
    }
    return { message: p.message, pointer: p.pointer, line: lineOfPointer(d.pointers, p.pointer).line, severity };
  }

  function renderValidity() {
    const errors = liveProblems.filter((p) => p.severity === 'error').length;
    const warnings = liveProblems.length - errors;
    /** @type {Record<string, [string, string]>} */
    const states = {
      idle: ['', ''],
      checking: ['checking', 'Checking…'],
      valid: ['valid', warnings > 0 ? `Valid, with ${warnings} warning${warnings === 1 ? '' : 's'}` : 'Valid: no problems found'],
      invalid: ['invalid', `${errors} problem${errors === 1 ? '' : 's'} found`],
      syntax: ['invalid', 'JSON syntax error'],
      unavailable: ['unavailable', `Could not check the rule: ${validationNote}`],
    };
    const [cls, text] = states[validity] ?? ['', ''];
    editorStatus.className = `editor-status ${cls ? `is-${cls}` : ''}`;
    replace(editorStatus, text ? h('span', { class: 'status-dot', 'aria-hidden': 'true' }) : null, text);
  }

  function renderProblems() {
    // The first pointer-less problem of a refused save is its summary ("the rule is not valid", "2 tests fail").
    const summaryIndex = saveProblems.length > 1 ? saveProblems.findIndex((p) => p.pointer === undefined && p.line === undefined) : -1;
    const saveSummary = summaryIndex >= 0 ? saveProblems[summaryIndex]?.message : undefined;
    const saveList = saveProblems.filter((_, i) => i !== summaryIndex);
    const same = (/** @type {Problem} */ a, /** @type {Problem} */ b) => a.message === b.message && a.pointer === b.pointer;
    const live = liveProblems.filter((p) => !saveList.some((q) => same(p, q)));
    const all = [...saveList, ...live];
    editor.setMarkers(all.filter((p) => p.line !== undefined).map((p) => ({ line: /** @type {number} */ (p.line), message: p.message, severity: p.severity })));
    renderValidity();
    /** @param {Problem} p */
    const item = (p) => {
      const where = p.line !== undefined ? `Line ${p.line}${p.column ? `:${p.column}` : ''}` : 'Rule';
      const content = [h('span', { class: 'problem-where' }, where), p.pointer ? h('code', { class: 'problem-pointer' }, p.pointer) : null, h('span', { class: 'problem-message' }, p.message)];
      return h(
        'li',
        { class: `problem problem-${p.severity}`, dataset: { line: String(p.line ?? '') } },
        p.line !== undefined ? h('button', { type: 'button', class: 'problem-button', onclick: () => editor.revealLine(/** @type {number} */ (p.line)), title: 'Show in the editor' }, content) : h('div', { class: 'problem-button' }, content)
      );
    };
    replace(
      problemsBox,
      saveProblems.length > 0
        ? h('div', { class: 'problems-group', id: 'save-problems' }, h('h3', {}, `Not saved${saveSummary ? `: ${saveSummary}` : ': the service refused this version'}`), saveList.length > 0 ? h('ul', { 'aria-label': 'Why it was not saved' }, saveList.map(item)) : null)
        : null,
      live.length > 0 ? h('div', { class: 'problems-group' }, h('h3', { class: 'visually-hidden' }, 'Problems'), h('ul', { 'aria-label': 'Problems' }, live.map(item))) : null
    );
  }

  function renderChrome() {
    if (!current) {
      return;
    }
    const dirty = isDirty();
    const canEdit = ctx.canEdit();
    const d = draft;
    const title = d?.ok && typeof d.value?.title === 'string' ? d.value.title : current.title;
    replace(
      heading,
      h('h1', { id: 'rule-title' }, current.isNew ? `New rule: ${title || current.id}` : title || current.id),
      h(
        'p',
        { class: 'rule-subtitle' },
        h('code', {}, current.id),
        current.isNew ? h('span', { class: 'badge badge-new' }, 'Not saved yet') : [statusBadge(current.status), indicatorBadge(current.indicator), h('span', { class: 'rule-version' }, `v${current.version}`)],
        dirty && !current.isNew ? h('span', { class: 'dirty-flag', id: 'dirty-flag' }, '● Unsaved changes') : null
      )
    );
    const readonlyReason = 'You are signed in as a viewer. You can edit the draft to preview and test it, but saving, enabling, disabling and deleting need the editor role.';
    const saveButton = h(
      'button',
      {
        type: 'button',
        id: 'save-button',
        class: 'button-primary',
        disabled: !canEdit || saving || (!dirty && !current.isNew),
        ...(canEdit ? {} : { 'aria-describedby': 'readonly-note' }),
        onclick: () => save(),
      },
      saving ? 'Saving…' : current.isNew ? 'Create rule' : 'Save',
      h('kbd', { class: 'shortcut', 'aria-hidden': 'true' }, navigator.platform.startsWith('Mac') ? '⌘S' : 'Ctrl+S')
    );
    const discard = dirty && !current.isNew ? h('button', { type: 'button', class: 'button-secondary', id: 'discard-button', onclick: () => discardChanges() }, 'Discard changes') : null;
    const toggle = current.isNew
      ? null
      : h(
          'button',
          {
            type: 'button',
            class: 'button-secondary',
            id: 'toggle-status-button',
            disabled: !canEdit || saving,
            ...(canEdit ? {} : { 'aria-describedby': 'readonly-note' }),
            onclick: () => toggleStatus(),
          },
          current.status === 'active' ? 'Disable' : 'Enable'
        );
    const del = current.isNew
      ? h('button', { type: 'button', class: 'button-ghost', onclick: () => discardNew() }, 'Cancel')
      : h(
          'button',
          { type: 'button', class: 'button-danger-ghost', id: 'delete-button', disabled: !canEdit || saving, ...(canEdit ? {} : { 'aria-describedby': 'readonly-note' }), onclick: () => deleteRule() },
          'Delete'
        );
    replace(toolbar, saveButton, discard, toggle, del);
    replace(
      notes,
      canEdit ? null : h('p', { class: 'note note-readonly', id: 'readonly-note' }, h('strong', {}, 'Read-only. '), readonlyReason),
      conflict
        ? h(
            'div',
            { class: 'banner banner-error conflict', role: 'alert', id: 'conflict-banner' },
            h('strong', {}, 'Not saved: this rule was changed by someone else since you opened it (412). '),
            'Load the current version to see their change; your draft will be replaced, so copy it first if you want to re-apply it.',
            h(
              'div',
              { class: 'banner-actions' },
              h('button', { type: 'button', class: 'button-primary', id: 'conflict-reload', onclick: () => reloadCurrent(null, null) }, 'Load current version'),
              h('button', { type: 'button', class: 'button-secondary', onclick: () => copyDraft() }, 'Copy my draft')
            )
          )
        : null
    );
  }

  async function copyDraft() {
    try {
      await navigator.clipboard.writeText(editor.getValue());
      announce('Your draft is on the clipboard.', 'success');
    } catch {
      announce('The clipboard is not available: select the text in the editor and copy it.', 'error');
    }
  }

  function renderEmpty() {
    current = null;
    replace(
      workspace,
      h(
        'div',
        { class: 'empty-state' },
        h('h1', {}, 'Choose a rule'),
        h('p', {}, 'Pick a rule from the list to edit it, preview its cards and see its history, or create a new one.'),
        h('ul', { class: 'key-help' }, h('li', {}, h('kbd', {}, '/'), ' filter rules'), h('li', {}, h('kbd', {}, '↑'), h('kbd', {}, '↓'), ' move, ', h('kbd', {}, 'Enter'), ' open'), h('li', {}, h('kbd', {}, 'Ctrl'), '+', h('kbd', {}, 'S'), ' save'))
      )
    );
  }

  function mountWorkspace() {
    if (!workspace.contains(editor.element)) {
      replace(
        workspace,
        h('div', { class: 'workspace-head' }, heading, toolbar),
        notes,
        h(
          'div',
          { class: 'workspace-body' },
          h('div', { class: 'editor-column' }, h('div', { class: 'editor-label-row' }, h('label', { for: 'rule-editor', class: 'editor-label' }, 'Rule JSON'), editorStatus), editor.element, problemsBox, editorHelp),
          inspector
        )
      );
      selectTab(tab, false);
    }
  }

  /**
   * @param {string} text
   * @returns {string}
   */
  const displayText = (text) => {
    if (!text.includes('\n') && text.length > 120) {
      try {
        return `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
      } catch {
        return text;
      }
    }
    return text;
  };

  /**
   * @param {string} text
   * @param {{ id: string, isNew: boolean, etag: string | null }} meta
   */
  function loadIntoEditor(text, meta) {
    /** @type {any} */
    let value = {};
    try {
      value = JSON.parse(text);
    } catch {
      value = {};
    }
    current = {
      id: meta.id,
      isNew: meta.isNew,
      etag: meta.etag,
      savedText: meta.isNew ? '' : text,
      title: String(value.title ?? meta.id),
      status: String(value.status ?? 'active'),
      version: String(value.version ?? ''),
      indicator: String(value.indicator ?? ''),
    };
    saveProblems = [];
    liveProblems = [];
    conflict = false;
    validity = 'idle';
    mountWorkspace();
    editor.setValue(text);
    parseDraft();
    renderChrome();
    scheduleValidate.cancel();
    void validateNow();
    for (const p of Object.values(panels)) {
      p.ruleChanged();
    }
    panels[tab].activate();
    renderList();
  }

  /** @param {string} id */
  async function open(id) {
    if (current && current.id === id && !current.isNew) {
      ctx.navigate(`#/rules/${encodeURIComponent(id)}`);
      return;
    }
    ctx.navigate(`#/rules/${encodeURIComponent(id)}`);
  }

  /** @param {string} id */
  async function load(id) {
    const seq = ++loadSeq;
    mountWorkspace();
    replace(heading, h('h1', {}, id), h('p', { class: 'muted' }, 'Loading…'));
    try {
      const res = await api('GET', rulePath(id));
      if (seq !== loadSeq) {
        return;
      }
      loadIntoEditor(displayText(res.text), { id, isNew: false, etag: res.etag });
      const index = filtered().findIndex((r) => r.id === id);
      if (index >= 0) {
        activeIndex = index;
        renderList();
      }
      document.getElementById(`rule-option-${id}`)?.scrollIntoView({ block: 'nearest' });
    } catch (err) {
      if (seq !== loadSeq) {
        return;
      }
      current = null;
      // A rule deleted through the console or the API still has its history: show it read-only, to restore.
      if (err instanceof ApiError && err.status === 404) {
        /** @type {any[]} */
        let changes = [];
        try {
          const res = await api('GET', `${rulePath(id)}/history?limit=1`);
          changes = Array.isArray(res.data?.changes) ? res.data.changes : [];
        } catch {
          changes = [];
        }
        if (seq !== loadSeq) {
          return;
        }
        const last = changes[changes.length - 1];
        if (last && last.action === 'delete') {
          renderDeleted(id, last);
          return;
        }
      }
      replace(workspace, h('div', { class: 'empty-state' }, h('h1', {}, `Cannot open ${id}`), h('p', { class: 'form-error', role: 'alert' }, ctx.describeError(err)), h('p', {}, h('a', { href: '#/rules' }, 'Back to the rule list'))));
    }
  }

  /**
   * The read-only workspace of a deleted rule: what happened, and its History with "Restore this version".
   * @param {string} id
   * @param {any} deletion - Its newest history entry (the delete).
   */
  function renderDeleted(id, deletion) {
    deletedRule = { id, isNew: false, etag: null, savedText: '', title: id, status: 'deleted', version: '', indicator: '' };
    const canEdit = ctx.canEdit();
    replace(
      workspace,
      h(
        'div',
        { class: 'deleted-workspace', id: 'deleted-workspace' },
        h('div', { class: 'rule-heading' }, h('h1', { id: 'rule-title' }, `Deleted rule: ${id}`), h('p', { class: 'rule-subtitle' }, h('code', {}, id), h('span', { class: 'badge badge-error' }, 'Deleted'))),
        h(
          'div',
          { class: 'note', role: 'note' },
          h('strong', {}, `This rule was deleted (#${deletion.seq}, by ${String(deletion.author ?? 'unknown')}, ${formatTime(deletion.at)}). `),
          `Clinicians do not see its cards. ${canEdit ? 'To bring it back, restore a version from its history below: it is validated and tested like any change, and the restore is recorded in the history.' : 'An editor can restore a version from its history below.'}`
        ),
        h('div', { class: 'inspector deleted-history' }, deletedHistory.el)
      )
    );
    deletedHistory.ruleChanged();
    deletedHistory.activate();
    renderList();
  }

  /**
   * Re-reads the open rule from the server (after a conflict, enable/disable or rollback).
   * @param {string | null} text
   * @param {string | null} etag
   */
  async function reloadCurrent(text, etag) {
    if (!current) {
      return;
    }
    const id = current.id;
    try {
      if (text === null || etag === null) {
        const res = await api('GET', rulePath(id));
        text = displayText(res.text);
        etag = res.etag;
      }
      const scroll = editor.textarea.scrollTop;
      loadIntoEditor(text, { id, isNew: false, etag });
      editor.textarea.scrollTop = scroll;
      editor.textarea.dispatchEvent(new Event('scroll'));
      announce(`Loaded the current version of ${id}.`);
    } catch (err) {
      announce(ctx.describeError(err, 'reload the rule'), 'error');
    }
  }

  async function save() {
    if (!current || saving) {
      return;
    }
    if (!ctx.canEdit()) {
      announce('Not saved: you are signed in as a viewer, and saving needs the editor role.', 'error');
      document.getElementById('readonly-note')?.classList.add('is-flashing');
      setTimeout(() => document.getElementById('readonly-note')?.classList.remove('is-flashing'), 1200);
      return;
    }
    if (!isDirty()) {
      announce('No changes to save.');
      return;
    }
    const d = parseDraft();
    if (!d.ok) {
      announce(`Not saved: fix the JSON syntax error on line ${d.error.position.line} first.`, 'error');
      editor.revealLine(d.error.position.line);
      return;
    }
    scheduleValidate.cancel();
    saving = true;
    renderChrome();
    const sentText = editor.getValue();
    const rule = current;
    /** @type {import('./api.js').ApiResponse} */
    let res;
    try {
      res = rule.isNew ? await api('POST', 'rules', { body: d.value }) : await api('PUT', rulePath(rule.id), { body: d.value, ifMatch: rule.etag });
    } catch (err) {
      saving = false;
      if (err instanceof ApiError && err.status === 412) {
        conflict = true;
        announce('Not saved: someone else changed this rule since you opened it.', 'error');
      } else if (err instanceof ApiError && (err.status === 400 || err.status === 409 || err.status === 422)) {
        saveProblems = err.problems.length > 0 ? err.problems.map((p) => locate(p, d, 'error')) : [{ message: err.message, severity: 'error' }];
        announce(`Not saved: ${err.problems.length || 1} problem${err.problems.length === 1 ? '' : 's'}. See the list under the editor.`, 'error');
      } else {
        const message = ctx.describeError(err, 'save');
        saveProblems = [{ message, severity: 'error' }];
        announce(message, 'error');
      }
      renderProblems();
      renderChrome();
      return;
    }
    // The PUT (or POST) answered 2xx: the version is stored and serving, whatever happens next. Its answer is
    // the stored text with its ETag, so nothing more is asked of the service to show it (a failed follow-up
    // GET reported the saved change as "Could not save").
    const id = rule.isNew ? String(d.value?.id ?? rule.id) : rule.id;
    saving = false;
    saveProblems = [];
    const stored = typeof res.text === 'string' && res.text !== '' ? displayText(res.text) : sentText;
    current = { ...rule, id, isNew: false, etag: res.etag, savedText: sentText, title: String(d.value?.title ?? id), status: String(d.value?.status ?? rule.status), version: String(d.value?.version ?? ''), indicator: String(d.value?.indicator ?? '') };
    if (editor.getValue() === sentText && stored !== sentText) {
      // The service may format the rule differently: show it as stored.
      const scroll = editor.textarea.scrollTop;
      editor.setValue(stored);
      editor.textarea.scrollTop = scroll;
    }
    if (editor.getValue() === stored || editor.getValue() === sentText) {
      current = { ...current, savedText: editor.getValue() === stored ? stored : sentText };
    }
    parseDraft();
    renderProblems();
    renderChrome();
    let refreshNote = '';
    try {
      await Promise.all([loadRules(), ctx.refreshStatus()]);
    } catch (err) {
      refreshNote = ` Saved, but the view could not be refreshed: ${ctx.describeError(err)}`;
    }
    const version = ctx.status()?.ruleSetVersion;
    announce(`Saved ${id}${version ? `: rule set ${version.slice(0, 12)} is now serving` : ''}.${failingNote(res.failingTests, 'already failing before this change')}${refreshNote}`, 'success');
    if (rule.isNew) {
      ctx.navigate(`#/rules/${encodeURIComponent(id)}`, { skipGuard: true });
      renderChrome();
      renderList();
      document.getElementById(`rule-option-${id}`)?.scrollIntoView({ block: 'nearest' });
    } else {
      renderChrome();
      renderList();
      panels.history.ruleChanged();
      panels[tab].activate();
    }
  }

  async function discardChanges() {
    if (!current || !isDirty()) {
      return;
    }
    const ok = await confirmDialog({ title: 'Discard your changes?', body: [`The editor goes back to the saved version of ${current.id}.`], confirmLabel: 'Discard changes', danger: true });
    if (ok && current) {
      loadIntoEditor(current.savedText, { id: current.id, isNew: false, etag: current.etag });
      announce('Changes discarded.');
    }
  }

  async function discardNew() {
    if (current?.isNew) {
      current = null;
      ctx.navigate('#/rules', { skipGuard: true });
      renderEmpty();
      renderList();
    }
  }

  /**
   * " N test cases of other rules fail (…)" after a change that saved although they fail.
   * @param {string[]} failing @param {string} why
   */
  const failingNote = (failing, why) =>
    failing.length === 0 ? '' : ` ${failing.length} test case${failing.length === 1 ? '' : 's'} of other rules fail (${why}): ${failing.slice(0, 6).join(', ')}${failing.length > 6 ? ', …' : ''}.`;

  /**
   * A disable or delete refused because it makes other rules' test cases fail (409 acknowledge-failing-tests):
   * names the cases and asks whether to go ahead.
   * @param {unknown} err @param {'Disable' | 'Delete'} verb @param {string} id
   * @returns {Promise<boolean | null>} null when `err` is not that refusal.
   */
  async function confirmFailingTests(err, verb, id) {
    if (!(err instanceof ApiError && err.status === 409 && err.body && /** @type {any} */ (err.body).id === 'acknowledge-failing-tests')) {
      return null;
    }
    const cases = err.problems.slice(1);
    return confirmDialog({
      title: `${verb === 'Disable' ? 'Disabling' : 'Deleting'} ${id} makes ${cases.length} test case${cases.length === 1 ? '' : 's'} of other rules fail`,
      body: [
        `With ${id} ${verb === 'Disable' ? 'disabled' : 'deleted'}, these cases of other rules no longer give the card they expect: a rule that ${id} replaced fires again (clinicians see its card instead), or a rule falls silent.`,
        h('ul', { class: 'failing-tests', id: 'failing-tests-list' }, cases.map((p) => h('li', {}, h('code', {}, `${(p.file ?? '').replace(/\.json$/, '')}${p.pointer ?? ''}`), ` ${p.message}`))),
        'Nothing has changed yet. Go ahead only if those cards are what clinicians should see now; the cases are reported on later saves (not counted against them) until they pass again.',
      ],
      confirmLabel: `${verb} anyway`,
      danger: true,
    });
  }

  async function toggleStatus() {
    if (!current || current.isNew) {
      return;
    }
    if (isDirty()) {
      announce('Save or discard your changes first: enabling or disabling changes the stored rule.', 'error');
      return;
    }
    const action = current.status === 'active' ? 'disable' : 'enable';
    if (action === 'disable') {
      const ok = await confirmDialog({
        title: `Disable ${current.id}?`,
        body: ['Clinicians will stop seeing this warning as soon as the rule set reloads. You can enable it again at any time.'],
        confirmLabel: 'Disable rule',
        danger: true,
      });
      if (!ok) {
        return;
      }
    }
    saving = true;
    renderChrome();
    const id = current.id;
    const etag = current.etag;
    try {
      /** @param {boolean} acknowledge */
      const send = (acknowledge) => api('POST', `${rulePath(id)}/${action}${acknowledge ? '?acknowledgeFailingTests=true' : ''}`, { ifMatch: etag });
      let res;
      try {
        res = await send(false);
      } catch (err) {
        const go = action === 'disable' ? await confirmFailingTests(err, 'Disable', id) : null;
        if (go === null) {
          throw err;
        }
        if (!go) {
          saving = false;
          renderChrome();
          announce(`${id} was not disabled.`);
          return;
        }
        res = await send(true);
      }
      saving = false;
      await reloadCurrent(null, null);
      await Promise.all([loadRules(), ctx.refreshStatus()]);
      announce(`${current?.id ?? 'Rule'} is now ${action === 'enable' ? 'active' : 'disabled'}.${failingNote(res.failingTests, action === 'disable' ? 'acknowledged, or already failing' : 'already failing before this change')}`, 'success');
    } catch (err) {
      saving = false;
      if (err instanceof ApiError && err.status === 412) {
        conflict = true;
      }
      announce(ctx.describeError(err, action), 'error');
      renderChrome();
    }
  }

  async function deleteRule() {
    if (!current || current.isNew) {
      return;
    }
    const id = current.id;
    const ok = await confirmDialog({
      title: `Delete ${id}?`,
      body: [
        h('span', {}, 'This removes ', h('code', {}, `rules/${id}.json`), ' and clinicians stop seeing its cards. The deletion is recorded in the history.'),
        'To stop the warning for now but keep the rule, disable it instead.',
      ],
      confirmLabel: 'Delete rule',
      danger: true,
    });
    if (!ok) {
      return;
    }
    const etag = current.etag;
    try {
      /** @param {boolean} acknowledge */
      const send = (acknowledge) => api('DELETE', `${rulePath(id)}${acknowledge ? '?acknowledgeFailingTests=true' : ''}`, { ifMatch: etag });
      let res;
      try {
        res = await send(false);
      } catch (err) {
        const go = await confirmFailingTests(err, 'Delete', id);
        if (go === null) {
          throw err;
        }
        if (!go) {
          announce(`${id} was not deleted.`);
          return;
        }
        res = await send(true);
      }
      current = null;
      await Promise.all([loadRules(), ctx.refreshStatus()]);
      ctx.navigate('#/rules');
      renderEmpty();
      announce(`Deleted ${id}.${failingNote(res.failingTests, 'acknowledged, or already failing')}`, 'success');
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) {
        conflict = true;
        renderChrome();
      }
      announce(ctx.describeError(err, 'delete the rule'), 'error');
    }
  }

  async function createNewRule() {
    if (!ctx.canEdit()) {
      announce('Creating rules needs the editor role; you are signed in as a viewer.', 'error');
      return;
    }
    // The new rule's template replaces the editor's content (and the route guard is skipped below).
    if (isDirty()) {
      const discard = await confirmDialog({
        title: 'Discard unsaved changes?',
        body: [current && !current.isNew ? `Your changes to ${current.id} are not saved. They will be lost.` : 'The new rule you are writing is not saved yet. It will be lost.'],
        confirmLabel: 'Discard changes',
        cancelLabel: 'Keep editing',
        danger: true,
      });
      if (!discard) {
        return;
      }
    }
    const values = await formDialog({
      title: 'New rule',
      intro: 'The rule starts disabled, so it shows nothing to clinicians until you enable it.',
      fields: [
        { name: 'id', label: 'Rule id', hint: 'Lower-case words joined by hyphens, e.g. opioid-gabapentinoid. It becomes the file name and cannot be changed later.', pattern: RULE_ID_PATTERN },
        { name: 'title', label: 'Title', hint: 'A short name clinicians and informaticists recognise.' },
      ],
      submitLabel: 'Create draft',
    });
    if (!values) {
      return;
    }
    const id = values.id ?? '';
    if (rules.some((r) => r.id === id)) {
      announce(`A rule called ${id} already exists.`, 'error');
      return;
    }
    const template = {
      $schema: './schema/rule.schema.json',
      id,
      title: values.title,
      description: 'What the rule warns about, and when it does not apply.',
      version: '0.1.0',
      status: 'disabled',
      indicator: 'warning',
      conditions: { all: [{ fact: 'orderClasses', operator: 'containsAny', value: ['opioid-analgesic'] }] },
      card: {
        summary: 'One sentence, under 140 characters, that tells the clinician the problem.',
        detail: 'Why this matters for this patient.\n\n**What to do**\n\n- First step.\n- Second step.',
        overrideReasons: [{ code: 'benefit-outweighs-risk', display: 'Benefit outweighs the risk for this patient' }],
      },
      evidence: [{ label: 'Guideline or source', url: 'https://example.org/replace-with-the-source' }],
      tests: [],
    };
    ctx.navigate('#/new', { skipGuard: true });
    loadIntoEditor(`${JSON.stringify(template, null, 2)}\n`, { id, isNew: true, etag: null });
    editor.focus();
  }

  const el = h('div', { class: 'rules-layout' }, sidebar, workspace);
  let listLoaded = false;

  return {
    el,
    /** @param {string[]} route */
    async show(route) {
      const canEdit = ctx.canEdit();
      newButton.disabled = !canEdit;
      newButton.title = canEdit ? 'Create a rule (it starts disabled)' : 'Creating rules needs the editor role';
      if (!listLoaded) {
        listLoaded = true;
        renderList();
        await loadRules();
      }
      const [section, id] = route;
      if (section === 'new') {
        if (!current?.isNew) {
          ctx.navigate('#/rules');
        }
        renderChrome();
        return;
      }
      if (id) {
        if (!current || current.id !== id || current.isNew) {
          await load(id);
        } else {
          renderChrome();
        }
      } else if (!current || current.isNew) {
        renderEmpty();
      } else {
        current = null;
        renderEmpty();
      }
      renderList();
    },
    isDirty,
    openRule: () => (current ? { id: current.id, isNew: current.isNew } : null),
    save: () => void save(),
    focusFilter: () => filterInput.focus(),
  };
}
