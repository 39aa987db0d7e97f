// @ts-check
/**
 * Console shell: sign-in, header (rule set version, role, sign out), the last reload error banner,
 * hash routing (#/rules/<id>, #/new, #/analytics) without page reloads, and global keys
 * (Ctrl/Cmd+S saves, "/" focuses the rule filter).
 */
import { ApiError, api, getToken, setToken } from './api.js';
import { h, replace, formatTime } from './dom.js';
import { announce, confirmDialog, formDialog } from './ui.js';
import { createRulesView } from './rules-view.js';
import { createAnalyticsView } from './analytics-view.js';

/**
 * @typedef {'viewer' | 'editor' | 'unknown'} Role
 * @typedef {{ name: string, role: Role, authOff?: boolean }} Principal
 * @typedef {{ ruleSetVersion?: string, loadedAt?: string, rules?: number, lastReloadError?: { at?: string, errors?: string[] } }} Status
 */

/**
 * @typedef {object} Context
 * @property {() => Principal} principal
 * @property {() => boolean} canEdit
 * @property {() => Promise<void>} refreshStatus
 * @property {() => Status | null} status
 * @property {(err: unknown, action?: string) => string} describeError - Handles 401 (signs out, or, while a draft is unsaved, keeps the views and asks for a new token) and 403 on writes (switches to read-only); returns the message to show.
 * @property {(hash: string, options?: { skipGuard?: boolean }) => void} navigate - Changes the route; skipGuard: the view has dealt with unsaved changes itself.
 */

const header = /** @type {HTMLElement} */ (document.getElementById('app-header'));
const bannerArea = /** @type {HTMLElement} */ (document.getElementById('banner-area'));
const main = /** @type {HTMLElement} */ (document.getElementById('main'));

/** @type {Principal | null} */
let principal = null;
/** @type {Status | null} */
let status = null;
/** @type {ReturnType<typeof setInterval> | undefined} */
let statusTimer;
/**
 * @typedef {{ el: HTMLElement, show(route: string[]): Promise<void> | void, isDirty(): boolean, save?(): void, focusFilter?(): void, openRule?(): { id: string, isNew: boolean } | null }} View
 */
/** @type {View | null} */
let currentView = null;
/** @type {string} */
let currentViewName = '';
let ignoreNextHashChange = false;
/**
 * The API refused the token (401) while a view held unsaved changes: the views are kept (the draft
 * with them) and a new token is asked for in a dialog, instead of signing out.
 */
let sessionLost = false;
let reauthOpen = false;
let skipGuardOnce = false;
let lastHash = location.hash;

/**
 * Finds out who the token belongs to. Uses GET /admin/api/whoami when the backend offers it, then
 * `principal` (or `user`) in the status response; otherwise the role is learnt from the first 403.
 * @param {Status & Record<string, any>} statusData
 * @returns {Promise<Principal>}
 */
async function resolvePrincipal(statusData) {
  /** @param {any} p @returns {Principal | null} */
  const fromObject = (p) => {
    if (!p || typeof p !== 'object') {
      return null;
    }
    const rawRole = String(p.role ?? (Array.isArray(p.roles) ? (p.roles.includes('editor') || p.roles.includes('cds-editor') ? 'editor' : p.roles[0]) : '') ?? '');
    const role = /editor/.test(rawRole) ? 'editor' : /viewer/.test(rawRole) ? 'viewer' : 'unknown';
    return { name: String(p.name ?? p.sub ?? p.author ?? 'signed in'), role, ...(p.authOff || p.auth === 'off' ? { authOff: true } : {}) };
  };
  try {
    const res = await api('GET', 'whoami');
    const p = fromObject(res.data);
    if (p) {
      return p;
    }
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      throw err;
    }
  }
  return fromObject(statusData.principal ?? statusData.user ?? statusData.you) ?? { name: 'signed in', role: 'unknown' };
}

