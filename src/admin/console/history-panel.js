// @ts-check
/**
 * History: every change to the rule (seq, action, author, time) with its unified diff, and
 * "Roll back to this version" for editors (POST /admin/api/rules/{id}/rollback).
 */
import { ApiError, api, rulePath } from './api.js';
import { formatTime, h, replace } from './dom.js';
import { announce, confirmDialog } from './ui.js';

/**
 * A unified diff as lines coloured by kind (added, removed, hunk header, context).
 * @param {string} diff
 * @returns {HTMLElement}
 */
export function renderDiff(diff) {
  // jsdiff's "Index:" and "=====" preamble says nothing the header does not.
  const lines = diff
    .replace(/\n$/, '')
    .split('\n')
    .filter((line) => !line.startsWith('Index: ') && !/^={10,}$/.test(line));
  return h(
    'pre',
    { class: 'diff', tabindex: 0, 'aria-label': 'Changes (unified diff)' },
    lines.map((line) => {
      const kind = line.startsWith('+++') || line.startsWith('---') ? 'file' : line.startsWith('@@') ? 'hunk' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : line.startsWith('\\') ? 'meta' : 'ctx';
      const label = kind === 'add' ? 'added: ' : kind === 'del' ? 'removed: ' : '';
      return h('span', { class: `diff-line diff-${kind}` }, label ? h('span', { class: 'visually-hidden' }, label) : null, `${line}\n`);
    })
  );
}

/** Changes asked for at first and added by "Show older changes"; the API's most in one answer. */
const HISTORY_PAGE = 100;
const HISTORY_MAX = 500;

/** @type {Record<string, string>} */
const ACTION_LABEL = { create: 'Created', update: 'Updated', delete: 'Deleted', enable: 'Enabled', disable: 'Disabled', rollback: 'Rolled back' };

/**
 * @param {import('./app.js').Context} ctx
 * @param {import('./rules-view.js').PanelHost} host
 */
