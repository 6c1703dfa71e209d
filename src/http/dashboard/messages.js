// Messages: the error box and its inline copies, the status line, and
// running a button's work with it disabled, reporting what failed.

import { state } from './state.js';
import { DashboardError } from './api.js';
import { $ } from './dom.js';

/**
 * What the page does when a 401 says the sign-in stopped working: sign out
 * (forms.js's logout, which sits above this module; main.js registers it).
 */
let sessionEnded = null;

/** Sets what `fail` runs when the session ended; main.js calls it once, first. */
export function onSessionEnded(action) {
  sessionEnded = action;
}

/** Fills the error box `id` (its -message, -detail and -next parts). */
export function showErrorIn(id, error) {
  const isApi = error instanceof DashboardError;
  $(`${id}-message`).textContent = isApi ? error.message : 'Something went wrong in the page';
  const parts = [];
  if (isApi && error.status) parts.push(`(${error.status}${error.reason ? ` ${error.reason}` : ''})`);
  if (isApi && error.detail) parts.push(error.detail);
  if (!isApi) parts.push(String(error && error.message ? error.message : error));
  $(`${id}-detail`).textContent = parts.join(' ');
  const next = isApi && error.next ? error.next : 'Reload the page and try again.';
  $(`${id}-next`).textContent = `What to do: ${next}`;
  $(id).hidden = false;
  if (!isApi) console.error(error);
}

export function clearErrorIn(id) {
  $(id).hidden = true;
  for (const part of ['message', 'detail', 'next']) $(`${id}-${part}`).textContent = '';
}

export function showError(error) {
  showErrorIn('alert', error);
  $('notice').textContent = '';
}

export function clearAlert() {
  clearErrorIn('alert');
}

export function notify(text) {
  $('notice').textContent = text;
}

/**
 * Reports a failed request. A 401 means the stored key stopped working
 * (revoked, disabled or deleted elsewhere), or the person's session ended:
 * the page signs out.
 */
export function fail(error) {
  if (error instanceof DashboardError && error.status === 401 && state.key) {
    sessionEnded();
    error.detail = 'The key you signed in with no longer works: it was disabled, revoked, or it expired.';
    error.next =
      'Sign in with another account-owner key. An owner key can enable this one again or change its expiry.';
  } else if (error instanceof DashboardError && error.status === 401 && state.user) {
    sessionEnded();
    error.detail =
      'Your session has ended: it was idle too long or reached its lifetime, or it was ended elsewhere (a sign-out, a password change).';
    error.next = 'Sign in again with your email and password.';
  }
  showError(error);
}

/** Runs `work` with `button` disabled, reporting any failure. */
export async function busy(button, work) {
  const form = button.form;
  button.disabled = true;
  if (form) form.setAttribute('aria-busy', 'true');
  try {
    await work();
  } catch (error) {
    fail(error);
  } finally {
    button.disabled = false;
    if (form) form.removeAttribute('aria-busy');
  }
}