/** @type {Context} */
const ctx = {
  principal: () => principal ?? { name: '', role: 'unknown' },
  canEdit: () => principal?.role !== 'viewer',
  refreshStatus,
  status: () => status,
  describeError(err, action) {
    if (!(err instanceof ApiError)) {
      return err instanceof Error ? err.message : String(err);
    }
    if (err.status === 401) {
      if (principal && dirtyView()) {
        keepDraftAndAskForToken(Boolean(action));
        return `${action ? `Could not ${action}: y` : 'Y'}our session is no longer accepted (401): the token may have expired or been revoked. Sign in again; your unsaved changes are kept.`;
      }
      signOut('Your session is no longer accepted (401): the token may have expired or been revoked. Sign in again.');
      return err.message;
    }
    if (err.status === 403 && action && principal && principal.role !== 'viewer') {
      // The server knows best: the token cannot write, so the console switches to read-only.
      principal = { ...principal, role: 'viewer' };
      renderHeader();
      currentView?.show(routeParts());
    }
    return action ? `Could not ${action}: ${err.message}` : err.message;
  },
  navigate(hash, options = {}) {
    if (location.hash !== hash) {
      skipGuardOnce = options.skipGuard === true;
      location.hash = hash;
    }
  },
};

async function refreshStatus() {
  try {
    const res = await api('GET', 'status');
    status = res.data;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      ctx.describeError(err);
      return;
    }
    status = null;
  }
  renderHeader();
  renderBanner();
}

function renderBanner() {
  const error = status?.lastReloadError;
  /** @type {HTMLElement[]} */
  const banners = [];
  if (sessionLost) {
    banners.push(
      h(
        'div',
        { class: 'banner banner-error', role: 'alert', id: 'session-lost' },
        h('strong', {}, 'Your session is no longer accepted (401). '),
        'The token may have expired or been revoked. Your unsaved changes are still here: sign in again to save them.',
        h('div', { class: 'banner-actions' }, h('button', { type: 'button', class: 'button-primary', id: 'session-lost-signin', onclick: () => void reauthenticate() }, 'Sign in again'))
      )
    );
  }
  if (principal?.authOff) {
    banners.push(h('div', { class: 'banner banner-warning', role: 'note' }, h('strong', {}, 'Admin authentication is off. '), 'Development setting (ADMIN_AUTH=off): anyone who can reach this service can change the rules.'));
  }
  if (error) {
    const errors = Array.isArray(error.errors) ? error.errors : [];
    banners.push(
      h(
        'div',
        { class: 'banner banner-error', role: 'alert', id: 'reload-error' },
        h('strong', {}, 'The rules folder does not load. '),
        `The last reload${error.at ? ` (${formatTime(error.at)})` : ''} was refused, so the previous rule set is still serving. Fix these problems:`,
        h('ul', {}, errors.slice(0, 8).map((e) => h('li', {}, h('code', {}, e)))),
        errors.length > 8 ? h('p', {}, `…and ${errors.length - 8} more.`) : null
      )
    );
  }
  replace(bannerArea, banners);
}

function renderHeader() {
  if (!principal) {
    replace(header, h('div', { class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'Rx'), h('span', {}, 'CDS rules console')));
    return;
  }
  const route = routeParts();
  // From Analytics, "Rules" goes back to the rule left open there (and its draft), not to the bare list.
  const open = route[0] === 'analytics' ? views.rules?.openRule?.() : null;
  const rulesHref = open ? (open.isNew ? '#/new' : `#/rules/${encodeURIComponent(open.id)}`) : '#/rules';
  const navLink = (/** @type {string} */ href, /** @type {string} */ label, /** @type {boolean} */ current) =>
    h('a', { href, class: `nav-link${current ? ' is-current' : ''}`, ...(current ? { 'aria-current': 'page' } : {}) }, label);
  const version = status?.ruleSetVersion;
  replace(
    header,
    h('div', { class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'Rx'), h('span', {}, 'CDS rules console')),
    h('nav', { class: 'main-nav', 'aria-label': 'Main' }, navLink(rulesHref, 'Rules', route[0] !== 'analytics'), navLink('#/analytics', 'Analytics', route[0] === 'analytics')),
    h(
      'div',
      { class: 'header-status' },
      version
        ? h(
            'span',
            { class: 'ruleset-version', title: `Rule set version ${version}${status?.loadedAt ? `, loaded ${formatTime(status.loadedAt)}` : ''}` },
            h('span', { class: 'muted' }, 'Rule set '),
            h('code', { id: 'ruleset-version' }, version.slice(0, 12)),
            typeof status?.rules === 'number' ? h('span', { class: 'muted' }, ` · ${status.rules} rules`) : null
          )
        : h('span', { class: 'muted' }, 'Rule set status unavailable'),
      status?.lastReloadError ? h('a', { href: '#reload-error', class: 'badge badge-error' }, 'Reload error') : null
    ),
    h(
      'div',
      { class: 'header-user' },
      h('span', { class: 'user-name', title: 'Signed in as' }, principal.name),
      h('span', { class: `badge badge-role role-${principal.role}`, id: 'user-role' }, principal.role === 'unknown' ? 'role unknown' : principal.role),
      principal.authOff ? null : h('button', { type: 'button', class: 'button-ghost', onclick: () => confirmLeave().then((ok) => ok && signOut('Signed out.')) }, 'Sign out')
    )
  );
}

