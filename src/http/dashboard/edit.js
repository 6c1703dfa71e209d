// Editing description, expiry, limits, allowed networks, external id and
// meta: the edit dialog, which sends only what the person changed, and
// reading datetime-local and limit fields (the create form's too).

import { isOwnKey, signedIn, state } from './state.js';
import { api, DashboardError, keyPath } from './api.js';
import { clearErrorIn, fail, notify, showErrorIn } from './messages.js';
import { $ } from './dom.js';
import { loadKeys, refocus } from './key-table.js';

/** The dialog's limit fields, by the name limitValues gives their values. */
const limitInputs = () => ({
  rateNone: $('edit-rate-none'),
  limit: $('edit-rate-limit'),
  window: $('edit-rate-window'),
  creditsNone: $('edit-credits-none'),
  balance: $('edit-credits'),
  amount: $('edit-refill-amount'),
  interval: $('edit-refill-interval'),
});

/** What the limit fields show for `key`: checkbox states and field values. */
function limitValues(key) {
  const rate = isObject(key.rateLimit) ? key.rateLimit : null;
  const credits = isObject(key.credits) ? key.credits : null;
  const refill = credits && isObject(credits.refill) ? credits.refill : null;
  return {
    rateNone: !rate,
    limit: rate ? String(rate.limit) : '',
    window: rate ? String(rate.windowSeconds) : '',
    creditsNone: !credits,
    balance: credits ? String(credits.remaining) : '',
    amount: refill ? String(refill.amount) : '',
    interval: refill ? refill.interval : 'daily',
  };
}

/** Disables the fields of a limit whose "No …" box is ticked. */
function syncLimitFields() {
  const inputs = limitInputs();
  inputs.limit.disabled = inputs.rateNone.checked;
  inputs.window.disabled = inputs.rateNone.checked;
  for (const input of [inputs.balance, inputs.amount, inputs.interval]) {
    input.disabled = inputs.creditsNone.checked;
  }
}

/**
 * Fills the limit fields from `key`. With `keepInput`, a field the person
 * changed keeps what they typed, and one they left as it was follows the
 * key (a balance that verifies spent meanwhile, say).
 */
function setLimitBase(key, { keepInput }) {
  const edit = state.edit;
  const before = edit.limits;
  edit.limits = limitValues(key);
  const inputs = limitInputs();
  for (const [name, value] of Object.entries(edit.limits)) {
    const input = inputs[name];
    const checkbox = input.type === 'checkbox';
    const current = checkbox ? input.checked : input.value;
    if (keepInput && before && current !== before[name]) continue;
    if (checkbox) input.checked = value;
    else input.value = value;
  }
  syncLimitFields();
}

/** What the context fields show for `key`, as text. */
function contextValues(key) {
  return {
    cidrs: Array.isArray(key.allowedCidrs) ? key.allowedCidrs.join('\n') : '',
    externalId: typeof key.externalId === 'string' ? key.externalId : '',
    meta: isObject(key.meta) ? JSON.stringify(key.meta, null, 2) : '',
  };
}

const contextInputs = () => ({
  cidrs: $('edit-cidrs'),
  externalId: $('edit-external-id'),
  meta: $('edit-meta'),
});

/** Fills the context fields from `key`; with `keepInput`, what was typed stays. */
function setContextBase(key, { keepInput }) {
  const edit = state.edit;
  const before = edit.context;
  edit.context = contextValues(key);
  const inputs = contextInputs();
  for (const [name, value] of Object.entries(edit.context)) {
    if (keepInput && before && inputs[name].value !== before[name]) continue;
    inputs[name].value = value;
  }
}

/** Adds to `body` what the person changed of the context fields. */
function contextChanges(body) {
  const edit = state.edit;
  const inputs = contextInputs();
  const cidrs = inputs.cidrs.value;
  if (cidrs !== edit.context.cidrs) {
    const entries = cidrs
      .split(/[\s,]+/)
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    body.allowedCidrs = entries.length === 0 ? null : entries;
  }
  const externalId = inputs.externalId.value;
  if (externalId !== edit.context.externalId) body.externalId = externalId === '' ? null : externalId;
  const meta = inputs.meta.value;
  if (meta !== edit.context.meta) {
    if (meta.trim() === '') {
      body.meta = null;
    } else {
      let parsed;
      try {
        parsed = JSON.parse(meta);
      } catch (error) {
        throw new DashboardError('The meta is not JSON', {
          detail: error.message,
          next: 'Write a JSON object such as {"plan": "gold"}, or empty the field for none.',
        });
      }
      if (!isObject(parsed)) {
        throw new DashboardError('The meta must be a JSON object', {
          next: 'Wrap it in braces, such as {"plan": "gold"}, or empty the field for none.',
        });
      }
      body.meta = parsed;
    }
  }
}

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
  setContextBase(key, { keepInput });
  setLimitBase(key, { keepInput });
  $('edit-expired').hidden = key.status !== 'expired';
  $('edit-rate-self').hidden = !isOwnKey(key);
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
      if (signedIn() && edit) refocus(edit.name, edit.action);
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

