// Members: the people who are members of the shown account, the pending
// invitations to it, inviting someone by email (the invitation token is
// shown once), removing a member and withdrawing an invitation. Every
// members list the page loads also teaches it those people's names, which
// it shows for `crn::user:…` actors.

import { signedIn, state, viewed, viewedId } from './state.js';
import { api, DashboardError, invitationsPath, membershipsPath } from './api.js';
import { busy, clearAlert, fail, notify } from './messages.js';
import { $, confirmWith, crnLabel, el, timeElement } from './dom.js';
import { redrawKeys } from './key-table.js';
import { redrawChildren } from './accounts.js';
import { showOnce } from './secrets.js';

/** Members (and invitations) per page of the panel. */
const MEMBERS_PAGE = 50;

/** The panel's two paged lists: where each is read from and kept, and how it is drawn. */
const LISTS = {
  members: { path: membershipsPath, items: 'members', next: 'membersNext', more: 'members-more' },
  invitations: {
    path: invitationsPath,
    items: 'invitations',
    next: 'invitationsNext',
    more: 'invitations-more',
  },
};

const isMe = (member) => state.user !== null && member.userId === state.user.id;

/**
 * Remembers the names of `members` for `crn::user:…` actors; when one is
 * new, redraws what shows actors (the key table and the children).
 */
export function learnNames(members) {
  let learned = false;
  for (const member of members) {
    if (typeof member.userId !== 'string' || typeof member.name !== 'string') continue;
    if (state.people.get(member.userId) === member.name) continue;
    state.people.set(member.userId, member.name);
    learned = true;
  }
  if (learned && signedIn()) {
    redrawKeys();
    redrawChildren();
  }
}

function renderMember(member) {
  const me = isMe(member);
  return el(
    'li',
    { className: 'member', 'data-testid': 'member', 'data-user-id': member.userId },
    el(
      'span',
      { className: 'member-main' },
      el(
        'span',
        { className: 'member-name', 'data-testid': 'member-name' },
        member.name,
        me ? ' ' : null,
        me ? el('span', { className: 'badge badge-self' }, 'you') : null,
      ),
      el('span', { className: 'member-email', 'data-testid': 'member-email' }, member.email),
    ),
    el('span', { className: 'member-role', 'data-testid': 'member-role' }, member.role),
    el(
      'span',
      { className: 'member-created' },
      'added by ',
      el('span', { className: 'who', title: member.createdBy }, crnLabel(member.createdBy)),
      ' ',
      timeElement(member.createdAt),
    ),
    el(
      'span',
      { className: 'member-actions' },
      // Removing yourself would lock you out of the page you are using.
      me
        ? null
        : el(
            'button',
            {
              type: 'button',
              className: 'button-danger-quiet',
              'data-action': 'remove',
              'data-user-id': member.userId,
              'data-testid': 'member-remove',
              'aria-label': `Remove ${member.name}`,
            },
            'Remove…',
          ),
    ),
  );
}

function renderInvitation(invitation) {
  return el(
    'li',
    { className: 'member invitation', 'data-testid': 'invitation', 'data-invitation-id': invitation.id },
    el(
      'span',
      { className: 'member-main' },
      el('span', { className: 'member-name', 'data-testid': 'invitation-email' }, invitation.email),
      el('span', { className: 'member-email' }, 'expires ', timeElement(invitation.expiresAt)),
    ),
    el('span', { className: 'member-role', 'data-testid': 'invitation-role' }, invitation.role),
    el(
      'span',
      { className: 'member-created' },
      'invited by ',
      el('span', { className: 'who', title: invitation.createdBy }, crnLabel(invitation.createdBy)),
      ' ',
      timeElement(invitation.createdAt),
    ),
    el(
      'span',
      { className: 'member-actions' },
      el(
        'button',
        {
          type: 'button',
          'data-action': 'withdraw',
          'data-invitation-id': invitation.id,
          'data-testid': 'invitation-withdraw',
          'aria-label': `Withdraw the invitation of ${invitation.email}`,
        },
        'Withdraw',
      ),
    ),
  );
}

/** Draws both lists, keeping keyboard focus on the same row's button if it is still there. */
function renderMembers() {
  const active = document.activeElement;
  const section = $('members-section');
  const row = active && section.contains(active) ? active.closest('li') : null;
  $('members-list').replaceChildren(...state.members.map(renderMember));
  $('members-empty').hidden = state.members.length > 0;
  $('members-more').hidden = state.membersNext === null;
  $('invitations-list').replaceChildren(...state.invitations.map(renderInvitation));
  $('invitations-empty').hidden = state.invitations.length > 0;
  $('invitations-more').hidden = state.invitationsNext === null;
  $('members-account').textContent = viewed() ? `of ${viewed().name}` : '';
  if (row) {
    const selector = row.dataset.userId
      ? `li[data-user-id="${CSS.escape(row.dataset.userId)}"] button`
      : `li[data-invitation-id="${CSS.escape(row.dataset.invitationId)}"] button`;
    const again = section.querySelector(selector);
    if (again) again.focus();
  }
}

/**
 * Loads a page of one list (`members` or `invitations`) of the shown
 * account: the first again (`reset`) or the next. Resolves with the new
 * items, or null if an account switch or a later load overtook it.
 */