/**
 * Only "#/..." hashes are routes; any other is an in-page anchor (the skip link's "#main", the
 * header's "#reload-error"), which must not close the open rule.
 * @param {string} hash
 */
const isRouteHash = (hash) => hash === '' || hash === '#' || hash.startsWith('#/');

/** Moves the focus (and the view) to an in-page anchor's target. @param {string} hash */
function focusAnchor(hash) {
  let id = hash.slice(1);
  try {
    id = decodeURIComponent(id);
  } catch {
    // keep it as written
  }
  const target = document.getElementById(id);
  if (!target) {
    return;
  }
  if (!target.hasAttribute('tabindex')) {
    target.setAttribute('tabindex', '-1');
  }
  target.scrollIntoView({ block: 'start' });
  target.focus();
}

/** @returns {string[]} The route; the rules list for an empty, malformed (e.g. "#/rules/%") or non-route hash. */
function routeParts() {
  const hash = isRouteHash(location.hash) ? location.hash.replace(/^#\/?/, '') : '';
  if (hash === '') {
    return ['rules'];
  }
  try {
    return hash.split('/').map((p) => decodeURIComponent(p));
  } catch {
    return ['rules']; // a "%" not followed by two hex digits: URIError
  }
}

/** @param {unknown} err @returns {boolean} The API refused the token (401) or its role (403). */
const isAuthRefusal = (err) => err instanceof ApiError && (err.status === 401 || err.status === 403);

/** @returns {View | null} A view holding unsaved changes (the current one or one kept in the background). */
function dirtyView() {
  return Object.values(views).find((v) => v.isDirty()) ?? null;
}

/**
 * A 401 while a draft is unsaved: forget the refused token, keep every view, and ask for a new token
 * (at once the first time; afterwards when the user acts, e.g. presses Save, not on background calls).
 * @param {boolean} userAction
 */
function keepDraftAndAskForToken(userAction) {
  const first = !sessionLost;
  sessionLost = true;
  setToken(null);
  renderBanner();
  if (first || userAction) {
    void reauthenticate();
  }
}

async function reauthenticate() {
  if (reauthOpen) {
    return;
  }
  reauthOpen = true;
  try {
    const values = await formDialog({
      title: 'Sign in again',
      intro: 'The service no longer accepts your token (401): it may have expired or been revoked. Your unsaved changes are kept. Paste a new token to go on.',
      fields: [{ name: 'token', label: 'Admin token', type: 'password', hint: 'The API token or OIDC access token you were given.' }],
      submitLabel: 'Sign in',
      cancelLabel: 'Not now',
      check: async (v) => {
        try {
          await resumeSession(v.token ?? '');
          return null;
        } catch (err) {
          return signInMessage(err);
        }
      },
    });
    if (values) {
      announce(`Signed in again as ${ctx.principal().name}. Your unsaved changes are kept: save them when ready.`, 'success');
    }
  } finally {
    reauthOpen = false;
  }
}

/**
 * Takes a new token without dropping the views (and the drafts they hold).
 * @param {string} token
 */
async function resumeSession(token) {
  const res = await api('GET', 'status', { token });
  setToken(token);
  try {
    principal = await resolvePrincipal(res.data);
  } catch (err) {
    setToken(null);
    throw err;
  }
  status = res.data;
  sessionLost = false;
  renderHeader();
  renderBanner();
  try {
    await currentView?.show(routeParts());
  } catch (err) {
    announce(ctx.describeError(err), 'error');
  }
}

/**
 * Asks before unsaved changes are lost; the draft may be in a view kept in the background (the rules
 * view while Analytics is shown).
 */
async function confirmLeave() {
  const dirty = dirtyView();
  if (!dirty) {
    return true;
  }
  const open = dirty.openRule?.();
  return confirmDialog({
    title: 'Discard unsaved changes?',
    body: [open && !open.isNew ? `Your changes to ${open.id} are not saved. They will be lost.` : 'The rule you are editing has changes that are not saved. They will be lost.'],
    confirmLabel: 'Discard changes',
    cancelLabel: 'Keep editing',
    danger: true,
  });
}

/** @type {Record<string, View>} */
let views = {};

async function route() {
  if (!principal) {
    return;
  }
  const parts = routeParts();
  const name = parts[0] === 'analytics' ? 'analytics' : 'rules';
  let view = views[name];
  if (!view) {
    view = name === 'analytics' ? createAnalyticsView(ctx) : createRulesView(ctx);
    views[name] = view;
  }
  if (name !== currentViewName || currentView !== view) {
    currentView = view;
    currentViewName = name;
    replace(main, view.el);
  }
  renderHeader();
  await view.show(parts);
}

// A click on an in-page anchor (mouse or Enter) focuses its target without touching the route.
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return;
  }
  const link = event.target instanceof Element ? event.target.closest('a[href^="#"]') : null;
  const href = link?.getAttribute('href') ?? '';
  if (!link || isRouteHash(href)) {
    return;
  }
  event.preventDefault();
  focusAnchor(href);
});

