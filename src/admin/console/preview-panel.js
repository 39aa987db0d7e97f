// @ts-check
/**
 * Preview: evaluates the draft rule against a stored fixture or a pasted CDS Hooks request
 * (POST /admin/api/dry-run; the draft replaces the stored rule for that one evaluation) and shows
 * the cards as an EHR would.
 */
import { ApiError, api } from './api.js';
import { renderCard } from './cards.js';
import { h, replace } from './dom.js';
import { announce } from './ui.js';

/**
 * @param {import('./app.js').Context} ctx
 * @param {import('./rules-view.js').PanelHost} host
 */
export function createPreviewPanel(ctx, host) {
  /** @type {string[] | null} */
  let fixtures = null;
  let fixturesError = '';
  let mode = /** @type {'fixture' | 'request'} */ ('fixture');
  let chosenFixture = '';
  let running = false;
  let runSeq = 0;

  const fixtureSelect = h('select', { id: 'preview-fixture', class: 'preview-fixture' });
  const requestInput = h('textarea', {
    id: 'preview-request',
    class: 'preview-request',
    rows: 8,
    spellcheck: false,
    placeholder: '{ "hook": "order-sign", "hookInstance": "…", "context": { … }, "prefetch": { … } }',
  });
  const modeFixture = h('input', { type: 'radio', name: 'preview-mode', id: 'preview-mode-fixture', value: 'fixture', checked: true });
  const modeRequest = h('input', { type: 'radio', name: 'preview-mode', id: 'preview-mode-request', value: 'request' });
  const fixtureRow = h('div', { class: 'form-row' }, h('label', { for: 'preview-fixture' }, 'Stored fixture'), fixtureSelect);
  const requestRow = h('div', { class: 'form-row', hidden: true }, h('label', { for: 'preview-request' }, 'CDS Hooks request (JSON)'), requestInput);
  const runButton = h('button', { type: 'submit', class: 'button-primary', id: 'preview-run' }, 'Preview cards');
  const result = h('div', { class: 'preview-result', id: 'preview-result' });
  const form = h(
    'form',
    { class: 'preview-form', 'aria-label': 'Preview request' },
    h(
      'fieldset',
      { class: 'segmented' },
      h('legend', { class: 'visually-hidden' }, 'Request to preview'),
      h('label', { for: 'preview-mode-fixture' }, modeFixture, ' Stored fixture'),
      h('label', { for: 'preview-mode-request' }, modeRequest, ' Paste a request')
    ),
    fixtureRow,
    requestRow,
    h('div', { class: 'form-actions' }, runButton, h('span', { class: 'hint' }, 'Uses the draft in the editor, saved or not.'))
  );
  const el = h('div', { class: 'panel preview-panel' }, form, result);

  for (const radio of [modeFixture, modeRequest]) {
    radio.addEventListener('change', () => {
      mode = modeRequest.checked ? 'request' : 'fixture';
      fixtureRow.hidden = mode !== 'fixture';
      requestRow.hidden = mode !== 'request';
    });
  }
  fixtureSelect.addEventListener('change', () => {
    chosenFixture = fixtureSelect.value;
    void run();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void run();
  });

  const loadFixtures = async () => {
    try {
      const res = await api('GET', 'fixtures');
      const raw = Array.isArray(res.data) ? res.data : Array.isArray(res.data?.fixtures) ? res.data.fixtures : [];
      fixtures = raw.map((/** @type {any} */ f) => (typeof f === 'string' ? f : String(f?.path ?? f?.fixture ?? ''))).filter(Boolean);
      fixturesError = '';
    } catch (err) {
      fixtures = [];
      fixturesError = ctx.describeError(err);
    }
    renderFixtures();
  };

  /** The fixtures this rule's own tests name, cards-first. @returns {string[]} */
  const ruleFixtures = () => {
    const d = host.draft();
    const tests = d.ok && Array.isArray(d.value?.tests) ? d.value.tests : [];
    return [...tests.filter((/** @type {any} */ t) => t?.expect !== 'silent'), ...tests.filter((/** @type {any} */ t) => t?.expect === 'silent')]
      .map((/** @type {any} */ t) => String(t?.fixture ?? ''))
      .filter(Boolean);
  };

  function renderFixtures() {
    if (!fixtures) {
      replace(fixtureSelect, h('option', { value: '' }, 'Loading fixtures…'));
      return;
    }
    if (fixtures.length === 0) {
      replace(fixtureSelect, h('option', { value: '' }, fixturesError || 'No stored fixtures'));
      return;
    }
    const own = ruleFixtures().filter((f) => fixtures?.includes(f));
    /** @type {Map<string, string[]>} */
    const groups = new Map();
    for (const f of fixtures) {
      const folder = f.includes('/') ? f.slice(0, f.lastIndexOf('/')) : '(top level)';
      groups.set(folder, [...(groups.get(folder) ?? []), f]);
    }
    /** @param {string} f @returns {string} */
    const label = (f) => f.slice(f.lastIndexOf('/') + 1).replace(/\.json$/, '');
    replace(
      fixtureSelect,
      own.length > 0 ? h('optgroup', { label: "This rule's test cases" }, own.map((f) => h('option', { value: f }, label(f)))) : null,
      [...groups].map(([folder, files]) => h('optgroup', { label: folder }, files.map((f) => h('option', { value: f }, label(f)))))
    );
    if (!chosenFixture || !fixtures.includes(chosenFixture)) {
      chosenFixture = own[0] ?? fixtures.find((f) => f.startsWith('order-sign/')) ?? fixtures[0] ?? '';
    }
    fixtureSelect.value = chosenFixture;
  }

  async function run() {
    const d = host.draft();
    if (!d.ok) {
      replace(result, h('p', { class: 'form-error', role: 'alert' }, `Fix the JSON syntax error on line ${d.error.position.line} before previewing.`));
      return;
    }
    /** @type {Record<string, unknown>} */
    const body = { rule: d.value };
    let label = '';
    if (mode === 'fixture') {
      if (!chosenFixture) {
        replace(result, h('p', { class: 'form-error', role: 'alert' }, 'Choose a fixture first.'));
        return;
      }
      body.fixture = chosenFixture;
      label = chosenFixture;
    } else {
      try {
        body.request = JSON.parse(requestInput.value);
      } catch (err) {
        replace(result, h('p', { class: 'form-error', role: 'alert' }, `The pasted request is not valid JSON: ${err instanceof Error ? err.message : String(err)}`));
        requestInput.focus();
        return;
      }
      label = 'the pasted request';
    }
    const seq = ++runSeq;
    running = true;
    runButton.disabled = true;
    result.setAttribute('aria-busy', 'true');
    replace(result, h('p', { class: 'muted loading' }, 'Evaluating…'));
    try {
      const res = await api('POST', 'dry-run', { body });
      if (seq !== runSeq) {
        return;
      }
      const cards = Array.isArray(res.data?.cards) ? res.data.cards : [];
      const ruleId = host.rule()?.id;
      /** @param {any} c */
      const isMine = (c) => c?.source?.topic?.code === ruleId;
      // This rule's cards first (the EHR's order otherwise kept), so the card being edited is in view.
      const ordered = [...cards.filter(isMine), ...cards.filter((/** @type {any} */ c) => !isMine(c))];
      const mine = ordered.filter(isMine).length;
      const requestName = mode === 'fixture' ? label.slice(label.lastIndexOf('/') + 1).replace(/\.json$/, '') : label;
      replace(
        result,
        h(
          'div',
          { class: 'preview-summary', id: 'preview-summary' },
          h(
            'p',
            {},
            h('strong', {}, cards.length === 0 ? 'No cards' : `${cards.length} card${cards.length === 1 ? '' : 's'}`),
            cards.length === 0 ? ': the EHR would show nothing for this request.' : h('span', {}, ` · ${mine === 0 ? 'none' : mine} from this rule`)
          ),
          h('p', { class: 'muted small' }, `${requestName}${res.data?.ruleSetVersion ? ` · rule set ${String(res.data.ruleSetVersion).slice(0, 12)} with your draft` : ''}`)
        ),
        h(
          'div',
          { class: 'cds-cards', role: 'list', 'aria-label': 'Cards as the EHR shows them' },
          ordered.map((/** @type {any} */ card) => h('div', { role: 'listitem' }, renderCard(card, { highlight: isMine(card), onAction: (m) => announce(m) })))
        )
      );
      const counts = cards.map((/** @type {any} */ c) => c.indicator).join(', ');
      announce(cards.length === 0 ? 'Preview: no cards.' : `Preview: ${cards.length} card${cards.length === 1 ? '' : 's'} (${counts}).`);
    } catch (err) {
      if (seq !== runSeq) {
        return;
      }
      const problems = err instanceof ApiError ? err.problems : [];
      replace(
        result,
        h('div', { class: 'form-error', role: 'alert' }, h('p', {}, err instanceof ApiError && err.status === 400 ? 'The preview could not run:' : ctx.describeError(err)), problems.length > 0 ? h('ul', {}, problems.map((p) => h('li', {}, p.pointer ? h('code', {}, p.pointer) : null, p.pointer ? ' ' : null, p.message))) : null)
      );
    } finally {
      if (seq === runSeq) {
        running = false;
        runButton.disabled = false;
        result.removeAttribute('aria-busy');
      }
    }
  }

  return {
    el,
    activate() {
      if (fixtures === null) {
        renderFixtures();
        void loadFixtures();
      }
    },
    ruleChanged() {
      chosenFixture = '';
      runSeq += 1;
      running = false;
      runButton.disabled = false;
      replace(result, h('p', { class: 'muted' }, 'Choose a request and press "Preview cards" to see what clinicians would see with the draft.'));
      if (fixtures) {
        renderFixtures();
      }
    },
    isRunning: () => running,
  };
}
