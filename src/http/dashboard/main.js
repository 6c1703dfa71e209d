// Keyward dashboard: manages the API keys of an account, its child accounts
// and its members, for a person signed in with email and password who is an
// account owner, or with an account-owner key. Plain browser JavaScript
// modules, no build step, one per concept; this one, the page's entry, wires
// the page's controls to the others and starts.
//
// Rules every module keeps:
// - The key lives only in sessionStorage (this tab) and in memory, and leaves
//   the page only as the x-api-key header of a same-origin fetch.
// - A person's session is an HttpOnly cookie the page never sees; its CSRF
//   token lives only in memory and leaves the page only as the x-csrf-token
//   header of a same-origin, state-changing fetch made with that cookie.
// - Text from the API reaches the page only through textContent.
// - The full secret of a new key or session token is shown once and removed
//   from the page when its panel is dismissed.
// - Imports are relative (`./api.js`), so they resolve under /dashboard/,
//   and each file is listed in src/http/dashboard.rs, which serves it.
// - Imports go one way, down: no module imports one that imports it back,
//   directly or through others. From the bottom: state.js, dom.js, api.js,
//   messages.js; then secrets.js and key-table.js; the key dialogs
//   (history.js, usage.js, edit.js) and accounts.js; members.js; forms.js;
//   key-actions.js and navigation.js; session.js; this one on top. Where a
//   lower module must trigger a higher one's work, the higher registers it
//   (main.js gives messages.js the sign-out).

import { state, STORAGE_KEY } from './state.js';
import { busy, clearAlert, notify, onSessionEnded, showError } from './messages.js';
import { $ } from './dom.js';
import { copy, hideOnce } from './secrets.js';
import { loadKeys, refocus } from './key-table.js';
import { loadOlder } from './history.js';
import { onUsageRange, onUsageRefresh } from './usage.js';
import { onEditSubmit, onLimitNoneChange, onNeverChange } from './edit.js';
import { onChildrenMore, onChildSubmit, openChildDialog } from './accounts.js';
import { onInvite, onListMore, onMembersClick, onMembersRefresh } from './members.js';
import { logout, onCreate, onLogin, onMint, signIn } from './forms.js';
import { onTableClick } from './key-actions.js';
import { onChildrenClick, onPathClick } from './navigation.js';
import {
  onAccept,
  onLogout,
  onPasswordSubmit,
  onSwitch,
  onUserLogin,
  openPasswordDialog,
  resumeSession,
} from './session.js';

function wire() {
  $('user-login-form').addEventListener('submit', onUserLogin);
  $('accept-form').addEventListener('submit', onAccept);
  $('password-open').addEventListener('click', openPasswordDialog);
  $('password-form').addEventListener('submit', onPasswordSubmit);
  $('password-cancel').addEventListener('click', () => $('password-dialog').close('cancel'));
  $('login-form').addEventListener('submit', onLogin);
  $('account-switch').addEventListener('change', onSwitch);
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
  $('logout').addEventListener('click', onLogout);
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
  $('invite-copy').addEventListener('click', () => copy('invite-value', 'invitation'));
  $('invite-dismiss').addEventListener('click', () => {
    hideOnce($('invite-panel'), 'invite-value');
    $('invite-email').focus();
  });
  $('invite-form').addEventListener('submit', onInvite);
  $('members-section').addEventListener('click', onMembersClick);
  $('members-refresh').addEventListener('click', onMembersRefresh);
  $('members-more').addEventListener('click', onListMore);
  $('invitations-more').addEventListener('click', onListMore);
  $('rotate-form').addEventListener('submit', (event) => {
    event.preventDefault();
    $('rotate-dialog').close('confirm');
  });
  $('history-close').addEventListener('click', () => $('history-dialog').close());
  $('edit-form').addEventListener('submit', onEditSubmit);
  $('edit-cancel').addEventListener('click', () => $('edit-dialog').close('cancel'));
  $('edit-never').addEventListener('change', onNeverChange);
  $('edit-rate-none').addEventListener('change', onLimitNoneChange);
  $('edit-credits-none').addEventListener('change', onLimitNoneChange);
  $('history-more').addEventListener('click', loadOlder);
  $('usage-close').addEventListener('click', () => $('usage-dialog').close());
  $('usage-ranges').addEventListener('click', onUsageRange);
  $('usage-refresh').addEventListener('click', onUsageRefresh);
  $('children-list').addEventListener('click', onChildrenClick);
  $('account-actions').addEventListener('click', onChildrenClick);
  $('account-path').addEventListener('click', onPathClick);
  $('children-more').addEventListener('click', onChildrenMore);
  $('child-create').addEventListener('click', openChildDialog);
  $('child-form').addEventListener('submit', onChildSubmit);
  $('child-cancel').addEventListener('click', () => $('child-dialog').close('cancel'));
  for (const id of ['revoke', 'disable-self', 'rotate', 'suspend', 'remove-member']) {
    const dialog = $(`${id}-dialog`);
    $(`${id}-cancel`).addEventListener('click', () => dialog.close('cancel'));
    $(`${id}-confirm`).addEventListener('click', () => dialog.close('confirm'));
  }
}

async function start() {
  // A request that answers 401 signs the page out (messages.js's fail).
  onSessionEnded(logout);
  wire();
  const saved = sessionStorage.getItem(STORAGE_KEY);
  $('login-view').hidden = true;
  try {
    // A reload in the same tab: sign in again with the stored key, or pick
    // up the person's session if the cookie still holds one.
    if (saved) await signIn(saved);
    else if (!(await resumeSession())) logout();
  } catch (error) {
    logout();
    showError(error);
  }
}

start();