async function loadList(which, { reset, serial = state.memberLoads }) {
  const list = LISTS[which];
  const id = viewedId();
  const query = new URLSearchParams({ limit: String(MEMBERS_PAGE) });
  if (!reset && state[list.next]) query.set('pageKey', state[list.next]);
  const page = await api('GET', `${list.path(id)}?${query}`);
  if (serial !== state.memberLoads || !signedIn() || viewedId() !== id) return null;
  const items = page && Array.isArray(page.items) ? page.items : [];
  state[list.items] = reset ? items : state[list.items].concat(items);
  state[list.next] = page && typeof page.nextPageKey === 'string' ? page.nextPageKey : null;
  return items;
}

/** Loads the first page of the shown account's members and of its invitations. */
export async function loadMembers() {
  const serial = ++state.memberLoads;
  const [members] = await Promise.all([
    loadList('members', { reset: true, serial }),
    loadList('invitations', { reset: true, serial }),
  ]);
  if (serial !== state.memberLoads) return;
  renderMembers();
  if (members) learnNames(members);
}

/** Forgets the lists (an account switch or a sign-out), so that no stale row stays up. */
export function clearMembers() {
  state.memberLoads += 1;
  state.members = [];
  state.membersNext = null;
  state.invitations = [];
  state.invitationsNext = null;
  $('members-list').replaceChildren();
  $('invitations-list').replaceChildren();
  for (const id of ['members-empty', 'members-more', 'invitations-empty', 'invitations-more']) {
    $(id).hidden = true;
  }
  $('members-account').textContent = '';
}

/** The More buttons under the two lists. */
export async function onListMore(event) {
  clearAlert();
  const button = event.currentTarget;
  const which = button.id === 'members-more' ? 'members' : 'invitations';
  await busy(button, async () => {
    const before = state[LISTS[which].items].length;
    const items = await loadList(which, { reset: false });
    if (!items) return;
    renderMembers();
    if (which === 'members') learnNames(items);
    // Where the button was, or the first newly listed row once it is gone.
    const first = $(`${which}-list`).children[before];
    if (button.hidden && first) first.querySelector('button')?.focus();
    notify(`${state[LISTS[which].items].length} ${which} listed${state[LISTS[which].next] ? '; there are more' : ''}.`);
  });
}

export async function onMembersRefresh(event) {
  clearAlert();
  await busy(event.currentTarget, async () => {
    await loadMembers();
    notify('The members and invitations are up to date.');
  });
}

export async function onInvite(event) {
  event.preventDefault();
  clearAlert();
  const form = event.currentTarget;
  const email = $('invite-email').value.trim();
  const role = $('invite-role').value;
  const account = viewed();
  await busy($('invite-submit'), async () => {
    if (!email) {
      throw new DashboardError('The invitation needs an email address', {
        next: 'Type the email address of the person to invite, then invite them.',
      });
    }
    const invitation = await api('POST', invitationsPath(account.id), { body: { email, role } });
    if (!signedIn()) return;
    showInvitation(invitation, account);
    form.reset();
    notify(`${invitation.email} is invited to ${account.name} as ${invitation.role}.`);
    if (viewedId() === account.id) await loadMembers().catch(fail);
  });
}

/** Shows a new invitation's token once, in its panel. */
function showInvitation(invitation, account) {
  $('invite-panel-email').textContent = invitation.email;
  $('invite-panel-account').textContent = account.name;
  $('invite-panel-role').textContent = invitation.role;
  const expires = $('invite-panel-expires');
  expires.replaceChildren(timeElement(invitation.expiresAt));
  $('invite-value').textContent = invitation.token;
  showOnce($('invite-panel'), 'invite-value', 'invite-panel-title');
}

export async function onMembersClick(event) {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  clearAlert();
  if (button.dataset.action === 'remove') {
    const member = state.members.find((m) => m.userId === button.dataset.userId);
    if (member) await removeMember(member, button);
  }
  if (button.dataset.action === 'withdraw') {
    const invitation = state.invitations.find((i) => i.id === button.dataset.invitationId);
    if (invitation) await withdraw(invitation, button);
  }
}

async function removeMember(member, button) {
  const account = viewed();
  $('remove-member-name').textContent = member.name;
  $('remove-member-account').textContent = account.name;
  if (!(await confirmWith($('remove-member-dialog')))) {
    button.focus();
    return;
  }
  await busy(button, async () => {
    try {
      await api('DELETE', `${membershipsPath(account.id)}/${encodeURIComponent(member.userId)}`);
      notify(`${member.name} is no longer a member of ${account.name}.`);
    } finally {
      if (signedIn() && viewedId() === account.id) await loadMembers().catch(fail);
    }
  });
  if (signedIn()) $('members-title').focus();
}

async function withdraw(invitation, button) {
  const account = viewed();
  await busy(button, async () => {
    try {
      await api('DELETE', `${invitationsPath(account.id)}/${encodeURIComponent(invitation.id)}`);
      notify(`The invitation of ${invitation.email} is withdrawn: its token no longer works.`);
    } finally {
      if (signedIn() && viewedId() === account.id) await loadMembers().catch(fail);
    }
  });
  if (signedIn() && !document.activeElement?.closest('#members-section')) $('invitations-title').focus();
}