window.addEventListener('hashchange', async () => {
  if (ignoreNextHashChange) {
    ignoreNextHashChange = false;
    lastHash = location.hash;
    return;
  }
  if (!isRouteHash(location.hash)) {
    // An anchor reached some other way (typed, or a link built elsewhere): put the route back.
    const anchor = location.hash;
    history.replaceState(history.state, '', `${location.pathname}${location.search}${isRouteHash(lastHash) ? lastHash : ''}`);
    focusAnchor(anchor);
    return;
  }
  const target = location.hash;
  const skipGuard = skipGuardOnce;
  skipGuardOnce = false;
  // Drafts survive a visit to Analytics (views are kept) and going back to their rule; any other
  // route (the bare list, another rule, a new rule) discards them, so it asks first.
  if (!skipGuard && !keepsDraft(routeParts()) && !(await confirmLeave())) {
    ignoreNextHashChange = true;
    location.hash = lastHash;
    return;
  }
  lastHash = target;
  await route();
});

/** @param {string[]} parts @returns {boolean} Whether this route keeps the rules view's draft. */
function keepsDraft(parts) {
  const open = views.rules?.openRule?.();
  return parts[0] === 'analytics' || (open ? (open.isNew ? parts[0] === 'new' : parts[0] === 'rules' && parts[1] === open.id) : false);
}

window.addEventListener('beforeunload', (event) => {
  if (dirtyView()) {
    event.preventDefault();
  }
});

document.addEventListener('keydown', (event) => {
  if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 's') {
    event.preventDefault();
    if (currentView?.save) {
      currentView.save();
    } else {
      announce('Nothing to save here.');
    }
    return;
  }
  const target = /** @type {HTMLElement | null} */ (event.target);
  const typing = target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
  if (event.key === '/' && !typing && !event.ctrlKey && !event.metaKey && currentView?.focusFilter) {
    event.preventDefault();
    currentView.focusFilter();
  }
});

/**
 * @param {string} [message]
 */
