// @ts-check
/**
 * Status messages (one polite aria-live region plus a visible toast) and modal dialogs built on
 * <dialog> (native focus handling; Escape cancels).
 */
import { h } from './dom.js';

/** @type {ReturnType<typeof setTimeout> | undefined} */
let toastTimer;

/**
 * Announces a message to screen readers and shows it briefly.
 * @param {string} message
 * @param {'info' | 'success' | 'error'} [kind]
 */
export function announce(message, kind = 'info') {
  const live = document.getElementById('live-status');
  const toast = document.getElementById('toast');
  if (live) {
    // Clearing first makes repeated identical messages announced again.
    live.textContent = '';
    requestAnimationFrame(() => {
      live.textContent = message;
    });
  }
  if (toast) {
    toast.textContent = message;
    toast.className = `toast toast-${kind} is-visible`;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => toast.classList.remove('is-visible'), kind === 'error' ? 9000 : 4000);
  }
}

/**
 * @param {{ title: string, body: (string | Node)[], confirmLabel: string, danger?: boolean, cancelLabel?: string }} options
 * @returns {Promise<boolean>}
 */
export function confirmDialog(options) {
  return new Promise((resolve) => {
    const titleId = `dlg-${Math.random().toString(36).slice(2)}`;
    const cancel = h('button', { type: 'button', class: 'button-secondary', value: 'cancel' }, options.cancelLabel ?? 'Cancel');
    const ok = h('button', { type: 'button', class: options.danger ? 'button-danger' : 'button-primary', value: 'ok' }, options.confirmLabel);
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, options.title),
      options.body.map((b) => (typeof b === 'string' ? h('p', {}, b) : b)),
      h('div', { class: 'dialog-actions' }, cancel, ok)
    );
    const opener = document.activeElement;
    /** @param {boolean} result */
    const close = (result) => {
      dialog.close();
      dialog.remove();
      if (opener instanceof HTMLElement) {
        opener.focus();
      }
      resolve(result);
    };
    cancel.addEventListener('click', () => close(false));
    ok.addEventListener('click', () => close(true));
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      close(false);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    // The safe choice has the focus for destructive actions.
    (options.danger ? cancel : ok).focus();
  });
}

/**
 * A small form in a dialog. `check`, when given, runs on submit with the values; a message it returns
 * is shown in the dialog, which stays open (e.g. a token the service refused).
 * @param {{ title: string, intro?: string, fields: { name: string, label: string, hint?: string, pattern?: string, required?: boolean, value?: string, type?: 'text' | 'password' }[], submitLabel: string, cancelLabel?: string, check?: (values: Record<string, string>) => Promise<string | null> }} options
 * @returns {Promise<Record<string, string> | null>}
 */
export function formDialog(options) {
  return new Promise((resolve) => {
    const titleId = `dlg-${Math.random().toString(36).slice(2)}`;
    const inputs = options.fields.map((f) => {
      const id = `${titleId}-${f.name}`;
      const hintId = `${id}-hint`;
      const input = h('input', {
        id,
        name: f.name,
        type: f.type ?? 'text',
        required: f.required ?? true,
        autocomplete: 'off',
        spellcheck: false,
        value: f.value ?? '',
        ...(f.pattern ? { pattern: f.pattern } : {}),
        ...(f.hint ? { 'aria-describedby': hintId } : {}),
      });
      return { f, input, row: h('div', { class: 'form-row' }, h('label', { for: id }, f.label), input, f.hint ? h('p', { class: 'hint', id: hintId }, f.hint) : null) };
    });
    const error = h('p', { class: 'form-error', role: 'alert' });
    const cancel = h('button', { type: 'button', class: 'button-secondary' }, options.cancelLabel ?? 'Cancel');
    const submit = h('button', { type: 'submit', class: 'button-primary' }, options.submitLabel);
    const form = h('form', { method: 'dialog', novalidate: true }, inputs.map((i) => i.row), error, h('div', { class: 'dialog-actions' }, cancel, submit));
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId }, h('h2', { id: titleId }, options.title), options.intro ? h('p', {}, options.intro) : null, form);
    const opener = document.activeElement;
    /** @param {Record<string, string> | null} result */
    const close = (result) => {
      dialog.close();
      dialog.remove();
      if (opener instanceof HTMLElement && result === null) {
        opener.focus();
      }
      resolve(result);
    };
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (submit.disabled) {
        return;
      }
      const invalid = inputs.find((i) => !i.input.checkValidity());
      if (invalid) {
        error.textContent = `${invalid.f.label}: ${invalid.f.hint ?? 'please fill this in'}`;
        invalid.input.setAttribute('aria-invalid', 'true');
        invalid.input.focus();
        return;
      }
      const values = Object.fromEntries(inputs.map((i) => [i.f.name, i.input.value.trim()]));
      if (options.check) {
        submit.disabled = true;
        error.textContent = '';
        const problem = await options.check(values).catch((/** @type {unknown} */ err) => (err instanceof Error ? err.message : String(err)));
        submit.disabled = false;
        if (problem) {
          error.textContent = problem;
          const first = inputs[0]?.input;
          first?.setAttribute('aria-invalid', 'true');
          first?.focus();
          first?.select();
          return;
        }
      }
      close(values);
    });
    cancel.addEventListener('click', () => close(null));
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      close(null);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    inputs[0]?.input.focus();
  });
}

/**
 * A status badge.
 * @param {string} status
 * @returns {HTMLElement}
 */
export function statusBadge(status) {
  return h('span', { class: `badge badge-status-${status === 'active' ? 'active' : 'disabled'}` }, status === 'active' ? 'Active' : 'Disabled');
}

/**
 * An indicator badge.
 * @param {string} indicator
 * @returns {HTMLElement}
 */
export function indicatorBadge(indicator) {
  return h('span', { class: `badge badge-indicator indicator-${indicator}` }, indicator);
}
