// People's sessions: signing in with email and password, accepting an
// invitation, picking the session up again on a reload, the switcher
// between the accounts the person is a member of, changing one's password,
// and signing out.
//
// The session itself is an HttpOnly cookie that the page never sees; the
// page learns who it is from GET /api/me, and keeps the session's CSRF
// token in memory only (state.csrf), for api() to send with every
// state-changing request.

import { signedIn, state } from './state.js';
import { accountPath, api, DashboardError } from './api.js';
import { busy, clearAlert, clearErrorIn, fail, notify, showErrorIn } from './messages.js';
import { $, el } from './dom.js';
import { enterApp, logout } from './forms.js';
import { showAccount } from './navigation.js';
import { learnNames } from './members.js';

const OWNER = 'account-owner';

export async function onUserLogin(event) {
  event.preventDefault();
  clearAlert();
  const email = $('login-email').value.trim();
  const password = $('login-password').value;
  if (!email || !password) return;
  // The password never stays in the page, whatever the answer.
  $('login-password').value = '';
  await busy($('login-user-submit'), () => startSession(email, password));
}

/**
 * Signs in with `email` and `password` (POST /api/session) and shows the
 * page for the person GET /api/me then answers for.
 */
async function startSession(email, password) {
  const session = await api('POST', '/api/session', { key: null, body: { email, password } });
  state.csrf = session.csrfToken;
  try {
    await enterAsUser(await api('GET', '/api/me', { key: null }));
  } catch (error) {
    // Not shown signed in: no session may live on behind the sign-in screen.
    if (!signedIn()) await endQuietly();
    throw error;
  }
}

/**
 * Accepts an invitation (POST /api/invitations/{token}/accept, which needs
 * no credential: the token is the proof), then signs in with the address
 * it was for and the password just given. The password never stays in the
 * form, whatever the answer; the token leaves it once accepted.
 */
export async function onAccept(event) {
  event.preventDefault();
  clearAlert();
  const token = $('accept-token').value.trim();
  const name = $('accept-name').value.trim();
  const password = $('accept-password').value;
  if (!token || !name || !password) return;
  $('accept-password').value = '';
  await busy($('accept-submit'), async () => {
    const accepted = await api('POST', `/api/invitations/${encodeURIComponent(token)}/accept`, {
      key: null,
      body: { name, password },
    });
    $('accept-token').value = '';
    $('accept-details').open = false;
    await startSession(accepted.user.email, password);
    notify(`Welcome, ${accepted.user.name}: you are now a member of ${accepted.membership.accountName}.`);
  });
}

/** Opens the change-password dialog, empty. */
export function openPasswordDialog() {
  clearErrorIn('password-error');
  $('password-username').value = state.user ? state.user.email : '';
  $('password-current').value = '';
  $('password-new').value = '';
  $('password-dialog').showModal();
  $('password-current').focus();
}

/**
 * PUT /api/me/password: the person's other sessions end, this one stays. A
 * refusal (a wrong current password, a new one too short or too common) is
 * shown in the dialog, which stays open; an ended session signs out.
 */
export async function onPasswordSubmit(event) {
  event.preventDefault();
  const dialog = $('password-dialog');
  const submit = $('password-submit');
  clearErrorIn('password-error');
  const currentPassword = $('password-current').value;
  const newPassword = $('password-new').value;
  if (!currentPassword || !newPassword) {
    showErrorIn(
      'password-error',
      new DashboardError('Both passwords are needed', {
        next: 'Type your current password and the new one, then change it.',
      }),
    );
    return;
  }
  submit.disabled = true;
  dialog.setAttribute('aria-busy', 'true');
  try {
    await api('PUT', '/api/me/password', { key: null, body: { currentPassword, newPassword } });
    dialog.close('changed');
    notify('Password changed. Your other sessions have ended.');
  } catch (error) {
    if (error instanceof DashboardError && error.status === 401) {
      dialog.close('cancel');
      fail(error);
    } else {
      showErrorIn('password-error', error);
    }
  } finally {
    $('password-current').value = '';
    $('password-new').value = '';
    submit.disabled = false;
    dialog.removeAttribute('aria-busy');
  }
}

/** Ends the session on the server without reporting a failure, and forgets its token. */
async function endQuietly() {
  if (state.csrf !== null) await api('DELETE', '/api/session', { key: null }).catch(() => {});
  state.csrf = null;
}

