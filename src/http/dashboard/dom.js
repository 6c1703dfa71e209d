// Small DOM helpers: finding elements, building them (text only, never
// markup), times, who made a change, badges, a key's limits and confirm
// dialogs.

import { signedIn, state, viewedId } from './state.js';

export const $ = (id) => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`dashboard: #${id} is missing`);
  return found;
};

export const timeFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'medium',
});
// The same, in two parts that the table can put on two lines.
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const clockFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

export function el(tag, attributes = {}, ...children) {
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

export function timeElement(iso) {
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
 * that manages this one), `owner (account {id})` for others;
 * `crn::user:{id}` -> the person's name when a members list told it, else
 * the CRN. The full CRN stays in the title.
 */
export function crnLabel(crn) {
  if (!signedIn() || typeof crn !== 'string') return String(crn);
  const user = /^crn::user:(.+)$/.exec(crn);
  if (user) return state.people.get(user[1]) || crn;
  const match = /^crn:([^:]+):(.*)$/.exec(crn);
  if (!match) return crn;
  const [, accountId, rest] = match;
  let what = null;
  if (rest.startsWith('api-key:')) what = rest.slice(8);
  else if (rest === 'cli:keyward') what = 'keyward CLI';
  else if (rest === 'leak-report:keyward') what = 'leak report';
  if (what === null) return crn;
  if (accountId === viewedId()) return what;
  const known = state.path.find((account) => account.id === accountId);
  if (known) return `${what} (${known.name})`;
  // Above the signed-in key's own account, which this key cannot read.
  const top = state.path[0];
  if (top && accountId === top.parentAccountId) return `${what} (parent account)`;
  return `${what} (account ${accountId})`;
}

export function audit(crn, at) {
  return el(
    'span',
    { className: 'audit' },
    el('span', { className: 'who', title: crn }, crnLabel(crn)),
    el('span', { className: 'when' }, timeElement(at)),
  );
}

export function badge(text, tone) {
  return el('span', { className: `badge badge-${tone}` }, text);
}

/** A time, or `never` for null (expiry, last use). */
export function timeOrNever(iso) {
  return iso ? timeElement(iso) : el('span', { className: 'never' }, 'never');
}

// ---- a key's limits ----
//
// What is shown is what the key's JSON says: the rate limit setting (not
// how much of the current window is left, which only a verify of the key
// itself can tell) and the credits left with their refill.

const numberFormat = new Intl.NumberFormat();
/** A whole number with the reader's grouping: 1,000. */
const count = (n) => numberFormat.format(n);

/** When a refill happens, for titles and hints. */
const REFILL_WHEN = {
  daily: 'every day at 00:00 UTC',
  monthly: 'on the first of every month at 00:00 UTC',
};

/**
 * A long count as nodes that may break after a group separator
 * (`1,000,000,000,<wbr>000,000`), so that the largest balances still fit a
 * narrow column; shorter ones never break.
 */
function countNodes(n) {
  const text = count(n);
  if (text.length <= 13) return [text];
  const nodes = [];
  for (const part of text.match(/\d+\D?/g) || [text]) nodes.push(part, el('wbr'));
  nodes.pop();
  return nodes;
}

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * `100 / 60 s` (`per`: the part before the window, `window`: the window),
 * and the same in words for assistive technology.
 */
function rateText(rate) {
  const per = `${count(rate.limit)} /`;
  const window = `${count(rate.windowSeconds)} s`;
  return {
    per,
    window,
    short: `${per} ${window}`,
    long: `rate limit ${count(rate.limit)} ${rate.limit === 1 ? 'use' : 'uses'} per ${count(rate.windowSeconds)} ${rate.windowSeconds === 1 ? 'second' : 'seconds'}`,
  };
}

const creditUnit = (n) => (n === 1 ? 'credit' : 'credits');

/** `940 credits left`, and `refills to 1,000 daily` (or null without a refill). */
function creditsText(credits) {
  const remaining = Number(credits.remaining);
  return {
    left: `${count(remaining)} ${creditUnit(remaining)} left`,
    refill: isObject(credits.refill)
      ? `refills to ${count(credits.refill.amount)} ${credits.refill.interval}`
      : null,
  };
}

/**
 * What a key carries besides its rules, under its name: its external id,
 * the networks it may be used from, and its meta (folded, as JSON).
 */
export function renderContext(key) {
  const parts = [];
  if (typeof key.externalId === 'string') {
    parts.push(
      el('span', { className: 'context', 'data-field': 'externalId' }, 'External id: ', el('code', {}, key.externalId)),
    );
  }
  if (Array.isArray(key.allowedCidrs)) {
    parts.push(
      el(
        'span',
        { className: 'context', 'data-field': 'allowedCidrs', title: 'Refused (403 IP_NOT_ALLOWED) from anywhere else' },
        'Only from: ',
        el('code', {}, key.allowedCidrs.join(', ')),
      ),
    );
  }
  if (key.meta !== null && typeof key.meta === 'object') {
    parts.push(
      el(
        'details',
        { className: 'context context-meta', 'data-field': 'meta' },
        el('summary', {}, 'Meta'),
        el('pre', {}, JSON.stringify(key.meta, null, 2)),
      ),
    );
  }
  return parts;
}

/** The Limits cell of a key's row: each limit on its own line, or "—". */
export function renderLimits(key) {
  const parts = [];
  if (isObject(key.rateLimit)) {
    const { per, window, long } = rateText(key.rateLimit);
    parts.push(
      el(
        'span',
        {
          className: 'limit limit-rate',
          'data-limit': 'rateLimit',
          title: `At most ${count(key.rateLimit.limit)} uses (verifies and the key's own API calls) in each window of ${count(key.rateLimit.windowSeconds)} s`,
        },
        // It may break before the window, never inside a number.
        el(
          'span',
          { 'aria-hidden': 'true' },
          el('span', { className: 'nowrap' }, per),
          ' ',
          el('span', { className: 'nowrap' }, window),
        ),
        el('span', { className: 'visually-hidden' }, long),
      ),
    );
  }
  if (isObject(key.credits)) {
    const { refill } = creditsText(key.credits);
    const remaining = Number(key.credits.remaining);
    const spent = remaining <= 0;
    parts.push(
      el(
        'span',
        {
          className: `limit limit-credits${spent ? ' is-spent' : ''}`,
          'data-limit': 'credits',
          title: refill
            ? `Set back to ${count(key.credits.refill.amount)} ${REFILL_WHEN[key.credits.refill.interval] || key.credits.refill.interval}`
            : 'Never refilled',
        },
        el('span', { className: 'credits-left' }, ...countNodes(remaining), ` ${creditUnit(remaining)} left`),
        refill
          ? el('span', { className: 'credits-refill' }, 'refills to ', ...countNodes(key.credits.refill.amount), ` ${key.credits.refill.interval}`)
          : null,
      ),
    );
  }
  if (parts.length === 0) {
    return el(
      'span',
      { className: 'never' },
      el('span', { 'aria-hidden': 'true' }, '—'),
      el('span', { className: 'visually-hidden' }, 'no limits'),
    );
  }
  return el('span', { className: 'limits' }, ...parts);
}

/** A rateLimit or credits value of a history event as text; null is `none`. */
export function limitValue(field, value) {
  if (!isObject(value)) return null;
  if (field === 'rateLimit' && 'limit' in value) return rateText(value).short;
  if (field === 'credits' && 'remaining' in value) {
    const { left, refill } = creditsText(value);
    return refill ? `${left} · ${refill}` : left;
  }
  return null;
}

/** Opens a modal dialog; resolves true only when its confirm button closed it. */
export function confirmWith(dialog) {
  return new Promise((resolve) => {
    dialog.returnValue = '';
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), {
      once: true,
    });
    dialog.showModal();
  });
}
