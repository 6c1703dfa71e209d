// History: a key's events, newest first, in a dialog that pages older ones.

import { signedIn, state } from './state.js';
import { api, keyPath } from './api.js';
import { busy, fail } from './messages.js';
import { $, badge, crnLabel, el, limitValue, timeElement } from './dom.js';
import { refocus } from './key-table.js';

/** Events per page of a key's history. */
const HISTORY_PAGE = 20;

/** How the history names the fields of a change, in the order it lists them. */
const FIELD_LABELS = {
  name: 'name',
  role: 'role',
  status: 'status',
  enabled: 'enabled',
  apiKey: 'key',
  description: 'description',
  expiresAt: 'expires',
  rateLimit: 'rate limit',
  credits: 'credits',
  allowedCidrs: 'allowed networks',
  externalId: 'external id',
  meta: 'meta',
};
const FIELD_ORDER = Object.keys(FIELD_LABELS);
const fieldRank = (field) => {
  const rank = FIELD_ORDER.indexOf(field);
  return rank === -1 ? FIELD_ORDER.length : rank;
};

/** A value of a change as text; `never` for an absent expiry. */
function changeValue(field, value) {
  if (value === null || value === undefined) return field === 'expiresAt' ? 'never' : 'none';
  if (field === 'expiresAt' && typeof value === 'string') return timeElement(value);
  const limit = limitValue(field, value);
  if (limit !== null) return limit;
  if (typeof value === 'string') return value;
  if (field === 'allowedCidrs' && Array.isArray(value)) return value.join(', ');
  return JSON.stringify(value);
}

/** `created` events list starting values: their `from` is always null. */
function renderChanges(changes, created) {
  const list = el('dl', { className: 'event-changes' });
  if (!changes || typeof changes !== 'object') return list;
  const fields = Object.entries(changes).sort(([a], [b]) => fieldRank(a) - fieldRank(b));
  for (const [field, change] of fields) {
    const dd = el('dd', { 'data-change': field });
    const isFromTo =
      change !== null && typeof change === 'object' && !Array.isArray(change) && 'to' in change;
    if (isFromTo && !created) {
      dd.append(
        el('span', { className: 'from' }, changeValue(field, change.from)),
        el('span', { className: 'arrow', 'aria-hidden': 'true' }, ' → '),
        el('span', { className: 'visually-hidden' }, ' to '),
        el('span', { className: 'to' }, changeValue(field, change.to)),
      );
    } else {
      // The created event lists the starting values only.
      const value = isFromTo ? change.to : change;
      dd.append(el('span', { className: 'to' }, changeValue(field, value)));
    }
    list.append(el('dt', {}, FIELD_LABELS[field] || field), dd);
  }
  return list;
}

function renderEvent(event) {
  const kinds = Array.isArray(event.kinds) ? event.kinds : [];
  return el(
    'li',
    {
      className: 'event',
      tabindex: '-1',
      'data-testid': 'event',
      'data-version': event.version,
      'data-kinds': kinds.join(' '),
    },
    el(
      'div',
      { className: 'event-head' },
      el('span', { className: 'event-version' }, `version ${event.version}`),
      el(
        'span',
        { className: 'event-kinds', 'data-testid': 'event-kinds' },
        ...kinds.map((kind) => badge(kind.replaceAll('_', ' '), `kind-${kind}`)),
      ),
    ),
    el(
      'p',
      { className: 'event-meta' },
      el('span', { className: 'who', title: event.actor }, crnLabel(event.actor)),
      ' · ',
      timeElement(event.occurredAt),
    ),
    renderChanges(event.changes, (event.kinds || []).includes('created')),
  );
}

/** Fetches the next page of the open history; false if it was abandoned. */
async function loadHistoryPage() {
  const history = state.history;
  const serial = history.serial;
  const query = new URLSearchParams({ limit: String(HISTORY_PAGE) });
  if (history.pageKey) query.set('pageKey', history.pageKey);
  const page = await api('GET', `${keyPath(history.name)}/events?${query}`);
  if (serial !== state.history.serial) return false;
  const events = page && Array.isArray(page.items) ? page.items : [];
  const items = events.map(renderEvent);
  $('history-list').append(...items);
  history.pageKey = page && typeof page.nextPageKey === 'string' ? page.nextPageKey : null;
  $('history-more').hidden = history.pageKey === null;
  $('history-empty').hidden = $('history-list').childElementCount > 0;
  return items;
}

export async function showHistory(key, button) {
  const serial = state.history.serial + 1;
  state.history = { name: key.name, pageKey: null, serial };
  $('history-name').textContent = key.name;
  $('history-list').replaceChildren();
  $('history-more').hidden = true;
  // The first page loads before the dialog opens, so that a failure is
  // reported in the alert, which a modal dialog would cover.
  await busy(button, async () => {
    if ((await loadHistoryPage()) === false) return;
    const dialog = $('history-dialog');
    dialog.addEventListener(
      'close',
      () => {
        state.history.serial += 1;
        $('history-list').replaceChildren();
        if (signedIn()) refocus(key.name, 'history');
      },
      { once: true },
    );
    dialog.showModal();
    $('history-title').focus();
  });
}

export async function loadOlder() {
  const button = $('history-more');
  const serial = state.history.serial;
  button.disabled = true;
  try {
    const items = await loadHistoryPage();
    // Where the button was, or the first older event once it is gone.
    if (items && items.length > 0 && button.hidden) items[0].focus();
  } catch (error) {
    if (serial === state.history.serial) $('history-dialog').close();
    fail(error);
  } finally {
    button.disabled = false;
  }
}
