// Keyward dashboard: manages the API keys of an account, and its child
// accounts, with an account-owner key. Plain browser JavaScript, no build step.
//
// Rules this file keeps:
// - The key lives only in sessionStorage (this tab) and in memory, and leaves
//   the page only as the x-api-key header of a same-origin fetch.
// - Text from the API reaches the page only through textContent.
// - The full secret of a new key or session token is shown once and removed
//   from the page when its panel is dismissed.
'use strict';

(() => {
  const STORAGE_KEY = 'keyward.apiKey';

  /**
   * For each API error code: what it means here, and what the person can do
   * next. Every error the page shows has both (see describe()).
   */
  const HINTS = {
    'Missing authentication': ['No key was sent.', 'Sign in again with an account-owner API key.'],
    'Invalid authentication': [
      'The key is unknown, wrong, disabled, revoked or expired.',
      'Sign in with a working account-owner API key.',
    ],
    FORBIDDEN: [
      'This credential may not do that.',
      'Sign in with an account-owner API key of this account.',
    ],
    API_KEY_NAME_TAKEN: [
      'The account already has a key with that name. Revoked keys keep their names.',
      'Pick another name and create the key again.',
    ],
    API_KEY_REVOKED: [
      'The key is revoked, and revocation cannot be undone.',
      'Create a new key to take its place.',
    ],
    API_KEY_EXPIRED: [
      'The key has expired, and an expired key cannot be rotated.',
      'Use “Change expiry…” on the key to give it an expiry in the future (or none), then rotate it.',
    ],
    API_KEY_NOT_FOUND: [
      'The key is no longer there.',
      'Refresh the list to see the keys as they are now.',
    ],
    VERSION_MISMATCH: [
      'The key was changed elsewhere since the list was loaded, so nothing was changed.',
      'The list has been refreshed: check the key there, then try again.',
    ],
    CONCURRENT_MODIFICATION: [
      'Others kept changing the key at the same time.',
      'Try again.',
    ],
    RATE_LIMIT_EXCEEDED: [
      'Too many failed attempts with a wrong key from here.',
      'Wait, then sign in with a working account-owner key.',
    ],
    SERVICE_UNAVAILABLE: [
      'Keyward cannot reach its database.',
      'Try again in a moment.',
    ],
    INTERNAL_ERROR: [
      'Keyward failed; the cause is in its log.',
      'Try again. If it keeps failing, tell whoever runs Keyward the time it happened.',
    ],
  };

  /** The next step for a 400 whose message names a value to correct. */
  const BAD_VALUE_NEXT = [
    [/^expiresAt must be in the future/, 'Choose a date and time later than now, or none for a key that never expires.'],
    [/^description /, 'Shorten or correct the description, then try again.'],
  ];

  /** The next step by status, when the message has no entry in HINTS. */
  const STATUS_NEXT = {
    400: 'Correct the value, then try again.',
    404: 'Reload the page.',
    405: 'Reload the page.',
    412: 'Refresh the list, then try again.',
    413: 'Shorten what you entered, then try again.',
    415: 'Reload the page, then try again.',
  };

  /** An error answer of the API, or a problem found before sending anything. */
  class DashboardError extends Error {
    constructor(message, { status = 0, reason = '', detail = '', next = '' } = {}) {
      super(message);
      this.status = status;
      this.reason = reason;
      this.detail = detail;
      this.next = next;
    }
  }

  const $ = (id) => {
    const found = document.getElementById(id);
    if (!found) throw new Error(`dashboard: #${id} is missing`);
    return found;
  };

  const state = {
    /** The key the page signs requests with; null when logged out. */
    key: null,
    /** The answer of GET /api/me. */
    me: null,
    /** The last list of keys, oldest first. */
    keys: [],
    /**
     * The key whose history the history dialog shows, the page key of its next
     * (older) page, and a counter that lets a late answer for a dialog that
     * was closed or reopened meanwhile be ignored.
     */
    history: { name: null, pageKey: null, serial: 0 },
    /** Where focus goes when the secret panel is dismissed (see showSecret). */
    secretReturn: null,
    /**
     * The key the edit dialog changes, as it was when the dialog opened (or
     * last refreshed), the button that opened it, and the field values the
     * dialog started with, to send only what the person changed.
     */
    edit: null,
    /** Counts list loads, so that only the latest answer is drawn. */
    loads: 0,
    /** The timer that reloads the list when the next key expires. */
    expiryTimer: null,
    /**
     * The accounts from the signed-in key's own one (first) down to the one
     * the page shows (last), as GET /api/accounts/{id} answered. Every key
     * action acts on the last; the page never goes above the first.
     */
    path: [],
    /** The loaded child accounts of the shown account, oldest first. */
    children: [],
    /** The pageKey of the next page of children; null when all are loaded. */
    childrenNext: null,
    /** Counts account switches and child list loads, so that only the latest is drawn. */
    views: 0,
  };

  /** Child accounts per page of the account bar. */
  const CHILDREN_PAGE = 10;

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
  };
  const FIELD_ORDER = Object.keys(FIELD_LABELS);
  const fieldRank = (field) => {
    const rank = FIELD_ORDER.indexOf(field);
    return rank === -1 ? FIELD_ORDER.length : rank;
  };

  const timeFormat = new Intl.DateTimeFormat(undefined, {
    dateStyle: 'medium',
    timeStyle: 'medium',
  });
  // The same, in two parts that the table can put on two lines.
  const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
  const clockFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

  // ---- talking to the API ------------------------------------------------

  /**
   * Calls the native API. Resolves with the parsed JSON body (null for 204);
   * rejects with a DashboardError carrying the body's `message`.
   */
  async function api(method, path, { key = state.key, body, ifMatch } = {}) {
    const headers = new Headers({ accept: 'application/json' });
    if (key) headers.set('x-api-key', key);
    if (ifMatch !== undefined) headers.set('if-match', `"${ifMatch}"`);
    const init = {
      method,
      headers,
      cache: 'no-store',
      credentials: 'omit',
      redirect: 'error',
      referrerPolicy: 'no-referrer',
    };
    if (body !== undefined) {
      headers.set('content-type', 'application/json');
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (cause) {
      throw new DashboardError('Cannot reach Keyward', {
        detail: `The request did not get an answer (${String(cause.message || cause)}).`,
        next: 'Check the network connection and that Keyward is running, then try again.',
      });
    }
    const text = await response.text();
    let json = null;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
    }
    if (response.ok) return json;
    const message =
      json && typeof json.message === 'string' ? json.message : `HTTP ${response.status}`;
    const reason = json && typeof json.error === 'string' ? json.error : response.statusText;
    const [detail, hinted] = HINTS[message] || ['', ''];
    let next = hinted;
    if (!next && response.status === 400) {
      const found = BAD_VALUE_NEXT.find(([pattern]) => pattern.test(message));
      next = found ? found[1] : '';
    }
    if (!next) next = STATUS_NEXT[response.status] || 'Try again. If it keeps failing, reload the page.';
    const retryAfter = response.headers.get('retry-after');
    if (response.status === 429 && retryAfter) {
      next = `Wait ${retryAfter} s, then sign in with a working account-owner key.`;
    }
    throw new DashboardError(message, { status: response.status, reason, detail, next });
  }

  /** The account the page shows, whose keys every key action acts on. */
  const viewed = () => (state.path.length > 0 ? state.path[state.path.length - 1] : null);
  const viewedId = () => (viewed() ? viewed().id : state.me.accountId);
  /** Whether the page shows the signed-in key's own account. */
  const atOwnAccount = () => state.me !== null && viewedId() === state.me.accountId;
  const accountPath = (id) => `/api/accounts/${encodeURIComponent(id)}`;
  const keysPath = () => `${accountPath(viewedId())}/api-keys`;
  const keyPath = (name) => `${keysPath()}/${encodeURIComponent(name)}`;

  // ---- messages ----------------------------------------------------------

  /** Fills the error box `id` (its -message, -detail and -next parts). */
  function showErrorIn(id, error) {
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

  function clearErrorIn(id) {
    $(id).hidden = true;
    for (const part of ['message', 'detail', 'next']) $(`${id}-${part}`).textContent = '';
  }

  function showError(error) {
    showErrorIn('alert', error);
    $('notice').textContent = '';
  }

  function clearAlert() {
    clearErrorIn('alert');
  }

  function notify(text) {
    $('notice').textContent = text;
  }

  /**
   * Reports a failed request. A 401 means the stored key stopped working
   * (revoked, disabled or deleted elsewhere): the session ends.
   */
  function fail(error) {
    if (error instanceof DashboardError && error.status === 401 && state.key) {
      logout();
      error.detail = 'The key you signed in with no longer works: it was disabled, revoked, or it expired.';
      error.next =
        'Sign in with another account-owner key. An owner key can enable this one again or change its expiry.';
    }
    showError(error);
  }

  /** Runs `work` with `button` disabled, reporting any failure. */
  async function busy(button, work) {
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

  // ---- small DOM helpers -------------------------------------------------

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === false || value === null || value === undefined) continue;
      if (name === 'className') node.className = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function timeElement(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return el('time', { datetime: iso, title: iso }, iso);
    return el(
      'time',
      { datetime: iso, title: iso },
      el('span', { className: 'date' }, dateFormat.format(date)),
      ' ',
      el('span', { className: 'clock' }, clockFormat.format(date)),
    );
  }

  /**
   * `crn:{account}:api-key:owner` -> `owner` for the shown account's keys,
   * `owner (Account name)` for a key of another account on the path (a parent
   * that manages this one), `owner (account {id})` for others; the full CRN
   * stays in the title.
   */
  function crnLabel(crn) {
    if (!state.me || typeof crn !== 'string') return String(crn);
    const match = /^crn:([^:]+):(.*)$/.exec(crn);
    if (!match) return crn;
    const [, accountId, rest] = match;
    let what = null;
    if (rest.startsWith('api-key:')) what = rest.slice(8);
    else if (rest === 'cli:keyward') what = 'keyward CLI';
    if (what === null) return crn;
    if (accountId === viewedId()) return what;
    const known = state.path.find((account) => account.id === accountId);
    if (known) return `${what} (${known.name})`;
    // Above the signed-in key's own account, which this key cannot read.
    const top = state.path[0];
    if (top && accountId === top.parentAccountId) return `${what} (parent account)`;
    return `${what} (account ${accountId})`;
  }

  function audit(crn, at) {
    return el(
      'span',
      { className: 'audit' },
      el('span', { className: 'who', title: crn }, crnLabel(crn)),
      el('span', { className: 'when' }, timeElement(at)),
    );
  }

  function badge(text, tone) {
    return el('span', { className: `badge badge-${tone}` }, text);
  }

  const isSelf = (key) => atOwnAccount() && key.name === state.me.name;

  /** A time, or `never` for null (expiry, last use). */
  function timeOrNever(iso) {
    return iso ? timeElement(iso) : el('span', { className: 'never' }, 'never');
  }

  const STATUS_TONES = { active: 'active', expired: 'expired', revoked: 'revoked' };

  // ---- the key table -----------------------------------------------------

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
        isSelf(key) ? el('span', { className: 'badge badge-self' }, 'you') : null,
        key.description ? el('span', { className: 'description' }, key.description) : null,
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
    buttons.append(action('history', 'History of', 'History'));
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
      cell('Last used', 'lastUsed', timeOrNever(key.lastUsedAt)),
      cell('Actions', 'actions', buttons),
    );
  }

  async function loadKeys() {
    const serial = ++state.loads;
    const keys = await api('GET', keysPath());
    // A later load (or a logout) overtook this one: its answer is the newer.
    if (serial !== state.loads || !state.key) return;
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
    if (!state.key) return;
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
    if (!state.key) return;
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
  function refocus(name, action) {
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

  /** Opens a modal dialog; resolves true only when its confirm button closed it. */
  function confirmWith(dialog) {
    return new Promise((resolve) => {
      dialog.returnValue = '';
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), {
        once: true,
      });
      dialog.showModal();
    });
  }

  async function toggle(key, button) {
    const enabled = !key.enabled;
    const self = isSelf(key);
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
        if (state.key) await loadKeys().catch(fail);
      }
    });
    if (state.key) refocus(key.name, 'toggle');
  }

  async function revoke(key, button) {
    $('revoke-name').textContent = key.name;
    const self = isSelf(key);
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
        if (state.key) await loadKeys().catch(fail);
      }
    });
    if (state.key) refocus(key.name, 'revoke');
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
    const self = isSelf(key);
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
        if (state.key) await loadKeys().catch(fail);
      }
    });
    if (!shown && state.key) refocus(key.name, 'rotate');
  }

  /** What becomes of the old secret, for the secret panel. */
  function graceNote(seconds, expiresAt) {
    if (seconds <= 0) return 'The old secret no longer works.';
    let until = new Date(Date.now() + seconds * 1000);
    const expiry = expiresAt ? new Date(expiresAt) : null;
    if (expiry && !Number.isNaN(expiry.getTime()) && expiry < until) until = expiry;
    return `The old secret keeps working until about ${timeFormat.format(until)}.`;
  }

  // ---- history -----------------------------------------------------------

  /** A value of a change as text; `never` for an absent expiry. */
  function changeValue(field, value) {
    if (value === null || value === undefined) return field === 'expiresAt' ? 'never' : 'none';
    if (field === 'expiresAt' && typeof value === 'string') return timeElement(value);
    if (typeof value === 'string') return value;
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

  async function showHistory(key, button) {
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
          if (state.key) refocus(key.name, 'history');
        },
        { once: true },
      );
      dialog.showModal();
      $('history-title').focus();
    });
  }

  async function loadOlder() {
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

  function onTableClick(event) {
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
    if (button.dataset.action === 'edit') openEdit(key, 'edit');
    if (button.dataset.action === 'expiry') openEdit(key, 'expiry');
  }


  // ---- accounts: the shown account, its path and its children ----------

  const accountStatus = (account) => (account.enabled ? 'active' : 'suspended');

  /** The first suspended account on the path above the shown one, if any. */
  function suspendedAbove() {
    return state.path.slice(0, -1).find((account) => !account.enabled) || null;
  }

  /** A Suspend…/Resume button for `account`, as the children list and the bar use it. */
  function suspendButton(account, where) {
    const verb = account.enabled ? 'Suspend' : 'Resume';
    return el(
      'button',
      {
        type: 'button',
        className: account.enabled ? 'button-danger-quiet' : '',
        'data-action': account.enabled ? 'suspend' : 'resume',
        'data-account-id': account.id,
        'data-where': where,
        'data-testid': account.enabled ? 'account-suspend' : 'account-resume',
        'aria-label': `${verb} ${account.name}`,
      },
      account.enabled ? 'Suspend…' : 'Resume',
    );
  }

  /** Draws the shown account: path, name, id, status and its own actions. */
  function renderAccount() {
    const account = viewed();
    if (!account) return;
    const crumbs = state.path.map((step, index) => {
      const last = index === state.path.length - 1;
      return el(
        'li',
        { 'data-account-id': step.id },
        last
          ? el('span', { className: 'crumb-current', 'aria-current': 'page', 'data-testid': 'crumb' }, step.name)
          : el(
              'button',
              { type: 'button', className: 'crumb', 'data-index': index, 'data-testid': 'crumb' },
              step.name,
            ),
      );
    });
    $('account-path').replaceChildren(...crumbs);
    $('account-name').textContent = account.name;
    $('account-id').textContent = account.id;
    $('keys-account').textContent = `of ${account.name}`;
    $('account-status').replaceChildren(
      badge(accountStatus(account), account.enabled ? 'active' : 'suspended'),
    );
    $('account-own').hidden = !atOwnAccount();
    // No account may suspend itself: the signed-in key's own account has no button.
    $('account-actions').replaceChildren(...(atOwnAccount() ? [] : [suspendButton(account, 'bar')]));
    const blocker = suspendedAbove();
    const blocked = $('account-blocked');
    if (!account.enabled) {
      blocked.textContent = `${account.name} is suspended: its keys and its descendants' keys do not work until it is resumed.`;
    } else if (blocker) {
      blocked.textContent = `${blocker.name} is suspended, so the keys of ${account.name}, which is below it, do not work until it is resumed.`;
    } else {
      blocked.textContent = '';
    }
    blocked.hidden = blocked.textContent === '';
    $('child-parent').textContent = account.name;
  }

  function renderChild(account) {
    return el(
      'li',
      {
        className: `child${account.enabled ? '' : ' is-suspended'}`,
        'data-testid': 'child',
        'data-account-id': account.id,
        'data-enabled': String(account.enabled),
      },
      el(
        'span',
        { className: 'child-main' },
        el('span', { className: 'child-name', 'data-testid': 'child-name' }, account.name),
        el('code', { className: 'child-id', 'data-testid': 'child-id' }, account.id),
      ),
      el(
        'span',
        { className: 'child-status', 'data-testid': 'child-status' },
        badge(accountStatus(account), account.enabled ? 'active' : 'suspended'),
      ),
      el(
        'span',
        { className: 'child-created' },
        'created ',
        el('span', { className: 'who', title: account.createdBy }, crnLabel(account.createdBy)),
        ' ',
        timeElement(account.createdAt),
      ),
      el(
        'span',
        { className: 'child-actions' },
        el(
          'button',
          {
            type: 'button',
            'data-action': 'open',
            'data-account-id': account.id,
            'data-testid': 'account-open',
            'aria-label': `Open ${account.name}`,
          },
          'Open',
        ),
        suspendButton(account, 'list'),
      ),
    );
  }

  function renderChildren() {
    const list = $('children-list');
    const active = document.activeElement;
    const focused = active && list.contains(active) ? active.closest('li[data-account-id]') : null;
    list.replaceChildren(...state.children.map(renderChild));
    $('children-empty').hidden = state.children.length > 0;
    $('children-more').hidden = state.childrenNext === null;
    if (focused) focusChild(focused.dataset.accountId, active.dataset.action || '');
  }

  /** Focuses a child's action (or its Open button); false if it is not listed. */
  function focusChild(id, action) {
    const row = $('children-list').querySelector(`li[data-account-id="${CSS.escape(id)}"]`);
    if (!row) return false;
    const swapped = { suspend: 'resume', resume: 'suspend' }[action];
    const target =
      (action && row.querySelector(`[data-action="${action}"]`)) ||
      (swapped && row.querySelector(`[data-action="${swapped}"]`)) ||
      row.querySelector('[data-action="open"]');
    target.focus();
    return true;
  }

  /**
   * Loads the shown account's children: the first page again (`reset`), or
   * the next one. Resolves with the newly listed accounts, or null if a
   * switch or a later load overtook it.
   */
  async function loadChildren({ reset }) {
    const serial = ++state.views;
    const id = viewedId();
    const query = new URLSearchParams({ limit: String(CHILDREN_PAGE) });
    if (!reset && state.childrenNext) query.set('pageKey', state.childrenNext);
    const page = await api('GET', `${accountPath(id)}/accounts?${query}`);
    if (serial !== state.views || !state.key || viewedId() !== id) return null;
    const items = page && Array.isArray(page.items) ? page.items : [];
    state.children = reset ? items : state.children.concat(items);
    state.childrenNext = page && typeof page.nextPageKey === 'string' ? page.nextPageKey : null;
    renderChildren();
    return items;
  }

  async function onChildrenMore(event) {
    clearAlert();
    const button = event.currentTarget;
    await busy(button, async () => {
      const before = state.children.length;
      const items = await loadChildren({ reset: false });
      if (!items) return;
      // Where the button was, or the first newly listed account once it is gone.
      const first = state.children[before];
      if (button.hidden && first) focusChild(first.id, 'open');
      notify(`${state.children.length} child accounts listed${state.childrenNext ? '; there are more' : ''}.`);
    });
  }

  /**
   * Shows the account `path` ends with: reads it (and its children and keys)
   * afresh, then every key action acts on it. `focus` runs once it is drawn.
   */
  async function showAccount(path, focus) {
    const target = path[path.length - 1];
    const serial = ++state.views;
    const account = await api('GET', accountPath(target.id));
    if (serial !== state.views || !state.key) return;
    state.path = path.slice(0, -1).concat([account]);
    state.children = [];
    state.childrenNext = null;
    // The previous account's keys leave the page before this one's arrive.
    state.keys = [];
    state.loads += 1;
    $('keys-body').replaceChildren();
    $('keys-empty').hidden = true;
    $('children-list').replaceChildren();
    $('children-empty').hidden = true;
    $('children-more').hidden = true;
    renderAccount();
    await Promise.all([loadChildren({ reset: true }), loadKeys()]);
    if (viewedId() !== account.id) return;
    notify(`Showing account ${account.name}: key actions now act on it.`);
    focus();
  }

  async function openChild(account, button) {
    await busy(button, () =>
      showAccount(state.path.concat([account]), () => $('account-title').focus()),
    );
  }

  async function onPathClick(event) {
    const button = event.target.closest('button[data-index]');
    if (!button) return;
    clearAlert();
    const index = Number(button.dataset.index);
    if (!Number.isInteger(index) || index < 0 || index >= state.path.length - 1) return;
    // Back up to an account on the path; never above the signed-in key's own.
    const from = viewed().id;
    await busy(button, () =>
      showAccount(state.path.slice(0, index + 1), () => {
        if (!focusChild(from, 'open')) $('account-title').focus();
      }),
    );
  }

  function findAccount(id) {
    return state.children.find((child) => child.id === id) || state.path.find((step) => step.id === id) || null;
  }

  function onChildrenClick(event) {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const account = findAccount(button.dataset.accountId);
    if (!account) return;
    clearAlert();
    if (button.dataset.action === 'open') openChild(account, button);
    if (button.dataset.action === 'suspend') setEnabled(account, false, button);
    if (button.dataset.action === 'resume') setEnabled(account, true, button);
  }

  /** Puts a changed account in the children list and on the path. */
  function replaceAccount(updated) {
    state.children = state.children.map((child) => (child.id === updated.id ? updated : child));
    state.path = state.path.map((step) => (step.id === updated.id ? updated : step));
  }

  /** Focus after a suspend or resume: the same account's button, wherever it is now. */
  function refocusAccount(id, where, action) {
    if (where === 'list' && focusChild(id, action)) return;
    const button = $('account-actions').querySelector('button[data-action]');
    if (where === 'bar' && button) button.focus();
    else $('account-title').focus();
  }

  /** Suspends (`enabled` false, after the dialog confirms it) or resumes an account. */
  async function setEnabled(account, enabled, button) {
    const where = button.dataset.where;
    if (!enabled) {
      $('suspend-name').textContent = account.name;
      if (!(await confirmWith($('suspend-dialog')))) {
        refocusAccount(account.id, where, 'suspend');
        return;
      }
    }
    await busy(button, async () => {
      try {
        const updated = await api('PUT', accountPath(account.id), {
          body: { enabled },
          ifMatch: account.version,
        });
        replaceAccount(updated);
        renderAccount();
        renderChildren();
        notify(
          enabled
            ? `${updated.name} is resumed: its keys work again. Session tokens that ended with the suspension stay ended.`
            : `${updated.name} is suspended: its keys and its descendants' keys no longer work.`,
        );
      } catch (error) {
        if (error instanceof DashboardError && error.status === 412) {
          error.detail = `${account.name} was changed by someone else since this page loaded it, so nothing was changed.`;
          error.next = 'Reload: the account has been reloaded here; check it, then try again.';
          await reloadAccounts().catch(() => {});
        } else if (error instanceof DashboardError && error.status === 403) {
          error.detail = `This key may not ${enabled ? 'resume' : 'suspend'} ${account.name}: only an owner key of an account above it may, and no account can suspend itself.`;
          error.next = 'Sign in with an account-owner key of its parent account (or one above), then try again.';
        }
        throw error;
      }
    });
    if (state.key) refocusAccount(account.id, where, enabled ? 'resume' : 'suspend');
  }

  /** Reads the shown account and its first page of children again. */
  async function reloadAccounts() {
    const id = viewedId();
    const account = await api('GET', accountPath(id));
    if (!state.key || viewedId() !== id) return;
    replaceAccount(account);
    renderAccount();
    await loadChildren({ reset: true });
  }

  function openChildDialog() {
    clearAlert();
    const dialog = $('child-dialog');
    $('child-form').reset();
    clearErrorIn('child-error');
    $('child-parent').textContent = viewed().name;
    dialog.returnValue = '';
    dialog.addEventListener(
      'close',
      () => {
        clearErrorIn('child-error');
        if (dialog.returnValue !== 'created' && state.key) $('child-create').focus();
      },
      { once: true },
    );
    dialog.showModal();
    $('child-name').focus();
  }

  async function onChildSubmit(event) {
    event.preventDefault();
    const dialog = $('child-dialog');
    const submit = $('child-submit');
    const parent = viewed();
    clearErrorIn('child-error');
    const name = $('child-name').value.trim();
    const keyName = $('child-key-name').value.trim();
    submit.disabled = true;
    dialog.setAttribute('aria-busy', 'true');
    try {
      if (!name) {
        throw new DashboardError('The account needs a name', {
          next: 'Type a name, such as “Corner Cafe”, then create it.',
        });
      }
      if (keyName && !/^[A-Za-z0-9]{1,64}$/.test(keyName)) {
        throw new DashboardError('The first key name may have only letters and digits', {
          detail: 'At most 64 of them, no spaces.',
          next: 'Correct the key name, or leave it empty for “owner”.',
        });
      }
      const body = { name };
      if (keyName) body.keyName = keyName;
      const created = await api('POST', `${accountPath(parent.id)}/accounts`, { body });
      if (!state.key) return;
      const account = created.account;
      dialog.close('created');
      showSecret(
        `New account ${account.name}, key`,
        created.apiKey,
        `The first account-owner key of ${account.name} (id ${account.id}). Hand it to whoever runs that account; your own owner keys can manage it too.`,
        () => {
          if (!focusChild(account.id, 'open')) $('children-title').focus();
        },
      );
      notify(`Account ${account.name} created under ${parent.name}.`);
      if (viewedId() === parent.id) {
        // It is the newest child, so the last one: list it where it belongs.
        if (state.childrenNext === null && !state.children.some((child) => child.id === account.id)) {
          state.children = state.children.concat([account]);
          renderChildren();
        } else {
          await loadChildren({ reset: true }).catch(fail);
        }
      }
    } catch (error) {
      if (error instanceof DashboardError && error.status === 401) {
        if (dialog.open) dialog.close('failed');
        fail(error);
        return;
      }
      if (!dialog.open) {
        fail(error);
        return;
      }
      if (error instanceof DashboardError && error.status === 400 && !error.detail) {
        error.next = /depth|deep/i.test(error.message)
          ? 'Create it under an account higher up instead.'
          : 'Correct the name, then create the account again.';
      }
      showErrorIn('child-error', error);
    } finally {
      submit.disabled = false;
      dialog.removeAttribute('aria-busy');
    }
  }

  // ---- editing description and expiry -----------------------------------

  /** Fills the edit dialog from `key` (its starting values) without touching what was typed. */
  function setEditBase(key, { keepInput }) {
    const edit = state.edit;
    const description = $('edit-description');
    const expires = $('edit-expires');
    const never = $('edit-never');
    edit.key = key;
    edit.description = key.description || '';
    edit.never = !key.expiresAt;
    edit.expires = key.expiresAt ? localInputValue(key.expiresAt) : '';
    if (!keepInput) {
      description.value = edit.description;
      never.checked = edit.never;
      expires.value = edit.expires;
      // What the browser made of it (it drops ":00" seconds, for example).
      edit.expires = expires.value;
      expires.disabled = never.checked;
    }
    $('edit-expired').hidden = key.status !== 'expired';
  }

  function openEdit(key, action) {
    state.edit = { name: key.name, action };
    setEditBase(key, { keepInput: false });
    $('edit-name').textContent = key.name;
    clearErrorIn('edit-error');
    const dialog = $('edit-dialog');
    dialog.returnValue = '';
    dialog.addEventListener(
      'close',
      () => {
        const edit = state.edit;
        state.edit = null;
        clearErrorIn('edit-error');
        if (state.key && edit) refocus(edit.name, edit.action);
      },
      { once: true },
    );
    dialog.showModal();
    if (action === 'expiry') {
      if ($('edit-never').checked) $('edit-never').focus();
      else $('edit-expires').focus();
    } else {
      $('edit-description').focus();
    }
  }

  /** The body of the PUT: only the fields the person changed; empty if none. */
  function editChanges() {
    const edit = state.edit;
    const body = {};
    // Compared as typed: a stored description with surrounding spaces is not
    // rewritten when only the expiry changes.
    const typed = $('edit-description').value;
    const description = typed.trim();
    if (typed !== edit.description) body.description = description === '' ? null : description;
    const never = $('edit-never').checked;
    if (never) {
      if (!edit.never) body.expiresAt = null;
    } else {
      const input = $('edit-expires');
      const expiresAt = expiryFrom(input, 'tick “Never expires”');
      if (expiresAt === null) {
        throw new DashboardError('The expiry is empty', {
          next: 'Pick a date and time in the future, or tick “Never expires”.',
        });
      }
      const same = !edit.never && Date.parse(expiresAt) === new Date(edit.expires).getTime();
      if (!same) body.expiresAt = expiresAt;
    }
    return body;
  }

  async function onEditSubmit(event) {
    event.preventDefault();
    const edit = state.edit;
    if (!edit) return;
    const dialog = $('edit-dialog');
    const save = $('edit-save');
    clearErrorIn('edit-error');
    save.disabled = true;
    dialog.setAttribute('aria-busy', 'true');
    try {
      const body = editChanges();
      if (Object.keys(body).length === 0) {
        dialog.close('unchanged');
        notify(`Nothing changed: ${edit.name} stays as it was.`);
        return;
      }
      const updated = await api('PUT', keyPath(edit.name), { body, ifMatch: edit.key.version });
      if (!state.key) return;
      await loadKeys().catch(fail);
      if (state.edit === edit) dialog.close('saved');
      notify(`${updated.name} saved (version ${updated.version}), ${updated.status}.`);
    } catch (error) {
      if (!(error instanceof DashboardError) || error.status === 401) {
        // The session ends (or the page failed): report it in the main alert.
        if (dialog.open) dialog.close('failed');
        fail(error);
        return;
      }
      if (state.edit !== edit) {
        // The dialog was closed while the change was on its way.
        if (state.key) fail(error);
        return;
      }
      if ([404, 409, 412].includes(error.status)) {
        // The key changed meanwhile: show it as it is now; keep what was typed.
        try {
          await loadKeys();
        } catch (reload) {
          // A session that ended meanwhile ends here too; anything else
          // leaves the list as it was, and the dialog explains the change.
          if (reload instanceof DashboardError && reload.status === 401) {
            if (dialog.open) dialog.close('failed');
            fail(reload);
            return;
          }
        }
        const now = state.keys.find((key) => key.name === edit.name);
        if (error.status === 412 && now && state.edit === edit) {
          setEditBase(now, { keepInput: true });
          error.detail = `${edit.name} was changed elsewhere (it is at version ${now.version} now) since this form opened, so nothing was saved.`;
          error.next = 'Save again to apply your values on top of that change, or cancel to look at the key first.';
        } else if (error.status === 409 && error.message === 'API_KEY_REVOKED') {
          error.next = 'Cancel: a revoked key cannot be edited. Create a new key to take its place.';
        } else if (error.status === 404) {
          error.next = 'Cancel: the list has been refreshed without it.';
        }
      }
      if (error.status === 400 && /^expiresAt must be in the future/.test(error.message)) {
        error.next = 'Choose a date and time later than now, or tick “Never expires”.';
      }
      if (state.edit === edit) showErrorIn('edit-error', error);
    } finally {
      save.disabled = false;
      dialog.removeAttribute('aria-busy');
    }
  }

  function onNeverChange() {
    const never = $('edit-never').checked;
    const expires = $('edit-expires');
    expires.disabled = never;
    if (!never && !expires.value) {
      // Start from a day ahead rather than an empty field.
      expires.value = localInputValue(new Date(Date.now() + 24 * 60 * 60 * 1000).toISOString());
    }
  }

  // ---- secrets shown once ------------------------------------------------

  function showOnce(panel, valueId, headingId) {
    panel.hidden = false;
    panel.scrollIntoView({ block: 'nearest' });
    $(headingId).focus();
    return $(valueId);
  }

  function hideOnce(panel, valueId) {
    $(valueId).textContent = '';
    panel.hidden = true;
  }

  function selectText(node) {
    const range = document.createRange();
    range.selectNodeContents(node);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  async function copy(valueId, what) {
    const node = $(valueId);
    const text = node.textContent;
    if (!text) return;
    try {
      if (!window.isSecureContext || !navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(text);
      notify(`The ${what} is copied to the clipboard.`);
    } catch {
      // Plain-HTTP pages and denied permissions have no clipboard API:
      // select the text so Ctrl+C / Cmd+C copies it.
      node.focus();
      selectText(node);
      notify(`The ${what} is selected: press Ctrl+C (or Cmd+C) to copy it.`);
    }
  }

  /**
   * Shows a key's new secret once; `kind` heads the panel. Dismissing the
   * panel puts focus back on `returnTo` (a row action), else on the create form.
   */
  function showSecret(kind, key, note, returnTo = null) {
    state.secretReturn =
      typeof returnTo === 'function' ? { focus: returnTo } : returnTo ? { name: key.name, action: returnTo } : null;
    $('secret-kind').textContent = kind;
    $('secret-name').textContent = key.name;
    $('secret-value').textContent = key.secret;
    $('secret-note').textContent = note || '';
    $('secret-note').hidden = !note;
    showOnce($('secret-panel'), 'secret-value', 'secret-title');
  }

  /**
   * A datetime-local field as a UTC instant, or null when left empty;
   * `empty` is what to do instead of leaving it half filled.
   */
  function expiryFrom(input, empty) {
    const local = input.value;
    if (!local) {
      if (input.validity.badInput) {
        throw new DashboardError('The expiry is not a complete date and time', {
          next: `Fill in every part of it, or ${empty}.`,
        });
      }
      return null;
    }
    // "2030-01-01T09:30" without an offset is read as local time.
    const date = new Date(local);
    if (Number.isNaN(date.getTime())) {
      throw new DashboardError('The expiry is not a date and time', {
        detail: local,
        next: `Enter a date and time, or ${empty}.`,
      });
    }
    return date.toISOString();
  }

  /** The create form's expiry as a UTC instant, or null when left empty. */
  const expiryFromForm = () => expiryFrom($('create-expires'), 'clear it for a key that never expires');

  /** An instant as a datetime-local value with seconds, in local time. */
  function localInputValue(iso) {
    const at = new Date(iso);
    if (Number.isNaN(at.getTime())) return '';
    const pad = (n) => String(n).padStart(2, '0');
    return (
      `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}` +
      `T${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`
    );
  }

  // ---- forms -------------------------------------------------------------

  async function onCreate(event) {
    event.preventDefault();
    clearAlert();
    const form = event.currentTarget;
    const name = $('create-name').value.trim();
    const role = $('create-role').value;
    const description = $('create-description').value.trim();
    const body = { name, role };
    if (description) body.description = description;
    await busy($('create-submit'), async () => {
      const expiresAt = expiryFromForm();
      if (expiresAt) body.expiresAt = expiresAt;
      const created = await api('POST', keysPath(), { body });
      showSecret('New key', created, null);
      form.reset();
      notify(`Key ${created.name} created.`);
      await loadKeys();
    });
  }

  async function onMint(event) {
    event.preventDefault();
    clearAlert();
    const scope = $('mint-scope').value;
    const ttl = $('mint-ttl').value.trim();
    const body = { scope };
    if (ttl) body.ttlSeconds = Number(ttl);
    await busy($('mint-submit'), async () => {
      const minted = await api('POST', `${accountPath(viewedId())}/session-tokens`, {
        body,
      });
      $('token-scope').textContent = minted.scope;
      const expires = $('token-expires');
      expires.dateTime = minted.expiresAt;
      expires.title = minted.expiresAt;
      expires.textContent = timeFormat.format(new Date(minted.expiresAt));
      $('token-value').textContent = minted.sessionToken;
      showOnce($('token-panel'), 'token-value', 'token-title');
      notify(`Session token for ${minted.scope} minted.`);
    });
  }

  async function onLogin(event) {
    event.preventDefault();
    clearAlert();
    const input = $('login-key');
    const key = input.value.trim();
    if (!key) return;
    await busy($('login-submit'), async () => {
      await signIn(key);
      input.value = '';
    });
  }

  /** Checks `key` with GET /api/me, keeps it for this tab, loads the keys. */
  async function signIn(key) {
    const me = await api('GET', '/api/me', { key });
    if (me.scope) {
      throw new DashboardError('A session token cannot manage keys', {
        next: 'Sign in with an account-owner API key (kw_…).',
      });
    }
    if (me.role !== 'account-owner') {
      throw new DashboardError(`This is a ${me.role} key`, {
        detail: 'Only account-owner keys can list and manage keys.',
        next: 'Sign in with an account-owner API key.',
      });
    }
    const own = await api('GET', accountPath(me.accountId), { key });
    state.key = key;
    state.me = me;
    state.path = [own];
    sessionStorage.setItem(STORAGE_KEY, key);
    $('whoami-name').textContent = me.name;
    $('whoami-account').textContent = me.accountId;
    $('login-view').hidden = true;
    $('session-bar').hidden = false;
    $('app-view').hidden = false;
    renderAccount();
    await Promise.all([loadChildren({ reset: true }), loadKeys()]);
    $('keys-title').focus();
  }

  /** Forgets the key and everything shown with it. */
  function logout() {
    sessionStorage.clear();
    state.key = null;
    state.me = null;
    state.keys = [];
    hideOnce($('secret-panel'), 'secret-value');
    hideOnce($('token-panel'), 'token-value');
    state.history = { name: null, pageKey: null, serial: state.history.serial + 1 };
    state.edit = null;
    state.loads += 1;
    state.views += 1;
    state.path = [];
    state.children = [];
    state.childrenNext = null;
    $('account-path').replaceChildren();
    $('children-list').replaceChildren();
    $('account-actions').replaceChildren();
    for (const id of ['account-name', 'account-id', 'account-status', 'keys-account']) $(id).textContent = '';
    clearTimeout(state.expiryTimer);
    state.expiryTimer = null;
    $('history-list').replaceChildren();
    $('keys-body').replaceChildren();
    $('whoami-name').textContent = '';
    $('whoami-account').textContent = '';
    for (const form of [$('create-form'), $('mint-form'), $('login-form'), $('edit-form'), $('child-form')]) {
      form.reset();
    }
    for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close();
    $('app-view').hidden = true;
    $('session-bar').hidden = true;
    $('login-view').hidden = false;
    $('notice').textContent = '';
    $('login-key').focus();
  }

  // ---- start -------------------------------------------------------------

  function wire() {
    $('login-form').addEventListener('submit', onLogin);
    $('create-form').addEventListener('submit', onCreate);
    $('mint-form').addEventListener('submit', onMint);
    $('keys-body').addEventListener('click', onTableClick);
    $('keys-refresh').addEventListener('click', (event) => {
      clearAlert();
      busy(event.currentTarget, async () => {
        await loadKeys();
        notify('The list is up to date.');
      });
    });
    $('logout').addEventListener('click', () => {
      clearAlert();
      logout();
      notify('Logged out. The key is no longer stored in this tab.');
    });
    $('alert-dismiss').addEventListener('click', () => {
      clearAlert();
      $('main').focus();
    });
    $('secret-copy').addEventListener('click', () => copy('secret-value', 'key'));
    $('token-copy').addEventListener('click', () => copy('token-value', 'token'));
    $('secret-dismiss').addEventListener('click', () => {
      hideOnce($('secret-panel'), 'secret-value');
      const back = state.secretReturn;
      state.secretReturn = null;
      if (back && back.focus) back.focus();
      else if (back) refocus(back.name, back.action);
      else $('create-name').focus();
    });
    $('token-dismiss').addEventListener('click', () => {
      hideOnce($('token-panel'), 'token-value');
      $('mint-scope').focus();
    });
    $('rotate-form').addEventListener('submit', (event) => {
      event.preventDefault();
      $('rotate-dialog').close('confirm');
    });
    $('history-close').addEventListener('click', () => $('history-dialog').close());
    $('edit-form').addEventListener('submit', onEditSubmit);
    $('edit-cancel').addEventListener('click', () => $('edit-dialog').close('cancel'));
    $('edit-never').addEventListener('change', onNeverChange);
    $('history-more').addEventListener('click', loadOlder);
    $('children-list').addEventListener('click', onChildrenClick);
    $('account-actions').addEventListener('click', onChildrenClick);
    $('account-path').addEventListener('click', onPathClick);
    $('children-more').addEventListener('click', onChildrenMore);
    $('child-create').addEventListener('click', openChildDialog);
    $('child-form').addEventListener('submit', onChildSubmit);
    $('child-cancel').addEventListener('click', () => $('child-dialog').close('cancel'));
    for (const id of ['revoke', 'disable-self', 'rotate', 'suspend']) {
      const dialog = $(`${id}-dialog`);
      $(`${id}-cancel`).addEventListener('click', () => dialog.close('cancel'));
      $(`${id}-confirm`).addEventListener('click', () => dialog.close('confirm'));
    }
  }

  async function start() {
    wire();
    const saved = sessionStorage.getItem(STORAGE_KEY);
    if (!saved) {
      $('login-key').focus();
      return;
    }
    // A reload in the same tab: sign in again with the stored key.
    $('login-view').hidden = true;
    try {
      await signIn(saved);
    } catch (error) {
      logout();
      showError(error);
    }
  }

  start();
})();
