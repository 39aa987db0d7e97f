// @ts-check
/**
 * Analytics: per rule, how often it fired and how clinicians answered (accepted / overridden), as an
 * inline SVG bar chart plus a table with rates and the top override reasons; and the snoozes, with
 * "Lift" for editors. A service without a store answers 503: that is shown as a plain note.
 */
import { ApiError, api } from './api.js';
import { formatTime, h, replace, svg } from './dom.js';
import { announce, confirmDialog } from './ui.js';

/**
 * @typedef {{ ruleId: string, fired: number, suppressed?: number, accepted: number, overridden: number, acceptedRate?: number, overriddenRate?: number, topOverrideReasons?: { code: string, display?: string, count: number }[], comments?: number }} RuleStats
 */

const SERIES = /** @type {const} */ ([
  ['fired', 'Fired'],
  ['accepted', 'Accepted'],
  ['overridden', 'Overridden'],
]);

/**
 * A horizontal grouped bar chart: one group per rule, one bar per series.
 * @param {RuleStats[]} stats
 * @returns {Element}
 */
export function barChart(stats) {
  const labelWidth = 230;
  const barHeight = 9;
  const gap = 2;
  const groupGap = 12;
  const chartWidth = 420;
  const width = labelWidth + chartWidth + 60;
  const groupHeight = SERIES.length * (barHeight + gap) + groupGap;
  const height = stats.length * groupHeight + 8;
  const max = Math.max(1, ...stats.flatMap((s) => SERIES.map(([k]) => Number(s[k]) || 0)));
  const summary = stats.map((s) => `${s.ruleId}: fired ${s.fired}, accepted ${s.accepted}, overridden ${s.overridden}`).join('; ');
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'aria-label': `Cards fired, accepted and overridden per rule. ${summary}`, class: 'bar-chart' });
  stats.forEach((s, i) => {
    const y0 = i * groupHeight + 4;
    const label = svg('text', { x: labelWidth - 8, y: y0 + (SERIES.length * (barHeight + gap)) / 2 + 4, 'text-anchor': 'end', class: 'chart-label' });
    label.textContent = s.ruleId;
    root.appendChild(label);
    SERIES.forEach(([key, name], j) => {
      const value = Number(s[key]) || 0;
      const y = y0 + j * (barHeight + gap);
      const w = Math.max(value > 0 ? 2 : 0, (value / max) * chartWidth);
      const bar = svg('rect', { x: labelWidth, y, width: w, height: barHeight, rx: 2, class: `bar bar-${key}` });
      const title = svg('title');
      title.textContent = `${s.ruleId}: ${name.toLowerCase()} ${value}`;
      bar.appendChild(title);
      root.appendChild(bar);
      const text = svg('text', { x: labelWidth + w + 4, y: y + barHeight - 1, class: 'chart-value' });
      text.textContent = String(value);
      root.appendChild(text);
    });
  });
  root.appendChild(svg('line', { x1: labelWidth, x2: labelWidth, y1: 0, y2: height, class: 'chart-axis' }));
  return root;
}

/** Snoozes shown at first, and added by each "Show more". */
const SNOOZE_PAGE = 100;
/** The most `GET snoozes` answers in one call (its `limit`, docs/admin-api.md); newest first. */
const SNOOZE_API_MAX = 1000;

/** @param {number | undefined} rate */
const pct = (rate) => (typeof rate === 'number' && Number.isFinite(rate) ? `${Math.round(rate * 100)}%` : '–');

/** @param {string} date yyyy-mm-dd @param {boolean} endOfDay */
const isoOf = (date, endOfDay) => new Date(`${date}T${endOfDay ? '23:59:59.999' : '00:00:00.000'}`).toISOString();

/** @param {Date} d */
const dayOf = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/**
 * @param {import('./app.js').Context} ctx
 */