/**
 * The body of the PUT: only the fields the person changed (empty if none),
 * and whether its credits should carry the key's balance as it is when
 * saved (only the refill changed).
 */
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
  const { rateLimit, credits: had } = edit.key;
  const inputs = limitInputs();
  if (inputs.rateNone.checked) {
    if (rateLimit) body.rateLimit = null;
  } else {
    const rate = rateFrom(inputs, 'tick “No rate limit”');
    if (rate === null) {
      throw new DashboardError('The rate limit is empty', {
        next: 'Fill in the uses per window and the window in seconds, or tick “No rate limit”.',
      });
    }
    if (!sameRate(rate, rateLimit)) body.rateLimit = rate;
  }
  contextChanges(body);
  let keepBalance = false;
  if (inputs.creditsNone.checked) {
    if (had) body.credits = null;
  } else {
    const credits = creditsFrom(inputs, 'tick “No credits”');
    if (credits === null) {
      throw new DashboardError('The credits are empty', {
        next: 'Enter a balance (and a refill, if it has one), or tick “No credits”.',
      });
    }
    const sameBalance = Boolean(had) && credits.remaining === Number(had.remaining);
    if (!sameBalance || !sameRefill(credits.refill, had.refill)) {
      body.credits = credits;
      keepBalance = sameBalance;
    }
  }
  return { body, keepBalance };
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
    const { body, keepBalance } = editChanges();
    if (Object.keys(body).length === 0) {
      dialog.close('unchanged');
      notify(`Nothing changed: ${edit.name} stays as it was.`);
      return;
    }
    if (keepBalance) {
      // Only the refill changed, but a change of credits sets the balance:
      // send the balance as it is now, not as the list last showed it.
      const now = await api('GET', keyPath(edit.name));
      if (now && now.credits) body.credits.remaining = now.credits.remaining;
    }
    const updated = await api('PUT', keyPath(edit.name), { body, ifMatch: edit.key.version });
    if (!signedIn()) return;
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
      if (signedIn()) fail(error);
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

/** Ticking or unticking “No rate limit” or “No credits”. */
export function onLimitNoneChange(event) {
  syncLimitFields();
  if (event.currentTarget.checked) return;
  const first = event.currentTarget.id === 'edit-rate-none' ? 'edit-rate-limit' : 'edit-credits';
  $(first).focus();
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

// ---- limit fields ----

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

/** A whole-number field: its number, or null when left empty. */
function wholeNumber(input, what, next) {
  const raw = input.value.trim();
  if (raw === '') {
    if (input.validity.badInput) throw new DashboardError(`${what} is not a number`, { next });
    return null;
  }
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) {
    throw new DashboardError(`${what} must be a whole number`, { detail: raw, next });
  }
  return n;
}

/**
 * The rate limit the fields `limit` and `window` give, as the API takes
 * it; null when both are empty. `instead` is the other way out, for the
 * next step ("leave both empty for none").
 */
export function rateFrom({ limit, window }, instead) {
  const next = `Enter whole numbers: uses from 1 to 1,000,000,000, and a window from 1 to 2,592,000 seconds (30 days); or ${instead}.`;
  const uses = wholeNumber(limit, 'Uses per window', next);
  const seconds = wholeNumber(window, 'The window', next);
  if (uses === null && seconds === null) return null;
  if (uses === null || seconds === null) {
    throw new DashboardError(
      uses === null ? 'The rate limit needs the uses per window' : 'The rate limit needs its window in seconds',
      { next: `Fill in both, the uses per window and the window in seconds, or ${instead}.` },
    );
  }
  return { limit: uses, windowSeconds: seconds };
}

/**
 * The credits the fields give, as the API takes them (`refill` null when
 * its amount is empty); null when balance and refill amount are both empty.
 */
export function creditsFrom({ balance, amount, interval }, instead) {
  const next = `Enter whole numbers: a balance from 0 and a refill amount from 1, up to 1,000,000,000,000,000; or ${instead}.`;
  const remaining = wholeNumber(balance, 'The credit balance', next);
  const refillAmount = wholeNumber(amount, 'The refill amount', next);
  if (remaining === null && refillAmount === null) return null;
  if (remaining === null) {
    throw new DashboardError('The credits need a balance', {
      next: `Enter the balance in credits (0 or more), or ${instead}.`,
    });
  }
  return {
    remaining,
    refill: refillAmount === null ? null : { amount: refillAmount, interval: interval.value },
  };
}

const rateKey = (rate) => (isObject(rate) ? `${rate.limit}/${rate.windowSeconds}` : '');
const refillKey = (refill) => (isObject(refill) ? `${refill.amount}/${refill.interval}` : '');
/** Whether two rate limits (or their absence) are the same. */
const sameRate = (a, b) => rateKey(a) === rateKey(b);
/** Whether two refills (or their absence) are the same. */
const sameRefill = (a, b) => refillKey(a) === refillKey(b);
