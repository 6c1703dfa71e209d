// Editing description and expiry: the edit dialog, which sends only what
// the person changed, and reading datetime-local fields.

import { state } from './state.js';
import { api, DashboardError, keyPath } from './api.js';
import { clearErrorIn, fail, notify, showErrorIn } from './messages.js';
import { $ } from './dom.js';
import { loadKeys, refocus } from './key-table.js';

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

export function openEdit(key, action) {
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

export async function onEditSubmit(event) {
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

export function onNeverChange() {
  const never = $('edit-never').checked;
  const expires = $('edit-expires');
  expires.disabled = never;
  if (!never && !expires.value) {
    // Start from a day ahead rather than an empty field.
    expires.value = localInputValue(new Date(Date.now() + 24 * 60 * 60 * 1000).toISOString());
  }
}

/**
 * A datetime-local field as a UTC instant, or null when left empty;
 * `empty` is what to do instead of leaving it half filled.
 */
export function expiryFrom(input, empty) {
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