export function createAnalyticsView(ctx) {
  const today = new Date();
  const from = h('input', { type: 'date', id: 'analytics-from', value: dayOf(new Date(today.getTime() - 30 * 86_400_000)) });
  const to = h('input', { type: 'date', id: 'analytics-to', value: dayOf(today) });
  const statsBox = h('div', { class: 'analytics-stats', id: 'analytics-stats' });
  const activeOnly = h('input', { type: 'checkbox', id: 'snoozes-active', checked: true });
  const snoozeBox = h('div', { class: 'snoozes', id: 'snoozes' });
  const snoozeRule = h('select', { id: 'snoozes-rule' }, h('option', { value: '' }, 'All rules'));
  /** How many snoozes to show (the newest first); "Show more" raises it. */
  let snoozeWant = SNOOZE_PAGE;
  /** @type {Set<string>} */
  const knownRuleIds = new Set();
  const form = h(
    'form',
    { class: 'analytics-controls', 'aria-label': 'Period' },
    h('div', { class: 'form-row inline' }, h('label', { for: 'analytics-from' }, 'From'), from),
    h('div', { class: 'form-row inline' }, h('label', { for: 'analytics-to' }, 'To'), to),
    h('button', { type: 'submit', class: 'button-primary' }, 'Show')
  );
  const el = h(
    'div',
    { class: 'analytics-layout' },
    h('div', { class: 'analytics-head' }, h('h1', {}, 'Analytics'), form),
    h('section', { class: 'card-section', 'aria-labelledby': 'stats-title' }, h('h2', { id: 'stats-title' }, 'How clinicians answer each rule'), statsBox),
    h(
      'section',
      { class: 'card-section', 'aria-labelledby': 'snoozes-title' },
      h(
        'div',
        { class: 'section-head' },
        h('h2', { id: 'snoozes-title' }, 'Snoozes'),
        h('div', { class: 'snooze-filters' }, h('label', { for: 'snoozes-rule' }, 'Rule'), snoozeRule, h('label', { for: 'snoozes-active', class: 'checkbox-label' }, activeOnly, ' Active only'))
      ),
      h('p', { class: 'muted small' }, 'A snooze hides one rule for one patient after a clinician chose an override reason that snoozes. Lifting it makes the card show again at the next order.'),
      snoozeBox
    )
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void loadStats();
  });
  const refilter = () => {
    snoozeWant = SNOOZE_PAGE;
    void loadSnoozes();
  };
  activeOnly.addEventListener('change', refilter);
  snoozeRule.addEventListener('change', refilter);

  /** @param {Iterable<string>} ids Adds rule ids to the rule filter, keeping the choice. */
  function addRuleOptions(ids) {
    const before = knownRuleIds.size;
    for (const id of ids) {
      if (id) {
        knownRuleIds.add(id);
      }
    }
    if (knownRuleIds.size === before && snoozeRule.options.length > 1) {
      return;
    }
    const chosen = snoozeRule.value;
    replace(snoozeRule, h('option', { value: '' }, 'All rules'), [...knownRuleIds].sort().map((id) => h('option', { value: id }, id)));
    snoozeRule.value = chosen;
  }

  async function loadRuleIds() {
    try {
      const res = await api('GET', 'rules');
      addRuleOptions((Array.isArray(res.data?.rules) ? res.data.rules : []).map((/** @type {{ id: string }} */ r) => String(r.id)));
    } catch {
      // The filter still offers the rules seen among the snoozes.
    }
  }

  /** @param {unknown} err @param {string} what */
  const unavailable = (err, what) =>
    err instanceof ApiError && err.status === 503
      ? h('div', { class: 'note' }, h('strong', {}, `${what} are not available. `), 'This service runs without its store (the database that records cards and clinicians’ answers), so there is nothing to show. ', h('span', { class: 'muted' }, err.message))
      : h('p', { class: 'form-error', role: 'alert' }, ctx.describeError(err));

  async function loadStats() {
    statsBox.setAttribute('aria-busy', 'true');
    replace(statsBox, h('p', { class: 'muted' }, 'Loading…'));
    try {
      if (!from.value || !to.value || from.value > to.value) {
        replace(statsBox, h('p', { class: 'form-error', role: 'alert' }, 'Choose a start date on or before the end date.'));
        return;
      }
      const res = await api('GET', `analytics?from=${encodeURIComponent(isoOf(from.value, false))}&to=${encodeURIComponent(isoOf(to.value, true))}`);
      const data = res.data ?? {};
      /** @type {RuleStats[]} */
      const stats = (Array.isArray(data) ? data : Array.isArray(data.rules) ? data.rules : Array.isArray(data.stats) ? data.stats : []).slice().sort((/** @type {RuleStats} */ a, /** @type {RuleStats} */ b) => b.fired - a.fired || a.ruleId.localeCompare(b.ruleId));
      if (stats.every((s) => !s.fired && !s.accepted && !s.overridden && !s.suppressed)) {
        replace(statsBox, h('p', { class: 'muted' }, 'No cards were shown in this period.'));
        return;
      }
      // Cards withheld by snoozes are warnings clinicians did not see: never hidden behind "no cards".
      const withheld = stats.reduce((n, s) => n + (Number(s.suppressed) || 0), 0);
      const onlyWithheld = stats.every((s) => !s.fired && !s.accepted && !s.overridden);
      replace(
        statsBox,
        onlyWithheld ? h('p', { class: 'note', id: 'stats-only-withheld' }, `No cards were shown; ${withheld} ${withheld === 1 ? 'was' : 'were'} withheld by snoozes.`) : null,
        h('div', { class: 'chart-legend', 'aria-hidden': 'true' }, SERIES.map(([key, name]) => h('span', { class: 'legend-item' }, h('span', { class: `legend-swatch bar-${key}` }), name))),
        h('div', { class: 'chart-wrap' }, barChart(stats)),
        h(
          'table',
          { class: 'data-table' },
          h('caption', { class: 'visually-hidden' }, 'Figures per rule'),
          h(
            'thead',
            {},
            h('tr', {}, ['Rule', 'Fired', 'Accepted', 'Overridden', 'Snoozed away', 'Top override reasons', 'Comments'].map((t) => h('th', { scope: 'col' }, t)))
          ),
          h(
            'tbody',
            {},
            stats.map((s) =>
              h(
                'tr',
                {},
                h('th', { scope: 'row' }, h('a', { href: `#/rules/${encodeURIComponent(s.ruleId)}` }, s.ruleId)),
                h('td', { class: 'num' }, String(s.fired)),
                h('td', { class: 'num' }, `${s.accepted} (${pct(s.acceptedRate)})`),
                h('td', { class: 'num' }, `${s.overridden} (${pct(s.overriddenRate)})`),
                h('td', { class: 'num' }, String(s.suppressed ?? 0)),
                h('td', {}, (s.topOverrideReasons ?? []).length === 0 ? h('span', { class: 'muted' }, '–') : h('ul', { class: 'reasons' }, (s.topOverrideReasons ?? []).slice(0, 3).map((r) => h('li', {}, `${r.display ?? r.code} `, h('span', { class: 'muted' }, `×${r.count}`))))),
                h('td', { class: 'num' }, String(s.comments ?? 0))
              )
            )
          )
        )
      );
    } catch (err) {
      replace(statsBox, unavailable(err, 'Analytics'));
    } finally {
      statsBox.removeAttribute('aria-busy');
    }
  }

  async function loadSnoozes() {
    snoozeBox.setAttribute('aria-busy', 'true');
    try {
      // One more than shown tells whether the list goes on (the API gives no total).
      const query = new URLSearchParams();
      if (activeOnly.checked) {
        query.set('active', 'true');
      }
      if (snoozeRule.value) {
        query.set('ruleId', snoozeRule.value);
      }
      query.set('limit', String(Math.min(snoozeWant + 1, SNOOZE_API_MAX)));
      const res = await api('GET', `snoozes?${query}`);
      /** @type {any[]} */
      const all = Array.isArray(res.data) ? res.data : Array.isArray(res.data?.snoozes) ? res.data.snoozes : [];
      addRuleOptions(all.map((s) => String(s.ruleId ?? '')));
      const more = all.length > snoozeWant;
      const mayBeMore = !more && snoozeWant >= SNOOZE_API_MAX && all.length >= SNOOZE_API_MAX;
      const snoozes = all.slice(0, snoozeWant);
      const forRule = snoozeRule.value ? ` of ${snoozeRule.value}` : '';
      const kind = activeOnly.checked ? 'active snoozes' : 'snoozes';
      if (snoozes.length === 0) {
        replace(snoozeBox, h('p', { class: 'muted' }, `No ${kind}${forRule}.`));
        return;
      }
      const count =
        more || mayBeMore
          ? h(
              'div',
              { class: 'note snooze-more', id: 'snoozes-count', tabindex: -1 },
              h('strong', {}, `Showing the newest ${snoozes.length} ${kind}${forRule}; there ${more ? 'are' : 'may be'} more. `),
              snoozeRule.value ? null : 'Filter by rule to find older ones. ',
              more && snoozeWant < SNOOZE_API_MAX
                ? h(
                    'button',
                    {
                      type: 'button',
                      class: 'button-secondary button-small',
                      id: 'snoozes-more',
                      onclick: () => {
                        snoozeWant = Math.min(snoozeWant + SNOOZE_PAGE, SNOOZE_API_MAX);
                        // The list is redrawn: keep the keyboard where it was.
                        void loadSnoozes().then(() => (document.getElementById('snoozes-more') ?? document.getElementById('snoozes-count'))?.focus());
                      },
                    },
                    `Show ${Math.min(SNOOZE_PAGE, SNOOZE_API_MAX - snoozeWant)} more`
                  )
                : null
            )
          : h('p', { class: 'muted small', id: 'snoozes-count' }, `${snoozes.length} ${snoozes.length === 1 ? kind.replace(/s$/, '') : kind}${forRule}.`);
      const canEdit = ctx.canEdit();
      const now = Date.now();
      replace(
        snoozeBox,
        count,
        h(
          'table',
          { class: 'data-table' },
          h('caption', { class: 'visually-hidden' }, 'Snoozes'),
          h('thead', {}, h('tr', {}, ['Rule', 'Patient', 'Reason', 'Snoozed', 'Until', 'State', ''].map((t) => h('th', { scope: 'col' }, t)))),
          h(
            'tbody',
            {},
            snoozes.map((/** @type {any} */ s) => {
              const state = s.liftedAt ? `Lifted${s.liftedBy ? ` by ${s.liftedBy}` : ''}` : Date.parse(s.expiresAt) < now ? 'Expired' : 'Active';
              return h(
                'tr',
                {},
                h('th', { scope: 'row' }, String(s.ruleId)),
                h('td', {}, h('code', { title: 'Keyed hash of the patient (no identifier is stored)' }, String(s.patientKey ?? '').slice(0, 10))),
                h('td', {}, String(s.reasonCode ?? '')),
                h('td', {}, formatTime(s.createdAt)),
                h('td', {}, formatTime(s.expiresAt)),
                h('td', {}, state),
                h(
                  'td',
                  {},
                  state === 'Active'
                    ? h(
                        'button',
                        { type: 'button', class: 'button-secondary button-small', disabled: !canEdit, title: canEdit ? undefined : 'Lifting a snooze needs the editor role', onclick: () => void lift(s) },
                        'Lift'
                      )
                    : null
                )
              );
            })
          )
        )
      );
    } catch (err) {
      replace(snoozeBox, unavailable(err, 'Snoozes'));
    } finally {
      snoozeBox.removeAttribute('aria-busy');
    }
  }

  /** @param {any} snooze */
  async function lift(snooze) {
    const ok = await confirmDialog({
      title: 'Lift this snooze?',
      body: [`${snooze.ruleId} will warn again for this patient at the next order.`],
      confirmLabel: 'Lift snooze',
    });
    if (!ok) {
      return;
    }
    try {
      await api('POST', `snoozes/${encodeURIComponent(snooze.id)}/lift`);
      announce('Snooze lifted.', 'success');
      await loadSnoozes();
    } catch (err) {
      announce(ctx.describeError(err, 'lift the snooze'), 'error');
    }
  }

  return {
    el,
    async show() {
      await Promise.all([loadStats(), loadSnoozes(), loadRuleIds()]);
    },
    isDirty: () => false,
  };
}
