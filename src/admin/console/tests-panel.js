// @ts-check
/**
 * Tests: runs the rule's own test cases (its `tests` list) and shows pass/fail per case. The draft
 * is tested when it has unsaved changes (POST /admin/api/test), the stored rule otherwise
 * (POST /admin/api/rules/{id}/test).
 */
import { ApiError, api, rulePath } from './api.js';
import { h, replace } from './dom.js';
import { announce } from './ui.js';

/**
 * @param {import('./app.js').Context} ctx
 * @param {import('./rules-view.js').PanelHost} host
 */
export function createTestsPanel(ctx, host) {
  let runSeq = 0;
  const runButton = h('button', { type: 'button', class: 'button-primary', id: 'run-tests' }, 'Run tests');
  const summary = h('span', { class: 'tests-summary', id: 'tests-summary' });
  const result = h('div', { class: 'tests-result' }, h('p', { class: 'muted' }, 'Each case is a stored CDS Hooks request and what this rule must do with it.'));
  const el = h('div', { class: 'panel tests-panel' }, h('div', { class: 'panel-actions' }, runButton, summary), result);
  runButton.addEventListener('click', () => void run());

  async function run() {
    const rule = host.rule();
    if (!rule) {
      return;
    }
    const d = host.draft();
    if (!d.ok) {
      replace(result, h('p', { class: 'form-error', role: 'alert' }, `Fix the JSON syntax error on line ${d.error.position.line} before running the tests.`));
      return;
    }
    const useDraft = host.isDirty() || rule.isNew;
    const seq = ++runSeq;
    runButton.disabled = true;
    summary.textContent = 'Running…';
    summary.className = 'tests-summary';
    result.setAttribute('aria-busy', 'true');
    try {
      const res = useDraft ? await api('POST', 'test', { body: { rule: d.value } }) : await api('POST', `${rulePath(rule.id)}/test`);
      if (seq !== runSeq) {
        return;
      }
      const results = Array.isArray(res.data?.results) ? res.data.results : [];
      const notes = Array.isArray(d.value?.tests) ? d.value.tests : [];
      const passed = results.filter((/** @type {any} */ r) => r.pass).length;
      const ok = res.data?.ok !== false && passed === results.length;
      summary.className = `tests-summary ${ok ? 'is-pass' : 'is-fail'}`;
      summary.textContent = results.length === 0 ? 'This rule has no test cases yet.' : `${passed} of ${results.length} passed${useDraft ? ' (draft)' : ''}`;
      replace(
        result,
        results.length === 0
          ? h('p', { class: 'muted' }, 'Add cases to the "tests" list: { "fixture": "rules/…/case.json", "expect": "warning" }.')
          : h(
              'table',
              { class: 'tests-table' },
              h('caption', { class: 'visually-hidden' }, 'Test results'),
              h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Result'), h('th', { scope: 'col' }, 'Case'), h('th', { scope: 'col' }, 'Expected'), h('th', { scope: 'col' }, 'Got'))),
              h(
                'tbody',
                {},
                results.map((/** @type {any} */ r, /** @type {number} */ i) => {
                  const note = r.note ?? notes[typeof r.index === 'number' ? r.index : i]?.note;
                  const name = String(r.fixture ?? '');
                  return h(
                    'tr',
                    { class: r.pass ? 'is-pass' : 'is-fail' },
                    h('td', {}, h('span', { class: `result-pill ${r.pass ? 'pass' : 'fail'}` }, r.pass ? '✓ Pass' : '✗ Fail')),
                    h('td', { class: 'case-cell' }, h('span', { class: 'case-name', title: name }, name.slice(name.lastIndexOf('/') + 1).replace(/\.json$/, '')), note ? h('span', { class: 'case-note' }, String(note)) : null, r.error ? h('span', { class: 'case-error' }, String(r.error)) : null),
                    h('td', {}, String(r.expect ?? '')),
                    h('td', {}, String(r.got ?? ''))
                  );
                })
              )
            )
      );
      announce(results.length === 0 ? 'No test cases.' : `Tests: ${passed} of ${results.length} passed.`, ok ? 'success' : 'error');
    } catch (err) {
      if (seq !== runSeq) {
        return;
      }
      summary.textContent = '';
      const problems = err instanceof ApiError ? err.problems : [];
      replace(result, h('div', { class: 'form-error', role: 'alert' }, h('p', {}, ctx.describeError(err)), problems.length > 1 ? h('ul', {}, problems.slice(1).map((p) => h('li', {}, p.pointer ? h('code', {}, p.pointer) : null, ' ', p.message))) : null));
    } finally {
      if (seq === runSeq) {
        runButton.disabled = false;
        result.removeAttribute('aria-busy');
      }
    }
  }

  return {
    el,
    activate() {},
    ruleChanged() {
      runSeq += 1;
      runButton.disabled = false;
      summary.textContent = '';
      replace(result, h('p', { class: 'muted' }, 'Each case is a stored CDS Hooks request and what this rule must do with it.'));
    },
  };
}