function signOut(message) {
  setToken(null);
  sessionLost = false;
  principal = null;
  status = null;
  currentView = null;
  currentViewName = '';
  views = {};
  clearInterval(statusTimer);
  renderHeader();
  replace(bannerArea);
  renderSignIn(message);
}

/**
 * @param {string} [message]
 */
function renderSignIn(message) {
  const error = h('div', { class: 'form-error', id: 'signin-error', role: 'alert' }, message && message !== 'Signed out.' ? message : '');
  const input = h('input', {
    id: 'token-input',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    spellcheck: false,
    required: true,
    'aria-describedby': 'token-hint signin-error',
  });
  const reveal = h('button', { type: 'button', class: 'button-ghost', 'aria-pressed': 'false', 'aria-controls': 'token-input' }, 'Show');
  reveal.addEventListener('click', () => {
    const show = input.type === 'password';
    input.type = show ? 'text' : 'password';
    reveal.textContent = show ? 'Hide' : 'Show';
    reveal.setAttribute('aria-pressed', String(show));
  });
  const submit = h('button', { type: 'submit', class: 'button-primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'signin-card', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in'),
    h('p', {}, 'Rules decide which warnings clinicians see when they sign an order. Changes you save here take effect at once.'),
    h('label', { for: 'token-input' }, 'Admin token'),
    h('div', { class: 'input-with-button' }, input, reveal),
    h('p', { class: 'hint', id: 'token-hint' }, 'Paste the API token or OIDC access token you were given. It is kept only in this browser tab and forgotten when the tab closes.'),
    error,
    h('div', { class: 'form-actions' }, submit)
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (!token) {
      error.textContent = 'Paste your admin token first.';
      input.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    error.textContent = '';
    try {
      await signIn(token);
    } catch (err) {
      error.textContent = signInMessage(err);
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      input.select();
    } finally {
      submit.disabled = false;
      submit.textContent = 'Sign in';
    }
  });
  replace(main, h('div', { class: 'signin-wrap' }, form));
  if (message === 'Signed out.') {
    announce('Signed out.');
  }
  input.focus();
}

/** @param {unknown} err @returns {string} */
function signInMessage(err) {
  if (err instanceof ApiError) {
    if (err.status === 401) {
      return 'That token was not accepted (401): check that you pasted all of it, and that it has not expired or been revoked.';
    }
    if (err.status === 403) {
      return 'That token is valid but has no console role (403): it needs the cds-viewer or cds-editor role. Ask the service administrator.';
    }
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * @param {string | null} token - null: try without a token (admin auth off in development).
 */
async function signIn(token) {
  const res = await api('GET', 'status', { token });
  if (token) {
    setToken(token);
  }
  status = res.data;
  try {
    principal = await resolvePrincipal(res.data);
  } catch (err) {
    if (isAuthRefusal(err)) {
      setToken(null);
    }
    throw err;
  }
  if (!token) {
    principal = { ...principal, authOff: true };
  }
  clearInterval(statusTimer);
  sessionLost = false;
  statusTimer = setInterval(() => {
    // After a 401 with a draft kept, nothing is polled until a new token is given.
    if (document.visibilityState === 'visible' && !sessionLost) {
      void refreshStatus();
    }
  }, 30_000);
  renderBanner();
  lastHash = location.hash;
  try {
    await route();
  } catch (err) {
    // Signed in: a view that fails to open is not a failed sign-in.
    announce(ctx.describeError(err), 'error');
    return;
  }
  announce(`Signed in as ${principal.name}${principal.role === 'unknown' ? '' : ` (${principal.role})`}.`, 'success');
}

async function boot() {
  renderHeader();
  const token = getToken();
  try {
    await signIn(token);
    return;
  } catch (err) {
    // Only the API refusing the token ends the session; a network error, a 5xx or a bug keeps the
    // token in this tab, so reloading tries again.
    if (token && isAuthRefusal(err)) {
      setToken(null);
    }
    if (token || !isAuthRefusal(err)) {
      renderSignIn(signInMessage(err));
      return;
    }
  }
  renderSignIn();
}

void boot();
