// The key table: drawing the shown account's keys (with their limits),
// reloading them when one expires, and putting focus back on a row after a
// redraw. The row actions are key-actions.js's.

import { isOwnKey, signedIn, state } from './state.js';
import { api, keysPath } from './api.js';
import { fail, notify } from './messages.js';
import { $, audit, badge, el, renderContext, renderLimits, timeOrNever } from './dom.js';

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
