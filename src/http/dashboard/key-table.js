// The key table: drawing the shown account's keys (with their limits),
// reloading them when one expires, and the row actions (enable or disable, rotate, revoke), which
// the table's click handler dispatches with history, usage and edit.

import { isOwnKey, signedIn, state, STORAGE_KEY } from './state.js';
import { api, DashboardError, keyPath, keysPath } from './api.js';
import { busy, clearAlert, fail, notify } from './messages.js';
import {
  $,
  audit,
  badge,
  confirmWith,
  el,
  renderContext,
  renderLimits,
  timeFormat,
  timeOrNever,
} from './dom.js';
import { showHistory } from './history.js';
import { showUsage } from './usage.js';
import { openEdit } from './edit.js';
import { showSecret } from './secrets.js';
import { logout } from './forms.js';

const STATUS_TONES = { active: 'active', expired: 'expired', revoked: 'revoked' };

function renderKeys() {
  // A redraw keeps keyboard focus on the same key (and action, if it is still offered).
  const active = document.activeElement;
  const body = $('keys-body');
  const focused = active && body.contains(active) ? active.closest('tr[data-key-name]') : null;
  const rows = state.keys.map(renderRow);
  body.replaceChildren(...rows);
  $('keys-empty').hidden = state.keys.length > 0;
  if (focused) refocus(focused.dataset.keyName, active.dataset.action || '');
  scheduleExpiryCheck();
}

function cell(label, field, ...content) {
  return el('td', { role: 'cell', 'data-label': label, 'data-field': field }, ...content);
}

function renderRow(key) {
  const revoked = key.status === 'revoked';
  const nameCell = cell(
    'Name',
    'name',
    el(
      'span',
      { className: 'name-block' },
      el('span', { className: 'key-name', tabindex: '-1', 'data-testid': 'key-name' }, key.name),
      isOwnKey(key) ? el('span', { className: 'badge badge-self' }, 'you') : null,
      key.description ? el('span', { className: 'description' }, key.description) : null,
      ...renderContext(key),
    ),
  );
  const buttons = el('div', { className: 'row-actions' });
  const action = (name, label, text, className) =>
    el(
      'button',
      {
        type: 'button',
        className,
        'data-action': name,
        'data-testid': name,
        'aria-label': `${label} ${key.name}`,
      },
      text,
    );
  if (!revoked) {
    const verb = key.enabled ? 'Disable' : 'Enable';
    buttons.append(action('toggle', verb, verb), action('edit', 'Edit', 'Edit…'));
    // An expired key cannot be rotated until its expiry moves.
    buttons.append(
      key.status === 'expired'
        ? action('expiry', 'Change expiry of', 'Change expiry…')
        : action('rotate', 'Rotate', 'Rotate…'),
    );
  }
  buttons.append(action('history', 'History of', 'History'), action('usage', 'Usage of', 'Usage'));
  if (!revoked) {
    buttons.append(action('revoke', 'Revoke', 'Revoke…', 'button-danger-quiet'));
  }
  const rowClass = revoked
    ? 'is-revoked'
    : key.status === 'expired'
      ? 'is-expired'
      : key.enabled
        ? ''
        : 'is-disabled';
  return el(
    'tr',
    {
      role: 'row',
      className: rowClass,
      'data-testid': 'key-row',
      'data-key-name': key.name,
      'data-status': key.status,
    },
    nameCell,
    cell('Role', 'role', key.role),
    // Status and the enabled switch share a column, one badge over the other.
    cell(
      'Status',
      'state',
      el(
        'span',
        { className: 'state' },
        el('span', { 'data-field': 'status' }, badge(key.status, STATUS_TONES[key.status] || 'active')),
        ' ',
        el(
          'span',
          { 'data-field': 'enabled' },
          badge(key.enabled ? 'enabled' : 'disabled', key.enabled ? 'on' : 'off'),
        ),
      ),
    ),
    cell('Key', 'apiKey', el('code', {}, key.apiKey)),
    cell('Version', 'version', key.version),
    cell('Created', 'created', audit(key.createdBy, key.createdAt)),
    cell('Modified', 'modified', audit(key.modifiedBy, key.modifiedAt)),
    cell('Expires', 'expires', timeOrNever(key.expiresAt)),
    cell('Limits', 'limits', renderLimits(key)),
    cell('Last used', 'lastUsed', timeOrNever(key.lastUsedAt)),
    cell('Actions', 'actions', buttons),
  );
}

/** Draws the list again as it is, when the names of actors became known. */
export function redrawKeys() {
  if (state.keys.length > 0) renderKeys();
}

export async function loadKeys() {
  const serial = ++state.loads;
  const keys = await api('GET', keysPath());
  // A later load (or a logout) overtook this one: its answer is the newer.
  if (serial !== state.loads || !signedIn()) return;
  state.keys = Array.isArray(keys) ? keys : [];
  renderKeys();
}

/** Longest setTimeout delay browsers honour (about 24.8 days). */
const MAX_DELAY = 2 ** 31 - 1;
/**
 * How long past a key's expiry (by this browser's clock) the page keeps
 * asking the server whether it expired. The server's clock decides; if
 * the two disagree by more than this, the page stops asking until the
 * next reload instead of polling for ever.
 */
const SKEW_ALLOWANCE = 30_000;

/**
 * Reloads the list when the next active key reaches its expiresAt, so that
 * the page shows it expired (the server decides the status) without a
 * manual refresh.
 */
function scheduleExpiryCheck() {
  clearTimeout(state.expiryTimer);
  state.expiryTimer = null;
  if (!signedIn()) return;
  const now = Date.now();
  let next = Infinity;
  for (const key of state.keys) {
    if (key.status !== 'active' || !key.expiresAt) continue;
    const at = Date.parse(key.expiresAt);
    if (Number.isNaN(at) || at < now - SKEW_ALLOWANCE) continue;
    next = Math.min(next, at);
  }
  if (next === Infinity) return;
  // A moment after the expiry; once it is past, once a second.
  const delay = next > now ? Math.min(next - now + 150, MAX_DELAY) : 1000;
  state.expiryTimer = setTimeout(onExpiryDue, delay);
}

async function onExpiryDue() {
  state.expiryTimer = null;
  if (!signedIn()) return;
  const before = new Map(state.keys.map((key) => [key.name, key.status]));
  try {
    await loadKeys();
  } catch (error) {
    fail(error);
    return;
  }
  const expired = state.keys
    .filter((key) => key.status === 'expired' && before.get(key.name) === 'active')
    .map((key) => key.name);
  if (expired.length > 0) {
    notify(`${expired.join(', ')} ${expired.length === 1 ? 'has' : 'have'} expired.`);
  }
}

/** Puts focus back near where it was after the table was redrawn. */
export function refocus(name, action) {
  const row = document.querySelector(`tr[data-key-name="${CSS.escape(name)}"]`);
  // Rotate and Change expiry take each other's place when a key expires
  // or gets a new expiry: focus moves to whichever is there now.
  const swapped = { rotate: 'expiry', expiry: 'rotate' }[action];
  const target =
    (row && action && row.querySelector(`[data-action="${action}"]`)) ||
    (row && swapped && row.querySelector(`[data-action="${swapped}"]`)) ||
    (row && row.querySelector('.key-name')) ||
    $('keys-title');
  target.focus();
}

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
