// Accounts: the shown account (the account bar), the path down to it from
// the signed-in key's own account (the breadcrumb), its child accounts, and
// suspending, resuming and creating them. Moving to another account is
// navigation.js's.

import { atOwnAccount, signedIn, state, viewed, viewedId } from './state.js';
import { accountPath, api, DashboardError } from './api.js';
import { busy, clearAlert, clearErrorIn, fail, notify, showErrorIn } from './messages.js';
import { $, badge, confirmWith, crnLabel, el, timeElement } from './dom.js';
import { showSecret } from './secrets.js';

/** Child accounts per page of the account bar. */
const CHILDREN_PAGE = 10;

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
export function renderAccount() {
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
  $('account-own').textContent = state.user
    ? 'the account of your membership'
    : 'the account of the key you are signed in with';
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
  $('members-account').textContent = `of ${account.name}`;
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

/** Draws the children again as they are, when the names of actors became known. */
export function redrawChildren() {
  if (state.children.length > 0) renderChildren();
}

/** Focuses a child's action (or its Open button); false if it is not listed. */
export function focusChild(id, action) {
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
export async function loadChildren({ reset }) {
  const serial = ++state.views;
  const id = viewedId();
  const query = new URLSearchParams({ limit: String(CHILDREN_PAGE) });
  if (!reset && state.childrenNext) query.set('pageKey', state.childrenNext);
  const page = await api('GET', `${accountPath(id)}/accounts?${query}`);
  if (serial !== state.views || !signedIn() || viewedId() !== id) return null;
  const items = page && Array.isArray(page.items) ? page.items : [];
  state.children = reset ? items : state.children.concat(items);
  state.childrenNext = page && typeof page.nextPageKey === 'string' ? page.nextPageKey : null;
  renderChildren();
  return items;
}

export async function onChildrenMore(event) {
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
export async function setEnabled(account, enabled, button) {
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
  if (signedIn()) refocusAccount(account.id, where, enabled ? 'resume' : 'suspend');
}

/** Reads the shown account and its first page of children again. */
async function reloadAccounts() {
  const id = viewedId();
  const account = await api('GET', accountPath(id));
  if (!signedIn() || viewedId() !== id) return;
  replaceAccount(account);
  renderAccount();
  await loadChildren({ reset: true });
}

export function openChildDialog() {
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
      if (dialog.returnValue !== 'created' && signedIn()) $('child-create').focus();
    },
    { once: true },
  );
  dialog.showModal();
  $('child-name').focus();
}

export async function onChildSubmit(event) {
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
    if (!signedIn()) return;
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
