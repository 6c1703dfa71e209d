// The key table's row actions: enabling or disabling, rotating and revoking
// a key, and the table's click handler, which dispatches them and opens a
// key's history, usage and edit dialogs.

import { isOwnKey, signedIn, state, STORAGE_KEY } from './state.js';
import { api, DashboardError, keyPath } from './api.js';
import { busy, clearAlert, fail, notify } from './messages.js';
import { $, confirmWith, timeFormat } from './dom.js';
import { loadKeys, refocus } from './key-table.js';
import { showHistory } from './history.js';
import { showUsage } from './usage.js';
import { openEdit } from './edit.js';
import { showSecret } from './secrets.js';
import { logout } from './forms.js';

async function toggle(key, button) {
  const enabled = !key.enabled;
  const self = isOwnKey(key);
  if (!enabled && self && !(await confirmWith($('disable-self-dialog')))) return;
  await busy(button, async () => {
    try {
      const updated = await api('PUT', keyPath(key.name), {
        body: { enabled },
        ifMatch: key.version,
      });
      if (self && !updated.enabled) {
        logout();
        notify('You disabled the key you were signed in with, so you have been logged out.');
        return;
      }
      notify(`${updated.name} is now ${updated.enabled ? 'enabled' : 'disabled'} (version ${updated.version}).`);
    } finally {
      if (signedIn()) await loadKeys().catch(fail);
    }
  });
  if (signedIn()) refocus(key.name, 'toggle');
}

async function revoke(key, button) {
  $('revoke-name').textContent = key.name;
  const self = isOwnKey(key);
  $('revoke-self').hidden = !self;
  if (!(await confirmWith($('revoke-dialog')))) return;
  await busy(button, async () => {
    try {
      await api('DELETE', keyPath(key.name), { ifMatch: key.version });
      if (self) {
        logout();
        notify('You revoked the key you were signed in with, so you have been logged out.');
        return;
      }
      notify(`${key.name} is revoked.`);
    } finally {
      if (signedIn()) await loadKeys().catch(fail);
    }
  });
  if (signedIn()) refocus(key.name, 'revoke');
}

/** Reads the grace period field: whole seconds, 0 when left empty. */
function gracePeriod() {
  const raw = $('rotate-grace').value.trim();
  if (raw === '') return 0;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds)) {
    throw new DashboardError('The grace period must be a whole number of seconds', {
      next: 'Rotate again with a whole number from 0 (the old secret ends at once) to 604800.',
    });
  }
  return seconds;
}

async function rotate(key, button) {
  $('rotate-name').textContent = key.name;
  const self = isOwnKey(key);
  $('rotate-self').hidden = !self;
  const grace = $('rotate-grace');
  grace.value = '0';
  const opened = confirmWith($('rotate-dialog'));
  grace.focus();
  grace.select();
  if (!(await opened)) return;
  let shown = false;
  await busy(button, async () => {
    try {
      const seconds = gracePeriod();
      const rotated = await api('POST', `${keyPath(key.name)}/rotate`, {
        body: { gracePeriodSeconds: seconds },
        ifMatch: key.version,
      });
      if (self) {
        // The old secret ends with the grace period; carry on with the new one.
        state.key = rotated.secret;
        sessionStorage.setItem(STORAGE_KEY, rotated.secret);
      }
      showSecret('New secret for', rotated, graceNote(seconds, rotated.expiresAt), 'rotate');
      shown = true;
      notify(
        `${rotated.name} has a new secret (version ${rotated.version}).` +
          (self ? ' The dashboard now uses it.' : ''),
      );
    } finally {
      if (signedIn()) await loadKeys().catch(fail);
    }
  });
  if (!shown && signedIn()) refocus(key.name, 'rotate');
}

/** What becomes of the old secret, for the secret panel. */
function graceNote(seconds, expiresAt) {
  if (seconds <= 0) return 'The old secret no longer works.';
  let until = new Date(Date.now() + seconds * 1000);
  const expiry = expiresAt ? new Date(expiresAt) : null;
  if (expiry && !Number.isNaN(expiry.getTime()) && expiry < until) until = expiry;
  return `The old secret keeps working until about ${timeFormat.format(until)}.`;
}

export function onTableClick(event) {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const row = button.closest('tr[data-key-name]');
  const key = row && state.keys.find((k) => k.name === row.dataset.keyName);
  if (!key) return;
  clearAlert();
  if (button.dataset.action === 'toggle') toggle(key, button);
  if (button.dataset.action === 'revoke') revoke(key, button);
  if (button.dataset.action === 'rotate') rotate(key, button);
  if (button.dataset.action === 'history') showHistory(key, button);
  if (button.dataset.action === 'usage') showUsage(key, button);
  if (button.dataset.action === 'edit') openEdit(key, 'edit');
  if (button.dataset.action === 'expiry') openEdit(key, 'expiry');
}