export function createHistoryPanel(ctx, host) {
  let loadedFor = '';
  let seq = 0;
  /** How many of the newest changes are asked for (the API answers 100 by default, at most 500). */
  let pageSize = HISTORY_PAGE;
  const list = h('div', { class: 'history', id: 'history' });
  const refresh = h('button', { type: 'button', class: 'button-ghost button-small', onclick: () => void load() }, 'Refresh');
  const el = h('div', { class: 'panel history-panel' }, h('div', { class: 'panel-actions' }, h('h2', { class: 'panel-title' }, 'Changes'), refresh), list);

  async function load() {
    const rule = host.rule();
    if (!rule || rule.isNew) {
      replace(list, h('p', { class: 'muted' }, 'A new rule has no history until it is saved.'));
      return;
    }
    const mine = ++seq;
    if (loadedFor !== rule.id) {
      pageSize = HISTORY_PAGE;
    }
    loadedFor = rule.id;
    list.setAttribute('aria-busy', 'true');
    try {
      const res = await api('GET', `${rulePath(rule.id)}/history?limit=${pageSize}`);
      if (mine !== seq) {
        return;
      }
      const changes = (Array.isArray(res.data?.changes) ? res.data.changes : []).slice().sort((/** @type {any} */ a, /** @type {any} */ b) => Number(b.seq) - Number(a.seq));
      if (changes.length === 0) {
        replace(list, h('p', { class: 'muted' }, 'No recorded changes yet. Changes made through this console (or the admin API) appear here with their author.'));
        return;
      }
      const canEdit = ctx.canEdit();
      const older = Number(res.data?.olderChanges) || 0;
      // The newest recorded change is what serves only if the file still holds it: a hand edit, a deployment or a
      // git pull since then serves without being in the history yet (recorded at the next change through the API).
      const changedOutside = res.data?.fileMatchesLatest === false;
      const newest = changes[0];
      // A deleted rule (no file; its newest change the delete): every version with content can be restored.
      const deleted = newest?.action === 'delete' && !changedOutside;
      const outsideNote = changedOutside
        ? h(
            'div',
            { class: 'note history-outside', id: 'history-changed-outside', role: 'note' },
            h('strong', {}, `The rule file was changed outside the console since #${newest?.seq}. `),
            'What the editor shows is what is stored (and serving, if the rule set loaded it); that version is not in the history yet: it is recorded, credited to the rules/ folder, at the next change made here. ',
            canEdit && newest?.action !== 'delete' ? `To undo the outside change, roll back to #${newest?.seq}.` : null
          )
        : null;
      // A long history comes a page at a time: say what is left out, and offer the next older changes.
      const more =
        older === 0
          ? null
          : pageSize < HISTORY_MAX
            ? h(
                'p',
                { class: 'note small history-more' },
                `${older} older change${older === 1 ? ' is' : 's are'} not shown. `,
                h('button', { type: 'button', class: 'button-secondary button-small', onclick: () => { pageSize = Math.min(pageSize + HISTORY_PAGE, HISTORY_MAX); void load(); } }, 'Show older changes')
              )
            : h('p', { class: 'note small history-more' }, `${older} older change${older === 1 ? ' is' : 's are'} not shown here: read them with GET /admin/api/${rulePath(rule.id)}/history?before=${String(res.data?.nextBefore ?? '')}.`);
      replace(
        list,
        h(
          'ol',
          { class: 'history-list', reversed: true },
          changes.map((/** @type {any} */ c, /** @type {number} */ i) => {
            const latest = i === 0;
            // "current" only when the file holds it; otherwise rolling back to it undoes the outside change.
            const current = latest && !changedOutside;
            const canRollBack = canEdit && !current && c.action !== 'delete';
            return h(
              'li',
              { class: 'history-item', dataset: { seq: String(c.seq) } },
              h(
                'details',
                { open: latest },
                h(
                  'summary',
                  {},
                  h('span', { class: 'history-seq' }, `#${c.seq}`),
                  h('span', { class: `badge badge-action action-${c.action}` }, ACTION_LABEL[c.action] ?? String(c.action)),
                  h('span', { class: 'history-author' }, String(c.author ?? 'unknown')),
                  h('time', { class: 'history-time', dateTime: String(c.at ?? '') }, formatTime(c.at)),
                  current ? h('span', { class: 'badge badge-current' }, 'current') : null,
                  latest && changedOutside ? h('span', { class: 'badge badge-outside' }, 'file changed since') : null
                ),
                h(
                  'div',
                  { class: 'history-body' },
                  c.ruleSetVersion ? h('p', { class: 'muted small' }, `Rule set ${String(c.ruleSetVersion).slice(0, 12)}`) : null,
                  acknowledgedNote(c.acknowledgedFailingTests),
                  typeof c.diff === 'string' && c.diff.trim() !== ''
                    ? renderDiff(c.diff)
                    : typeof c.diffOmitted === 'string'
                      ? h('p', { class: 'note small' }, `No diff: ${c.diffOmitted}.`)
                      : h('p', { class: 'muted small' }, 'No textual change.'),
                  canRollBack
                    ? h('button', { type: 'button', class: 'button-secondary button-small rollback-button', onclick: () => void rollback(c, deleted) }, deleted ? 'Restore this version' : 'Roll back to this version')
                    : !canEdit && !current && c.action !== 'delete'
                      ? h('p', { class: 'muted small' }, 'Editors can roll back to this version.')
                      : null
                )
              )
            );
          })
        ),
        more
      );
      if (outsideNote) {
        list.prepend(outsideNote);
      }
    } catch (err) {
      if (mine !== seq) {
        return;
      }
      const message = err instanceof ApiError && err.status === 503 ? `History is not available: ${err.message.replace(/\.$/, '')}. It needs the service's store.` : ctx.describeError(err);
      replace(list, h('p', { class: err instanceof ApiError && err.status === 503 ? 'note' : 'form-error' }, message));
    } finally {
      if (mine === seq) {
        list.removeAttribute('aria-busy');
      }
    }
  }

  /**
   * @param {any} change
   * @param {boolean} restore - The rule is deleted: the rollback re-creates it (no If-Match).
   */
  async function rollback(change, restore) {
    const rule = host.rule();
    if (!rule) {
      return;
    }
    const ok = await confirmDialog({
      title: restore ? `Restore ${rule.id} from #${change.seq}?` : `Roll back ${rule.id} to #${change.seq}?`,
      body: restore
        ? [
            h('span', {}, `The rule's content from ${formatTime(change.at)} (by ${change.author}) is written back to `, h('code', {}, `rules/${rule.id}.json`), ' after it passes validation and its tests; if it is active, clinicians see its cards again. The restore is recorded in the history.'),
          ]
        : [
            `The rule's content from ${formatTime(change.at)} (by ${change.author}) becomes the current version after it passes validation and its tests. The rollback is recorded in the history.`,
            ...(host.isDirty() ? ['Your unsaved changes in the editor will be replaced.'] : []),
          ],
      confirmLabel: restore ? 'Restore rule' : 'Roll back',
      danger: !restore,
    });
    if (!ok) {
      return;
    }
    try {
      const res = await api('POST', `${rulePath(rule.id)}/rollback`, { body: { seq: change.seq }, ...(restore ? {} : { ifMatch: rule.etag }) });
      await host.replaceRule(res.data, null, null);
      await host.refreshRules();
      await load();
      announce(`${restore ? 'Restored' : 'Rolled back'} ${rule.id} ${restore ? 'from' : 'to'} #${change.seq}.`, 'success');
    } catch (err) {
      const details = err instanceof ApiError && err.problems.length > 1 ? `: ${err.problems.slice(1).map((p) => p.message).join('; ')}` : '';
      announce(`${ctx.describeError(err, 'roll back')}${details}`, 'error');
    }
  }

  return {
    el,
    activate() {
      const rule = host.rule();
      if (rule && rule.id !== loadedFor) {
        void load();
      }
    },
    ruleChanged() {
      loadedFor = '';
      seq += 1;
      replace(list, h('p', { class: 'muted' }, 'Loading…'));
    },
  };
}

/**
 * What the author acknowledged with a disable or delete: other rules' test cases it made fail (a rule it replaced
 * fires again, or a rule falls silent). Nothing when none were.
 * @param {unknown} cases - The change's `acknowledgedFailingTests` ("<rule file>/tests/<index>").
 */
function acknowledgedNote(cases) {
  if (!Array.isArray(cases) || cases.length === 0) {
    return null;
  }
  const n = cases.length;
  return h(
    'p',
    { class: 'note small history-acknowledged' },
    `Made ${n} test case${n === 1 ? '' : 's'} of other rules fail, acknowledged by the author: `,
    ...cases.flatMap((c, i) => [i > 0 ? ', ' : '', h('code', {}, String(c))])
  );
}
