// Navigation: moving between accounts. Showing an account afresh (its bar,
// children, keys and members), backing up along the breadcrumb, and the click
// handler of the children list and the account bar, which opens a child or
// suspends or resumes an account.

import { signedIn, state, viewed, viewedId } from './state.js';
import { accountPath, api } from './api.js';
import { busy, clearAlert, notify } from './messages.js';
import { $ } from './dom.js';
import { loadKeys } from './key-table.js';
import { focusChild, loadChildren, renderAccount, setEnabled } from './accounts.js';
import { clearMembers, loadMembers } from './members.js';

/**
 * Shows the account `path` ends with: reads it (and its children and keys)
 * afresh, then every key action acts on it. `focus` runs once it is drawn.
 */
export async function showAccount(path, focus) {
  const target = path[path.length - 1];
  const serial = ++state.views;
  const account = await api('GET', accountPath(target.id));
  if (serial !== state.views || !signedIn()) return;
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
  clearMembers();
  renderAccount();
  await Promise.all([loadChildren({ reset: true }), loadKeys(), loadMembers()]);
  if (viewedId() !== account.id) return;
  notify(`Showing account ${account.name}: key actions now act on it.`);
  focus();
}

async function openChild(account, button) {
  await busy(button, () =>
    showAccount(state.path.concat([account]), () => $('account-title').focus()),
  );
}

export async function onPathClick(event) {
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

export function onChildrenClick(event) {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const account = findAccount(button.dataset.accountId);
  if (!account) return;
  clearAlert();
  if (button.dataset.action === 'open') openChild(account, button);
  if (button.dataset.action === 'suspend') setEnabled(account, false, button);
  if (button.dataset.action === 'resume') setEnabled(account, true, button);
}