/**
 * On a page load without a stored key: asks GET /api/me whether the
 * session cookie (which the page cannot read) signs someone in, and if so
 * shows the page for them. Resolves false when no one is signed in.
 */
export async function resumeSession() {
  let me;
  try {
    me = await api('GET', '/api/me', { key: null });
  } catch (error) {
    if (error instanceof DashboardError && error.status === 401) return false;
    throw error;
  }
  if (!me || !me.user) return false;
  await enterAsUser(me);
  return true;
}

/**
 * Shows the page for the person GET /api/me answered for, at their first
 * account-owner membership. Someone who owns nothing cannot use the page:
 * their session is ended again, and the error says why.
 */
async function enterAsUser(me) {
  state.csrf = typeof me.csrfToken === 'string' ? me.csrfToken : state.csrf;
  const memberships = Array.isArray(me.memberships) ? me.memberships : [];
  const owned = memberships.filter((membership) => membership.role === OWNER);
  if (owned.length === 0) {
    await endQuietly();
    throw new DashboardError(`${me.user.name} owns no account`, {
      detail:
        memberships.length > 0
          ? 'Your memberships are all merchant-terminal ones, which manage nothing here. You have been signed out.'
          : 'You are not a member of any account (any more). You have been signed out.',
      next: 'Ask an owner of your account to invite you as account-owner.',
    });
  }
  const account = await firstReadable(owned);
  state.user = me.user;
  state.memberships = memberships;
  state.path = [account];
  state.people.set(me.user.id, me.user.name);
  $('whoami-name').textContent = me.user.name;
  $('whoami-name').title = me.user.email;
  $('whoami-account').textContent = '';
  $('whoami-key-account').hidden = true;
  $('password-open').hidden = false;
  renderSwitcher();
  learnNames(memberships);
  await enterApp();
}

/**
 * The first of `owned` memberships whose account can be read: one on a
 * suspended account (or below one) authorizes nothing while it is, but the
 * person's other memberships still work. Throws the last refusal if none can.
 */
async function firstReadable(owned) {
  let refusal = null;
  for (const membership of owned) {
    try {
      return await api('GET', accountPath(membership.accountId), { key: null });
    } catch (error) {
      if (!(error instanceof DashboardError) || ![403, 404].includes(error.status)) throw error;
      refusal = error;
    }
  }
  throw refusal;
}

/**
 * The account switcher: one entry per membership, the account-owner ones
 * selectable (a merchant-terminal membership manages nothing here).
 */
function renderSwitcher() {
  const top = state.path.length > 0 ? state.path[0].id : null;
  const options = state.memberships.map((membership) =>
    el(
      'option',
      {
        value: membership.accountId,
        disabled: membership.role !== OWNER,
        selected: membership.accountId === top,
      },
      membership.role === OWNER
        ? membership.accountName
        : `${membership.accountName} (${membership.role}: nothing to manage)`,
    ),
  );
  $('account-switch').replaceChildren(...options);
  $('account-switch').value = top;
  $('switch-field').hidden = false;
}

/** Shows the account the switcher chose, as the top of the page's path. */
export async function onSwitch(event) {
  const select = event.currentTarget;
  const id = select.value;
  if (!signedIn() || !id) return;
  clearAlert();
  const membership = state.memberships.find((m) => m.accountId === id);
  await busy(select, () =>
    showAccount([{ id, name: membership ? membership.accountName : id }], () => $('account-title').focus()),
  );
  // A switch that failed leaves the page where it was: so does the switcher.
  if (signedIn() && state.path.length > 0) select.value = state.path[0].id;
}

/**
 * Log out: with a key, forgets it; a person's session is also ended on the
 * server (DELETE /api/session) first. If that fails for another reason than
 * the session having ended already, the page stays signed in and says so.
 */
export async function onLogout(event) {
  clearAlert();
  if (state.user === null) {
    logout();
    notify('Logged out. The key is no longer stored in this tab.');
    return;
  }
  await busy(event.currentTarget, async () => {
    try {
      await api('DELETE', '/api/session');
    } catch (error) {
      if (!(error instanceof DashboardError && error.status === 401)) throw error;
    }
    logout();
    notify('Signed out. Your session has ended.');
  });
}
