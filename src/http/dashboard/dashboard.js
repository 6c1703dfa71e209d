// Keyward dashboard: manages the API keys of one account with an
// account-owner key. Plain browser JavaScript, no build step.
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

  /** Short explanations shown after an API error code. */
  const HINTS = {
    'Missing authentication': 'No key was sent. Sign in again.',
    'Invalid authentication':
      'The key is unknown, wrong, disabled or revoked. Sign in with a working account-owner key.',
    FORBIDDEN: 'This credential may not do that. The dashboard needs an account-owner API key.',
    API_KEY_NAME_TAKEN:
      'The account already has a key with that name. Revoked keys keep their names, so pick another.',
    API_KEY_REVOKED: 'The key is revoked, and revocation cannot be undone.',
    API_KEY_NOT_FOUND: 'The key is no longer there. The list has been refreshed.',
    VERSION_MISMATCH: 'The key was changed elsewhere since the list was loaded. The list has been refreshed; check it and try again.',
    CONCURRENT_MODIFICATION: 'Others kept changing the key at the same time. Try again.',
    RATE_LIMIT_EXCEEDED: 'Too many failed attempts.',
    SERVICE_UNAVAILABLE: 'Keyward is busy. Try again shortly.',
    INTERNAL_ERROR: 'Keyward failed; the cause is in its log.',
  };

  /** An error answer of the API, or a problem found before sending anything. */
  class DashboardError extends Error {
    constructor(message, { status = 0, reason = '', detail = '' } = {}) {
      super(message);
      this.status = status;
      this.reason = reason;
      this.detail = detail;
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
     * The key whose history the history dialog shows, the cursor of its next
     * (older) page, and a counter that lets a late answer for a dialog that
     * was closed or reopened meanwhile be ignored.
     */
    history: { name: null, cursor: null, serial: 0 },
    /** Where focus goes when the secret panel is dismissed (see showSecret). */
    secretReturn: null,
  };

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
      throw new DashboardError('Cannot reach Keyward', { detail: String(cause.message || cause) });
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
    let detail = HINTS[message] || '';
    const retryAfter = response.headers.get('retry-after');
    if (response.status === 429 && retryAfter) {
      detail = `${detail} Try again in ${retryAfter} s.`.trim();
    }
    throw new DashboardError(message, { status: response.status, reason, detail });
  }

  const keysPath = () => `/api/accounts/${encodeURIComponent(state.me.accountId)}/api-keys`;
  const keyPath = (name) => `${keysPath()}/${encodeURIComponent(name)}`;

  // ---- messages ----------------------------------------------------------

  function showError(error) {
    const isApi = error instanceof DashboardError;
    $('alert-message').textContent = isApi ? error.message : 'Something went wrong in the page';
    const parts = [];
    if (isApi && error.status) parts.push(`(${error.status}${error.reason ? ` ${error.reason}` : ''})`);
    if (isApi && error.detail) parts.push(error.detail);
    if (!isApi) parts.push(String(error && error.message ? error.message : error));
    $('alert-detail').textContent = parts.join(' ');
    $('alert').hidden = false;
    $('notice').textContent = '';
    if (!isApi) console.error(error);
  }

  function clearAlert() {
    $('alert').hidden = true;
    $('alert-message').textContent = '';
    $('alert-detail').textContent = '';
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
    const label = Number.isNaN(date.getTime()) ? iso : timeFormat.format(date);
    return el('time', { datetime: iso, title: iso }, label);
  }

  /** `crn:{account}:api-key:owner` -> `owner`; the full CRN stays in the title. */
  function crnLabel(crn) {
    const prefix = state.me ? `crn:${state.me.accountId}:` : '';
    if (prefix && crn.startsWith(`${prefix}api-key:`)) return crn.slice(prefix.length + 8);
    if (prefix && crn === `${prefix}cli:keyward`) return 'keyward CLI';
    return crn;
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

  const isSelf = (key) => state.me !== null && key.name === state.me.name;

  /** A time, or `never` for null (expiry, last use). */
  function timeOrNever(iso) {
    return iso ? timeElement(iso) : el('span', { className: 'never' }, 'never');
  }

  const STATUS_TONES = { active: 'active', expired: 'expired', revoked: 'revoked' };

  // ---- the key table -----------------------------------------------------

  function renderKeys() {
    const rows = state.keys.map(renderRow);
    $('keys-body').replaceChildren(...rows);
    $('keys-empty').hidden = state.keys.length > 0;
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
      buttons.append(action('toggle', verb, verb), action('rotate', 'Rotate', 'Rotate…'));
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
      cell('Status', 'status', badge(key.status, STATUS_TONES[key.status] || 'active')),
      cell(
        'Enabled',
        'enabled',
        badge(key.enabled ? 'enabled' : 'disabled', key.enabled ? 'on' : 'off'),
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
    const keys = await api('GET', keysPath());
    state.keys = Array.isArray(keys) ? keys : [];
    renderKeys();
  }

  /** Puts focus back near where it was after the table was redrawn. */
  function refocus(name, action) {
    const row = document.querySelector(`tr[data-key-name="${CSS.escape(name)}"]`);
    const target =
      (row && row.querySelector(`[data-action="${action}"]`)) ||
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
        detail: 'Use 0 to end the old secret at once.',
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
    if (history.cursor) query.set('cursor', history.cursor);
    const page = await api('GET', `${keyPath(history.name)}/events?${query}`);
    if (serial !== state.history.serial) return false;
    const events = page && Array.isArray(page.events) ? page.events : [];
    const items = events.map(renderEvent);
    $('history-list').append(...items);
    history.cursor = page && typeof page.nextCursor === 'string' ? page.nextCursor : null;
    $('history-more').hidden = history.cursor === null;
    $('history-empty').hidden = $('history-list').childElementCount > 0;
    return items;
  }

  async function showHistory(key, button) {
    const serial = state.history.serial + 1;
    state.history = { name: key.name, cursor: null, serial };
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
    state.secretReturn = returnTo ? { name: key.name, action: returnTo } : null;
    $('secret-kind').textContent = kind;
    $('secret-name').textContent = key.name;
    $('secret-value').textContent = key.secret;
    $('secret-note').textContent = note || '';
    $('secret-note').hidden = !note;
    showOnce($('secret-panel'), 'secret-value', 'secret-title');
  }

  /** The create form's expiry as a UTC instant, or null when left empty. */
  function expiryFromForm() {
    const input = $('create-expires');
    const local = input.value;
    if (!local) {
      if (input.validity.badInput) {
        throw new DashboardError('The expiry is not a complete date and time', {
          detail: 'Fill in every part of it, or clear it for a key that never expires.',
        });
      }
      return null;
    }
    // "2030-01-01T09:30" without an offset is read as local time.
    const date = new Date(local);
    if (Number.isNaN(date.getTime())) {
      throw new DashboardError('The expiry is not a date and time', { detail: local });
    }
    return date.toISOString();
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
      const minted = await api('POST', `/api/accounts/${encodeURIComponent(state.me.accountId)}/session-tokens`, {
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
        detail: 'Sign in with an account-owner API key (kw_…).',
      });
    }
    if (me.role !== 'account-owner') {
      throw new DashboardError(`This is a ${me.role} key`, {
        detail: 'Only account-owner keys can list and manage keys. Sign in with one.',
      });
    }
    state.key = key;
    state.me = me;
    sessionStorage.setItem(STORAGE_KEY, key);
    $('whoami-name').textContent = me.name;
    $('whoami-account').textContent = me.accountId;
    $('login-view').hidden = true;
    $('session-bar').hidden = false;
    $('app-view').hidden = false;
    await loadKeys();
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
    state.history = { name: null, cursor: null, serial: state.history.serial + 1 };
    $('history-list').replaceChildren();
    $('keys-body').replaceChildren();
    $('whoami-name').textContent = '';
    $('whoami-account').textContent = '';
    for (const form of [$('create-form'), $('mint-form'), $('login-form')]) form.reset();
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
      if (back) refocus(back.name, back.action);
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
    $('history-more').addEventListener('click', loadOlder);
    for (const id of ['revoke', 'disable-self', 'rotate']) {
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
