// Forms: creating a key (with its limits, if any), minting a session token, signing in with a key
// (and keeping it for this tab), showing the page for whoever signed in, and logging out (forgetting
// everything shown).

import { state, STORAGE_KEY, viewedId } from './state.js';
import { accountPath, api, DashboardError, keysPath } from './api.js';
import { busy, clearAlert, notify } from './messages.js';
import { $, timeFormat } from './dom.js';
import { loadKeys } from './key-table.js';
import { loadChildren, renderAccount } from './accounts.js';
import { creditsFrom, expiryFrom, rateFrom } from './edit.js';
import { hideOnce, showOnce, showSecret } from './secrets.js';
import { clearMembers, loadMembers } from './members.js';

/** The create form's expiry as a UTC instant, or null when left empty. */
const expiryFromForm = () => expiryFrom($('create-expires'), 'clear it for a key that never expires');

export async function onCreate(event) {
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
    const rateLimit = rateFrom(
      { limit: $('create-rate-limit'), window: $('create-rate-window') },
      'leave both empty for no rate limit',
    );
    if (rateLimit) body.rateLimit = rateLimit;
    const credits = creditsFrom(
      { balance: $('create-credits'), amount: $('create-refill-amount'), interval: $('create-refill-interval') },
      'leave the balance and the refill empty for no credits',
    );
    if (credits) body.credits = credits;
    const created = await api('POST', keysPath(), { body });
    showSecret('New key', created, null);
    form.reset();
    notify(`Key ${created.name} created.`);
    await loadKeys();
  });
}

export async function onMint(event) {
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

export async function onLogin(event) {
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
export async function signIn(key) {
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
  $('whoami-name').title = '';
  $('whoami-account').textContent = me.accountId;
  $('whoami-key-account').hidden = false;
  $('switch-field').hidden = true;
  await enterApp();
}

/**
 * Shows the page for whoever just signed in (a key, or a person), at the
 * account state.path holds: the account bar, its children, keys and members.
 */
export async function enterApp() {
  $('login-view').hidden = true;
  $('session-bar').hidden = false;
  $('app-view').hidden = false;
  // Session tokens belong to a key: a person mints none.
  $('mint-section').hidden = state.user !== null;
  renderAccount();
  await Promise.all([loadChildren({ reset: true }), loadKeys(), loadMembers()]);
  $('keys-title').focus();
}

/**
 * Forgets the key, or the person and their CSRF token, and everything shown
 * with them. (Ending a person's session on the server is signOut's, in
 * session.js.)
 */
export function logout() {
  sessionStorage.clear();
  state.key = null;
  state.me = null;
  state.user = null;
  state.memberships = [];
  state.csrf = null;
  $('password-open').hidden = true;
  state.people = new Map();
  state.keys = [];
  hideOnce($('secret-panel'), 'secret-value');
  hideOnce($('token-panel'), 'token-value');
  hideOnce($('invite-panel'), 'invite-value');
  clearMembers();
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
  $('whoami-name').title = '';
  $('whoami-account').textContent = '';
  $('account-switch').replaceChildren();
  const forms = ['create-form', 'mint-form', 'login-form', 'user-login-form', 'edit-form', 'child-form', 'invite-form'];
  for (const form of forms) $(form).reset();
  for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close();
  $('app-view').hidden = true;
  $('session-bar').hidden = true;
  $('login-view').hidden = false;
  $('notice').textContent = '';
  $('login-email').focus();
}
